import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One cumulative op over one input shape.
struct CumGradCase: CustomTestStringConvertible, Sendable {
    let mode: CumOp.Mode
    let shape: [Int]
    let axis: Int?
    var testDescription: String { "cum\(mode == .add ? "sum" : "prod") \(shape) axis \(axis.map(String.init) ?? "nil")" }

    init(_ mode: CumOp.Mode, _ shape: [Int], _ axis: Int?) {
        (self.mode, self.shape, self.axis) = (mode, shape, axis)
    }

    func apply(_ x: Variable) -> Variable {
        mode == .add ? cumsum(x, axis: axis) : cumprod(x, axis: axis)
    }

    /// Products stay away from zero (the rule divides by x); sums take any sign.
    var domain: ClosedRange<Double> { mode == .add ? -2...2 : 0.5...1.5 }

    static let shapes: [([Int], Int?)] = [
        ([5], nil), ([5], 0), ([3, 4], 0), ([3, 4], 1), ([3, 4], -1), ([3, 4], nil), ([2, 3, 4], 1),
        ([2, 3, 4], nil), ([1, 4], 0), ([4, 1], 1), ([1, 1], nil), ([], nil), ([0], nil), ([2, 0], 1),
        ([0, 3], nil),
    ]
    static let all: [CumGradCase] = shapes.flatMap { shape, axis in
        [CumGradCase(.add, shape, axis), CumGradCase(.mul, shape, axis)]
    }
}

@Suite("CumOp derivatives")
struct CumOpGradTests {
    @Test(arguments: CumGradCase.all)
    func pullbackMatchesFiniteDifferences(_ spec: CumGradCase) throws {
        try verifyGrad({ spec.apply($0[0]) }, at: [randomPoint(spec.shape, spec.domain, seed: 3)])
    }

    @Test(arguments: CumGradCase.all.filter { $0.shape.count >= 1 && !$0.shape.contains(0) })
    func float32PullbackMatchesFiniteDifferences(_ spec: CumGradCase) throws {
        // Sums are linear, so a large step is exact and keeps float32 rounding of the cost
        // (a sum of up to 24 partial sums) out of the difference quotient.
        try verifyGrad({ spec.apply($0[0]) }, at: [randomPoint(spec.shape, spec.domain, seed: 4, dtype: .float32)],
                       epsilon: spec.mode == .add ? 1e-2 : nil)
    }

    @Test func negativeFactorsInProducts() throws {
        try verifyGrad({ cumprod($0[0], axis: 1) }, at: [randomPoint([3, 4], -1.5 ... -0.5, seed: 5)])
        try verifyGrad({ cumprod($0[0]) }, at: [NDArray([0.7, -1.2, 1.4, -0.9])])
    }

    @Test(arguments: CumGradCase.all)
    func pushforwardAgreesWithPullback(_ spec: CumGradCase) throws {
        try verifyPushforward({ spec.apply($0[0]) }, at: [randomPoint(spec.shape, spec.domain, seed: 6)])
    }

    @Test func pushforwardsAreNative() throws {
        let x = Tensor.matrix("x")
        let t = Tensor.matrix("t")
        // Sum: the same cumsum of the tangent, no double pullback.
        #expect(pushforward(cumsum(x, axis: 1), wrt: x, tangent: t).dprint() == """
            CumOp{1, add} [id A]
             └─ t [id B]
            """)
        // Product: a linear recurrence dy[i] = x[i]·dy[i-1] + t[i]·y[i-1] (no division).
        let product = pushforward(cumprod(x), wrt: x, tangent: t)
        #expect("\(product.owner!.op)" == "LinearRecurrence{0}")
        let values: [String: NDArray] = ["x": [[1.0, 2.0], [3.0, 0.5]], "t": [[1.0, 0.0], [0.0, 1.0]]]
        // d cumprod([1, 2, 3, .5]) along [1, 0, 0, 1]: [1, 2, 6, 2·3·.5 + 1·2·3 = 9].
        #expect(try product.eval(values).asArray(Double.self) == [1, 2, 6, 9])
    }

    @Test func integerInputsAreDisconnected() throws {
        let n = Tensor.vector("n", dtype: .int64)
        let x = Tensor.vector("x")
        let sums = cumsum(n)
        #expect(sums.owner!.op.connectionPattern(sums.owner!) == [[false]])
        guard case .disconnected = sums.owner!.op.pullback(sums.owner!, cotangents: [Tensor.vector("g")])[0] else {
            Issue.record("an integer input must be disconnected")
            return
        }
        let g = try checked { grad((sums.cast(to: .float64) * x).sum() + cumprod(x).sum(), wrt: x) }
        // d/dx of Σ cumsum(n)·x + Σ cumprod(x) at x = [1, 2, 3], n = [4, 5, 6]:
        // [4 + (1 + 2 + 6), 9 + (1 + 3), 15 + 2] (numpy).
        #expect(try g.eval(["n": NDArray([Int64(4), 5, 6]), "x": [1.0, 2.0, 3.0]]).asArray(Double.self) == [13, 13, 17])
    }

    @Test func productDerivativesAreExactAtZeros() throws {
        // PyTensor's rule divides by x and gives NaN where x has a zero; the recurrence does
        // not. Expected values: jax.grad of Σ w·cumprod(x, axis) (float64).
        let x = Tensor.matrix("x")
        let values: [String: NDArray] = [
            "x": [[1.5, 0.0, -2.0, 0.5], [0.0, 0.0, 3.0, -1.0], [2.0, -0.5, 1.25, 0.0]],
            "w": [[0.3, -1.2, 0.7, 2.0], [1.1, 0.4, -0.6, 0.9], [-0.8, 0.5, 1.3, -0.2]],
        ]
        let w = Tensor.matrix("w")
        let expected: [(Int?, [Double])] = [
            (0, [0.3, -1.2, 3.7750000000000004, 1.1, -0.75, 0.0, -2.0500000000000003, 0.45, 0.0, 0.0,
                 -7.800000000000001, 0.1]),
            (1, [0.3, -6.8999999999999995, 0.0, 0.0, 1.1, 0.0, 0.0, 0.0, -1.8625, 4.25, -1.3, 0.25]),
            (nil, [0.3, -6.8999999999999995, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ]
        for (axis, jax) in expected {
            let weights = axis == nil ? w.reshaped(to: [-1]) : w
            let g = try checked { grad((weights * cumprod(x, axis: axis)).sum(), wrt: x) }
            let value = try g.eval(values)
            #expect(value.shape == [3, 4] && value.dtype == .float64)
            #expect(try value.allClose(NDArray(shape: [3, 4], elements: jax), rtol: 1e-14, atol: 1e-15),
                    "axis \(String(describing: axis)): \(value)")
        }
        // Second derivatives at zeros: jax.hessian of Σ u·cumprod(v).
        let v = Tensor.vector("v")
        let u = Tensor.vector("u")
        let h = try checked { hessian((u * cumprod(v)).sum(), wrt: v) }
        let hv = try h.eval(["v": [0.5, 0.0, -1.5, 2.0], "u": [1.0, -2.0, 0.5, 3.0]])
        #expect(hv.shape == [4, 4])
        #expect(hv.asArray(Double.self) == [0.0, -11.75, 0.0, 0.0, -11.75, 0.0, 3.25, -2.25, 0.0, 3.25, 0.0, 0.0,
                                            0.0, -2.25, 0.0, 0.0])
        // Pushforward against pullback, and finite differences, through zeros.
        try verifyPushforward({ cumprod($0[0], axis: 1) }, at: [values["x"]!])
        try verifyGrad({ cumprod($0[0], axis: 0) }, at: [values["x"]!])
    }

    // MARK: Graph forms

    @Test func seedPullbackIsTheReversedCumsum() throws {
        let x = Tensor.vector("x")
        let v = Tensor.vector("v")
        let vjp = try checked { pullback(cumsum(x), wrt: x, cotangent: v) }
        // PyTensor's raw graph: two distinct -1 constants (merging unifies them later).
        #expect(vjp.dprint() == """
            Subtensor{::step} [id A]
             ├─ CumOp{None, add} [id B]
             │  └─ Subtensor{::step} [id C]
             │     ├─ v [id D]
             │     └─ -1 [id E]
             └─ -1 [id F]
            """)
        #expect(try vjp.eval(["x": [1.0, 2.0, 3.0], "v": [1, 1, 1]]).description == "array([3., 2., 1.])")
    }

    @Test func rewrittenSeedGradient() throws {
        // The seed's `simplify_print` of grad(cumsum(log(x)).sum(), x).
        let x = Tensor.vector("x")
        let g = try checked { grad(cumsum(log(x)).sum(), wrt: x) }
        #expect(rewriteGraph(g, include: ["fast_run"], exclude: ["inplace", "BlasOpt"]).dprint() == """
            True_div [id A]
             ├─ Subtensor{::step} [id B]
             │  ├─ CumOp{None, add} [id C]
             │  │  └─ Alloc [id D]
             │  │     ├─ [1.] [id E]
             │  │     └─ Shape_i{0} [id F]
             │  │        └─ x [id G]
             │  └─ -1 [id H]
             └─ x [id G]
            """)
        let v = Tensor.vector("v")
        #expect(rewriteGraph(try checked { pullback(cumsum(x), wrt: x, cotangent: v) }).dprint() == """
            Subtensor{::step} [id A]
             ├─ CumOp{None, add} [id B]
             │  └─ Subtensor{::step} [id C]
             │     ├─ v [id D]
             │     └─ -1 [id E]
             └─ -1 [id E]
            """)
    }

    @Test func pullbackFormsAlongAnAxisAndFlattened() throws {
        let x = Tensor.matrix("x")
        let g = Tensor.matrix("g")
        #expect(try checked { pullback(cumsum(x, axis: 1), wrt: x, cotangent: g) }.dprint() == """
            Subtensor{:, ::step} [id A]
             ├─ CumOp{1, add} [id B]
             │  └─ Subtensor{:, ::step} [id C]
             │     ├─ g [id D]
             │     └─ -1 [id E]
             └─ -1 [id F]
            """)
        let flat = Tensor.vector("flat")
        let unflattened = try checked { pullback(cumsum(x), wrt: x, cotangent: flat) }
        #expect("\(unflattened.owner!.op)" == "Reshape{2}")
        #expect("\(unflattened.owner!.inputs[1].owner!.op)" == "Shape")
        #expect(unflattened.owner!.inputs[1].owner!.inputs[0] === x)
        // numpy: cumsum(g[::-1])[::-1] of [1..6] is [21, 20, 18, 15, 11, 6].
        let value = try unflattened.eval(["x": NDArray.zeros([2, 3]), "flat": [1.0, 2, 3, 4, 5, 6]])
        #expect(value.shape == [2, 3])
        #expect(value.asArray(Double.self) == [21, 20, 18, 15, 11, 6])
        let product = try checked { pullback(cumprod(x, axis: 0), wrt: x, cotangent: g) }
        // The product's: the reversed recurrence times the shifted cumprod.
        #expect("\(product.owner!.op)" == "Mul")
        #expect("\(product.owner!.inputs[0].owner!.op)" == "LinearRecurrence{0, reverse}")
    }

    // MARK: Batching

    @Test func seedJacobianVectorizesTheAxis() throws {
        let x = Tensor.vector("x")
        let J = try checked { jacobian(cumsum(x), wrt: x) }
        #expect(J.dprint().contains("CumOp{1, add}"))
        #expect(try J.eval(["x": [1.0, 2.0, 3.0]]).asArray(Double.self) == [1, 0, 0, 1, 1, 0, 1, 1, 1])
    }

    @Test func vectorizedAndRowByRowJacobiansAgree() throws {
        let x = Tensor.vector("x")
        let m = Tensor.matrix("m")
        let vector: [String: NDArray] = ["x": [0.5, -1.5, 2.0, 1.25]]
        let matrix: [String: NDArray] = ["m": randomPoint([3, 4], 0.5...1.5, seed: 7)]
        try SignalGradTesting.expectJacobiansAgree(cumsum(x), wrt: x, vector)
        try SignalGradTesting.expectJacobiansAgree(cumprod(x), wrt: x, vector)
        try SignalGradTesting.expectJacobiansAgree(cumsum(exp(x)) * x, wrt: x, vector)
        // Flattened matrices: the vectorized pullback reshapes every row.
        try SignalGradTesting.expectJacobiansAgree(cumsum(m), wrt: m, matrix)
        try SignalGradTesting.expectJacobiansAgree(cumprod(m), wrt: m, matrix)
        // Along an axis (the batched rule shifts it past the Jacobian's row dim).
        try SignalGradTesting.expectJacobiansAgree(cumsum(m, axis: 1).sum(axis: 0), wrt: m, matrix)
        try SignalGradTesting.expectJacobiansAgree(cumprod(m, axis: 0).sum(axis: 1), wrt: m, matrix)
    }

    @Test func vectorizeGraphShiftsTheAxis() throws {
        let core = Tensor.matrix("core")
        let batched = Tensor.tensor3("batched")
        let stack = [randomPoint([3, 4], -1...1, seed: 8), randomPoint([3, 4], -1...1, seed: 9)]
        for axis in [0, 1] {
            let out = cumsum(core, axis: axis)
            let vectorized = vectorizeGraph([out], replacing: [core: batched])[0]
            #expect("\(vectorized.owner!.op)" == "CumOp{\(axis + 1), add}")
            try SignalGradTesting.expectBatchedGraphMatchesStack(out, input: core, batched: batched, stack: stack)
            try SignalGradTesting.expectBatchedGraphMatchesStack(
                cumprod(core, axis: axis), input: core, batched: batched, stack: stack)
        }
    }

    @Test func vectorizeGraphOverTheFlattenedInput() throws {
        // A vector core: the batched cumsum runs along the core's own axis.
        let v = Tensor.vector("v")
        let rows = Tensor.matrix("rows")
        let vectorized = vectorizeGraph([cumsum(v)], replacing: [v: rows])[0]
        #expect("\(vectorized.owner!.op)" == "CumOp{1, add}")
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            cumsum(v), input: v, batched: rows, stack: [[1.0, 2, 3], [4.0, 5, 6]])
        // Two batch dims.
        let cube = Tensor.tensor3("cube")
        let twice = vectorizeGraph([cumprod(v)], replacing: [v: cube])[0]
        #expect("\(twice.owner!.op)" == "CumOp{2, mul}")
        let cubeValue = randomPoint([2, 3, 4], 0.5...1.5, seed: 10)
        let expected = NDArray.stacking((0..<2).map { i in
            NDArray.stacking((0..<3).map { j in
                try! cumprod(v).eval(["v": cubeValue.indexed(axis: 0, at: i).indexed(axis: 0, at: j).contiguous()])
            })
        })
        #expect(arraysMatch(try twice.eval(["cube": cubeValue]), expected))
        // A matrix core: each batch index's block is flattened first.
        let m = Tensor.matrix("m")
        let flattened = vectorizeGraph([cumsum(m)], replacing: [m: cube])[0]
        #expect("\(flattened.owner!.op)" == "CumOp{1, add}")
        #expect("\(flattened.owner!.inputs[0].owner!.op)" == "Reshape{2}")
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            cumsum(m), input: m, batched: cube,
            stack: [randomPoint([3, 4], -1...1, seed: 11), randomPoint([3, 4], -1...1, seed: 12)])
        // A 0-d core: one-element rows.
        let s = Tensor.scalar("s")
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            cumsum(s), input: s, batched: v, stack: [NDArray(scalar: 2.5), NDArray(scalar: -1.0)])
    }

    @Test func unbatchedReplacementRebuildsTheSameOp() {
        let v = Tensor.vector("v")
        let w = Tensor.vector("w")
        let rebuilt = vectorizeGraph([cumsum(v)], replacing: [v: w])[0]
        #expect("\(rebuilt.owner!.op)" == "CumOp{None, add}")
        #expect(rebuilt.owner!.inputs[0] === w)
    }

    // MARK: Second derivatives

    @Test(.enabled(if: SignalGradTesting.subtensorHasPullback, "the pullback reverses with Subtensor"))
    func derivativesOfDerivatives() throws {
        // grad of grad: the Hessian-vector product of Σ cumsum(x)² · w and of Σ cumprod(x).
        try verifyGrad({ x in grad((sqr(cumsum(x[0], axis: 1)) * x[1]).sum(), wrt: x[0]) },
                       at: [randomPoint([2, 3], -1...1, seed: 13), randomPoint([2, 3], 0.5...1.5, seed: 14)])
        try verifyGrad({ x in grad(cumprod(x[0]).sum(), wrt: x[0]) }, at: [randomPoint([4], 0.5...1.5, seed: 15)])
        // Pushforward of a pullback.
        try verifyPushforward({ x in pullback(cumsum(exp(x[0])), wrt: x[0], cotangent: x[1]) },
                              at: [randomPoint([4], -1...1, seed: 16), randomPoint([4], -1...1, seed: 17)])
    }
}
