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
}
