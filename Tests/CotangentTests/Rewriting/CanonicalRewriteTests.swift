import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One rewrite exercised on a small graph: it must fire, preserve values on random inputs, and
/// leave a graph that rewrites to itself.
struct RewriteCase: CustomTestStringConvertible, Sendable {
    let rewrite: String
    let graph: @Sendable () -> (output: Variable, inputs: [Variable: NDArray])
    var testDescription: String { rewrite }

    init(_ rewrite: String, _ graph: @escaping @Sendable () -> (output: Variable, inputs: [Variable: NDArray])) {
        self.rewrite = rewrite
        self.graph = graph
    }
}

private func uniform(_ shape: [Int], seed: UInt64, _ low: Double = -2, _ high: Double = 2) -> NDArray {
    SplitMix64(seed: seed).uniform(shape: shape, low: low, high: high)
}

let canonicalRewriteCases: [RewriteCase] = [
    .init("local_shape_to_shape_i") {
        let x = Tensor.vector("x")
        return (exp(x).shape.cast(to: .float64) * 1.5, [x: uniform([4], seed: 1)])
    },
    .init("local_Shape_i_ground") {
        let x = Tensor.matrix("x", shape: [3, nil])
        return (x.length(ofDimension: 0).cast(to: .float64) + x.sum(), [x: uniform([3, 2], seed: 2)])
    },
    .init("local_subtensor_remove_broadcastable_index") {
        let x = Tensor.matrix("x", shape: [1, nil])
        return (exp(x)[0], [x: uniform([1, 5], seed: 3)])
    },
    .init("local_useless_dimshuffle_makevector") {
        let x = Tensor.vector("x")
        return (exp(x).shape[0].cast(to: .float64), [x: uniform([4], seed: 4)])
    },
    .init("local_subtensor_make_vector") {
        let a = Tensor.scalar("a")
        let b = Tensor.scalar("b")
        return (makeVector([a, b * 2, a + b])[1] + makeVector([a, b])[..<1].sum(), [a: 1.5, b: -0.5])
    },
    .init("local_tensor_scalar_tensor") {
        let a = Tensor.scalar("a")
        return (tensorFromScalar(scalarFromTensor(a * 2)) + 1, [a: 0.75])
    },
    .init("local_add_canonizer") {
        let x = Tensor.vector("x")
        return (((x + 2) - 1) - exp(x) + exp(x), [x: uniform([3], seed: 5)])
    },
    .init("local_mul_canonizer") {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        return ((x * 2) * 3 * y / y, [x: uniform([3], seed: 6), y: uniform([3], seed: 7, 0.5, 2)])
    },
    .init("local_upcast_elemwise_constant_inputs") {
        let n = Tensor.scalar("n", dtype: .int64)
        return (maximum(n, 3).cast(to: .float64), [n: NDArray(scalar: Int64(7))])
    },
    .init("local_reduce_broadcastable") {
        let x = Tensor.matrix("x", shape: [1, nil])
        return (exp(x).sum(axis: 0), [x: uniform([1, 4], seed: 8)])
    },
    .init("local_dimshuffle_lift") {
        let x = Tensor.matrix("x")
        let y = Tensor.matrix("y")
        return ((x + y).T.T.transposed(), [x: uniform([2, 3], seed: 9), y: uniform([2, 3], seed: 10)])
    },
    .init("local_useless_switch") {
        let x = Tensor.vector("x")
        return (select(Variable(booleanLiteral: true), exp(x), x) + select(x .> 0, x, x), [x: uniform([4], seed: 11)])
    },
    .init("local_useless_elemwise") {
        let x = Tensor.vector("x")
        let b = Tensor.vector("b", dtype: .bool)
        return (identity(exp(x)) + (b & false).cast(to: .float64), [x: uniform([3], seed: 12), b: NDArray([true, false, true])])
    },
    .init("local_alloc_sink_dimshuffle") {
        let x = Tensor.vector("x", shape: [1])
        let n = Tensor.scalar("n", dtype: .int64)
        return (exp(alloc(x, shape: [shapeConstant(1), n])), [x: uniform([1], seed: 13), n: NDArray(scalar: Int64(3))])
    },
    .init("local_useless_fill") {
        let x = Tensor.scalar("x")
        return (second(x * 2, Variable(constant: NDArray(scalar: 3.0))), [x: 0.5])
    },
    .init("local_neutral_fill") {
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m")
        // The fill of zeros keeps `m`'s shape (the sum is a matrix); the fill of ones goes.
        return ((cumsum(x) + zerosLike(m)) * (onesLike(x) * cumsum(x)),
                [x: uniform([3], seed: 16), m: uniform([2, 3], seed: 17)])
    },
    .init("local_subtensor_of_batch_dims") {
        let x = Tensor.vector("x")
        let c = Tensor.vector("c", shape: [1])
        return (second(cumsum(x), exp(c))[.stride(by: -1)] * x, [x: uniform([4], seed: 14), c: NDArray([0.3])])
    },
    .init("local_second_to_alloc") {
        let x = Tensor.vector("x")
        return (second(cumsum(x), Variable(constant: NDArray([2.0]))) / x, [x: uniform([4], seed: 15, 0.5, 2)])
    },
    .init("local_useless_unbatched_blockwise") {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [3])
        return (convolve1d(x, y, mode: .valid), [x: uniform([6], seed: 16), y: uniform([3], seed: 17)])
    },
    .init("merge") {
        let x = Tensor.vector("x")
        return (exp(x) * exp(x) + (x + 1) / (x + 1), [x: uniform([3], seed: 18, 0.5, 2)])
    },
    .init("local_dot_of_diagonal") {
        let A = Tensor.matrix("A")
        let x = Tensor.vector("x")
        return (jacobian(tanh(matmul(A, x)), wrt: x), [A: uniform([4, 4], seed: 20), x: uniform([4], seed: 21)])
    },
    .init("constant_folding") {
        let x = Tensor.vector("x")
        return (x * (Variable(constant: NDArray([2.0])) + Variable(constant: NDArray([3.0]))), [x: uniform([1], seed: 19)])
    },
]

@Suite("Canonical rewrites")
struct CanonicalRewriteTests {
    @Test(arguments: canonicalRewriteCases)
    func rewriteFiresPreservesValuesAndIsIdempotent(_ spec: RewriteCase) throws {
        let (output, inputs) = try checked { spec.graph() }
        var report = RewriteReport()
        let rewritten = rewriteGraph([output], include: ["fast_run"], exclude: ["inplace", "fusion"], report: &report)[0]
        #expect((report.applied[spec.rewrite] ?? 0) > 0, "\(spec.rewrite) did not fire: \(report)")
        #expect(report.failures.isEmpty, "\(report)")
        let before = try output.eval(inputs, mode: .unoptimized)
        let after = try rewritten.eval(inputs, mode: .unoptimized)
        #expect(before.shape == after.shape)
        #expect(before.dtype == after.dtype)
        let (a, b) = (before.asArray(Double.self), after.asArray(Double.self))
        #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($0)) }, "\(a) vs \(b)")
        let again = rewriteGraph(rewritten, include: ["fast_run"], exclude: ["inplace", "fusion"])
        #expect(again.dprint() == rewritten.dprint())
    }

    @Test func rewritingLeavesTheCallersGraphUntouched() {
        let x = Tensor.vector("x")
        let y = ((x + 2) - 1) * exp(x).shape[0].cast(to: .float64)
        let printed = y.dprint()
        _ = rewriteGraph(y, include: ["fast_run"])
        #expect(y.dprint() == printed)
    }

    @Test func aFailingRewriteIsSkippedAndReported() throws {
        let broken = NodeRewriter("always_breaks", tracks: [Elemwise.self]) { context, node in
            // A replacement of the wrong rank: must be rejected, not applied.
            [context.handle(node.inputs[0]).expandingDims([0])]
        }
        let throwing = NodeRewriter("always_throws", tracks: [Elemwise.self]) { _, _ in
            throw CotangentError(.invalidGraph, "boom")
        }
        var db = RewriteDatabase()
        db.register("test", position: 1, tags: ["test"], equilibrium: [
            RewriteDatabase.member(broken, tags: ["test"]), RewriteDatabase.member(throwing, tags: ["test"]),
        ])
        let x = Tensor.vector("x")
        let y = exp(x) + 1
        var report = RewriteReport()
        let result = rewriteGraph([y], include: ["test"], report: &report, database: db)[0]
        #expect(result.dprint() == y.dprint())
        #expect(report.failures.contains { $0.contains("always_breaks") })
        #expect(report.failures.contains { $0.contains("boom") })
        #expect(report.applied.isEmpty)
    }

    @Test func queriesSelectByTagsIntoPasses() {
        let all = RewriteDatabase.standard.query(include: ["fast_run"], exclude: ["inplace"])
        let noCanonicalize = RewriteDatabase.standard.query(include: ["fast_run"], exclude: ["canonicalize"])
        #expect(noCanonicalize.count == all.count - 1)
        // Excluding a rewrite by name removes it inside its pass.
        let x = Tensor.vector("x")
        let y = exp(x).shape[0]
        let kept = rewriteGraph(y, include: ["fast_run"], exclude: ["local_shape_to_shape_i", "local_Shape_i_ground"])
        #expect(kept.dprint().contains("Shape [id"))
    }
}
