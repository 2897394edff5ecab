import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Canonical forms are fixed points: the canonizers do not fire on what they produce.
@Suite("Canonizer fixed points")
struct CanonizerFixedPointTests {
    static let forms: [(String, @Sendable () -> Variable)] = [
        ("1 - x", { 1 - Tensor.vector("x") }),
        ("x - (a + b)", { Tensor.vector("x") - (Tensor.vector("a") + Tensor.vector("b")) }),
        ("-(a + b)", { -(Tensor.vector("a") + Tensor.vector("b")) }),
        ("x / (a * b)", { Tensor.vector("x") / (Tensor.vector("a") * Tensor.vector("b")) }),
        ("2 * x", { 2 * Tensor.vector("x") }),
    ]

    @Test(arguments: 0..<forms.count)
    func canonizersFireAtMostOnce(_ index: Int) {
        let graph = Self.forms[index].1()
        var report = RewriteReport()
        _ = rewriteGraph([graph], include: ["canonicalize"], report: &report)
        #expect((report.applied["local_add_canonizer"] ?? 0) <= 1, "\(Self.forms[index].0): \(report)")
        #expect((report.applied["local_mul_canonizer"] ?? 0) <= 1, "\(Self.forms[index].0): \(report)")
    }
}
