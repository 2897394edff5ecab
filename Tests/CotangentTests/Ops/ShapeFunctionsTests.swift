import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One shape or creation function of A = arange(6).reshape(2, 3), x = [1, 4, 9, 16] or
/// B = arange(12).reshape(3, 4), with numpy's result.
struct ShapeFunctionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: [Int]
    let apply: @Sendable (Variable) -> Variable
    let shape: [Int]
    let expected: [Double]
    var testDescription: String { name }

    static func source(_ shape: [Int]) -> NDArray {
        shape == [4] ? NDArray([1.0, 4, 9, 16]) : NDArray(shape: shape, elements: (0..<shape.reduce(1, *)).map(Double.init))
    }

    static let all: [ShapeFunctionCase] = [
        .init(name: "repeat(A, 2, axis=1)", input: [2, 3], apply: { repeated($0, count: 2, axis: 1) }, shape: [2, 6],
              expected: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        .init(name: "repeat(A, 2)", input: [2, 3], apply: { repeated($0, count: 2) }, shape: [12],
              expected: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        .init(name: "tile(A, (2, 2))", input: [2, 3], apply: { tile($0, [2, 2]) }, shape: [4, 6],
              expected: [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]),
        .init(name: "tile(x, (2, 1))", input: [4], apply: { tile($0, [2, 1]) }, shape: [2, 4], expected: [1, 4, 9, 16, 1, 4, 9, 16]),
        .init(name: "diff(x)", input: [4], apply: { diff($0) }, shape: [3], expected: [3, 5, 7]),
        .init(name: "diff(A, 2, axis=1)", input: [2, 3], apply: { diff($0, order: 2, axis: 1) }, shape: [2, 1], expected: [0, 0]),
        .init(name: "roll(x, 1)", input: [4], apply: { roll($0, 1) }, shape: [4], expected: [16, 1, 4, 9]),
        .init(name: "roll(A, -1, axis=1)", input: [2, 3], apply: { roll($0, -1, axis: 1) }, shape: [2, 3], expected: [1, 2, 0, 4, 5, 3]),
        .init(name: "roll(A, 2)", input: [2, 3], apply: { roll($0, 2) }, shape: [2, 3], expected: [4, 5, 0, 1, 2, 3]),
        .init(name: "flip(A, 1)", input: [2, 3], apply: { flip($0, axis: 1) }, shape: [2, 3], expected: [2, 1, 0, 5, 4, 3]),
        .init(name: "pad(x, (1, 2))", input: [4], apply: { pad($0, [(1, 2)]) }, shape: [7], expected: [0, 1, 4, 9, 16, 0, 0]),
        .init(name: "pad(A, ((1, 0), (0, 1)), constant -1)", input: [2, 3], apply: { pad($0, [(1, 0), (0, 1)], mode: .constant(-1)) },
              shape: [3, 4], expected: [-1, -1, -1, -1, 0, 1, 2, -1, 3, 4, 5, -1]),
        .init(name: "pad(x, (2, 3), edge)", input: [4], apply: { pad($0, [(2, 3)], mode: .edge) }, shape: [9],
              expected: [1, 1, 1, 4, 9, 16, 16, 16, 16]),
        .init(name: "pad(x, (3, 5), reflect)", input: [4], apply: { pad($0, [(3, 5)], mode: .reflect) }, shape: [12],
              expected: [16, 9, 4, 1, 4, 9, 16, 9, 4, 1, 4, 9]),
        .init(name: "hstack([x, x[:2]])", input: [4], apply: { hstack([$0, $0[..<2]]) }, shape: [6], expected: [1, 4, 9, 16, 1, 4]),
        .init(name: "vstack([x, x])", input: [4], apply: { vstack([$0, $0]) }, shape: [2, 4], expected: [1, 4, 9, 16, 1, 4, 9, 16]),
        .init(name: "tril(B)", input: [3, 4], apply: { tril($0) }, shape: [3, 4], expected: [0, 0, 0, 0, 4, 5, 0, 0, 8, 9, 10, 0]),
        .init(name: "triu(B, 1)", input: [3, 4], apply: { triu($0, offset: 1) }, shape: [3, 4], expected: [0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11]),
        .init(name: "tril(B, -1)", input: [3, 4], apply: { tril($0, offset: -1) }, shape: [3, 4], expected: [0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0]),
        .init(name: "diagonal(B)", input: [3, 4], apply: { diagonal($0) }, shape: [3], expected: [0, 5, 10]),
        .init(name: "diagonal(B, 1)", input: [3, 4], apply: { diagonal($0, offset: 1) }, shape: [3], expected: [1, 6, 11]),
        .init(name: "diagonal(B, -1)", input: [3, 4], apply: { diagonal($0, offset: -1) }, shape: [2], expected: [4, 9]),
        .init(name: "diag(x[:2], 1)", input: [4], apply: { diag($0[..<2] - $0[..<2] + Variable(constant: NDArray([1.0, 2])), offset: 1) },
              shape: [3, 3], expected: [0, 1, 0, 0, 0, 2, 0, 0, 0]),
        .init(name: "trace(B)", input: [3, 4], apply: { trace($0) }, shape: [], expected: [15]),
        .init(name: "outer(x[:2], x[1:])", input: [4], apply: { outer($0[..<2], $0[1...]) }, shape: [2, 3],
              expected: [4, 9, 16, 16, 36, 64]),
        .init(name: "swapAxes(A, 0, 1)", input: [2, 3], apply: { swapAxes($0, 0, 1) }, shape: [3, 2], expected: [0, 3, 1, 4, 2, 5]),
        .init(name: "broadcastTo(x, (2, 4))", input: [4], apply: { broadcastTo($0, [2, 4]) }, shape: [2, 4], expected: [1, 4, 9, 16, 1, 4, 9, 16]),
    ]
}

@Suite("Shape and creation functions")
struct ShapeFunctionsTests {
    @Test(arguments: ShapeFunctionCase.all)
    func valuesMatchNumpy(_ spec: ShapeFunctionCase) throws {
        let x = Variable(type: TensorType(dtype: .float64, shape: spec.input.map { _ in nil }), name: "x")
        let y = try checked { spec.apply(x) }
        let feed = ["x": ShapeFunctionCase.source(spec.input)]
        let value = try y.eval(feed)
        #expect(value.shape == spec.shape)
        #expect(value.asArray(Double.self) == spec.expected)
        let shapes = try BasicOpsTesting.shapes(of: y, feed)
        #expect(shapes.inferred == spec.shape)
    }

    @Test(arguments: ShapeFunctionCase.all.filter { !$0.name.hasPrefix("diag(") })
    func derivativesAgree(_ spec: ShapeFunctionCase) throws {
        let point = [randomPoint(spec.input, -2...2, seed: 61)]
        try verifyGrad({ spec.apply($0[0]) }, at: point)
        try verifyPushforward({ spec.apply($0[0]) }, at: point)
        try AutodiffTesting.checkJacobians({ spec.apply($0[0]) }, at: point)
    }

    @Test func creationFunctionsMatchNumpy() throws {
        #expect(try linspace(0, 1, count: 5).eval().asArray(Double.self) == [0, 0.25, 0.5, 0.75, 1])
        let (rows, columns) = triuIndices(3, offset: 1)
        #expect(try rows.eval().asArray(Int64.self) == [0, 0, 1] && columns.eval().asArray(Int64.self) == [1, 2, 2])
        let lower = trilIndices(3, columns: 4)
        #expect(try lower.rows.eval().asArray(Int64.self) == [0, 1, 1, 2, 2, 2])
        #expect(try lower.columns.eval().asArray(Int64.self) == [0, 0, 1, 0, 1, 2])
        let i = Tensor.vector("i", dtype: .int64)
        #expect(try bincount(i, minLength: 5).eval(["i": NDArray([Int64(1), 1, 3])]).asArray(Int64.self) == [0, 2, 0, 1, 0])
        let w = Tensor.vector("w")
        #expect(try bincount(i, weights: w).eval(["i": NDArray([Int64(1), 1, 3]), "w": [0.5, 1, 2]]).asArray(Double.self) == [0, 1.5, 0, 2])
        let B = Tensor.matrix("B")
        let coordinates = nonzero(B .> 4)
        // numpy: (arange(12).reshape(3, 4) > 4).nonzero()
        let values = try evaluate(coordinates, ["B": ShapeFunctionCase.source([3, 4])])
        #expect(values[0].asArray(Int64.self) == [1, 1, 1, 2, 2, 2, 2] && values[1].asArray(Int64.self) == [1, 2, 3, 0, 1, 2, 3])
        let ones = try fullLike(B, 2).eval(["B": NDArray.zeros([2, 2])])
        #expect(ones.asArray(Double.self) == [2, 2, 2, 2])
        #expect(try identityLike(B).eval(["B": NDArray.zeros([2, 3])]).asArray(Double.self) == [1, 0, 0, 0, 1, 0])
        let pieces = split(Tensor.vector("x"), [1, 3])
        let parts = try evaluate(pieces, ["x": [1.0, 4, 9, 16]])
        #expect(parts.map { $0.asArray(Double.self) } == [[1], [4, 9], [16]])
        let (a, b) = (Tensor.vector("a"), Tensor.matrix("b"))
        let broadcast = try evaluate(broadcastArrays([a, b]), ["a": [1.0, 2], "b": NDArray.zeros([3, 2])])
        #expect(broadcast.map(\.shape) == [[3, 2], [3, 2]])
        #expect([atLeast1d(Tensor.scalar("s")), atLeast2d(a), atLeast3d(b)].map(\.type.shape) == [[1], [1, nil], [nil, nil, 1]])
        #expect(moveAxis(Tensor.tensor3("t", shape: [2, 3, 4]), 0, -1).type.shape == [3, 4, 2])
    }

    /// numpy's one-argument `where`: one int64 coordinate vector per dim, in row-major order,
    /// lengths known only at run time (`np.where(c)`'s tuple).
    @Test func whereOfAConditionMatchesNumpy() throws {
        let B = Tensor.matrix("B", dtype: .int64)
        let v = Tensor.vector("v")
        let T = Tensor.tensor3("T", dtype: .int64)
        let arange12 = NDArray(shape: [3, 4], elements: (0..<12).map { Int64($0) })
        let arange24 = NDArray(shape: [2, 3, 4], elements: (0..<24).map { Int64($0) })
        let cases: [([Variable], [String: NDArray], [[Int64]])] = [
            // np.where(np.arange(12).reshape(3, 4) % 3 == 0)
            (`where`(B % 3 .== 0), ["B": arange12], [[0, 0, 1, 2], [0, 3, 2, 1]]),
            // np.where(np.array([0, 1.5, 0, -2.0])): the nonzero entries of a float tensor
            (`where`(v), ["v": [0.0, 1.5, 0, -2]], [[1, 3]]),
            // np.where(np.arange(24).reshape(2, 3, 4) % 7 == 1)
            (`where`(T % 7 .== 1), ["T": arange24], [[0, 0, 1, 1], [0, 2, 0, 2], [1, 0, 3, 2]]),
            // np.where(np.zeros((2, 3), dtype=int)): all false, two empty int64 vectors
            (`where`(B), ["B": NDArray.zeros([2, 3], dtype: .int64)], [[], []]),
        ]
        for (coordinates, feed, expected) in cases {
            #expect(coordinates.map(\.type) == Array(repeating: TensorType(dtype: .int64, shape: [nil]), count: expected.count))
            for (coordinate, elements) in zip(coordinates, expected) {
                let value = try coordinate.eval(feed)
                #expect(value.dtype == .int64 && value.shape == [elements.count])
                #expect(value.asArray(Int64.self) == elements)
                let shapes = try BasicOpsTesting.shapes(of: coordinate, feed)
                #expect(shapes.inferred == shapes.actual)
            }
        }
        // numpy ≥ 2 refuses a 0-d condition.
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { `where`(Tensor.scalar("s")).first ?? v }, .invalidGraph,
            ["where: calling nonzero on a 0-d tensor is not allowed (Scalar(float64"]))
    }

    @Test func badArgumentsAreTypedErrors() {
        let x = Tensor.vector("x")
        #expect(BasicOpsTesting.matches(BasicOpsTesting.buildError { tril(x) }, .invalidGraph, ["tril: expects a tensor of rank ≥ 2"]))
        #expect(BasicOpsTesting.matches(BasicOpsTesting.buildError { roll(x, 1, axis: 1) }, .invalidGraph, ["roll: axis 1 is out of bounds"]))
        #expect(BasicOpsTesting.matches(BasicOpsTesting.buildError { pad(x, [(1, 1), (1, 1)]) }, .invalidGraph, ["pad: expects at most 1"]))
        #expect(BasicOpsTesting.matches(BasicOpsTesting.buildError { repeated(x, count: -1) }, .invalidGraph, ["count must be ≥ 0"]))
    }

    /// Each function's statically impossible arguments: a typed error naming the function, the
    /// bad argument and the input's type (inside `checked`; outside it building stops).
    @Test func badArgumentsNameTheFunctionAndTheInput() {
        let x = Tensor.vector("x")
        let A = Tensor.matrix("A", shape: [2, 3])
        let T = Tensor.tensor3("T")
        let cases: [(() -> Variable, [String])] = [
            ({ tile(x, [2, -1]) }, ["tile: repetitions must be ≥ 0, got [2, -1]", "Vector(float64, shape=(?,))"]),
            ({ diff(A, axis: 2) }, ["diff: axis 2 is out of bounds for a tensor of rank 2", "Matrix(float64, shape=(2, 3))"]),
            ({ diff(x, order: -1) }, ["diff: order must be ≥ 0, got -1", "Vector(float64"]),
            ({ diff(Tensor.scalar("s")) }, ["diff: axis -1 is out of bounds for a tensor of rank 0", "Scalar(float64"]),
            ({ split(A, [1], axis: -3)[0] }, ["split: axis -3 is out of bounds for a tensor of rank 2", "Matrix(float64, shape=(2, 3))"]),
            ({ swapAxes(A, 0, 2) }, ["swapAxes: axis 2 is out of bounds for a tensor of rank 2", "(2, 3)"]),
            ({ moveAxis(T, 3, 0) }, ["moveAxis: axis 3 is out of bounds for a tensor of rank 3", "Tensor3(float64"]),
            ({ moveAxis(T, 0, -4) }, ["moveAxis: axis -4 is out of bounds for a tensor of rank 3"]),
            ({ diagonal(x) }, ["diagonal: expects a tensor of rank ≥ 2, got Vector(float64"]),
            ({ diagonal(A, axis1: 1, axis2: -1) }, ["diagonal: axis1 and axis2 cannot be the same (1)", "(2, 3)"]),
            ({ diagonal(T, axis2: 3) }, ["diagonal: axis 3 is out of bounds for a tensor of rank 3"]),
            ({ diag(T) }, ["diag: expects a vector or a matrix, got Tensor3(float64"]),
            ({ diag(Tensor.scalar("s")) }, ["diag: expects a vector or a matrix, got Scalar(float64"]),
            ({ linspace(0, 1, count: -2) }, ["linspace: count must be ≥ 0, got -2"]),
            ({ identityLike(T) }, ["identityLike: expects a matrix, got Tensor3(float64"]),
            ({ identityLike(x) }, ["identityLike: expects a matrix, got Vector(float64"]),
            ({ nonzero(Tensor.scalar("b", dtype: .bool)).first ?? x }, ["nonzero: calling nonzero on a 0-d tensor"]),
        ]
        for (build, fragments) in cases {
            let error = BasicOpsTesting.buildError(build)
            #expect(BasicOpsTesting.matches(error, .invalidGraph, fragments), "\(String(describing: error))")
        }
    }

    /// Each piece of `split` differentiates to ones over its own slice of the input.
    @Test func splitPiecesDifferentiate() throws {
        let point = [randomPoint([3, 5], -2...2, seed: 62)]
        let columns = [[0], [1, 2], [3, 4]]
        for piece in 0..<3 {
            let f = { (v: [Variable]) in split(v[0], [1, 3], axis: 1)[piece] }
            try verifyGrad(f, at: point)
            try verifyGrad(f, at: [point[0].converted(to: .float32)])
            try verifyPushforward(f, at: point)
            try AutodiffTesting.checkJacobians(f, at: point)
            let gradient = try AutodiffTesting.checkDerivativeTypes(f, at: point)[0]
            try AutodiffTesting.checkDerivativeTypes(f, at: [point[0].converted(to: .float32)], staticShapes: false)
            let expected = (0..<15).map { columns[piece].contains($0 % 5) ? 1.0 : 0.0 }
            #expect(gradient.asArray(Double.self) == expected)
        }
    }

    /// `diag` of a vector scatters it onto a diagonal: its gradient reads the diagonal back.
    @Test(arguments: [0, 1, -2])
    func diagOfAVectorDifferentiates(offset: Int) throws {
        let point = [randomPoint([3], -2...2, seed: 63)]
        let f = { (v: [Variable]) in diag(v[0], offset: offset) }
        try verifyGrad(f, at: point)
        try verifyGrad(f, at: [point[0].converted(to: .float32)])
        try verifyPushforward(f, at: point)
        try AutodiffTesting.checkJacobians(f, at: point)
        try AutodiffTesting.checkJacobians(f, at: point, staticShapes: false)
        let gradient = try AutodiffTesting.checkDerivativeTypes(f, at: point)[0]
        #expect(gradient.asArray(Double.self) == [1, 1, 1])
    }

    /// `bincount` with weights is linear in the weights: the gradient of `sum(c * counts)` is
    /// `c[x]`.
    @Test func bincountDifferentiatesWithRespectToTheWeights() throws {
        let i = indexConstant([1, 1, 3, 0])
        let f = { (v: [Variable]) in bincount(i, weights: v[0], minLength: 6) }
        let point = [NDArray([0.5, 1, 2, -1])]
        try verifyGrad(f, at: point)
        try verifyPushforward(f, at: point)
        try AutodiffTesting.checkJacobians(f, at: point)
        try AutodiffTesting.checkDerivativeTypes(f, at: point)
        try AutodiffTesting.checkDerivativeTypes(f, at: [point[0].converted(to: .float32)], staticShapes: false)
        let w = Tensor.vector("w")
        let counts = bincount(i, weights: w, minLength: 6)
        // np.bincount([1, 1, 3, 0], weights=[0.5, 1, 2, -1], minlength=6)
        #expect(try counts.eval(["w": point[0]]).asArray(Double.self) == [-1, 1.5, 0, 2, 0, 0])
        let g = grad((counts * Variable(constant: NDArray((0..<6).map(Double.init)))).sum(), wrt: w)
        // The gradient knows the index's length statically, which the weights must have.
        #expect(g.type == TensorType(dtype: .float64, shape: [4]))
        #expect(try g.eval(["w": point[0]]).asArray(Double.self) == [1, 1, 3, 0])
    }
}
