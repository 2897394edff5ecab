import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Sorting, searching and along-axis ops")
struct SortOpsTests {
    static let A = NDArray(shape: [3, 4], elements: [3.0, 1, 2, 1, 0, -1, 5, -1, 2, 2, 2, 0])

    @Test func sortAndArgsortMatchNumpy() throws {
        let x = Tensor.matrix("A", shape: [3, 4])
        let feed = ["A": Self.A]
        #expect(sort(x).owner?.op.description == "SortOp{kind='stable'}")
        #expect(sort(x).type.shape == [3, 4])
        #expect(try sort(x).eval(feed).asArray(Double.self) == [1, 1, 2, 3, -1, -1, 0, 5, 0, 2, 2, 2])
        #expect(try sort(x, axis: 0).eval(feed).asArray(Double.self) == [0, -1, 2, -1, 2, 1, 2, 0, 3, 2, 5, 1])
        #expect(try sort(x, descending: true).eval(feed).asArray(Double.self) == [3, 2, 1, 1, 5, 0, -1, -1, 2, 2, 2, 0])
        let order = argsort(x)
        #expect(order.dtype == .int64 && order.owner?.op.description == "ArgSortOp{kind='stable'}")
        #expect(try order.eval(feed).asArray(Int64.self) == [1, 3, 2, 0, 1, 3, 0, 2, 3, 0, 1, 2])
        // jnp.argsort(A, axis=1, descending=True, stable=True)
        #expect(try argsort(x, descending: true).eval(feed).asArray(Int64.self) == [0, 2, 1, 3, 2, 0, 1, 3, 0, 1, 2, 3])
    }

    @Test func searchsortedMatchesNumpy() throws {
        let s = Tensor.vector("s")
        let v = Tensor.matrix("v")
        let feed = ["s": NDArray([1.0, 2, 2, 3, 5]), "v": NDArray(shape: [2, 2], elements: [0.0, 2, 2.5, 6])]
        #expect(searchsorted(s, v).type == TensorType(dtype: .int64, shape: [nil, nil]))
        #expect(try searchsorted(s, v).eval(feed).asArray(Int64.self) == [0, 1, 3, 5])
        #expect(try searchsorted(s, v, right: true).eval(feed).asArray(Int64.self) == [0, 3, 3, 5])
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { searchsorted(v, s) }, .invalidGraph, ["expects a 1-d sorted tensor"]))
    }

    @Test func uniqueMatchesNumpy() throws {
        let u = Tensor.matrix("u", dtype: .int64)
        let feed: [InputKey: NDArray] = ["u": NDArray(shape: [2, 3], elements: [Int64(3), 1, 2, 1, 3, 3])]
        let outputs = unique(u, returnIndex: true, returnInverse: true, returnCounts: true)
        #expect(outputs[0].owner?.op.description == "Unique{True, True, True}")
        #expect(outputs.map(\.type.shape) == [[nil], [nil], [nil, nil], [nil]])
        let values = try evaluate(outputs, feed)
        #expect(values.map { $0.asArray(Int64.self) } == [[1, 2, 3], [1, 2, 0], [2, 0, 1, 0, 2, 2], [2, 1, 3]])
        #expect(values[2].shape == [2, 3])
        #expect(try evaluate([unique(u)], feed)[0].asArray(Int64.self) == [1, 2, 3])
    }

    /// The inverse of `unique` has the input's symbolic shape, computed without running
    /// `Unique`; the other outputs' lengths are read from them at run time.
    @Test func uniqueInferShape() throws {
        let u = Tensor.matrix("u", dtype: .int64)
        let feed: [String: NDArray] = ["u": NDArray(shape: [2, 3], elements: [Int64(3), 1, 2, 1, 3, 3])]
        let all = unique(u, returnIndex: true, returnInverse: true, returnCounts: true)
        let inverseOnly = unique(u, returnIndex: false, returnInverse: true)
        for output in all + inverseOnly {
            let shapes = try BasicOpsTesting.shapes(of: output, feed)
            #expect(shapes.inferred == shapes.actual)
        }
        for inverse in [all[2], inverseOnly[1]] {
            let dims = inverse.symbolicShape
            #expect(dims.map { $0.owner.map { "\($0.op)" } } == ["Shape_i{0}", "Shape_i{1}"])
            #expect(dims.allSatisfy { $0.owner?.inputs[0] === u })
            // The rewritten shape graph reads u's shape only.
            let shape = rewriteGraph(inverse.shape, include: ["fast_run"])
            #expect(!GraphTraversal.toposort([shape]).contains { $0.op is UniqueOp })
            #expect(try shape.eval(feed).asArray(Int64.self) == [2, 3])
        }
        // A static input shape is the inverse's static shape.
        let fixed = unique(Tensor.vector("f", dtype: .int64, shape: [5]), returnIndex: false, returnInverse: true)
        #expect(fixed[1].type.shape == [5] && fixed[0].type.shape == [nil])
    }

    @Test func topKMatchesJax() throws {
        let x = Tensor.matrix("A", shape: [3, 4])
        let (values, indices) = topK(x, 2)
        #expect(values.type.shape == [3, 2] && indices.dtype == .int64)
        let result = try evaluate([values, indices], ["A": Self.A])
        #expect(result[0].asArray(Double.self) == [3, 2, 5, 0, 2, 2])
        #expect(result[1].asArray(Int64.self) == [0, 2, 2, 0, 0, 1])
        #expect(BasicOpsTesting.matches(BasicOpsTesting.buildError { topK(x, 5).values }, .invalidGraph, ["k must be in 0...4"]))
    }

    @Test func takeAndAlongAxisMatchNumpy() throws {
        let x = Tensor.matrix("A", shape: [3, 4])
        let feed = ["A": Self.A]
        let taken = take(x, indexConstant([0, 2, 3, 3], shape: [2, 2]), axis: 1)
        #expect(taken.type.shape == [3, 2, 2])
        #expect(try taken.eval(feed).asArray(Double.self) == [3, 2, 1, 1, 0, 5, -1, -1, 2, 2, 0, 0])
        #expect(try take(x, indexConstant([5, 0])).eval(feed).asArray(Double.self) == [-1, 3])
        let J = indexConstant([1, 0, 3], shape: [3, 1])
        #expect(try takeAlongAxis(x, J, axis: 1).eval(feed).asArray(Double.self) == [1, 0, 0])
        let put = putAlongAxis(x, J, Variable(constant: NDArray(shape: [3, 1], elements: [9.0, 8, 7])), axis: 1)
        #expect(try put.eval(feed).asArray(Double.self) == [3, 9, 2, 1, 8, -1, 5, -1, 2, 2, 2, 7])
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { takeAlongAxis(x, indexConstant([0]), axis: 1) }, .invalidGraph, ["same rank"]))
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.buildError { take(x, indexConstant([0]), axis: 2) }, .invalidGraph, ["axis 2 is out of bounds"]))
    }

    /// Bad axes and indices of the sorting and along-axis functions: typed errors naming the
    /// function or op, the axis and the input's type, when building or at run time.
    @Test func badAxesAndIndicesAreTypedErrors() {
        let x = Tensor.matrix("A", shape: [3, 4])
        let J = indexConstant([1, 0, 3], shape: [3, 1])
        let values = Variable(constant: NDArray(shape: [3, 1], elements: [9.0, 8, 7]))
        let buildCases: [(() -> Variable, [String])] = [
            ({ sort(x, axis: 2) }, ["sort: axis 2 is out of bounds for a tensor of rank 2", "Matrix(float64, shape=(3, 4))"]),
            ({ sort(x, axis: -3, descending: true) }, ["sort: axis -3 is out of bounds for a tensor of rank 2"]),
            ({ sort(Tensor.scalar("s")) }, ["sort: axis -1 is out of bounds for a tensor of rank 0", "Scalar(float64"]),
            ({ argsort(x, axis: 5) }, ["argsort: axis 5 is out of bounds for a tensor of rank 2"]),
            ({ build(SortOp(axis: 2), x) }, ["SortOp{kind='stable'}: axis 2 is out of range for Matrix(float64, shape=(3, 4))"]),
            ({ build(ArgSortOp(axis: -1), x) }, ["ArgSortOp{kind='stable'}: axis -1 is out of range"]),
            ({ putAlongAxis(x, indexConstant([0]), values, axis: 1) },
             ["putAlongAxis: indices must be an integer tensor of the same rank as Matrix(float64, shape=(3, 4)), got Vector(int64"]),
            ({ putAlongAxis(x, Variable(constant: NDArray(shape: [3, 1], elements: [1.0, 0, 3])), values, axis: 1) },
             ["putAlongAxis: indices must be an integer tensor", "got Matrix(float64, shape=(3, 1))"]),
            ({ putAlongAxis(x, J, values, axis: 2) }, ["putAlongAxis: axis 2 is out of bounds for a tensor of rank 2"]),
            ({ putAlongAxis(x, J, Variable(constant: NDArray.zeros([3, 2])), axis: 1) },
             ["AdvancedSetSubtensor: a value of static shape (3, 2) cannot broadcast to the region of static shape (3, 1)"]),
            ({ takeAlongAxis(x, J, axis: -3) }, ["takeAlongAxis: axis -3 is out of bounds for a tensor of rank 2"]),
        ]
        for (build, fragments) in buildCases {
            let error = BasicOpsTesting.buildError(build)
            #expect(BasicOpsTesting.matches(error, .invalidGraph, fragments), "\(String(describing: error))")
        }
        // Indices out of range at run time name the op, the axis, the index and the length.
        let feed = ["A": Self.A]
        let far = indexConstant([1, 4, 0], shape: [3, 1])
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.runtimeError(putAlongAxis(x, far, values, axis: 1), feed), .invalidValue,
            ["AdvancedSetSubtensor", "index 4 is out of bounds for axis 1 with size 4"]))
        #expect(BasicOpsTesting.matches(
            BasicOpsTesting.runtimeError(takeAlongAxis(x, indexConstant([-5, 0, 0], shape: [3, 1]), axis: 1), feed),
            .invalidValue, ["AdvancedSubtensor", "index -5 is out of bounds for axis 1 with size 4"]))
    }

    /// `putAlongAxis` (set and accumulate, with repeated positions) in both arguments.
    @Test(arguments: [false, true])
    func putAlongAxisDerivatives(accumulate: Bool) throws {
        let J = indexConstant([1, 0, 3, 3, 2, 2], shape: [3, 2])
        let f = { (v: [Variable]) in putAlongAxis(v[0], J, v[1], axis: 1, accumulate: accumulate) * v[0] }
        let point = [randomPoint([3, 4], -2...2, seed: 53), randomPoint([3, 2], -2...2, seed: 54)]
        try verifyGrad(f, at: point)
        try verifyGrad(f, at: point.map { $0.converted(to: .float32) })
        try verifyPushforward(f, at: point)
        for wrt in 0..<2 {
            try AutodiffTesting.checkJacobians(f, at: point, wrt: wrt)
            try AutodiffTesting.checkJacobians(f, at: point, wrt: wrt, staticShapes: false)
        }
        try AutodiffTesting.checkDerivativeTypes(f, at: point)
        try AutodiffTesting.checkDerivativeTypes(f, at: point.map { $0.converted(to: .float32) }, staticShapes: false)
        // d/dvalues of sum(put): ones where a value is written (set: only the last of a repeat).
        let x = Tensor.matrix("x"), y = Tensor.matrix("y")
        let gy = grad(putAlongAxis(x, J, y, axis: 1, accumulate: accumulate).sum(), wrt: y)
        #expect(gy.type == TensorType(dtype: .float64, shape: [3, 2]))
        let value = try gy.eval(["x": point[0], "y": point[1]])
        #expect(value.asArray(Double.self) == (accumulate ? [1, 1, 1, 1, 1, 1] : [1, 1, 0, 1, 0, 1]))
    }

    /// `takeAlongAxis` and `take`: gathers, so linear in `x`.
    @Test func takeAndTakeAlongAxisDerivatives() throws {
        let point = [randomPoint([3, 4], -2...2, seed: 55)]
        let functions: [([Variable]) -> Variable] = [
            { takeAlongAxis($0[0], indexConstant([1, 0, 3, 3, 2, 2], shape: [3, 2]), axis: 1) },
            { takeAlongAxis($0[0], indexConstant([2, 0, 0, 1], shape: [1, 4]), axis: 0) },
            { take($0[0], indexConstant([3, 0, 3, -1], shape: [2, 2]), axis: 1) },
            { take($0[0], indexConstant([11, 0, 5, 5])) },
            { take($0[0], indexConstant([2, 2]), axis: 0) * $0[0][.newAxis, 0] },
        ]
        for f in functions {
            try verifyGrad(f, at: point)
            try verifyGrad(f, at: [point[0].converted(to: .float32)])
            try verifyPushforward(f, at: point)
            try AutodiffTesting.checkJacobians(f, at: point)
            try AutodiffTesting.checkJacobians(f, at: point, staticShapes: false)
            try AutodiffTesting.checkDerivativeTypes(f, at: point)
            try AutodiffTesting.checkDerivativeTypes(f, at: [point[0].converted(to: .float32)], staticShapes: false)
        }
    }

    @Test func sortGradientsAndBatching() throws {
        let point = [randomPoint([3, 4], -2...2, seed: 51)]
        for f in [{ (v: [Variable]) in sort(v[0]) }, { sort($0[0], axis: 0, descending: true) }, { topK($0[0], 2).values }] {
            try verifyGrad(f, at: point)
            try verifyPushforward(f, at: point)
            try AutodiffTesting.checkJacobians(f, at: point)
        }
        try verifyGrad({ takeAlongAxis($0[0], indexConstant([1, 0, 3], shape: [3, 1]), axis: 1) }, at: point)
        try AutodiffTesting.checkJacobians({ take($0[0], indexConstant([2, 2, 0]), axis: 1) }, at: point)
        let stack = (0..<3).map { randomPoint([3, 4], -2...2, seed: 52 + UInt64($0)) }
        try AutodiffTesting.checkVectorizeGraph({ sort($0[0]) * argsort($0[0]).cast(to: .float64) }, at: [stack[0]], batched: 0, stack: stack)
        try AutodiffTesting.checkVectorizeGraph({ topK($0[0], 3).values }, at: [stack[0]], batched: 0, stack: stack)
    }
}
