import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Blockwise derivatives")
struct BlockwiseGradTests {
    static let product = Blockwise(Elemwise(.mul), signature: "(n),(n)->(n)")
    static let cumulative = Blockwise(CumOp(axis: 0, mode: .add), signature: "(n)->(n)")

    @Test(arguments: [([3, 4], [3, 4]), ([1, 4], [3, 4]), ([4], [2, 3, 4]), ([2, 1, 4], [1, 3, 4]), ([3, 0], [3, 0])])
    func pullbackSumsOverBroadcastBatchDims(_ aShape: [Int], _ bShape: [Int]) throws {
        let point = [randomPoint(aShape, -2...2, seed: 50), randomPoint(bShape, -2...2, seed: 51)]
        try verifyGrad({ build(Self.product, $0) }, at: point)
        try verifyGrad({ build(Self.product, $0) }, at: point.map { $0.converted(to: .float32) })
        try verifyPushforward({ build(Self.product, $0) }, at: point)
    }

    @Test func broadcastGradientKeepsTheInputsType() throws {
        let a = Tensor.matrix("a", shape: [1, 4])
        let b = Tensor.matrix("b", shape: [3, 4])
        let out = build(Self.product, [a, b])
        let g = try checked { grad(out.sum(), wrt: a) }
        #expect(g.type.shape == [1, 4])
        let values: [String: NDArray] = ["a": [[1.0, 2, 3, 4]], "b": [[1.0, 1, 1, 1], [2.0, 0, 2, 0], [0.0, 3, 0, 3]]]
        #expect(try g.eval(values).asArray(Double.self) == [3, 4, 3, 4])
        // A padded input (fewer batch dims): the padding ExpandDims's pullback drops the dim.
        let v = Tensor.vector("v", shape: [4])
        let padded = try checked { grad(build(Self.product, [v, b]).sum(), wrt: v) }
        #expect(padded.type.shape == [4])
        #expect(try padded.eval(["v": [1.0, 2, 3, 4], "b": values["b"]!]).asArray(Double.self) == [3, 4, 3, 4])
    }

    @Test(arguments: [[3, 5], [2, 3, 4], [1, 6], [4, 0]])
    func coreRulesWithReversedCumsums(_ shape: [Int]) throws {
        try verifyGrad({ build(Self.cumulative, $0[0]) }, at: [randomPoint(shape, -2...2, seed: 52)])
        try verifyPushforward({ build(Self.cumulative, $0[0]) }, at: [randomPoint(shape, -2...2, seed: 53)])
    }

    @Test func pullbackIsTheVectorizedCoreRule() throws {
        let m = Tensor.matrix("m")
        let g = Tensor.matrix("g")
        let vjp = try checked { pullback(build(Self.cumulative, m), wrt: m, cotangent: g) }
        // The core's reversed cumsum along its axis 0, vectorized: the axis moves past the batch dim.
        #expect(vjp.dprint().contains("CumOp{1, add}"))
        #expect(!vjp.dprint().contains("CumOp{0, add}"))
        let value = try vjp.eval(["m": NDArray.zeros([2, 3]), "g": [[1.0, 2, 3], [4.0, 5, 6]]])
        #expect(value.asArray(Double.self) == [6, 5, 3, 15, 11, 6])
    }

    @Test func disconnectedAndUndefinedCoreResultsPassThrough() throws {
        let x = Tensor.matrix("x")
        let n = Tensor.matrix("n", dtype: .int64)
        // The integer input is disconnected; the float one has its gradient.
        let mixed = build(Self.product, [x, n.cast(to: .float64)])
        let g = try checked { grad(mixed.sum(), wrt: x) }
        #expect(try g.eval(["x": [[1.0, 2]], "n": NDArray(shape: [1, 2], elements: [Int64(5), 7])]).asArray(Double.self) == [5, 7])
        let integerProduct = build(Blockwise(Elemwise(.mul), signature: "(n),(n)->(n)"), [n, n])
        #expect(integerProduct.owner!.op.connectionPattern(integerProduct.owner!) == [[false], [false]])
        // The convolution's mode flag has no gradient.
        let conv = convolve1d(x, Tensor.vector("y"))
        #expect(conv.owner!.op.connectionPattern(conv.owner!) == [[true], [true], [false]])
        let results = conv.owner!.op.pullback(conv.owner!, cotangents: [Tensor.matrix("c")])
        guard case .value = results[0], case .value = results[1], case .disconnected = results[2] else {
            Issue.record("expected [value, value, disconnected], got \(results)")
            return
        }
        // An undefined core gradient names the core op.
        let undefined = blockwise(UndefinedGradientTestOp(), signature: "(n)->(n)", [x])
        #expect {
            try checked { grad(undefined.sum(), wrt: x) }
        } throws: { error in
            let error = error as! CotangentError
            return error.kind == .invalidGradient && error.message.contains("NoGradient has no pullback")
        }
    }

    @Test func coreWithoutForwardRuleUsesTheDoublePullback() throws {
        let x = Tensor.matrix("x")
        let node = blockwise(DoublingWithoutPushforward(), signature: "(n)->(n)", [x]).owner!
        #expect(node.op.pushforward(node, tangents: [Tensor.matrix("t")]) == nil)
        try verifyPushforward({ blockwise(DoublingWithoutPushforward(), signature: "(n)->(n)", [$0[0]]) },
                              at: [randomPoint([2, 3], -1...1, seed: 54)])
        // The native rule of a core with one stays native.
        let conv = convolve1d(x, Tensor.vector("y"))
        #expect(conv.owner!.op.pushforward(conv.owner!, tangents: [Tensor.matrix("t"), nil, nil]) != nil)
    }

    @Test func gradientsOfGradients() throws {
        // The Hessian of Σ (a ⊙ b)² with a broadcast over b's batch dim.
        try verifyGrad({ v in grad(sqr(build(Self.product, [v[0], v[1]])).sum(), wrt: v[0]) },
                       at: [randomPoint([1, 3], -1...1, seed: 55), randomPoint([2, 3], -1...1, seed: 56)])
    }

    // MARK: Batching

    @Test func moreBatchDimsAreTheSameBlockwise() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let rows = Tensor.matrix("rows")
        let conv = convolve1d(x, y, mode: .valid)
        let vectorized = vectorizeGraph([conv], replacing: [x: rows])[0]
        #expect("\(vectorized.owner!.op)" == "Blockwise{Convolve1d, (n),(k),()->(o)}")
        #expect(vectorized.owner!.inputs[0] === rows)
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            conv, input: x, batched: rows, stack: [[1.0, 2, 3, 4], [0.5, -1, 2, 0]], others: ["y": [1.0, -1.0]])
        // A node that already has batch dims gains one more.
        let m = Tensor.matrix("m")
        let cube = Tensor.tensor3("cube")
        let batchedConv = convolve1d(m, y)
        let again = vectorizeGraph([batchedConv], replacing: [m: cube])[0]
        #expect(again.ndim == 3)
        #expect("\(again.owner!.op)" == "Blockwise{Convolve1d, (n),(k),()->(o)}")
        try SignalGradTesting.expectBatchedGraphMatchesStack(
            batchedConv, input: m, batched: cube,
            stack: [randomPoint([2, 4], -1...1, seed: 57), randomPoint([2, 4], -1...1, seed: 58)], others: ["y": [2.0, 1.0, -1.0]])
    }

    @Test func vectorizedAndRowByRowJacobiansAgree() throws {
        let a = Tensor.matrix("a", shape: [1, 3])
        let b = Tensor.matrix("b", shape: [2, 3])
        let values = ["a": randomPoint([1, 3], -1...1, seed: 59), "b": randomPoint([2, 3], -1...1, seed: 60)]
        let out = build(Self.product, [a, b]).sum(axis: 0)
        try SignalGradTesting.expectJacobiansAgree(out, wrt: a, values)
        try SignalGradTesting.expectJacobiansAgree(out, wrt: b, values)
        let m = Tensor.matrix("m")
        try SignalGradTesting.expectJacobiansAgree(
            build(Self.cumulative, m).sum(axis: 0), wrt: m, ["m": randomPoint([2, 4], -1...1, seed: 61)])
    }
}

@Suite("Scalar/tensor conversion derivatives")
struct ScalarTensorConversionGradTests {
    @Test func pullbacksAreTheOtherConversion() throws {
        let s = Variable(type: .scalar(.float64), name: "s")
        let x = Tensor.vector("x")
        let g = try checked { grad((tensorFromScalar(s) * x).sum(), wrt: s) }
        #expect(g.type == .scalar(.float64))
        #expect("\(g.owner!.op)" == "ScalarFromTensor")
        #expect(try g.eval(["s": NDArray(scalar: 2.0), "x": [1.0, 2.0, 4.0]]).item(Double.self) == 7)
        let t = Tensor.scalar("t")
        let roundTrip = tensorFromScalar(scalarFromTensor(t)) * 3
        let dt = try checked { grad(roundTrip, wrt: t) }
        #expect(dt.type == TensorType(dtype: .float64, shape: []))
        #expect(try dt.eval(["t": NDArray(scalar: 5.0)]).item(Double.self) == 3)
    }

    @Test func finiteDifferencesAndPushforward() throws {
        let f: ([Variable]) -> Variable = { v in tensorFromScalar(scalarFromTensor(sqr(v[0]))) * v[1] }
        let point = [NDArray(scalar: 0.75), randomPoint([3], -1...1, seed: 62)]
        try verifyGrad(f, at: point)
        try verifyPushforward(f, at: point)
        let s = Variable(type: .scalar(.float64), name: "s")
        let ds = Variable(type: .scalar(.float64), name: "ds")
        let jvp = try checked { pushforward(tensorFromScalar(s), wrt: s, tangent: ds) }
        #expect(jvp.dprint() == """
            TensorFromScalar [id A]
             └─ ds [id B]
            """)
    }

    @Test func integerConversionsAreDisconnected() {
        let i = Tensor.scalar("i", dtype: .int64)
        let converted = scalarFromTensor(i)
        #expect(converted.owner!.op.connectionPattern(converted.owner!) == [[false]])
        guard case .disconnected = converted.owner!.op.pullback(converted.owner!, cotangents: [converted])[0] else {
            Issue.record("an integer conversion must be disconnected")
            return
        }
    }

    @Test func batchedScalarsStayTensors() throws {
        let t = Tensor.scalar("t")
        let out = tensorFromScalar(scalarFromTensor(t)) * 2
        let batch = Tensor.vector("batch")
        let vectorized = vectorizeGraph([out], replacing: [t: batch])[0]
        #expect(vectorized.dprint() == """
            Mul [id A]
             ├─ batch [id B]
             └─ ExpandDims{axis=0} [id C]
                └─ 2 [id D]
            """)
        #expect(try vectorized.eval(["batch": [1.0, -3.0]]).asArray(Double.self) == [2, -6])
        // Without batch dims the conversions are rebuilt.
        let u = Tensor.scalar("u")
        let rebuilt = vectorizeGraph([out], replacing: [t: u])[0]
        #expect("\(rebuilt.owner!.inputs[0].owner!.op)" == "TensorFromScalar")
        #expect("\(rebuilt.owner!.inputs[0].owner!.inputs[0].owner!.op)" == "ScalarFromTensor")
        #expect(rebuilt.owner!.inputs[0].owner!.inputs[0].owner!.inputs[0] === u)
    }
}

/// `2x` with a pullback (`2g`) but no native forward rule.
struct DoublingWithoutPushforward: Op {
    func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    { throw StableHLONotExportable("a test op") }

    var description: String { "Doubling" }
    func outputTypes(for inputs: [Variable]) throws -> [TensorType] { [inputs[0].type] }
    func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [ElemwiseKernel.run(.add, [inputs[0], inputs[0]], shape: inputs[0].shape, dtype: inputs[0].dtype)]
    }
    func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        [cotangents[0].map { .value($0 * 2) } ?? .disconnected]
    }
}
