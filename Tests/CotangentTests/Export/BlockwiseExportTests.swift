import Testing

@testable import Cotangent

/// Convolve1d on XLA (`stablehlo.convolution`), alone and batched by Blockwise, whose generic
/// lowering loops over the blocks (Convolve1d has no batched StableHLO form).
@Suite(.enabled(if: XLARunner.isEnabled))
struct BlockwiseExportTests {
    @Test func convolutions() throws {
        let a = Tensor.vector("a")
        let k = Tensor.vector("k")
        let i = Tensor.vector("i", dtype: .int64)
        let j = Tensor.vector("j", dtype: .int64)
        let signal = ExportMatrices.plain([7], seed: 31)
        let kernel = ExportMatrices.plain([3], seed: 32)
        try XLARunner.check([
            try XLARunner.graphCase("full", inputs: [a, k], outputs: [convolve1d(a, k)], values: [signal, kernel]),
            try XLARunner.graphCase(
                "valid", inputs: [a, k], outputs: [convolve1d(a, k, mode: .valid)], values: [signal, kernel]),
            try XLARunner.graphCase(
                "valid, shorter first", inputs: [a, k], outputs: [convolve1d(a, k, mode: .valid)],
                values: [kernel, signal]),
            try XLARunner.graphCase(
                "full, shorter first", inputs: [a, k], outputs: [convolve1d(a, k)], values: [kernel, signal]),
            try XLARunner.graphCase(
                "int64", inputs: [i, j], outputs: [convolve1d(i, j)],
                values: [NDArray([Int64(1), -2, 3, 4, 5]), NDArray([Int64(2), 0, -1])]),
        ])
    }

    @Test func batchedByBlocks() throws {
        let a = Tensor.matrix("a")
        let k = Tensor.matrix("k")
        let a3 = Tensor.tensor3("a3")
        let one = Tensor.tensor("one", shape: [1, nil])
        let ones = Tensor.tensor("ones", shape: [1, 1, nil])
        try XLARunner.check([
            try XLARunner.graphCase(
                "batch of 4", inputs: [a, k], outputs: [convolve1d(a, k)],
                values: [ExportMatrices.plain([4, 6], seed: 33), ExportMatrices.plain([4, 3], seed: 34)]),
            try XLARunner.graphCase(
                "batch of 2x3, valid", inputs: [a3, ones], outputs: [convolve1d(a3, ones, mode: .valid)],
                values: [ExportMatrices.plain([2, 3, 6], seed: 35), ExportMatrices.plain([1, 1, 2], seed: 36)]),
            try XLARunner.graphCase(
                "length-1 batch dim broadcasts", inputs: [one, k], outputs: [convolve1d(one, k)],
                values: [ExportMatrices.plain([1, 5], seed: 37), ExportMatrices.plain([3, 2], seed: 38)]),
        ])
    }

    /// A batched core op without a lowering names the Blockwise and the core op's reason.
    @Test func batchedNotExportable() throws {
        let a = Tensor.tensor3("A")
        do {
            _ = try exportStableHLO(inputs: [a], outputs: [eigvalsh(a)], inputShapes: [[2, 3, 3]])
            Issue.record("eigvalsh of a stack exported")
        } catch let error as StableHLOExportError {
            #expect(error.unsupportedOps.count == 1)
            #expect(error.unsupportedOps.first?.op.hasPrefix("Blockwise{Eigvalsh") == true, "\(error)")
            #expect(error.description.contains("no symmetric eigensolver"))
        }
    }
}
