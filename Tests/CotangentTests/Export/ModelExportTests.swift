import Testing

@testable import Cotangent
@testable import CotangentCLI

/// Whole models on XLA: the W5 MLP's loss and gradients, the W8 Hessian, the W2 value and
/// gradient, and a data-parallel SGD step of the MLP sharded over 4 virtual CPU devices, each
/// matching Cotangent's own values.
@Suite(.enabled(if: XLARunner.isEnabled))
struct ModelExportTests {
    /// Every single-device case (the coverage test reads them).
    static func allCases() throws -> [XLARunner.Case] {
        [
            try exampleCase("W5 MLP value and gradient", ExportExamples.mlp()),
            try exampleCase("W8 Rosenbrock Hessian", ExportExamples.rosenbrockHessian()),
            try exampleCase("W2 elementwise value and gradient", ExportExamples.elementwise(n: 10_000)),
        ]
    }

    /// A case from an example: its module, its inputs, Cotangent's outputs.
    static func exampleCase(_ name: String, _ example: ExportExamples.Example, rtol: Double = 1e-11) throws
        -> XLARunner.Case
    {
        let f = try function(inputs: example.inputs, outputs: example.outputs)
        return XLARunner.Case(
            name: name, module: try example.export(), inputs: example.values, expected: try f.call(example.values),
            rtol: rtol, atol: 1e-12)
    }

    @Test func modelsMatchCotangent() throws { try XLARunner.check(Self.allCases()) }

    /// The step sharded over 4 devices gives the loss and updated weights of one device (XLA
    /// all-reduces the per-device gradient sums; only their summation order differs).
    @Test func dataParallelTrainingStepOnFourDevices() throws {
        let sharded = ExportExamples.mlpStep(devices: 4)
        let single = ExportExamples.Example(
            summary: sharded.summary, inputs: sharded.inputs, outputs: sharded.outputs, values: sharded.values)
        try XLARunner.check(
            [
                try Self.exampleCase("MLP step, 4 devices", sharded),
                try Self.exampleCase("MLP step, 1 device", single),
            ], devices: 4)
    }
}
