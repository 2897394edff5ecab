// The code samples of the DocC articles (Sources/Cotangent/Cotangent.docc), run as written there
// (`import Cotangent` only), so an article cannot show code that no longer compiles or computes
// something else. Each test names the article its lines come from; keep the two in step.
import Cotangent
import Foundation
import Testing

@Suite("Documentation examples")
struct DocumentationExamplesTests {
    /// Cotangent.md (the landing page)
    @Test func landingPage() throws {
        let x = Tensor.vector("x")                       // float64, shape (?,)
        let v = Tensor.vector("v")
        let vjp = pullback(log(x), wrt: x, cotangent: v) // the structured rule: v / x
        print(vjp.dprint())
        let J = jacobian(cumsum(x), wrt: x)              // vectorized: one graph, no loop
        print(try J.eval(["x": [1.0, 2.0, 3.0]]))        // numpy's repr
        #expect(vjp.dprint() == "True_div [id A]\n ├─ v [id B]\n └─ x [id C]")
        #expect(try J.eval(["x": [1.0, 2.0, 3.0]]).asArray(Double.self) == [1, 0, 0, 1, 1, 0, 1, 1, 1])
    }

    /// GettingStarted.md
    @Test func gettingStarted() throws {
        let x = Tensor.vector("x")                          // float64, static shape (?,)
        let y = (x * x).sum()                               // a 0-d float64 tensor
        let g = grad(y, wrt: x)                             // 2 * x, as a graph
        print(g.dprint())

        let values = try g.eval(["x": [1.0, 2.0, 3.0]])     // array([2., 4., 6.])
        #expect(values.asArray(Double.self) == [2, 4, 6])

        let f = try function(inputs: [x], outputs: [y, g])
        let results = try f(NDArray([1.0, 2.0, 3.0]))       // [array(14.), array([2., 4., 6.])]
        #expect(results[0].item(Double.self) == 14)
        #expect(results[1].asArray(Double.self) == [2, 4, 6])

        let A = Tensor.matrix("A", shape: [2, nil])         // 2 rows, columns known at run time
        #expect(A.type.shape == [2, nil])
        #expect(matmul(A, x).type.shape == [2])
    }

    /// Derivatives.md
    @Test func derivatives() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let t = Tensor.vector("t")

        let vjp = pullback(log(x), wrt: x, cotangent: v)    // v / x: no Jacobian is built
        let jvp = pushforward(exp(x), wrt: x, tangent: t)   // exp(x) * t
        let J = jacobian(cumsum(x), wrt: x)                 // vectorized: one graph, no loop
        let looped = jacobian(cumsum(x), wrt: x, vectorize: false)  // a scan over the rows
        let H = hessian((x * x * x).sum(), wrt: x)          // diag(6x)
        let Hv = hessianVectorProduct((x * x * x).sum(), wrt: x, vector: v)

        let point: [String: NDArray] = ["x": [1.0, 2.0], "v": [1.0, 1.0], "t": [1.0, 0.0]]
        #expect(try vjp.eval(point).asArray(Double.self) == [1, 0.5])
        #expect(try jvp.eval(point).asArray(Double.self) == [exp(1.0), 0])
        #expect(try J.eval(point) == looped.eval(point))
        #expect(try J.eval(point).asArray(Double.self) == [1, 0, 1, 1])
        #expect(try H.eval(point).asArray(Double.self) == [6, 0, 0, 12])
        #expect(try Hv.eval(point).asArray(Double.self) == [6, 12])

        // Finite differences against the graph's gradient; throws GradientCheckError on a mismatch.
        try verifyGrad({ inputs in (exp(inputs[0]) * inputs[0]).sum() }, at: [NDArray([0.1, 0.2, 0.3])])
        try verifyPushforward({ inputs in tanh(inputs[0]) }, at: [NDArray([0.1, 0.2, 0.3])])

        // Gradient controls: values pass through, derivatives change.
        let stopped = grad((disconnectedGrad(x) * x).sum(), wrt: x)      // x: the first factor is a constant
        let clipped = grad((gradClip(x, lower: -1, upper: 1) * 5).sum(), wrt: x)  // 5 clipped to 1
        let scaled = grad((gradScale(x, by: 0.5) * 2).sum(), wrt: x)      // 2 × 0.5
        #expect(try stopped.eval(point).asArray(Double.self) == [1, 2])
        #expect(try clipped.eval(point).asArray(Double.self) == [1, 1])
        #expect(try scaled.eval(point).asArray(Double.self) == [1, 1])
    }

    /// Rewriting.md
    @Test func rewriting() throws {
        let x = Tensor.vector("x")
        let y = log(exp(x).sum())                           // overflows for x ≥ 710
        let stable = rewriteGraph(y, include: ["fast_run"], exclude: ["inplace"])
        print(stable.dprint())                              // max-shifted: finite at x = [1000, 1000]
        #expect(try stable.eval(["x": [1000.0, 1000.0]]).item(Double.self) == 1000 + log(2.0))
        #expect(try y.eval(["x": [1000.0, 1000.0]], mode: .unoptimized).item(Double.self) == .infinity)

        var report = RewriteReport(logsApplications: true)
        _ = rewriteGraph([y], include: ["fast_run"], exclude: ["inplace"], report: &report)
        print(report)                                       // applied: <rewriter> ×<count>, …
        #expect(!report.applied.isEmpty && report.failures.isEmpty)
        #expect(report.log?.isEmpty == false)

        // A rewrite of your own: sqr(x) → x * x.
        let sqrToProduct = NodeRewriter("sqr_to_product", tracks: [Elemwise.self]) { context, node in
            guard let op = node.op as? Elemwise, op.scalarOp == .sqr else { return nil }
            let operand = context.handle(node.inputs[0])
            return [operand * operand]
        }
        var database = RewriteDatabase()
        database.register("my_rewrites", position: 1, tags: ["mine"],
                          walking: [RewriteDatabase.member(sqrToProduct, tags: ["mine"])])
        var myReport = RewriteReport()
        let rewritten = rewriteGraph([sqr(x)], include: ["mine"], report: &myReport, database: database)
        print(rewritten[0].dprint())                        // Mul [id A] ├─ x └─ x
        #expect(myReport.applied["sqr_to_product"] == 1)
        #expect(rewritten[0].dprint().hasPrefix("Mul"))
    }

    /// CompilingAndPerformance.md
    @Test func compiling() throws {
        let w = Tensor.shared(NDArray([1.0, 2.0]), name: "w")
        let x = Tensor.vector("x")
        let loss = ((w - x) * (w - x)).sum()
        let step = try function(inputs: [x], outputs: [loss],
                                updates: [w: w - 0.25 * grad(loss, wrt: w)])
        let first = try step(NDArray([0.0, 0.0]))           // loss 5; w becomes [0.5, 1.0]
        #expect(first[0].item(Double.self) == 5)
        #expect(w.sharedValue?.asArray(Double.self) == [0.5, 1.0])

        // Outputs by name, arguments by name.
        let named = try function(inputs: [x], outputs: ["loss": loss, "gradient": grad(loss, wrt: x)])
        let results = try named(["x": [1.0, 1.0]])
        #expect(try results["loss"].item(Double.self) == 0.25)

        // Threads: per function, or for a block of code.
        let single = try function(inputs: [x], outputs: [loss], kernelOptions: .singleThreaded)
        let scoped = try function(inputs: [x], outputs: [loss])   // options of the caller at each call
        let two = try KernelOptions(threads: 2).withCurrent { try scoped(NDArray([0.0, 0.0])) }
        #expect(two[0].item(Double.self) == 1.25)
        #expect(try single(NDArray([0.0, 0.0]))[0].item(Double.self) == 1.25)

        // Time every node over 10 calls (PyTensor's profile=True); updates apply as in a call.
        let profile = try step.profile([NDArray([0.0, 0.0])], calls: 10)
        print(profile)
        #expect(profile.calls == 10 && !profile.entries.isEmpty)

        // No rewriting: the graph runs as built.
        let asBuilt = try function(inputs: [x], outputs: [loss], mode: .unoptimized)
        #expect(try asBuilt(NDArray([0.0, 0.0]))[0].shape == [])
    }

    /// Errors.md
    @Test func errors() throws {
        let A = Tensor.matrix("A", shape: [2, 3])
        let B = Tensor.matrix("B", shape: [4, 5])
        do {
            _ = try checked { matmul(A, B) }                // 3 columns against 4 rows
            Issue.record("expected an error")
        } catch let error as CotangentError {
            print(error)                                    // names the op, the shapes and dtypes
            #expect(error.kind == .invalidGraph)
        }

        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        do {
            _ = try (x + y).eval(["x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]])
            Issue.record("expected an error")
        } catch let error as CotangentError {
            #expect(error.kind == .shapeMismatch)
        }
        do {
            _ = try (x + y).eval(["x": [1.0, 2.0]])
            Issue.record("expected an error")
        } catch let error as CotangentError {
            #expect(error.kind == .missingInput)
        }
    }

    /// YourOwnOps.md
    @Test func yourOwnOps() throws {
        let x = Tensor.vector("x")
        let softplus = opFromGraph(inputs: [x], outputs: [log1p(exp(x))], name: "Softplus",
                                   pullback: { inputs, _, cotangents in [cotangents[0] * sigmoid(inputs[0])] })
        let z = Tensor.vector("z")
        let y = softplus(z)[0]                              // one node, printed Softplus{inline=False}
        let g = grad(y.sum(), wrt: z)                       // the rule above
        #expect(y.dprint().hasPrefix("Softplus{inline=False}"))
        #expect(try g.eval(["z": [800.0]]).asArray(Double.self) == [1])
    }
}
