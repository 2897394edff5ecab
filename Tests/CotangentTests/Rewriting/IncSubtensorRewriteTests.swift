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

    /// Sums of advanced increments chain too (PyTensor's serialization moves
    /// `AdvancedIncSubtensor1` and `AdvancedIncSubtensor`): the gradient of two gathers of
    /// one matrix, with repeated rows, and increments of x and of zeros added together.
    @Test func sumsOfAdvancedIncrementsBecomeAChain() throws {
        let E = Tensor.matrix("E")
        let (i, j) = (Tensor.vector("i", dtype: .int64), Tensor.vector("j", dtype: .int64))
        let g = grad(exp(E[i]).sum() + sqr(E[j]).sum(), wrt: E)
        let rewritten = RewriteTesting.expectRewrite(g, fires: ["local_IncSubtensor_serialize": nil])
        let inputs: [String: NDArray] = [
            "E": NDArray(shape: [3, 2], elements: [0.5, -1, 2, 0.25, -0.75, 1.5]),
            "i": NDArray([Int64(2), 0, 2]), "j": NDArray([Int64(1), 1, -1]),
        ]
        RewriteTesting.expectSameValues(g, rewritten, inputs)
        let nodes = GraphTraversal.toposort([rewritten])
        #expect(nodes.filter { $0.op is AdvancedIncSubtensor1 }.count == 2)
        #expect(!nodes.contains { ($0.op as? Elemwise)?.scalarOp == .add && $0.inputs.contains { $0.owner?.op is AdvancedIncSubtensor1 } })

        // inc(x, a, i) + inc(zeros, b, j) and the multi-dimensional increments.
        let (a, b) = (Tensor.vector("a"), Tensor.vector("b"))
        let (A, C) = (Tensor.matrix("A"), Tensor.matrix("C"))
        let vectors = x.incremented(at: i, by: a) + zerosLike(x).incremented(at: j, by: b)
        let matrices = A.incremented(at: [.all, i], by: C) + zerosLike(A).incremented(at: [j, ..<2], by: b[..<2])
        let values: [String: NDArray] = [
            "x": [0.5, -1.25, 2.0], "a": [1.0, 2, 3], "b": [-4.0, 0.5, 8], "i": NDArray([Int64(2), 0, 2]),
            "j": NDArray([Int64(1), 1, -1]), "A": NDArray(shape: [3, 3], elements: (0..<9).map(Double.init)),
            "C": NDArray(shape: [3, 3], elements: (0..<9).map { Double($0) * 0.5 - 1 }),
        ]
        for sum in [vectors, matrices] {
            let chained = RewriteTesting.expectRewrite(sum, fires: ["local_IncSubtensor_serialize": 1])
            RewriteTesting.expectSameValues(sum, chained, values)
            #expect(!GraphTraversal.toposort([chained]).contains {
                ($0.op as? Elemwise)?.scalarOp == .add && $0.outputs[0].type.ndim == sum.ndim
            })
        }
        // A set is not an increment: set(x, a, i) + b stays a sum.
        RewriteTesting.expectNoRewrite(x.setting(at: i, to: a) + b, "local_IncSubtensor_serialize")
    }

    /// A basic increment of constant zeros is a set (PyTensor's
    /// `local_incsubtensor_of_zeros_to_setsubtensor`); an `Alloc` of zeros, as gradients build,
    /// or a constant that is not all zeros stays an increment.
    @Test func incrementsOfConstantZerosBecomeSets() throws {
        let name = "local_incsubtensor_of_zeros_to_setsubtensor"
        let a = Tensor.vector("a")
        let zeros = Variable(constant: NDArray.zeros([5]))
        let inputs: [String: NDArray] = ["x": [0.5, -1.25, 2.0, 3.5, -0.75], "a": [0.25, -4, 8]]
        for increment in [zeros.incremented(at: [1..<4], by: a), zeros.incremented(at: [.stride(from: 4, by: -2)], by: a)] {
            let rewritten = RewriteTesting.expectRewrite(increment, fires: [name: 1])
            #expect(RewriteTesting.opNames(rewritten).first?.hasPrefix("SetSubtensor{") == true)
            RewriteTesting.expectSameValues(increment, rewritten, inputs)
        }
        let A = Variable(constant: NDArray.zeros([3, 4]))
        let row = A.incremented(at: [1], by: Tensor.vector("r", shape: [4]))
        let rewritten = RewriteTesting.expectRewrite(row, fires: [name: 1])
        RewriteTesting.expectSameValues(row, rewritten, ["r": [1.0, 2, 3, 4]])
        RewriteTesting.expectNoRewrite(zerosLike(x).incremented(at: [1..<4], by: a), name)
        RewriteTesting.expectNoRewrite(Variable(constant: NDArray([0.0, 0, 1, 0, 0])).incremented(at: [1..<4], by: a), name)
        RewriteTesting.expectNoRewrite(x.incremented(at: [1..<4], by: a), name)
    }

    @Test func theRosenbrockHessianKeepsItsValues() throws {
        let f = (100.0 * pow(x[1...] - pow(x[..<(-1)], 2), 2) + pow(1.0 - x[..<(-1)], 2)).sum()
        let h = hessian(f, wrt: x)
        let fast = try h.eval(data)
        let slow = try h.eval(data, mode: .unoptimized)
        #expect(RewriteTesting.close(fast, slow))
    }
}
