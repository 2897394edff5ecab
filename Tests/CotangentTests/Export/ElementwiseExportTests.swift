import Testing

@testable import Cotangent

/// Elementwise ops on XLA: every scalar op with a lowering, on float64 values where Cotangent's
/// kernels and XLA's agree to 1e-12.
@Suite(.enabled(if: XLARunner.isEnabled))
struct ElementwiseExportTests {
    @Test func arithmeticAndTranscendentals() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let xs = NDArray([0.3, -1.2, 2.5, 4.0, -0.7, 0.0])
        let ys = NDArray([1.5, 0.4, -2.0, 3.0, 0.9, 2.0])
        let outputs: [(String, Tensor)] = [
            ("add", x + y), ("sub", x - y), ("mul", x * y), ("div", x / y), ("exp", exp(x)), ("tanh", tanh(x)),
            ("sigmoid", sigmoid(x)), ("softplus", softplus(x)), ("abs", abs(x)), ("maximum", maximum(x, y)),
            ("log1p", log1p(abs(x))), ("erf", erf(x)), ("pow", pow(abs(x), y)), ("floor", floor(x)),
            ("switch", select(x .> y, x, y)), ("sqr", sqr(x)), ("sqrt", sqrt(abs(x))),
        ]
        var cases: [XLARunner.Case] = []
        for (name, output) in outputs {
            cases.append(try XLARunner.graphCase(name, inputs: [x, y], outputs: [output], values: [xs, ys]))
        }
        try XLARunner.check(cases)
    }
}
