import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

@Suite("Dot derivatives and batched matmul")
struct DotGradTests {
    static let cases: [GradCase] = [
        .init("vector·vector", [[3], [3]]) { dot($0[0], $0[1]) },
        .init("vector·matrix", [[3], [3, 4]]) { dot($0[0], $0[1]) },
        .init("matrix·vector", [[2, 3], [3]]) { dot($0[0], $0[1]) },
        .init("matrix·matrix", [[2, 3], [3, 4]]) { dot($0[0], $0[1]) },
        .init("non-square", [[5, 2], [2, 3]]) { sqr(dot($0[0], $0[1])) },
        .init("static-1 outer", [[3, 1], [1, 4]]) { dot($0[0], $0[1]) },
        .init("static-1 inner", [[1, 3], [3, 1]]) { exp(dot($0[0], $0[1])) },
        .init("row·vector", [[1, 3], [3]]) { dot($0[0], $0[1]) * 2 },
        .init("empty rows", [[0, 3], [3, 2]]) { dot($0[0], $0[1]) },
        .init("empty inner", [[3, 0], [0, 2]]) { dot($0[0], $0[1]) },
        .init("chained", [[2, 3], [3, 3], [3]]) { dot(dot($0[0], $0[1]), $0[2]) },
        .init("transposed operand", [[3, 2], [3, 4]]) { dot($0[0].T, $0[1]) },
        .init("matmul 2-d", [[2, 3], [3, 2]]) { matmul($0[0], $0[1]) },
        .init("outer", [[3], [4]]) { outer($0[0], $0[1]) },
        .init("outer of a flattened matrix", [[2, 2], [3]]) { outer($0[0], $0[1]) },
    ]

    @Test(arguments: cases)
    func pullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 2000))
    }

    @Test(arguments: cases)
    func float32PullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 2100, dtype: .float32))
    }

    @Test(arguments: cases)
    func pushforwardAgreesWithPullback(_ spec: GradCase) throws {
        try verifyPushforward(spec.build, at: spec.point(seed: 2200))
    }

    @Test(arguments: cases)
    func vectorizedJacobianMatchesRows(_ spec: GradCase) throws {
        let point = spec.point(seed: 2300)
        for wrt in point.indices {
            try T.checkJacobians(spec.build, at: point, wrt: wrt, tolerance: 1e-10)
            try T.checkJacobians(spec.build, at: point, wrt: wrt, staticShapes: false, tolerance: 1e-10)
        }
    }

    @Test(arguments: cases)
    func vectorizeGraphMatchesStackedEvaluations(_ spec: GradCase) throws {
        let point = spec.point(seed: 2400)
        for batched in point.indices {
            let stack = (0..<3).map { T.random(spec.shapes[batched], seed: 2500 + UInt64(10 * batched + $0)) }
            try T.checkVectorizeGraph(spec.build, at: point, batched: batched, stack: stack, tolerance: 1e-10)
            try T.checkVectorizeGraph(
                spec.build, at: point, batched: batched, stack: stack, staticShapes: false, tolerance: 1e-10)
        }
    }

    @Test(arguments: cases)
    func derivativesOfThePullback(_ spec: GradCase) throws {
        let function: ([Variable]) -> Variable = { xs in
            let output = spec.build(xs)
            return pullback(output, wrt: xs[0], cotangent: cos(output))
        }
        try verifyPushforward(function, at: spec.point(seed: 2600))
        try verifyGrad(function, at: spec.point(seed: 2700))
    }

    @Test func pullbackFormsFollowPyTensor() throws {
        let A = Tensor.matrix("A")
        let B = Tensor.matrix("B")
        let G = Tensor.matrix("G")
        let grads = try checked { pullback(dot(A, B), wrt: [A, B], cotangent: G) }
        #expect(dprint(grads) == """
            Dot [id A]
             ├─ G [id B]
             └─ Transpose{axes=[1, 0]} [id C]
                └─ B [id D]
            Dot [id E]
             ├─ Transpose{axes=[1, 0]} [id F]
             │  └─ A [id G]
             └─ G [id B]
            """)
        // vector·matrix: the matrix gets the outer product dot(x[:, None], g[None, :]).
        let x = Tensor.vector("x")
        let g = Tensor.vector("g")
        let outerGrad = try checked { pullback(dot(x, B), wrt: B, cotangent: g) }
        #expect(outerGrad.dprint() == """
            Dot [id A]
             ├─ ExpandDims{axis=1} [id B]
             │  └─ x [id C]
             └─ ExpandDims{axis=0} [id D]
                └─ g [id E]
            """)
        // A statically-1 dim the gradient does not know is asserted.
        // (A cotangent of unknown shape gives dot(G, Bᵀ) no static lengths.)
        let row = Tensor.matrix("r", shape: [1, nil])
        let rowGrad = try checked { pullback(dot(row, B), wrt: row, cotangent: G) }
        #expect(rowGrad.type.shape == [1, nil])
        #expect(rowGrad.owner?.op is SpecifyShape)
    }

    @Test func integerOperandsAreDisconnected() throws {
        let n = Tensor.matrix("n", dtype: .int64)
        let x = Tensor.vector("x")
        let product = dot(n, x)
        #expect(product.owner!.op.connectionPattern(product.owner!) == [[false], [true]])
        let g = try checked { grad(product.sum(), wrt: x) }
        let value = try g.eval(["n": NDArray(shape: [2, 2], elements: [Int64(1), 2, 3, 4]), "x": [1.0, 1.0]])
        #expect(value.asArray(Double.self) == [4, 6])
        let ints = dot(n, n)
        #expect(ints.owner!.op.connectionPattern(ints.owner!) == [[false], [false]])
    }

    @Test func hessianOfAQuadraticForm() throws {
        // ∂²(xᵀAx)/∂x² = A + Aᵀ, through Dot's pullback vectorized into a batched matmul.
        let x = Tensor.vector("x", shape: [3])
        let A = Tensor.matrix("A", shape: [3, 3])
        let a = NDArray(shape: [3, 3], elements: [1.0, 2, 3, 4, 5, 6, 7, 8, 10])
        let H = try checked { hessian(dot(x, dot(A, x)), wrt: x) }
        let value = try H.eval([x: NDArray([0.5, -1, 2]), A: a])
        #expect(value.asArray(Double.self) == [2, 6, 10, 6, 10, 14, 10, 14, 20])
        let hvp = try checked { hessianVectorProduct(dot(x, dot(A, x)), wrt: x, vector: Variable(constant: NDArray([1.0, 0, -1]))) }
        #expect(try hvp.eval([x: NDArray([0.5, -1, 2]), A: a]).asArray(Double.self) == [-8, -8, -10])
    }

    @Test(arguments: [(1, 1), (2, 1), (1, 2), (2, 2)])
    func dotBatchesAsAMatmulOfStacks(_ ranks: (Int, Int)) throws {
        // Both operands batched (and broadcast against a statically-1 batch dim).
        let shapeA = ranks.0 == 1 ? [3] : [2, 3]
        let shapeB = ranks.1 == 1 ? [3] : [3, 4]
        let a = Variable(type: TensorType(dtype: .float64, shape: shapeA), name: "a")
        let b = Variable(type: TensorType(dtype: .float64, shape: shapeB), name: "b")
        let batchA = Variable(type: TensorType(dtype: .float64, shape: [4] + shapeA), name: "A")
        let batchB = Variable(type: TensorType(dtype: .float64, shape: [1] + shapeB), name: "B")
        let out = try checked { vectorizeGraph([dot(a, b)], replacing: [a: batchA, b: batchB])[0] }
        let valuesA = T.random([4] + shapeA, seed: 2800)
        let valuesB = T.random([1] + shapeB, seed: 2801)
        let result = try out.eval([batchA: valuesA, batchB: valuesB])
        let expected = try NDArray.stacking((0..<4).map { k in
            try dot(a, b).eval([a: valuesA.slice(k), b: valuesB.slice(0)])
        })
        #expect(arraysMatch(result, expected, tolerance: 1e-12))
        // Integer vectors keep Dot's dtype when batched.
        let n = Tensor.vector("n", dtype: .int32, shape: [3])
        let stack = Tensor.matrix("s", dtype: .int32, shape: [2, 3])
        let intOut = vectorizeGraph([dot(n, n)], replacing: [n: stack])[0]
        #expect(intOut.dtype == .int32)
        let intValue = try intOut.eval([stack: NDArray(shape: [2, 3], elements: [Int32(1), 2, 3, 4, 5, 6])])
        #expect(intValue.asArray(Int64.self) == [14, 77])
    }

    // MARK: Batched matmul

    static func leftValues(_ shape: [Int], dtype: DType = .float64) -> NDArray {
        let count = shape.reduce(1, *)
        return NDArray(shape: shape, elements: (0..<count).map { Double(($0 * 7) % 11 - 5) }).converted(to: dtype)
    }

    static func rightValues(_ shape: [Int], dtype: DType = .float64) -> NDArray {
        let count = shape.reduce(1, *)
        return NDArray(shape: shape, elements: (0..<count).map { Double(($0 * 5) % 9 - 4) }).converted(to: dtype)
    }

    /// numpy's `matmul` of the two value patterns above (computed once with numpy 2.4).
    static let matmulCases: [([Int], [Int], [Int], [Double])] = [
        ([2, 3, 4], [4, 5], [2, 3, 5],
         [19, 19, 19, -26, 1, -9, -8, -7, -6, 22, 29, -24, 22, 14, -12, -10, -7, -4, -10, 20, 28, -23, 25, 10,
          -14, -22, 27, -23, 8, -15]),
        ([2, 1, 3, 4], [5, 4, 2], [2, 5, 3, 2],
         [13, 13, -3, 7, 14, -21, 13, 13, 5, -3, -14, 14, -32, 13, 4, 5, -15, -14, 13, -32, 3, 4, -7, -15, -14,
          13, -25, 3, 19, -7, -13, 17, 4, -11, -1, -6, 11, -13, -8, 4, -5, -1, -1, 11, -20, -8, 27, -5, 5, -1,
          -5, -20, -4, 27, -25, 5, 19, -5, 19, -4]),
        ([4], [2, 4, 3], [2, 3], [6, -12, 6, 6, 6, 6]),
        ([2, 3, 4], [4], [2, 3], [38, -19, 12, -23, 8, 6]),
        ([1, 2, 3], [4, 3, 2], [4, 2, 2], [18, -7, -17, -2, 3, -22, -8, 25, -12, 8, 1, -11, 18, -7, -17, -2]),
        ([3, 2, 4], [3, 4, 2], [3, 2, 2], [13, 13, -3, 7, -14, 14, 11, -13, -20, -8, 27, -5]),
        ([2, 2, 1, 3], [1, 3, 2], [2, 2, 1, 2], [18, -7, -17, -2, -8, -8, 1, -14]),
    ]

    @Test(arguments: matmulCases, [DType.float64, .float32, .int64])
    func batchedMatmulMatchesNumpy(_ spec: ([Int], [Int], [Int], [Double]), _ dtype: DType) throws {
        let (shapeA, shapeB, shapeOut, expected) = spec
        let a = Variable(type: TensorType(dtype: dtype, shape: shapeA), name: "a")
        let b = Variable(type: TensorType(dtype: dtype, shape: shapeB), name: "b")
        let product = try checked { matmul(a, b) }
        #expect(product.type == TensorType(dtype: dtype, shape: shapeOut))
        let feed = [a: Self.leftValues(shapeA, dtype: dtype), b: Self.rightValues(shapeB, dtype: dtype)]
        let value = try product.eval(feed)
        #expect(value.dtype == dtype)
        #expect(value.shape == shapeOut)
        #expect(value.asArray(Double.self) == expected)
        #expect(try BasicOpsTesting.shapes(of: product, ["a": feed[a]!, "b": feed[b]!]).inferred == shapeOut)
        // Unknown static lengths (batch dims that are not statically 1 do not broadcast, so only
        // shapes without a broadcast batch dim run unknown).
        let broadcasts = shapeA.dropLast(2).contains(1) || shapeB.dropLast(2).contains(1)
            || (shapeA.count > 2 && shapeB.count > 2 && shapeA.count != shapeB.count)
        guard !broadcasts else { return }
        let ua = Variable(type: TensorType(dtype: dtype, shape: shapeA.map { _ in nil }), name: "a")
        let ub = Variable(type: TensorType(dtype: dtype, shape: shapeB.map { _ in nil }), name: "b")
        let unknown = try checked { matmul(ua, ub) }
        #expect(unknown.type.shape == shapeOut.map { _ in nil })
        #expect(try unknown.eval([ua: feed[a]!, ub: feed[b]!]).asArray(Double.self) == expected)
    }

    @Test func batchedMatmulIsBlockwiseDot() throws {
        let a = Tensor.tensor3("a")
        let b = Tensor.matrix("b")
        let product = matmul(a, b)
        #expect(product.owner?.op.description == "Blockwise{Dot, (m,k),(k,n)->(m,n)}")
        let v = Tensor.vector("v")
        #expect(matmul(v, a).dprint() == """
            Squeeze{axis=1} [id A]
             └─ Blockwise{Dot, (m,k),(k,n)->(m,n)} [id B]
                ├─ ExpandDims{axis=0} [id C]
                │  └─ ExpandDims{axis=0} [id D]
                │     └─ v [id E]
                └─ a [id F]
            """)
        // The vector became a row (inner ExpandDims), then Blockwise padded its batch dim.
    }

    @Test func batchedMatmulErrors() throws {
        let a = Tensor.tensor3("a", shape: [2, 3, 4])
        let b = Tensor.tensor3("b", shape: [5, 4, 2])
        let batchError = BasicOpsTesting.buildError { matmul(a, b) }
        #expect(BasicOpsTesting.matches(batchError, .invalidGraph, ["incompatible batch shapes", "(2,)", "(5,)"]))
        let c = Tensor.tensor3("c", shape: [2, 5, 2])
        let innerError = BasicOpsTesting.buildError { matmul(a, c) }
        #expect(BasicOpsTesting.matches(innerError, .invalidGraph, ["Dot", "(4 vs 5)"]))
        let ua = Tensor.tensor3("ua")
        let ub = Tensor.tensor3("ub")
        let runtime = BasicOpsTesting.runtimeError(
            matmul(ua, ub), ["ua": NDArray.zeros([2, 3, 4]), "ub": NDArray.zeros([3, 4, 2])])
        #expect(BasicOpsTesting.matches(runtime, .shapeMismatch, ["batch dimension 0"]))
        let inner = BasicOpsTesting.runtimeError(
            matmul(ua, ub), ["ua": NDArray.zeros([2, 3, 4]), "ub": NDArray.zeros([2, 3, 2])])
        #expect(BasicOpsTesting.matches(inner, .shapeMismatch, ["Dot", "not aligned"]))
    }

    /// Gradients through a batched matmul need Blockwise's pullback (written elsewhere); this
    /// runs once it is in the tree.
    @Test(.enabled(if: AutodiffTesting.blockwiseHasPullback), arguments: [
        ([2, 3, 4], [4, 2]), ([2, 1, 3, 4], [5, 4, 2]), ([4], [2, 4, 3]), ([2, 3, 4], [4]), ([1, 2, 3], [4, 3, 2]),
    ])
    func batchedMatmulGradients(_ shapeA: [Int], _ shapeB: [Int]) throws {
        let point = [T.random(shapeA, seed: 2900), T.random(shapeB, seed: 2901)]
        try verifyGrad({ matmul($0[0], $0[1]) }, at: point)
        try verifyPushforward({ matmul($0[0], $0[1]) }, at: point)
    }
}

extension NDArray {
    /// Entry `k` of the leading dim, for per-entry reference evaluations.
    func slice(_ k: Int) -> NDArray { batchBlock(at: [k]).contiguous() }
}
