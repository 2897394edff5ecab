import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Fused graphs print PyTensor's `Inner graphs:` section (expected texts printed by PyTensor
/// 3.0.7's `debugprint` of `rewrite_graph(…, include=("fast_run",), exclude=("inplace", "BlasOpt"))`).
@Suite("Inner graphs in dprint")
struct InnerGraphPrintTests {
    let x = Tensor.vector("x")
    let y = Tensor.vector("y")

    /// PyTensor's rewrite: without Cotangent's reduction fusion, which PyTensor does not have
    /// (it would fold the sums below into their composites).
    func rewritten(_ outputs: [Variable]) -> [Variable] {
        rewriteGraph(outputs, include: ["fast_run"], exclude: ["inplace", "BlasOpt", "reduction_fusion"])
    }

    @Test func aFusedExpressionPrintsItsScalarGraph() {
        let graph = rewritten([exp(x) * y + 2])
        #expect(dprint(graph) == """
            Composite{(2.0 + (exp(i1) * i0))} [id A]
             ├─ y [id B]
             └─ x [id C]

            Inner graphs:

            Composite{(2.0 + (exp(i1) * i0))} [id A]
             ← add [id D]
                ├─ 2.0 [id E]
                └─ mul [id F]
                   ├─ exp [id G]
                   │  └─ i1 [id H]
                   └─ i0 [id I]
            """)
        #expect(dprint(graph, printShape: true) == """
            Composite{(2.0 + (exp(i1) * i0))} [id A] shape=(?,)
             ├─ y [id B] shape=(?,)
             └─ x [id C] shape=(?,)

            Inner graphs:

            Composite{(2.0 + (exp(i1) * i0))} [id A]
             ← add [id D] shape=()
                ├─ 2.0 [id E] shape=()
                └─ mul [id F] shape=()
                   ├─ exp [id G] shape=()
                   │  └─ i1 [id H] shape=()
                   └─ i0 [id I] shape=()
            """)
        #expect(dprint(graph, printType: true).hasSuffix("""
            Composite{(2.0 + (exp(i1) * i0))} [id A]
             ← add [id D] <float64>
                ├─ 2.0 [id E] <float64>
                └─ mul [id F] <float64>
                   ├─ exp [id G] <float64>
                   │  └─ i1 [id H] <float64>
                   └─ i0 [id I] <float64>
            """))
    }

    @Test func repeatedInputsAndConstantsKeepTheirIds() {
        #expect(dprint(rewritten([(exp(-sqr(x)) * log1p(y * y) + tanh(x * y)).sum()])) == """
            Sum{axes=None} [id A]
             └─ Composite{((exp((-sqr(i0))) * log1p(sqr(i1))) + tanh((i0 * i1)))} [id B]
                ├─ x [id C]
                └─ y [id D]

            Inner graphs:

            Composite{((exp((-sqr(i0))) * log1p(sqr(i1))) + tanh((i0 * i1)))} [id B]
             ← add [id E]
                ├─ mul [id F]
                │  ├─ exp [id G]
                │  │  └─ neg [id H]
                │  │     └─ sqr [id I]
                │  │        └─ i0 [id J]
                │  └─ log1p [id K]
                │     └─ sqr [id L]
                │        └─ i1 [id M]
                └─ tanh [id N]
                   └─ mul [id O]
                      ├─ i0 [id J]
                      └─ i1 [id M]
            """)
        // Two outputs: one tree each; a node printed under the first shows `···` under the second.
        let u = exp(x) + y
        #expect(dprint(rewritten([u.sum(), sin(u) * 2.0])) == """
            Sum{axes=None} [id A]
             └─ Composite{...}.1 [id B]
                ├─ y [id C]
                └─ x [id D]
            Composite{...}.0 [id B]
             └─ ···

            Inner graphs:

            Composite{...} [id B]
             ← mul [id E]
                ├─ 2.0 [id F]
                └─ sin [id G]
                   └─ add [id H]
                      ├─ exp [id I]
                      │  └─ i1 [id J]
                      └─ i0 [id K]
             ← add [id H]
                └─ ···
            """)
    }

    @Test func innerNodesUseTheOpsOwnNamesAndTheFormulaLowercase() {
        #expect(dprint(rewritten([select(x .> y, x, -y) * 2.0])) == """
            Composite{(2.0 * switch(gt(i0, i1), i0, (-i1)))} [id A]
             ├─ x [id B]
             └─ y [id C]

            Inner graphs:

            Composite{(2.0 * switch(gt(i0, i1), i0, (-i1)))} [id A]
             ← mul [id D]
                ├─ 2.0 [id E]
                └─ Switch [id F]
                   ├─ GT [id G]
                   │  ├─ i0 [id H]
                   │  └─ i1 [id I]
                   ├─ i0 [id H]
                   └─ neg [id J]
                      └─ i1 [id I]
            """)
    }

    @Test func aGraphWithoutFusedNodesHasNoSection() {
        #expect(!dprint(rewritten([exp(x).sum()])).contains("Inner graphs"))
        #expect(!(x + y).dprint().contains("Inner graphs"))
    }
}
