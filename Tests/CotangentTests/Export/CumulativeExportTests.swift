import Testing

@testable import Cotangent

/// Cumulative sums, products and log-sum-exps on XLA (`reduce_window` over the axis).
@Suite(.enabled(if: XLARunner.isEnabled))
struct CumulativeExportTests {
    @Test func sumsAndProducts() throws {
        let x = Tensor.matrix("x")
        let i = Tensor.matrix("i", dtype: .int32)
        let values = ExportMatrices.plain([5, 4], seed: 21)
        let integers = NDArray(shape: [3, 4], elements: [Int32(1), -2, 3, 4, 5, 6, -7, 8, 9, 10, 11, 12])
        try XLARunner.check([
            try XLARunner.graphCase("cumsum axis 0", inputs: [x], outputs: [cumsum(x, axis: 0)], values: [values]),
            try XLARunner.graphCase("cumsum axis 1", inputs: [x], outputs: [cumsum(x, axis: 1)], values: [values]),
            try XLARunner.graphCase("cumsum flat", inputs: [x], outputs: [cumsum(x)], values: [values]),
            try XLARunner.graphCase("cumprod axis 0", inputs: [x], outputs: [cumprod(x, axis: 0)], values: [values]),
            try XLARunner.graphCase("cumprod axis -1", inputs: [x], outputs: [cumprod(x, axis: -1)], values: [values]),
            try XLARunner.graphCase("int32 cumsum to int64", inputs: [i], outputs: [cumsum(i, axis: 1)], values: [integers]),
            try XLARunner.graphCase("int32 cumprod flat", inputs: [i], outputs: [cumprod(i)], values: [integers]),
        ])
    }

    @Test func logSumExp() throws {
        let x = Tensor.matrix("x")
        let v = Tensor.vector("v")
        // Entries far apart (no common shift works), and leading −inf.
        let spread = NDArray([-800.0, 3.0, -2.0, 700.0, 699.5, 0.0])
        let leading = NDArray([-Double.infinity, -Double.infinity, 1.0, -Double.infinity, 2.0])
        try XLARunner.check([
            try XLARunner.graphCase(
                "axis 0", inputs: [x], outputs: [cumlogsumexp(x, axis: 0)], values: [ExportMatrices.plain([4, 3], seed: 22)]),
            try XLARunner.graphCase(
                "axis 1", inputs: [x], outputs: [cumlogsumexp(x, axis: 1)], values: [ExportMatrices.plain([4, 3], seed: 23)]),
            try XLARunner.graphCase("spread", inputs: [v], outputs: [cumlogsumexp(v)], values: [spread]),
            try XLARunner.graphCase("leading -inf", inputs: [v], outputs: [cumlogsumexp(v)], values: [leading]),
        ])
    }
}
