import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("OpFromGraph")
struct OpFromGraphTests {
    let x = Tensor.vector("x")
    let y = Tensor.vector("y")
    let a = NDArray([0.3, -1.2, 2.0])
    let b = NDArray([1.5, 0.25, -0.75])

    /// `x·y + exp(x)` as one op.
    func product(inline: Bool = false, pullback: CustomPullback? = nil, pushforward: CustomPushforward? = nil)
        -> OpFromGraph
    {
        opFromGraph(inputs: [x, y], outputs: [x * y + exp(x)], inline: inline, pullback: pullback,
                    pushforward: pushforward)
    }

    func opCount(_ f: CompiledFunction) -> Int { ops(OpFromGraph.self, in: f).count }

    @Test func valuesPrintingAndCompiledNodes() throws {
        let p = Tensor.vector("p"), q = Tensor.vector("q")
        for inline in [false, true] {
            let out = product(inline: inline)(p, q)[0]
            let expected = try (p * q + exp(p)).eval([p: a, q: b])
            #expect(try out.eval([p: a, q: b]).asArray(Double.self) == expected.asArray(Double.self))
            #expect(out.type == TensorType(dtype: .float64, shape: [nil]))
            let f = try function(inputs: [p, q], outputs: [out])
            #expect(try f(a, b)[0].asArray(Double.self) == expected.asArray(Double.self))
            // Inlined: the compiled graph has no op boundary; otherwise one node runs the graph.
            #expect(opCount(f) == (inline ? 0 : 1))
            #expect(out.dprint().hasPrefix("OpFromGraph{inline=\(inline ? "True" : "False")} [id A]"))
        }
        let named = opFromGraph(inputs: [x], outputs: [x * 2], name: "Double")
        #expect(named.description == "Double{inline=False}")
        // Two applications of one op to the same inputs merge; of two ops with equal graphs, not.
        let twice = try function(inputs: [x, y], outputs: [product()(x, y)[0] + named(x)[0] + named(x)[0]])
        #expect(opCount(twice) == 2)
    }

    @Test func gradientsFollowTheInnerGraph() throws {
        let p = Tensor.vector("p"), q = Tensor.vector("q")
        let op = product()
        let cost = op(p, q)[0].sum()
        let direct = (p * q + exp(p)).sum()
        let gs = grad(cost, wrt: [p, q])
        let expected = grad(direct, wrt: [p, q])
        for (g, e) in zip(gs, expected) {
            #expect(g.type == e.type)
            #expect(try g.eval([p: a, q: b]).asArray(Double.self) == e.eval([p: a, q: b]).asArray(Double.self))
        }
        try verifyGrad({ v in op(v[0], v[1])[0] }, at: [a, b])
        try verifyPushforward({ v in op(v[0], v[1])[0] }, at: [a, b])
        // Second derivatives through the op.
        let h = hessian(op(p, q)[0].sum(), wrt: p)
        let hd = hessian(direct, wrt: p)
        #expect(try h.eval([p: a, q: b]).asArray(Double.self) == hd.eval([p: a, q: b]).asArray(Double.self))
    }

    @Test func aCustomPullbackIsUsedAndReadsTheOutputs() throws {
        // A sigmoid whose rule reads the op's output: the gradient graph reuses the one node.
        let sigmoidOp = opFromGraph(
            inputs: [x], outputs: [1 / (1 + exp(-x))], name: "Sigmoid",
            pullback: { _, outputs, cotangents in [cotangents[0] * outputs[0] * (1 - outputs[0])] })
        let p = Tensor.vector("p")
        let s = sigmoidOp(p)[0]
        let g = grad(s.sum(), wrt: p)
        let f = try function(inputs: [p], outputs: [s, g])
        #expect(opCount(f) == 1)
        let values = try f(a)
        let sig = a.asArray(Double.self).map { 1 / (1 + Foundation.exp(-$0)) }
        #expect(zip(values[1].asArray(Double.self), sig).allSatisfy { abs($0 - $1 * (1 - $1)) < 1e-15 })
        try verifyGrad({ v in sigmoidOp(v[0])[0] }, at: [a])
        // A rule that differs from the graph's derivative shows it is the one used — in the
        // pullback, in the pushforward (through the pullback), in both Jacobian forms and in
        // the Hessian.
        let doubled = product(pullback: { inputs, _, cotangents in
            [cotangents[0] * 2, cotangents[0] * 3]
        })
        let q = Tensor.vector("q")
        let gs = grad(doubled(p, q)[0].sum(), wrt: [p, q])
        #expect(try gs[0].eval([p: a, q: b]).asArray(Double.self) == [2, 2, 2])
        #expect(try gs[1].eval([p: a, q: b]).asArray(Double.self) == [3, 3, 3])
        let t = Tensor.vector("t")
        let jvp = pushforward(doubled(p, q)[0], wrt: p, tangent: t)
        #expect(try jvp.eval([p: a, q: b, t: NDArray([1.0, 2.0, 3.0])]).asArray(Double.self) == [2, 4, 6])
        for vectorize in [true, false] {
            let j = jacobian(doubled(p, q)[0], wrt: p, vectorize: vectorize)
            #expect(try j.eval([p: a, q: b]).asArray(Double.self) == [2, 0, 0, 0, 2, 0, 0, 0, 2])
            #expect(j.type.shape == [nil, nil])
        }
    }

    @Test func aCustomPushforwardIsUsed() throws {
        let op = product(pushforward: { _, _, tangents in [tangents[0] * 5 + tangents[1]] })
        let p = Tensor.vector("p"), q = Tensor.vector("q"), t = Tensor.vector("t"), u = Tensor.vector("u")
        let out = pushforward([op(p, q)[0]], wrt: [p, q], tangents: [t, u])[0]
        #expect(try out.eval([p: a, q: b, t: NDArray([1.0, 1.0, 1.0]), u: NDArray([0.5, 0.0, 2.0])])
                .asArray(Double.self) == [5.5, 5, 7])
        // The pullback is still the graph's own.
        try verifyGrad({ v in op(v[0], v[1])[0] }, at: [a, b])
    }

    @Test func batchingKeepsTheOpAndItsRules() throws {
        let doubled = opFromGraph(inputs: [x], outputs: [exp(x)], pullback: { _, _, g in [g[0] * 2] })
        let rows = Tensor.matrix("rows")
        let batched = vectorizeGraph([doubled(x)[0]], replacing: [x: rows])[0]
        #expect(batched.owner?.op is OpFromGraph)
        #expect(batched.ndim == 2)
        let value = NDArray(shape: [2, 3], elements: [0.1, 0.2, 0.3, -0.4, 0.5, 0.6])
        #expect(try batched.eval([rows: value]).asArray(Double.self)
                == value.asArray(Double.self).map { Foundation.exp($0) })
        // The batched node's gradient is still the custom rule, vectorized.
        #expect(try grad(batched.sum(), wrt: rows).eval([rows: value]).asArray(Double.self) == Array(repeating: 2, count: 6))
        // Jacobians of the default rule: vectorized equals looped.
        let op = product()
        let p = Tensor.vector("p"), q = Tensor.vector("q")
        let jv = jacobian(op(p, q)[0] * p, wrt: q, vectorize: true)
        let jl = jacobian(op(p, q)[0] * p, wrt: q, vectorize: false)
        #expect(try jv.eval([p: a, q: b]).asArray(Double.self) == jl.eval([p: a, q: b]).asArray(Double.self))
    }

    @Test func sharedVariablesBecomeInputs() throws {
        let w = Tensor.shared(NDArray([2.0, 3.0, 4.0]), name: "w")
        let op = opFromGraph(inputs: [x], outputs: [x * w])
        #expect(op.inputs.count == 1)
        let p = Tensor.vector("p")
        let out = op(p)[0]
        #expect(out.owner!.inputs.count == 2)
        #expect(try out.eval([p: a]).asArray(Double.self) == [0.6, -3.5999999999999996, 8])
        #expect(try grad(out.sum(), wrt: w).eval([p: a]).asArray(Double.self) == a.asArray(Double.self))
        let f = try function(inputs: [p], outputs: [out], updates: [w: w * 2])
        _ = try f(a)
        // The second call reads w after the first call's update: [4, 6, 8].
        #expect(try f(a)[0].asArray(Double.self) == zip(a.asArray(Double.self), [4.0, 6, 8]).map { $0 * $1 })
    }

    @Test func exportsAsTheInnerGraph() throws {
        let p = Tensor.vector("p"), q = Tensor.vector("q")
        let text = try exportStableHLO(inputs: [p, q], outputs: [product()(p, q)[0]], inputShapes: [[3], [3]])
        #expect(text.contains("stablehlo.exponential"))
        #expect(text.contains("stablehlo.multiply"))
    }

    @Test func badDefinitionsAndApplicationsThrow() throws {
        let op = product()
        let m = Tensor.matrix("m")
        let i = Tensor.vector("i", dtype: .int64)
        #expect(throws: CotangentError.self) { try checked { op(x) } }
        #expect(throws: CotangentError.self) { try checked { op(m, y) } }
        #expect(throws: CotangentError.self) { try checked { op(i, y) } }
        do {
            _ = try checked { op(Tensor.vector("s", dtype: .float32), y) }
            Issue.record("expected a dtype error")
        } catch let error as CotangentError {
            #expect(error.message.contains("input 0 is"))
            #expect(error.message.contains("float32"))
        }
        // Inputs must be free variables; outputs may read nothing else.
        #expect(throws: CotangentError.self) { try checked { opFromGraph(inputs: [exp(x)], outputs: [x]) } }
        #expect(throws: CotangentError.self) { try checked { opFromGraph(inputs: [x, x], outputs: [x]) } }
        do {
            _ = try checked { opFromGraph(inputs: [x], outputs: [x * y]) }
            Issue.record("expected an error for a free variable that is not an input")
        } catch let error as CotangentError {
            #expect(error.message.contains("not one of the inputs"))
        }
        // A static length that conflicts.
        let v3 = Tensor.vector("v3", shape: [3])
        let sized = opFromGraph(inputs: [v3], outputs: [v3 * 2])
        #expect(throws: CotangentError.self) { try checked { sized(Tensor.vector("w4", shape: [4])) } }
        // A custom rule with the wrong number of gradients.
        let wrong = product(pullback: { _, _, g in [g[0]] + [g[0], g[0]] })
        #expect(throws: CotangentError.self) { try checked { grad(wrong(x, y)[0].sum(), wrt: x) } }
        // Running the op outside a compiled function reports that it needs one.
        #expect(throws: CotangentError.self) {
            _ = try op.perform([a, b], node: op(x, y)[0].owner!)
        }
    }
}

@Suite("OpFromGraph sparsity")
struct OpFromGraphSparsityTests {
    typealias T = SparseTesting

    /// Sparsity reads the ops inside an op-from-graph, so its pattern is the graph's own, with no
    /// dense fallback; the compressed values then go through the op's own rules.
    @Test func patternsAreTheInnerGraphs() throws {
        let v9 = T.input(9, "v")
        let op = opFromGraph(inputs: [v9], outputs: [T.tridiagonal(v9)])
        let u = T.input(9)
        let f = op(u)[0]
        let pattern = jacobianSparsity(f, wrt: u)
        #expect(pattern.fallbacks.isEmpty)
        #expect(T.positions(pattern) == T.positions(jacobianSparsity(T.tridiagonal(u), wrt: u)))
        let J = sparseJacobian(f, wrt: u)
        #expect(J.colorCount == 3)
        let point = T.point(9, seed: 5)
        #expect(T.close(J.toDense(try J.values.eval([u: point])).asArray(Double.self),
                        try T.denseJacobian(f, wrt: u, at: point)))
        // Second order: nested op-from-graphs of a Rosenbrock-like sum, their inner input of
        // unknown length applied to a static one.
        let v = Tensor.vector("v")
        let inner = opFromGraph(inputs: [v], outputs: [v[1...] - v[..<(-1)] * v[..<(-1)]])
        let outer = opFromGraph(inputs: [v], outputs: [(inner(v)[0] * inner(v)[0]).sum()])
        let hessianPattern = hessianSparsity(outer(u)[0], wrt: u)
        #expect(hessianPattern.fallbacks.isEmpty)
        #expect(T.positions(hessianPattern) == T.positions(hessianSparsity(
            ((u[1...] - u[..<(-1)] * u[..<(-1)]) * (u[1...] - u[..<(-1)] * u[..<(-1)])).sum(), wrt: u)))
    }
}
