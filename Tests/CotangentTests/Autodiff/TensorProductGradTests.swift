import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

/// The derivatives of einsum, tensordot, inner, vdot and cross come from the ops they are built
/// of (Dot, Blockwise, DimShuffle, Reshape, diagonal indexing, sums, elementwise products).
@Suite("Tensor product derivatives")
struct TensorProductGradTests {
    static let cases: [GradCase] = [
        .init("einsum matmul", [[2, 3], [3, 4]]) { einsum("ij,jk->ik", $0[0], $0[1]) },
        .init("einsum batched matmul", [[2, 2, 3], [2, 3, 2]]) { einsum("bij,bjk->bik", $0[0], $0[1]) },
        .init("einsum trace", [[3, 3]]) { einsum("ii", $0[0]) },
        .init("einsum diagonal", [[3, 3]]) { sqr(einsum("ii->i", $0[0])) },
        .init("einsum block traces", [[2, 2, 3]]) { einsum("iij->j", $0[0]) },
        .init("einsum transpose", [[2, 3]]) { exp(einsum("ij->ji", $0[0])) },
        .init("einsum implicit", [[2, 3], [3, 2]]) { einsum("ij,jk", $0[0], $0[1]) },
        .init("einsum ellipsis broadcast", [[2, 1, 2, 3], [3, 3, 2]]) { einsum("...ij,...jk->...ik", $0[0], $0[1]) },
        .init("einsum outer", [[3], [2]]) { einsum("i,j->ij", $0[0], $0[1]) },
        .init("einsum chain of 3", [[2, 3], [3, 4], [4, 2]]) { einsum("ij,jk,kl->il", $0[0], $0[1], $0[2]) },
        .init("einsum chain of 4", [[2, 3], [3, 2], [2, 2], [2, 3]]) { einsum("ab,bc,cd,de->ae", $0[0], $0[1], $0[2], $0[3]) },
        .init("einsum shared by 3", [[4], [4], [4]]) { einsum("i,i,i->", $0[0], $0[1], $0[2]) },
        .init("einsum sum", [[2, 3]]) { einsum("ij->", $0[0]) },
        .init("einsum rowwise dot", [[2, 3], [2, 3]]) { einsum("ij,ij->i", $0[0], $0[1]) },
        .init("einsum batched vector dot", [[3, 4], [3, 4]]) { einsum("bi,bi->b", $0[0], $0[1]) },
        .init("einsum two summed indices", [[2, 3, 2], [3, 2, 4]]) { einsum("ijk,jil->kl", $0[0], $0[1]) },
        .init("einsum merged rows", [[2, 3, 4], [4, 2]]) { einsum("abc,cd->abd", $0[0], $0[1]) },
        .init("einsum labelled broadcast", [[2, 1], [3, 4]]) { einsum("ij,jk->ik", $0[0], $0[1]) },
        .init("einsum diagonal times vector", [[3, 3], [3]]) { einsum("ii,i->i", $0[0], $0[1]) },
        .init("tensordot axes 2", [[2, 3, 4], [3, 4, 2]]) { tensordot($0[0], $0[1]) },
        .init("tensordot pairs", [[3, 2, 4], [4, 3, 2]]) { tensordot($0[0], $0[1], axes: ([0, 2], [1, 0])) },
        .init("tensordot axes 0", [[2], [3]]) { tensordot($0[0], $0[1], axes: 0) },
        .init("inner", [[2, 3], [4, 3]]) { inner($0[0], $0[1]) },
        .init("vdot", [[2, 3], [3, 2]]) { vdot($0[0], $0[1]) },
        .init("cross", [[3], [3]]) { cross($0[0], $0[1]) },
        .init("cross axis 0 broadcast", [[3], [3, 2]]) { cross($0[0], $0[1], axis: 0) },
    ]

    /// Inputs with unknown lengths cannot stand for operands that broadcast a static 1.
    private static func unknownShapesAllowed(_ spec: GradCase) -> Bool { !spec.shapes.contains { $0.contains(1) } }

    @Test(arguments: cases)
    func pullbackMatchesFiniteDifferences(_ spec: GradCase) throws {
        try verifyGrad(spec.build, at: spec.point(seed: 3000))
    }

    @Test(arguments: cases)
    func pushforwardAgreesWithPullback(_ spec: GradCase) throws {
        try verifyPushforward(spec.build, at: spec.point(seed: 3100))
    }

    @Test(arguments: cases)
    func vectorizedJacobianMatchesRows(_ spec: GradCase) throws {
        let point = spec.point(seed: 3200)
        for wrt in point.indices {
            try T.checkJacobians(spec.build, at: point, wrt: wrt, tolerance: 1e-10)
            if Self.unknownShapesAllowed(spec) {
                try T.checkJacobians(spec.build, at: point, wrt: wrt, staticShapes: false, tolerance: 1e-10)
            }
        }
    }

    @Test(arguments: cases)
    func vectorizeGraphMatchesStackedEvaluations(_ spec: GradCase) throws {
        let point = spec.point(seed: 3300)
        let batched = point.count - 1
        let stack = (0..<2).map { T.random(spec.shapes[batched], seed: 3400 + UInt64($0)) }
        try T.checkVectorizeGraph(spec.build, at: point, batched: batched, stack: stack, tolerance: 1e-10)
    }

    /// Gradients have their inputs' dtypes and shapes (static ones kept), pushforwards the
    /// output's, in float64 and float32.
    @Test(arguments: cases)
    func derivativeTypes(_ spec: GradCase) throws {
        for dtype in [DType.float64, .float32] {
            try T.checkDerivativeTypes(spec.build, at: spec.point(seed: 3500, dtype: dtype))
            if Self.unknownShapesAllowed(spec) {
                try T.checkDerivativeTypes(spec.build, at: spec.point(seed: 3500, dtype: dtype), staticShapes: false)
            }
        }
    }

    @Test func float32PullbacksMatchFiniteDifferences() throws {
        for spec in Self.cases where ["einsum matmul", "einsum chain of 3", "tensordot pairs", "cross"].contains(spec.name) {
            try verifyGrad(spec.build, at: spec.point(seed: 3600, dtype: .float32))
        }
    }

    /// Integer operands are disconnected; a float operand beside them still gets its gradient.
    @Test func integerOperandsAreDisconnected() throws {
        let n = Tensor.matrix("n", dtype: .int64, shape: [2, 3]), x = Tensor.vector("x", shape: [3])
        let product = try checked { einsum("ij,j->i", n, x) }
        #expect(product.dtype == .float64)
        let g = try checked { grad(product.sum(), wrt: x) }
        let value = try g.eval(["n": NDArray(shape: [2, 3], elements: [Int64(1), 2, 3, 4, 5, 6]), "x": [1.0, 1.0, 1.0]])
        #expect(value.asArray(Double.self) == [5, 7, 9])
        #expect(throws: CotangentError.self) { try checked { grad(product.sum(), wrt: n) } }
    }
}
