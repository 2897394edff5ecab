import Testing

@testable import Cotangent

/// The harness itself: a wrong expected value, dtype or shape is reported, so the XLA suites
/// can fail.
@Suite(.enabled(if: XLARunner.isEnabled))
struct XLARunnerTests {
    @Test func reportsWrongValuesDtypesAndShapes() throws {
        let x = Tensor.vector("x")
        let right = try XLARunner.graphCase("exp", inputs: [x], outputs: [exp(x)], values: [NDArray([0.0, 1.0])])
        var wrongValue = right
        wrongValue.expected = [NDArray([1.0, 2.718281828])]
        var wrongType = right
        wrongType.expected = [NDArray([Float(1), Float(2.7182817)])]
        var wrongShape = right
        wrongShape.expected = [NDArray(shape: [1, 2], elements: [1.0, 2.718281828459045])]
        let outputs = try XLARunner.run([right])["exp"]!.get()
        #expect(XLARunner.mismatches(right, outputs).isEmpty)
        #expect(XLARunner.mismatches(wrongValue, outputs).count == 1)
        #expect(XLARunner.mismatches(wrongType, outputs).count == 1)
        #expect(XLARunner.mismatches(wrongShape, outputs).count == 1)
    }

    @Test func reportsModulesXLARejects() throws {
        let bad = XLARunner.Case(
            name: "bad", module: "module @m {\n  func.func public @main() -> () {\n    \"func.return\"() : () -> ()\n    nonsense\n  }\n}\n",
            inputs: [], expected: [])
        guard case .failure = try XLARunner.run([bad])["bad"]! else {
            Issue.record("XLA accepted an invalid module")
            return
        }
    }
}
