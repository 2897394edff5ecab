import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The rewrites that take work out of loops (PyTensor's scan push-outs and unused-output
/// removal), and the pullback reading the forward outputs back: the rewritten graphs compute
/// the same values with less work per step.
@Suite("Loops: push-outs and residuals")
struct ScanPushOutTests {
    let h0 = Tensor.vector("h0", shape: [3])
    let xs = Tensor.matrix("xs", shape: [nil, 2])
    let wx = Tensor.matrix("Wx", shape: [2, 3])
    let wh = Tensor.matrix("Wh", shape: [3, 3])
    let bias = Tensor.vector("bias", shape: [3])
    var inputs: [Variable] { [h0, xs, wx, wh, bias] }
    let values: [NDArray] = [
        RNNFixture.h0, RNNFixture.xs, RNNFixture.wx, RNNFixture.wh, NDArray([0.05, -0.1, 0.02]),
    ]
    var feed: [Variable: NDArray] { Dictionary(uniqueKeysWithValues: zip(inputs, values)) }

    func rnn(reverse: Bool = false, checkpoint: Bool = false) -> (Variable, Variable) {
        scan(initial: h0, over: xs, reverse: reverse, checkpoint: checkpoint) { h, x in
            let next = tanh(matmul(x, wx) + matmul(h, wh) + bias)
            return (next, next)
        }
    }

    func scans(_ outputs: [Variable]) -> [Scan] {
        GraphTraversal.toposort(outputs).compactMap { $0.op as? Scan }
    }

    /// The ops of a scan body, by printed name.
    func bodyOps(_ scan: Scan) -> [String] {
        GraphTraversal.toposort(scan.body.newCarries + scan.body.outputs).map { "\($0.op)" }
    }

    /// Outputs evaluated without rewriting (the reference) and through `function` (fast_run).
    func expectSameValues(_ outputs: [Variable], tolerance: Double = 1e-12) throws {
        let plain = try function(inputs: inputs, outputs: outputs, mode: .unoptimized, onUnusedInput: .ignore)
        let fast = try function(inputs: inputs, outputs: outputs, onUnusedInput: .ignore)
        for (a, b) in zip(try plain.call(values), try fast.call(values)) {
            #expect(a.shape == b.shape && a.dtype == b.dtype)
            #expect(try a.allClose(b, rtol: tolerance, atol: tolerance))
        }
    }

    @Test func theInputProductLeavesTheLoop() throws {
        let (_, hs) = rnn()
        let rewritten = rewriteGraph([hs], include: ["fast_run"])
        let forward = scans(rewritten)
        #expect(forward.count == 1)
        // One product left in the body (the carry's); xs·Wx is one matrix product outside.
        #expect(bodyOps(forward[0]).filter { $0 == "Dot" }.count == 1)
        let outside = GraphTraversal.toposort(rewritten).filter { $0.op is Dot }
        #expect(outside.count == 1 && outside[0].outputs[0].ndim == 2)
        try expectSameValues([hs])
    }

    @Test func weightGradientsAreSummedAfterTheLoop() throws {
        let (hT, hs) = rnn()
        let cost = (hs * hs).sum() + hT.sum()
        let grads = grad(cost, wrt: [wx, wh, bias])
        let rewritten = rewriteGraph(grads, include: ["fast_run"])
        let backward = scans(rewritten).first { $0.reverse }!
        // Only the cotangent of the state is carried; the weight gradients are products of
        // stacked vectors after the loop, and no gradient of xs (not asked for) is computed.
        #expect(backward.body.carries.count == 1)
        #expect(bodyOps(backward).filter { $0 == "Dot" }.count == 1)
        #expect(!bodyOps(backward).contains("Tanh"))
        try expectSameValues(grads)
        try expectSameValues(grad(cost, wrt: [h0, xs, wx, wh, bias]))
    }

    @Test func reverseLoopsPushOutTheSameWay() throws {
        let (hT, hs) = rnn(reverse: true)
        let cost = (hs * hs).sum() + hT.sum()
        try expectSameValues([hs] + grad(cost, wrt: [h0, xs, wx, wh, bias]))
    }

    @Test func checkpointingRecomputesInsteadOfReadingOutputs() throws {
        let (hT, hs) = rnn(checkpoint: true)
        let cost = (hs * hs).sum() + hT.sum()
        let grads = grad(cost, wrt: [h0, xs, wx, wh, bias])
        let backward = scans(grads).first { $0.reverse }!
        #expect(bodyOps(backward).contains("Tanh"))
        let (hT2, hs2) = rnn()
        let stored = grad((hs2 * hs2).sum() + hT2.sum(), wrt: [h0, xs, wx, wh, bias])
        #expect(!bodyOps(scans(stored).first { $0.reverse }!).contains("Tanh"))
        let a = try function(inputs: inputs, outputs: grads).call(values)
        let b = try function(inputs: inputs, outputs: stored).call(values)
        for (x, y) in zip(a, b) { #expect(try x.allClose(y, rtol: 1e-13, atol: 1e-13)) }
    }

    @Test func aRunningSumBecomesASum() throws {
        let zero = Variable(constant: NDArray(scalar: 0.0))
        let one = Variable(constant: NDArray(scalar: 1.0))
        let (sums, _) = scan(initial: [one, zero], over: [xs]) { carry, step in
            let row = step[0].sum()
            return ([carry[0] + row * row, carry[1] + step[0][basicIndices: [.index(0)]]], [])
        }
        let rewritten = rewriteGraph(sums, include: ["fast_run"])
        #expect(scans(rewritten).allSatisfy { $0.body.carries.isEmpty })
        let out = try function(inputs: [xs], outputs: sums).call([RNNFixture.xs])
        // 1 + Σ (row sums)², the rows summing to 0.3, 0.4, 0.4, 0.2; and Σ x[t, 0].
        #expect(try out[0].allClose(NDArray(scalar: 1.0 + 0.09 + 0.16 + 0.16 + 0.04), rtol: 1e-14, atol: 0))
        #expect(try out[1].allClose(NDArray(scalar: 1.1), rtol: 1e-14, atol: 0))
    }

    @Test func loopsOverTheSameSequenceBecomeOne() throws {
        // Two recurrences over xs (same length and direction, independent): one loop, one
        // slice of xs per step.
        let (a, _) = scan(initial: h0, over: xs) { h, x in (tanh(matmul(h, wh) + x.sum()), h) }
        let (b, _) = scan(initial: bias, over: xs) { h, x in (h * 0.5 + x[basicIndices: [.index(1)]], h) }
        let reversed = scan(initial: bias, over: xs, reverse: true) { h, x in (h + x.sum(), h) }.0
        let rewritten = rewriteGraph([a, b, reversed], include: ["fast_run"])
        let loops = scans(rewritten)
        #expect(loops.count == 2)
        let merged = try #require(loops.first { !$0.reverse })
        #expect(merged.body.carries.count == 2 && merged.body.slices.count == 1)
        try expectSameValues([a, b, reversed])
    }

    @Test func shortLoopsUnrollOnRequest() throws {
        let xs4 = Tensor.matrix("xs", shape: [4, 2])
        let (hT, hs) = scan(initial: h0, over: xs4, reverse: true) { h, x in
            let next = tanh(matmul(x, wx) + matmul(h, wh) + bias)
            return (next, next * 2)
        }
        let g = grad((hs * hs).sum() + hT.sum(), wrt: wh)
        #expect(!scans(rewriteGraph([hT, hs, g], include: ["fast_run"])).isEmpty)
        let unrolled = rewriteGraph([hT, hs, g], include: ["fast_run", "scan_unroll"])
        #expect(scans(unrolled).isEmpty)
        let inputs = [h0, xs4, wx, wh, bias]
        let loop = try function(inputs: inputs, outputs: [hT, hs, g]).call(values)
        let written = try function(
            inputs: inputs, outputs: [hT, hs, g], mode: CompileMode(include: ["fast_run", "scan_unroll"])
        ).call(values)
        for (a, b) in zip(loop, written) {
            #expect(a.shape == b.shape)
            #expect(try a.allClose(b, rtol: 1e-13, atol: 1e-13))
        }
    }

    @Test func unreadOutputsAndCarriesAreDropped() throws {
        // Two carries and two outputs; only the first carry is read.
        let (carries, outputs) = scan(initial: [h0, h0], over: [xs]) { carry, step in
            let a = tanh(matmul(step[0], wx) + matmul(carry[0], wh))
            let b = carry[1] * 2 + a
            return ([a, b], [a * 3, b.sum()])
        }
        _ = outputs
        let rewritten = rewriteGraph([carries[0]], include: ["fast_run"])
        let loop = scans(rewritten)
        #expect(loop.count == 1)
        #expect(loop[0].body.carries.count == 1 && loop[0].body.outputs.isEmpty)
        try expectSameValues([carries[0]])
        // Reading the second carry keeps both (it reads the first).
        let both = scans(rewriteGraph([carries[1]], include: ["fast_run"]))
        #expect(both[0].body.carries.count == 2)
        try expectSameValues([carries[1], outputs[1]])
    }

    @Test func mapsKeepWhatTheyReadAndDropOtherSequences() throws {
        // No carry, two sequences: the output read keeps its sequence; the other goes unless it
        // is the first (which gives the stacked values their length).
        let ys = xs * 2
        let both = map(over: [xs, ys]) { [$0[0].sum(), $0[1].sum()] }
        let first = scans(rewriteGraph([both[0]], include: ["fast_run"]))
        #expect(first.count == 1 && first[0].body.slices.count == 1 && first[0].body.outputs.count == 1)
        let second = scans(rewriteGraph([both[1]], include: ["fast_run"]))
        #expect(second.count == 1 && second[0].body.slices.count == 2 && second[0].body.outputs.count == 1)
        try expectSameValues(both)
        // One sequence, every output read (a Jacobian's row loop): the scan is kept as it is.
        let rows = map(over: xs) { matmul($0, wx) }
        let kept = scans(rewriteGraph([rows], include: ["fast_run"]))
        #expect(kept.count == 1 && kept[0].body.slices.count == 1 && kept[0].body.outputs.count == 1)
        try expectSameValues([rows])
    }
}

