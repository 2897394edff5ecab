import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// `withDefaultFloat` (PyTensor's `floatX`): a task-local default for constructors without a dtype.
@Suite("Default float dtype")
struct DefaultFloatTests {
    @Test func constructorsWithoutDTypeUseTheScope() {
        #expect(Tensor.vector("x").dtype == .float64)
        let (v, m, s, t, t3) = withDefaultFloat(.float32) {
            (Tensor.vector("x"), Tensor.matrix("A"), Tensor.scalar("s"), Tensor.tensor("t", shape: [2, 2, 2]),
             Tensor.tensor3("u"))
        }
        #expect([v, m, s, t, t3].allSatisfy { $0.dtype == .float32 })
        #expect(withDefaultFloat(.float32) { Tensor.vector("n", dtype: .int32).dtype } == .int32)
        #expect(withDefaultFloat(.float32) { withDefaultFloat(.float64) { Tensor.vector("x").dtype } } == .float64)
        #expect(defaultFloatDType == .float64)
    }

    @Test func theScopeIsTaskLocal() async {
        // A scope in one task does not leak into tasks running beside it.
        async let inside = Task { withDefaultFloat(.float32) { Tensor.vector("x").dtype } }.value
        async let outside = Task { Tensor.vector("y").dtype }.value
        #expect(await inside == .float32)
        #expect(await outside == .float64)
    }

    @Test func aFloat32ModelStaysFloat32() throws {
        let loss = withDefaultFloat(.float32) {
            let x = Tensor.vector("x")
            let w = Tensor.vector("w")
            return 0.5 * sqr(x * w - 1).sum() + 0.001 * sqr(w).sum()
        }
        #expect(loss.dtype == .float32)
        let w = loss.owner!.inputs.flatMap { GraphTraversal.graphInputs([$0]) }.first { $0.name == "w" }!
        #expect(grad(loss, wrt: w).dtype == .float32)
    }

    @Test func aNonFloatDefaultIsRejected() {
        #expect(throws: CotangentError.self) { try checked { withDefaultFloat(.int32) { Tensor.vector("x") } } }
    }

    @Test func aShapeOfTheWrongRankIsABuildingError() {
        #expect(throws: CotangentError.self) { try checked { Tensor.vector("x", shape: [2, 3]) } }
        #expect(throws: CotangentError.self) { try checked { Tensor.matrix("A", shape: [2]) } }
        #expect(throws: CotangentError.self) { try checked { Tensor.tensor3("T", shape: []) } }
    }
}
