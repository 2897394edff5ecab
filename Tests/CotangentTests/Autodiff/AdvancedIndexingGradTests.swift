import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One advanced index applied to a tensor of a given shape (indices are constants, with
/// duplicates, negatives and separated index dims).
struct AdvancedGradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shape: [Int]
    let index: @Sendable (Variable) -> Variable
    var testDescription: String { name }

    static let gathers: [AdvancedGradCase] = [
        .init(name: "x[[0, 2, 2, -1]]", shape: [5]) { $0[indexConstant([0, 2, 2, -1])] },
        .init(name: "A[[2, 0, 2]]", shape: [3, 4]) { $0[indexConstant([2, 0, 2])] },
        .init(name: "A[[[0, 1], [2, 2]]]", shape: [3, 4]) { $0[indexConstant([0, 1, 2, 2], shape: [2, 2])] },
        .init(name: "A[[0, 2], [1, 1]]", shape: [3, 4]) { $0[indexConstant([0, 2]), indexConstant([1, 1])] },
        .init(name: "A[:, [3, 0, 3]]", shape: [3, 4]) { $0[.all, indexConstant([3, 0, 3])] },
        .init(name: "A[[0, 2], 1:]", shape: [3, 4]) { $0[indexConstant([0, 2]), 1...] },
        .init(name: "A[A > 0]", shape: [3, 4]) { $0[$0 .> 0] },
        .init(name: "T[0, :, [1, 2]] (separated)", shape: [2, 3, 4]) { $0[0, .all, indexConstant([1, 2])] },
        .init(name: "T[[1, 0], :, [3, 3]] (separated)", shape: [2, 3, 4]) { $0[indexConstant([1, 0]), .all, indexConstant([3, 3])] },
        .init(name: "T[:, [0, 2], [1, 3]]", shape: [2, 3, 4]) { $0[.all, indexConstant([0, 2]), indexConstant([1, 3])] },
        .init(name: "T[:, mask]", shape: [2, 3, 4]) {
            $0[.all, maskConstant([true, false, false, true, false, false, false, false, true, true, false, false], shape: [3, 4])]
        },
        .init(name: "x[[]]", shape: [5]) { $0[indexConstant([])] },
        .init(name: "A[[0, 2], -1] (0-d integer tensor)", shape: [3, 4]) {
            $0[indexConstant([0, 2]), Variable(constant: NDArray(scalar: Int64(-1)))]
        },
        .init(name: "T[True] (0-d bool)", shape: [2, 3, 4]) { $0[boolConstant(true)] },
        .init(name: "A[True, [0, 2]]", shape: [3, 4]) { $0[boolConstant(true), indexConstant([0, 2])] },
        .init(name: "A[A > 100] (all-false mask)", shape: [3, 4]) { $0[$0 .> 100] },
    ]
}

/// `x[idx] += y` / `x[idx] = y` with shapes for `x` and `y`.
struct AdvancedUpdateCase: CustomTestStringConvertible, Sendable {
    let name: String
    let xShape: [Int]
    let yShape: [Int]
    let indices: @Sendable () -> [any TensorIndexConvertible]
    var testDescription: String { name }

    func apply(_ x: Variable, _ y: Variable, set: Bool) -> Variable {
        set ? x.setting(at: indices(), to: y) : x.incremented(at: indices(), by: y)
    }

    static let all: [AdvancedUpdateCase] = [
        .init(name: "x[[0, 2, 4]] <- (3,)", xShape: [5], yShape: [3]) { [indexConstant([0, 2, 4])] },
        .init(name: "x[[0, 2, 2]] <- (3,) duplicates", xShape: [5], yShape: [3]) { [indexConstant([0, 2, 2])] },
        .init(name: "x[[1, -1]] <- () broadcast", xShape: [5], yShape: []) { [indexConstant([1, -1])] },
        .init(name: "A[[2, 0]] <- (2, 4)", xShape: [3, 4], yShape: [2, 4]) { [indexConstant([2, 0])] },
        .init(name: "A[[2, 0]] <- (4,) broadcast", xShape: [3, 4], yShape: [4]) { [indexConstant([2, 0])] },
        .init(name: "A[:, [3, 0]] <- (3, 1)", xShape: [3, 4], yShape: [3, 1]) { [.all, indexConstant([3, 0])] },
        .init(name: "A[[0, 2], [1, 3]] <- (2,)", xShape: [3, 4], yShape: [2]) { [indexConstant([0, 2]), indexConstant([1, 3])] },
        .init(name: "T[0, :, [1, 2]] <- (2, 3) separated", xShape: [2, 3, 4], yShape: [2, 3]) {
            [0, .all, indexConstant([1, 2])]
        },
        .init(name: "A[mask] <- (4,)", xShape: [3, 4], yShape: [4]) { [maskConstant([true, false, true])] },
        .init(name: "x[[]] <- () empty index", xShape: [5], yShape: []) { [indexConstant([])] },
        .init(name: "A[[2, 2, 0], -1] <- (3,) duplicates, 0-d index", xShape: [3, 4], yShape: [3]) {
            [indexConstant([2, 2, 0]), Variable(constant: NDArray(scalar: Int64(-1)))]
        },
        .init(name: "A[None, [2, 0]] <- (2, 1) new axis", xShape: [3, 4], yShape: [2, 1]) { [.newAxis, indexConstant([2, 0])] },
        .init(name: "A[True, [0, 2]] <- (4,) 0-d bool", xShape: [3, 4], yShape: [4]) { [boolConstant(true), indexConstant([0, 2])] },
        .init(name: "A[mask all false] <- ()", xShape: [3, 4], yShape: []) { [maskConstant([false, false, false])] },
    ]
}

@Suite("Advanced indexing derivatives")
struct AdvancedIndexingGradTests {
    @Test(arguments: AdvancedGradCase.gathers)
    func gatherGradientMatchesFiniteDifferences(_ spec: AdvancedGradCase) throws {
        try verifyGrad({ spec.index($0[0]) }, at: [randomPoint(spec.shape, -2...2, seed: 21)])
    }

    @Test(arguments: AdvancedGradCase.gathers)
    func gatherPushforwardAgreesWithPullback(_ spec: AdvancedGradCase) throws {
        try verifyPushforward({ spec.index($0[0]) }, at: [randomPoint(spec.shape, -2...2, seed: 22)])
    }

    @Test(arguments: AdvancedGradCase.gathers)
    func gatherJacobianVectorizedMatchesLooped(_ spec: AdvancedGradCase) throws {
        try AutodiffTesting.checkJacobians({ spec.index($0[0]) }, at: [randomPoint(spec.shape, -2...2, seed: 23)])
    }

    @Test(arguments: AdvancedUpdateCase.all, [false, true])
    func updateGradientMatchesFiniteDifferences(_ spec: AdvancedUpdateCase, set: Bool) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 24), randomPoint(spec.yShape, -2...2, seed: 25)]
        try verifyGrad({ v in spec.apply(v[0], v[1], set: set) * v[0] }, at: point)
    }

    @Test(arguments: AdvancedUpdateCase.all, [false, true])
    func updatePushforwardAgreesWithPullback(_ spec: AdvancedUpdateCase, set: Bool) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 26), randomPoint(spec.yShape, -2...2, seed: 27)]
        try verifyPushforward({ v in spec.apply(v[0], v[1], set: set) * v[0] }, at: point)
    }

    @Test(arguments: AdvancedUpdateCase.all, [0, 1])
    func updateJacobianVectorizedMatchesLooped(_ spec: AdvancedUpdateCase, wrt: Int) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 28), randomPoint(spec.yShape, -2...2, seed: 29)]
        try AutodiffTesting.checkJacobians({ v in spec.apply(v[0], v[1], set: false) * v[0] }, at: point, wrt: wrt)
    }

    /// The Jacobians of a set, with respect to the base and the values (with repeated indices
    /// only the last write of a position depends on its value).
    @Test(arguments: AdvancedUpdateCase.all, [0, 1])
    func setJacobianVectorizedMatchesLooped(_ spec: AdvancedUpdateCase, wrt: Int) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 34), randomPoint(spec.yShape, -2...2, seed: 35)]
        try AutodiffTesting.checkJacobians({ v in spec.apply(v[0], v[1], set: true) * v[0] }, at: point, wrt: wrt)
        try AutodiffTesting.checkJacobians({ v in spec.apply(v[0], v[1], set: true) }, at: point, wrt: wrt)
    }

    /// Gradients and pushforwards of updates have their inputs' and output's types. (The
    /// value's broadcast dims are static: a dim that is 1 only at run time keeps the region's
    /// length in the gradient, as in PyTensor; see `IncSubtensor.reduced`.)
    @Test(arguments: AdvancedUpdateCase.all, [false, true])
    func updateDerivativesHaveTheRightTypes(_ spec: AdvancedUpdateCase, set: Bool) throws {
        let point = [randomPoint(spec.xShape, -2...2, seed: 36), randomPoint(spec.yShape, -2...2, seed: 37)]
        try AutodiffTesting.checkDerivativeTypes({ v in spec.apply(v[0], v[1], set: set) }, at: point)
        try AutodiffTesting.checkDerivativeTypes(
            { v in spec.apply(v[0], v[1], set: set) }, at: point.map { $0.converted(to: .float32) })
    }

    /// Nothing passes an all-false mask: the gradient is zeros with the input's shape and dtype.
    @Test(arguments: [DType.float64, .float32])
    func gradientThroughAnAllFalseMaskIsZeros(_ dtype: DType) throws {
        for shape in [[3, 4], [nil, nil]] as [[Int?]] {
            let x = Variable(type: TensorType(dtype: dtype, shape: shape), name: "x")
            let g = try checked { grad((x[x .> 100] * 2).sum(), wrt: x) }
            #expect(g.type == x.type)
            let value = try g.eval(["x": randomPoint([3, 4], -2...2, seed: 38, dtype: dtype)])
            #expect(value.dtype == dtype && value.shape == [3, 4])
            #expect(value.asArray(Double.self) == Array(repeating: 0, count: 12))
        }
        try AutodiffTesting.checkDerivativeTypes({ $0[0][$0[0] .> 100] }, at: [randomPoint([3, 4], -2...2, seed: 39, dtype: dtype)])
    }

    /// The pullback of a gather is numpy's `np.add.at(zeros, idx, v)`: duplicates add up.
    @Test func gatherPullbackIsAScatterAdd() throws {
        let E = Tensor.matrix("E")
        let V = Tensor.matrix("V")
        let idx = Tensor.vector("idx", dtype: .int64)
        let vjp = try checked { pullback(E[idx], wrt: E, cotangent: V) }
        #expect(vjp.owner?.op.description == "AdvancedIncSubtensor1{no_inplace,inc}")
        let value = try vjp.eval([
            "E": NDArray.zeros([3, 2]), "idx": NDArray([Int64(2), 0, 2]), "V": NDArray(shape: [3, 2], elements: [1.0, 2, 3, 4, 5, 6]),
        ])
        // numpy: gE = zeros((3, 2)); np.add.at(gE, [2, 0, 2], V)
        #expect(value.asArray(Double.self) == [3, 4, 0, 0, 6, 8])
    }

    /// vectorizeGraph with the indexed tensor batched, for adjacent and separated index dims.
    @Test(arguments: [0, 7, 9])
    func batchedGatherMatchesStackedEntries(_ which: Int) throws {
        let spec = AdvancedGradCase.gathers[which]
        let stack = (0..<3).map { randomPoint(spec.shape, -2...2, seed: 30 + UInt64($0)) }
        try AutodiffTesting.checkVectorizeGraph({ spec.index($0[0]) }, at: [stack[0]], batched: 0, stack: stack)
    }

    /// vectorizeGraph with the index batched falls back to Blockwise.
    @Test func batchedIndexMatchesStackedEntries() throws {
        let x = randomPoint([5], -2...2, seed: 40)
        let stack = [NDArray([Int64(0), 4]), NDArray([Int64(-1), 1]), NDArray([Int64(2), 2])]
        try AutodiffTesting.checkVectorizeGraph({ $0[0][$0[1]] }, at: [x, stack[0]], batched: 1, stack: stack)
    }

    @Test(arguments: [false, true])
    func batchedUpdateMatchesStackedEntries(set: Bool) throws {
        for which in [3, 7] {
            let spec = AdvancedUpdateCase.all[which]
            let x = randomPoint(spec.xShape, -2...2, seed: 41)
            let ys = (0..<3).map { randomPoint(spec.yShape, -2...2, seed: 42 + UInt64($0)) }
            try AutodiffTesting.checkVectorizeGraph({ spec.apply($0[0], $0[1], set: set) }, at: [x, ys[0]], batched: 1, stack: ys)
            let xs = (0..<3).map { randomPoint(spec.xShape, -2...2, seed: 45 + UInt64($0)) }
            try AutodiffTesting.checkVectorizeGraph({ spec.apply($0[0], $0[1], set: set) }, at: [xs[0], ys[0]], batched: 0, stack: xs)
        }
    }
}
