import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// One convolution of an `n`-vector with a `k`-vector.
struct ConvolveGradCase: CustomTestStringConvertible, Sendable {
    let n: Int
    let k: Int
    let mode: ConvolveMode
    var testDescription: String { "n=\(n) k=\(k) \(mode)" }

    static let all: [ConvolveGradCase] = [(5, 3), (3, 5), (4, 4), (1, 6), (6, 1), (1, 1), (2, 7)].flatMap { n, k in
        [ConvolveGradCase(n: n, k: k, mode: .full), ConvolveGradCase(n: n, k: k, mode: .valid)]
    }

    func point(seed: UInt64, dtype: DType = .float64) -> [NDArray] {
        [randomPoint([n], -2...2, seed: seed, dtype: dtype), randomPoint([k], -2...2, seed: seed + 1, dtype: dtype)]
    }
}

@Suite("Convolve1d derivatives")
struct Convolve1dGradTests {
    @Test(arguments: ConvolveGradCase.all)
    func pullbackMatchesFiniteDifferences(_ spec: ConvolveGradCase) throws {
        try verifyGrad({ convolve1d($0[0], $0[1], mode: spec.mode) }, at: spec.point(seed: 20))
        try verifyGrad({ convolve1d($0[0], $0[1], mode: spec.mode) }, at: spec.point(seed: 22, dtype: .float32))
    }

    @Test(arguments: ConvolveGradCase.all)
    func coreOpPullbackMatchesFiniteDifferences(_ spec: ConvolveGradCase) throws {
        // The core op with a scalar-kind flag and with a 0-d tensor flag (converted).
        let full = spec.mode == .full
        for flag in [Variable(constant: NDArray(scalar: full), type: .scalar(.bool)), Variable(constant: NDArray(scalar: full))] {
            try verifyGrad({ build(Convolve1d(), $0[0], $0[1], flag) }, at: spec.point(seed: 24))
        }
    }

    @Test(arguments: ConvolveGradCase.all)
    func pushforwardAgreesWithPullback(_ spec: ConvolveGradCase) throws {
        try verifyPushforward({ convolve1d($0[0], $0[1], mode: spec.mode) }, at: spec.point(seed: 26))
        let flag = Variable(constant: NDArray(scalar: spec.mode == .full), type: .scalar(.bool))
        try verifyPushforward({ build(Convolve1d(), $0[0], $0[1], flag) }, at: spec.point(seed: 28))
    }

    @Test(arguments: [ConvolveMode.full, .valid])
    func batchedConvolutionsWithBroadcastBatchDims(_ mode: ConvolveMode) throws {
        // x's middle batch dim is statically 1 and y has one batch dim fewer: both broadcast
        // against the (2, 3) batch, so their gradients sum over it.
        // Empty batches too (the gradients' core lengths then come from Convolve1d's shape rule).
        let shapes: [([Int], [Int])] = [
            ([2, 1, 5], [3, 4]), ([1, 5], [3, 2]), ([3, 4], [1, 6]), ([2, 3, 4], [2, 3, 4]), ([0, 5], [3]),
            ([2, 0, 4], [1, 1, 3]),
        ]
        for (xShape, yShape) in shapes {
            let point = [randomPoint(xShape, -2...2, seed: 30), randomPoint(yShape, -2...2, seed: 31)]
            try verifyGrad({ convolve1d($0[0], $0[1], mode: mode) }, at: point)
            try verifyPushforward({ convolve1d($0[0], $0[1], mode: mode) }, at: point)
        }
        // A batched mode flag (the flag gets no gradient; blocks must agree on the output length).
        let flags = Variable(constant: NDArray([mode == .full, mode == .full]))
        try verifyGrad({ blockwise(Convolve1d(), signature: "(n),(k),()->(o)", [$0[0], $0[1], flags]) },
                       at: [randomPoint([2, 5], -2...2, seed: 32), randomPoint([4], -2...2, seed: 33)])
    }

    @Test func integerInputsAreDisconnected() throws {
        let n = Tensor.vector("n", dtype: .int64)
        let x = Tensor.vector("x")
        let conv = convolve1d(n, x)
        let g = try checked { grad(conv.sum(), wrt: x) }
        // Σ_i conv(n, x)[i] = (Σ n)(Σ x): every entry of the gradient is Σ n.
        #expect(try g.eval(["n": NDArray([Int64(1), 2, 3]), "x": [0.5, 0.25]]).asArray(Double.self) == [6, 6])
        let core = build(Convolve1d(), n, x, Variable(constant: NDArray(scalar: true)))
        #expect(core.owner!.op.connectionPattern(core.owner!) == [[false], [true], [false]])
        let results = core.owner!.op.pullback(core.owner!, cotangents: [Tensor.vector("g")])
        guard case .disconnected = results[0], case .value = results[1], case .disconnected = results[2] else {
            Issue.record("expected [disconnected, value, disconnected], got \(results)")
            return
        }
    }

    // MARK: Seed values and graph forms

    @Test func seedPullbackValue() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let v = Tensor.vector("v", shape: [4])
        let vjp = try checked { pullback(convolve1d(x, y, mode: .full), wrt: y, cotangent: v) }
        #expect(try vjp.eval(["v": [1, 2, 3, 4], "x": [0, 1, 2]]).description == "array([ 8., 11.])")
        // PyTensor's raw form: the Blockwise of the core rule, its flag converted back.
        let node = vjp.owner!
        #expect("\(node.op)" == "Blockwise{Convolve1d, (n),(k),()->(o)}")
        #expect(node.inputs[0] === v)
        let flag = node.inputs[2]
        #expect("\(flag.owner!.op)" == "TensorFromScalar")
        let and = flag.owner!.inputs[0].owner!.inputs[0]
        #expect("\(flag.owner!.inputs[0].owner!.op)" == "ScalarFromTensor")
        #expect("\(and.owner!.op)" == "And")
        #expect("\(and.owner!.inputs[0].owner!.op)" == "Invert")
        #expect(and.owner!.inputs[0].owner!.inputs[0].constantValue?.item(Bool.self) == true)
    }

    @Test func coreOpPullbackIsPyTensorsGraph() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let g = Tensor.vector("g")
        let full = Variable(constant: NDArray(scalar: true), type: .scalar(.bool))
        let conv = build(Convolve1d(), x, y, full)
        let grads = try checked { pullback(conv, wrt: [x, y], cotangent: g) }
        #expect(grads[1].dprint() == """
            Convolve1d [id A]
             ├─ g [id B]
             ├─ Subtensor{::step} [id C]
             │  ├─ x [id D]
             │  └─ -1 [id E]
             └─ ScalarFromTensor [id F]
                └─ And [id G]
                   ├─ Invert [id H]
                   │  └─ TensorFromScalar [id I]
                   │     └─ True [id J]
                   └─ Any{axes=None} [id K]
                      └─ Lt [id L]
                         ├─ Shape [id M]
                         │  └─ x [id D]
                         └─ Shape [id N]
                            └─ y [id O]
            """)
        // in1's flag compares the other way round: any(k < n).
        let lt = grads[0].owner!.inputs[2].owner!.inputs[0].owner!.inputs[1].owner!.inputs[0]
        #expect(lt.owner!.inputs[0].owner!.inputs[0] === y)
        #expect(lt.owner!.inputs[1].owner!.inputs[0] === x)
        // A 0-d tensor flag prints as the seed's `ScalarFromTensor(False)` leaf.
        let v = Tensor.vector("v", shape: [4])
        let seedCore = build(Convolve1d(), v, x[.stride(by: -1)], Variable(constant: NDArray(scalar: false)))
        #expect(seedCore.dprint() == """
            Convolve1d [id A]
             ├─ v [id B]
             ├─ Subtensor{::step} [id C]
             │  ├─ x [id D]
             │  └─ -1 [id E]
             └─ ScalarFromTensor [id F]
                └─ False [id G]
            """)
        #expect(try seedCore.eval(["v": [1, 2, 3, 4], "x": [0, 1, 2]]).asArray(Double.self) == [8, 11])
    }

    @Test(arguments: [(3, 2, ConvolveMode.full), (3, 2, .valid), (2, 3, .valid), (3, 3, .valid), (2, 3, .full)])
    func pullbackValuesMatchNumpy(_ n: Int, _ k: Int, _ mode: ConvolveMode) throws {
        // numpy: g @ J for in1 = arange(1, n+1), in2 = [2, -1, 3][:k], g = arange(1, len+1)·0.5,
        // with J built column by column from np.convolve of unit vectors.
        let expected: [String: ([Double], [Double])] = [
            "3 2 full": ([0.0, 0.5, 1.0], [7.0, 10.0]),
            "3 2 valid": ([-0.5, 0.0, 2.0], [4.0, 2.5]),
            "2 3 valid": ([2.5, 0.0], [1.0, 2.5, 1.0]),
            "3 3 valid": ([1.5, -0.5, 1.0], [1.5, 1.0, 0.5]),
            "2 3 full": ([4.5, 6.5], [2.5, 4.0, 5.5]),
        ]
        let in1 = Tensor.vector("a")
        let in2 = Tensor.vector("b")
        let conv = convolve1d(in1, in2, mode: mode)
        let length = mode == .full ? n + k - 1 : max(n, k) - min(n, k) + 1
        let g = Variable(constant: NDArray(shape: [length], elements: (1...length).map { Double($0) * 0.5 }))
        let grads = try checked { pullback(conv, wrt: [in1, in2], cotangent: g) }
        let values: [String: NDArray] = [
            "a": NDArray(shape: [n], elements: (1...n).map(Double.init)),
            "b": NDArray(shape: [k], elements: Array([2.0, -1.0, 3.0].prefix(k))),
        ]
        let (e1, e2) = expected["\(n) \(k) \(mode)"]!
        #expect(try grads[0].eval(values).asArray(Double.self) == e1)
        #expect(try grads[1].eval(values).asArray(Double.self) == e2)
    }

    @Test func rewrittenSeedGraphs() throws {
        // The seed's `simplify_print` output for the pullback and the Jacobian with respect to y.
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let v = Tensor.vector("v", shape: [4])
        let conv = convolve1d(x, y, mode: .full)
        let simplify = { (graph: Variable) in
            rewriteGraph(graph, include: ["fast_run"], exclude: ["inplace", "BlasOpt"]).dprint()
        }
        #expect(simplify(try checked { pullback(conv, wrt: y, cotangent: v) }) == """
            Convolve1d [id A]
             ├─ v [id B]
             ├─ Subtensor{::step} [id C]
             │  ├─ x [id D]
             │  └─ -1 [id E]
             └─ ScalarFromTensor [id F]
                └─ False [id G]
            """)
        let J = rewriteGraph(try checked { jacobian(conv, wrt: y) }, include: ["fast_run"], exclude: ["inplace", "BlasOpt"])
        #expect(J.dprint() == """
            Blockwise{Convolve1d, (n),(k),()->(o)} [id A]
             ├─ Eye{dtype='float64'} [id B]
             │  ├─ Add [id C]
             │  │  ├─ 1 [id D]
             │  │  └─ Shape_i{0} [id E]
             │  │     └─ x [id F]
             │  ├─ Add [id C]
             │  │  └─ ···
             │  └─ 0 [id G]
             ├─ ExpandDims{axis=0} [id H]
             │  └─ Subtensor{::step} [id I]
             │     ├─ x [id F]
             │     └─ -1 [id J]
             └─ [False] [id K]
            """)
        // Rewritten, the Jacobian no longer reads y.
        #expect(try J.eval(["x": [0, 1, 2]]).asArray(Double.self) == [0, 0, 1, 0, 2, 1, 0, 2])
    }

    // MARK: Batching

    @Test func seedJacobian() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y", shape: [2])
        let J = try checked { jacobian(convolve1d(x, y, mode: .full), wrt: y) }
        // The identity rows are a batch dim of the core pullback: a batched valid convolution.
        #expect("\(J.owner!.op)" == "Blockwise{Convolve1d, (n),(k),()->(o)}")
        #expect("\(J.owner!.inputs[0].owner!.op)" == "Eye{dtype='float64'}")
        #expect("\(J.owner!.inputs[1].owner!.op)" == "ExpandDims{axis=0}")
        // The Eye's size is `Shape(conv)[0]`, which reads y until shape rewrites remove it.
        #expect(try J.eval(["x": [0, 1, 2], "y": [0, 0]]).description == """
            array([[0., 0.],
                   [1., 0.],
                   [2., 1.],
                   [0., 2.]])
            """)
    }

    @Test(arguments: ConvolveGradCase.all)
    func vectorizedAndRowByRowJacobiansAgree(_ spec: ConvolveGradCase) throws {
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        let point = spec.point(seed: 34)
        let values = ["a": point[0], "b": point[1]]
        let conv = convolve1d(a, b, mode: spec.mode)
        try SignalGradTesting.expectJacobiansAgree(conv, wrt: a, values)
        try SignalGradTesting.expectJacobiansAgree(conv, wrt: b, values)
        // The core op directly (its vectorized pullback falls back to Blockwise).
        let flag = Variable(constant: NDArray(scalar: spec.mode == .full), type: .scalar(.bool))
        try SignalGradTesting.expectJacobiansAgree(build(Convolve1d(), a, b, flag), wrt: b, values)
        try SignalGradTesting.expectJacobiansAgree(sqr(conv), wrt: a, values)
    }

    @Test func batchedJacobianAgrees() throws {
        let m = Tensor.matrix("m", shape: [2, nil])
        let b = Tensor.vector("b")
        let values = ["m": randomPoint([2, 4], -1...1, seed: 36), "b": randomPoint([3], -1...1, seed: 37)]
        let conv = convolve1d(m, b, mode: .valid).sum(axis: 0)
        try SignalGradTesting.expectJacobiansAgree(conv, wrt: b, values)
        try SignalGradTesting.expectJacobiansAgree(conv, wrt: m, values)
    }

    @Test func coreOpVectorizesThroughBlockwise() throws {
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        let rows = Tensor.matrix("rows")
        let full = Variable(constant: NDArray(scalar: true), type: .scalar(.bool))
        let conv = build(Convolve1d(), a, b, full)
        let vectorized = vectorizeGraph([conv], replacing: [a: rows])[0]
        #expect("\(vectorized.owner!.op)" == "Blockwise{Convolve1d, (n),(k),()->(o)}")
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            conv, input: a, batched: rows, stack: [[1.0, 2, 3], [0.0, -1, 4]], others: ["b": [1.0, -2.0]])
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            conv, input: b, batched: rows, stack: [[1.0, 2], [0.5, -1]], others: ["a": [1.0, -2.0, 3.0]])
    }

    // MARK: Second derivatives

    @Test func derivativesOfDerivatives() throws {
        let x = Variable(constant: NDArray([0.5, -1.0, 2.0, 1.5]))
        // The pullback is linear in the cotangent: differentiate it with respect to the cotangent.
        for mode in [ConvolveMode.full, .valid] {
            try verifyGrad({ v in pullback(convolve1d(x, v[1], mode: mode), wrt: v[1], cotangent: v[0]) },
                           at: [randomPoint([mode == .full ? 6 : 2], -1...1, seed: 38), randomPoint([3], -1...1, seed: 39)])
            try verifyPushforward({ v in pullback(convolve1d(x, v[1], mode: mode), wrt: v[1], cotangent: v[0]) },
                                  at: [randomPoint([mode == .full ? 6 : 2], -1...1, seed: 40), randomPoint([3], -1...1, seed: 41)])
            // grad of grad with respect to y: the Hessian of Σ conv(x, y)³.
            try verifyGrad({ y in
                let conv = convolve1d(x, y[0], mode: mode)
                return grad((sqr(conv) * conv).sum(), wrt: y[0])
            },
                           at: [randomPoint([3], -1...1, seed: 42)])
        }
    }
}
