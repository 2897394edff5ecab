import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph

/// `FunctionGraph.replace` keeps the replacement chains that map variables to live values
/// acyclic, and types it refines stay compatible.
@Suite struct FunctionGraphReplaceTests {
    /// Merging two equal constants one way and later the other way must not make a cycle
    /// (every lookup through it would loop forever; the fuzzer's seed 911 hung so).
    @Test func replacingBackAndForthKeepsOneValue() throws {
        let x = Tensor.tensor("x", dtype: .float64, shape: [2])
        let a = Tensor.constant(NDArray([1.0, 2.0]))
        let b = Tensor.constant(NDArray([1.0, 2.0]))
        let graph = FunctionGraph(outputs: [x + a, x * b])
        let valueA = try #require(graph.lookup(a))
        let valueB = try #require(graph.lookup(b))
        try graph.replace(valueA, with: valueB)
        try graph.replace(valueB, with: valueA)  // valueA stands for valueB: nothing to do
        #expect(graph.lookup(a) === valueB)
        #expect(graph.lookup(b) === valueB)
        #expect(valueB.replacement == nil)
    }

    /// A variable whose node a replacement pruned imports as a new live node: handing out the
    /// dead node's value would give a live reader a producer that passes skip.
    @Test func aPrunedNodeIsImportedAfresh() throws {
        let x = Tensor.tensor("x", dtype: .float64, shape: [2])
        let e = exp(x)
        let m = e * 2
        let graph = FunctionGraph(outputs: [m + 1])
        let owner = try #require(graph.lookup(e)?.owner)
        // Replacing `m` prunes `exp(x)`, its only producer's other reader gone.
        try graph.replace(try #require(graph.lookup(m)), with: x)
        #expect(!owner.isAlive)
        #expect(graph.lookup(e) == nil)
        let again = graph.importVariable(e + 3)
        let reimported = try #require(again.owner?.inputs[0].owner)
        #expect(reimported.isAlive)
        #expect(reimported !== owner)
        #expect(graph.lookup(e)?.owner === reimported)
    }

    /// A proxy (a handle to a value whose subgraph changed) of a value pruned since: building on
    /// it revives the value's node, reading its inputs' replacements. Importing it as missing
    /// instead looped forever, adding an input on each turn (fuzz seed 61715).
    @Test func aPrunedProxyIsRevived() throws {
        let x = Tensor.tensor("x", dtype: .float64, shape: [2])
        let z = Tensor.tensor("z", dtype: .float64, shape: [2])
        let e = exp(x)
        let m = e * 2
        let graph = FunctionGraph(outputs: [m + 1, z])
        let exponential = try #require(graph.lookup(e))
        try graph.replace(try #require(graph.lookup(x)), with: z)
        let proxy = graph.handle(for: exponential)
        #expect(proxy !== e)
        try graph.replace(try #require(graph.lookup(m)), with: z)
        #expect(exponential.owner?.isAlive == false)
        let built = graph.importVariable(proxy + 3)
        let revived = try #require(built.owner?.inputs[0])
        #expect(revived === exponential)
        #expect(revived.owner?.isAlive == true)
        #expect(revived.owner?.inputs[0] === graph.lookup(z))
        #expect(graph.lookup(z)?.liveClientCount == 2)
    }
}
