import Foundation
import Cotangent

/// The graphs `cotangent export` writes as StableHLO: the reference workloads a user would run
/// on XLA, with their inputs (the reference suite's SplitMix64 values), so the runner can call
/// the module right away.
enum ExportExamples {
    /// A graph ready to export: inputs with their values, outputs, and how to shard it.
    struct Example {
        let summary: String
        let inputs: [Variable]
        let outputs: [Variable]
        let values: [NDArray]
        var mesh: KeyValuePairs<String, Int> = [:]
        var inputShardings: [Sharding?]? = nil

        /// The module text.
        func export() throws -> String {
            try exportStableHLO(
                inputs: inputs, outputs: outputs, inputShapes: values.map(\.shape), mesh: mesh,
                inputShardings: inputShardings)
        }
    }

    /// The names `cotangent export` takes, with a line each.
    static let catalog: [(name: String, summary: String)] = [
        ("mlp", "W5: 784-512-10 tanh MLP, softmax cross-entropy, batch 256: loss and its gradients"),
        ("mlp-step", "W5 as a data-parallel SGD step: the batch split over --devices (default 4), new weights out"),
        ("hessian", "W8: dense Hessian of the Rosenbrock function, n = 100"),
        ("elementwise", "W2: sum(exp(-x²) log1p(y²) + tanh(xy)) and its gradient, n = 10⁶"),
    ]

    /// The example of that name.
    static func named(_ name: String, devices: Int) -> Example? {
        switch name {
        case "mlp": mlp()
        case "mlp-step": mlpStep(devices: devices)
        case "hessian": rosenbrockHessian()
        case "elementwise": elementwise()
        default: nil
        }
    }

    /// The MLP's loss (W5) from its parameters, and the graph's inputs.
    static func mlpLoss(batch: Int, features: Int, hidden: Int, classes: Int, dtype: DType = .float64)
        -> (loss: Variable, X: Variable, y: Variable, parameters: [Variable])
    {
        let X = Tensor.matrix("X", dtype: dtype)
        let y = Tensor.vector("y", dtype: .int64)
        let W1 = Tensor.matrix("W1", dtype: dtype)
        let b1 = Tensor.vector("b1", dtype: dtype)
        let W2 = Tensor.matrix("W2", dtype: dtype)
        let b2 = Tensor.vector("b2", dtype: dtype)
        let h = tanh(matmul(X, W1) + b1)
        let logits = matmul(h, W2) + b2
        let z = logits - disconnectedGrad(logits.max(axis: 1, keepDims: true))
        let logp = z - log(exp(z).sum(axis: 1, keepDims: true))
        let loss = -logp[arange(Tensor.constant(NDArray(scalar: Int64(batch)))), y].mean()
        return (loss, X, y, [W1, b1, W2, b2])
    }

    /// The W5 inputs: X, y, W1, b1, W2, b2.
    static func mlpValues(batch: Int, features: Int, hidden: Int, classes: Int) -> [NDArray] {
        let a1 = (6.0 / Double(features + hidden)).squareRoot()
        let a2 = (6.0 / Double(hidden + classes)).squareRoot()
        let labelSource = SplitMix64(seed: 502)
        let labels = (0..<batch).map { Int64((Double(classes) * labelSource.unit(UInt64($0))).rounded(.down)) }
        return [
            SplitMix64(seed: 501).uniform(shape: [batch, features], low: 0, high: 1, dtype: .float64),
            NDArray(shape: [batch], elements: labels),
            SplitMix64(seed: 503).uniform(shape: [features, hidden], low: -a1, high: a1, dtype: .float64),
            SplitMix64(seed: 504).uniform(shape: [hidden], low: -0.1, high: 0.1, dtype: .float64),
            SplitMix64(seed: 505).uniform(shape: [hidden, classes], low: -a2, high: a2, dtype: .float64),
            SplitMix64(seed: 506).uniform(shape: [classes], low: -0.1, high: 0.1, dtype: .float64),
        ]
    }

    /// W5: the loss and its gradient in every parameter.
    static func mlp(batch: Int = 256, features: Int = 784, hidden: Int = 512, classes: Int = 10) -> Example {
        let (loss, X, y, parameters) = mlpLoss(batch: batch, features: features, hidden: hidden, classes: classes)
        return Example(
            summary: catalog[0].summary, inputs: [X, y] + parameters, outputs: [loss] + grad(loss, wrt: parameters),
            values: mlpValues(batch: batch, features: features, hidden: hidden, classes: classes))
    }

    /// One SGD step of the MLP (learning rate 0.1): the loss and the updated parameters, with
    /// the batch (X, y) split over the mesh axis `data` and the parameters replicated, so XLA
    /// runs it data-parallel and all-reduces the gradients.
    static func mlpStep(
        devices: Int, batch: Int = 256, features: Int = 784, hidden: Int = 512, classes: Int = 10
    ) -> Example {
        let (loss, X, y, parameters) = mlpLoss(batch: batch, features: features, hidden: hidden, classes: classes)
        let gradients = grad(loss, wrt: parameters)
        let updated = zip(parameters, gradients).map { $0 - 0.1 * $1 }
        return Example(
            summary: catalog[1].summary, inputs: [X, y] + parameters, outputs: [loss] + updated,
            values: mlpValues(batch: batch, features: features, hidden: hidden, classes: classes),
            mesh: ["data": devices],
            inputShardings: [.split(axis: 0, over: "data"), .split(axis: 0, over: "data")]
                + parameters.map { _ in .replicated })
    }

    /// W8: the Rosenbrock function's dense Hessian.
    static func rosenbrockHessian(n: Int = 100) -> Example {
        let x = Tensor.vector("x")
        let f = (100.0 * pow(x[1...] - pow(x[..<(-1)], 2), 2) + pow(1.0 - x[..<(-1)], 2)).sum()
        return Example(
            summary: catalog[2].summary, inputs: [x], outputs: [hessian(f, wrt: x)],
            values: [SplitMix64(seed: 801).uniform(shape: [n], low: -1.5, high: 1.5, dtype: .float64)])
    }

    /// W2: the fused elementwise function's value and gradient.
    static func elementwise(n: Int = 1_000_000) -> Example {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let f = (exp(-pow(x, 2)) * log1p(y * y) + tanh(x * y)).sum()
        return Example(
            summary: catalog[3].summary, inputs: [x, y], outputs: [f] + grad(f, wrt: [x, y]),
            values: [
                SplitMix64(seed: 201).uniform(shape: [n], low: -2, high: 2, dtype: .float64),
                SplitMix64(seed: 202).uniform(shape: [n], low: -2, high: 2, dtype: .float64),
            ])
    }
}

/// What `cotangent export` does once its options are parsed.
enum ExportCommand {
    /// Exports example `name` (which must be in the catalog); returns the process exit code.
    ///
    /// - Parameters:
    ///   - output: the module's file; nil writes it to stdout (unless timing).
    ///   - inputs: a folder for the input values as `input_K.npy`.
    ///   - devices: the data-parallel example's mesh size.
    ///   - repetitions: with K > 0, K more exports are timed and their median printed (JSON).
    static func run(name: String, output: String?, inputs: String?, devices: Int, repetitions: Int) -> Int32 {
        guard devices > 0, let example = ExportExamples.named(name, devices: devices) else {
            FileHandle.standardError.write(Data("cotangent export: no example '\(name)'\n\(catalogText())\n".utf8))
            return 2
        }
        do {
            let text = try example.export()
            if let output {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } else if repetitions == 0 {
                print(text, terminator: "")
            }
            if repetitions > 0 {
                // The export alone (rebuild for the shapes, rewrite, lower, print): the graph
                // and its gradients are built once, as a user builds them once.
                var times: [Double] = []
                for _ in 0..<repetitions {
                    let start = ContinuousClock.now
                    _ = try example.export()
                    let elapsed = ContinuousClock.now - start
                    times.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
                }
                times.sort()
                print("{\"system\": \"cotangent\", \"case\": \"\(name)\", \"phase\": \"export\", \"median_seconds\": \(times[times.count / 2])}")
            }
            if let inputs {
                try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
                for (k, value) in example.values.enumerated() {
                    try value.write(npyFile: URL(fileURLWithPath: inputs).appendingPathComponent("input_\(k).npy"))
                }
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("cotangent export: \(error)\n".utf8))
            return 1
        }
    }

    /// The example names with a line each.
    static func catalogText() -> String {
        "examples:\n" + ExportExamples.catalog.map { "  \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.summary)" }
            .joined(separator: "\n")
    }
}
