import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Loops: rewrites and printing")
struct LoopRewriteAndPrintTests {
    let xs = Tensor.vector("xs")
    let w = Tensor.scalar("w")

    func loop() -> (Variable, Variable) {
        scan(initial: Variable(constant: NDArray(scalar: 0.0)), over: xs) { h, x in
            let next = tanh(h * exp(w) + x)
            return (next, next)
        }
    }

    func scans(_ outputs: [Variable]) -> [Scan] {
        GraphTraversal.toposort(outputs).compactMap { $0.op as? Scan }
    }

    @Test func capturedValuesAreComputedOnceOutsideTheLoop() {
        let (hT, _) = loop()
        let node = hT.owner!
        // exp(w) depends on neither the carry nor the slice: a non-sequence, not a body node.
        #expect(node.inputs.count == 4)
        #expect("\(node.inputs[3].owner!.op)" == "Exp")
    }

    /// A body reading both a captured value and a function of it: the function stays outside
    /// (rebuilding the body once substituted `w` inside `exp(w)` again).
    @Test func aCapturedValueAndAFunctionOfItBothStayOutside() throws {
        let (hT, _) = scan(initial: Variable(constant: NDArray(scalar: 0.0)), over: xs) { h, x in
            (tanh(h * exp(w) + x * w), h)
        }
        let node = hT.owner!
        let scan = try #require(node.op as? Scan)
        #expect(!GraphTraversal.toposort(scan.body.newCarries).contains { "\($0.op)" == "Exp" })
        #expect(node.inputs.contains { $0.owner.map { "\($0.op)" == "Exp" } ?? false })
        var h = 0.0
        for x in [0.2, -0.4, 0.9] { h = Foundation.tanh(h * Foundation.exp(0.3) + x * 0.3) }
        let value = try hT.eval([xs: NDArray([0.2, -0.4, 0.9]), w: NDArray(scalar: 0.3)])
        #expect(try value.allClose(NDArray(scalar: h), rtol: 1e-14, atol: 0))
    }

    @Test func aForwardLoopStopsStoringStates() throws {
        let (hT, hs) = loop()
        #expect(scans([hT]).map(\.storesHistory) == [true])
        let forward = rewriteGraph([hT, hs], include: ["fast_run"])
        #expect(scans(forward).map(\.storesHistory) == [false])
        // The gradient reads the states: the forward scan keeps them; the backward one does not.
        let g = grad(hs.sum(), wrt: w)
        let rewritten = rewriteGraph([g], include: ["fast_run"])
        #expect(scans(rewritten).map(\.storesHistory).sorted { !$0 && $1 } == [false, true])
        let feed: [Variable: NDArray] = [xs: NDArray([0.2, -0.4, 0.9]), w: NDArray(scalar: 0.3)]
        #expect(try forward[1].eval(feed) == hs.eval(feed))
        #expect(try rewritten[0].eval(feed).allClose(g.eval(feed)))
    }

    @Test func theGradientOfTheLastStateReadsNoSequenceOfZeros() {
        let (hT, _) = loop()
        let g = grad(hT, wrt: w)
        // The backward scan's sequences: the stored states, xs and the stacked outputs it
        // reads back (tanh's derivative is 1 − h²), no output cotangents.
        let backward = scans([g]).first { $0.reverse }!
        #expect(backward.body.slices.map(\.name) == [nil, "xs[t]", "residual"])
    }

    @Test func dprintShowsTheBody() {
        let (hT, _) = loop()
        let text = hT.dprint()
        #expect(text.hasPrefix("Scan{scan_fn, while_loop=False, inplace=none}.0 [id A]"))
        #expect(text.contains("\nInner graphs:\n\nScan{scan_fn, while_loop=False, inplace=none} [id A]\n ← Tanh [id"))
        let branch = ifElse(w .> 0, then: xs.sum(), else: xs.prod())
        #expect(branch.dprint().contains("Inner graphs:\n\nif{} [id A]\n ← Sum{axes=None} [id"))
    }
}
