import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Increment rewrites")
struct IncSubtensorRewriteTests {
    let x = Tensor.vector("x")
    let data: [String: NDArray] = ["x": [0.5, -1.25, 2.0, 3.5, -0.75]]

    func expectSameValues(_ a: Variable, _ b: Variable) throws {
        let before = try a.eval(data, mode: .unoptimized)
        let after = try b.eval(data, mode: .unoptimized)
        #expect(RewriteTesting.close(after, before))
    }

    @Test func sumsOfSliceIncrementsBecomeAChain() throws {
        // The gradient of a finite-difference expression adds one increment per slice.
        let f = (sqr(x[1...] - x[..<(-1)]) + exp(x[..<(-1)])).sum()
        let g = grad(f, wrt: x)
        let rewritten = RewriteTesting.expectRewrite(
            g, fires: ["local_IncSubtensor_serialize": nil, "local_inc_subtensor_merge_on_zeros": nil])
        try expectSameValues(g, rewritten)
        // No sum of full-size arrays is left, and one increment per distinct slice.
        let nodes = GraphTraversal.toposort([rewritten])
        #expect(nodes.filter { $0.op is IncSubtensor }.count == 2)
        #expect(!nodes.contains { ($0.op as? Elemwise)?.scalarOp == .add && $0.outputs[0].type.ndim == 1
            && $0.inputs.contains { $0.owner?.op is IncSubtensor } })
    }

    @Test func incrementsReadElsewhereOrSettingStayPut() throws {
        let a = Tensor.vector("a")
        let zeros = zerosLike(x)
        let inc = zeros.incremented(at: [1...], by: a[1...])
        // The increment is also an output: moving it would compute it twice.
        var report = RewriteReport()
        let both = rewriteGraph([inc + x, inc], include: ["fast_run"], exclude: ["fusion"], report: &report)
        #expect(report.applied["local_IncSubtensor_serialize"] == nil)
        #expect(both.count == 2)
        // A set is not an increment: set(b, c) + x is not set(b + x, c).
        let set = zeros.setting(at: [1...], to: a[1...])
        report = RewriteReport()
        _ = rewriteGraph([set + x], include: ["fast_run"], exclude: ["fusion"], report: &report)
        #expect(report.applied["local_IncSubtensor_serialize"] == nil)
    }

    @Test func mergingNeedsAZeroBaseAndTheSameIndices() throws {
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        // Same slice on zeros: merged into one increment of a + b.
        let onZeros = zerosLike(x).incremented(at: [1...], by: a).incremented(at: [1...], by: b)
        let merged = RewriteTesting.expectRewrite(onZeros, fires: ["local_inc_subtensor_merge_on_zeros": 1])
        #expect(GraphTraversal.toposort([merged]).filter { $0.op is IncSubtensor }.count == 1)
        let inputs: [String: NDArray] = ["x": [1.0, 2, 3], "a": [0.25, -4], "b": [8.0, 0.5]]
        #expect(try merged.eval(inputs).asArray(Double.self) == [0, 8.25, -3.5])
        // On x itself it would reassociate (x + a) + b: left alone.
        var report = RewriteReport()
        _ = rewriteGraph([x.incremented(at: [1...], by: a).incremented(at: [1...], by: b)],
                         include: ["fast_run"], exclude: ["fusion"], report: &report)
        #expect(report.applied["local_inc_subtensor_merge_on_zeros"] == nil)
        // Different slices: two increments.
        report = RewriteReport()
        _ = rewriteGraph([zerosLike(x).incremented(at: [1...], by: a).incremented(at: [..<2], by: b)],
                         include: ["fast_run"], exclude: ["fusion"], report: &report)
        #expect(report.applied["local_inc_subtensor_merge_on_zeros"] == nil)
    }

    @Test func theRosenbrockHessianKeepsItsValues() throws {
        let f = (100.0 * pow(x[1...] - pow(x[..<(-1)], 2), 2) + pow(1.0 - x[..<(-1)], 2)).sum()
        let h = hessian(f, wrt: x)
        let fast = try h.eval(data)
        let slow = try h.eval(data, mode: .unoptimized)
        #expect(RewriteTesting.close(fast, slow))
    }
}
