import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Graphs far deeper than the call stack could walk recursively: every walk (import, shape
/// inference, toposort, rewriting, scheduling, printing) and the release of a dropped graph must
/// be iterative.
@Suite("Deep graphs")
struct DeepGraphTests {
    /// `h ← -h`, `length` times: the cheapest deep chain to build.
    private func negationChain(_ x: Variable, length: Int) -> Variable {
        var h = x
        for _ in 0..<length { h = -h }
        return h
    }

    @Test func shapeInferenceWalksADeepChainIteratively() {
        let x = Tensor.vector("x")
        var h = x
        for _ in 0..<10_000 { h = exp(h) + x }
        let context = RewriteContext(graph: FunctionGraph(outputs: [h]))
        let dims = context.shape(of: context.graph.outputs[0])
        // Every elementwise node has the broadcast shape of its inputs: x's length.
        #expect(dims.count == 1)
        #expect(dims[0].owner?.op is ShapeI)
        #expect(dims[0].owner?.inputs[0] === x)
    }

    @Test func aTwentyThousandTermSumCompilesAndRuns() throws {
        let x = Tensor.vector("x")
        let count = 20_000
        var total = x
        for _ in 1..<count { total = total + x }
        let f = try function(inputs: [x], outputs: [total])
        #expect(try f(NDArray([1.0, -2.0]))[0].asArray(Double.self) == [Double(count), -2 * Double(count)])
    }

    @Test func droppingADeepGraphFreesItWithoutRecursion() {
        weak var weakRoot: Variable?
        weak var weakInput: Variable?
        do {
            let x = Tensor.vector("x")
            let h = negationChain(x, length: 100_000)
            weakRoot = h
            weakInput = x
            #expect(h.owner != nil)
        }
        #expect(weakRoot == nil)
        #expect(weakInput == nil)
    }

    @Test func aDeepGraphBuildsPrintsWithADepthLimitRunsAndIsDropped() throws {
        weak var weakRoot: Variable?
        do {
            let x = Tensor.vector("x")
            let h = negationChain(x, length: 100_000)
            weakRoot = h
            #expect(
                h.dprint(depth: 3) == """
                    Neg [id A]
                     └─ Neg [id B]
                        └─ Neg [id C]
                    """)
            // An even number of negations: x itself. (Rewriting a graph this size is left to
            // the compile tests of smaller graphs: it would take seconds in a debug build.)
            let f = try function(inputs: [x], outputs: [h], mode: .unoptimized)
            #expect(try f(NDArray([1.0, -2.0]))[0].asArray(Double.self) == [1.0, -2.0])
        }
        #expect(weakRoot == nil)
    }

    @Test func printingADeepChainKeepsNoTextPerPendingLine() {
        // Without a depth limit every line is indented by its level: the text grows with
        // depth², but the walk must not hold a copy of that per pending sibling.
        let x = Tensor.vector("x")
        var h = x
        for _ in 0..<2_000 { h = h + x }
        let text = h.dprint()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4_001)
        #expect(lines[0] == "Add [id A]")
        #expect(lines[1] == " ├─ Add [id B]")
        #expect(lines[2] == " │  ├─ Add [id C]")
        #expect(lines[2_000] == String(repeating: " │ ", count: 1_999) + " ├─ x [id \(dprintID(2_000))]")
        #expect(lines.last == " └─ x [id \(dprintID(2_000))]")
    }
}
