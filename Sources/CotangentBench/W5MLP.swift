// W5 — 2-layer MLP (784 → 512 tanh → 10), softmax cross-entropy, batch 256, value + grad,
// float64 and float32.

import Cotangent

extension Bench {
    func runW5() {
        log("W5: MLP value+grad")
        let (batch, inputs, hidden, classes) = (256, 784, 512, 10)
        let note =
            "loss = -(logp * onehot).sum() / B with onehot = (arange(10) == y[:, None]).cast(dtype) "
            + "(no advanced indexing yet; same value as -logp[arange(B), y].mean()); "
            + "log_softmax written out: z = logits - disconnectedGrad(max(logits, axis 1)), logp = z - log(sum(exp(z)))"

        for dtype in [DType.float64, .float32] {
            let name = dtype == .float64 ? "float64" : "float32"
            let subject = Subject(workload: "W5", caseName: "value_grad", dtype: name, note: note)

            func build() -> BuiltGraph {
                let X = Tensor.matrix("X", dtype: dtype)
                let y = Tensor.vector("y", dtype: .int64)
                let W1 = Tensor.matrix("W1", dtype: dtype)
                let b1 = Tensor.vector("b1", dtype: dtype)
                let W2 = Tensor.matrix("W2", dtype: dtype)
                let b2 = Tensor.vector("b2", dtype: dtype)
                let h = tanh(matmul(X, W1) + b1)
                let logits = matmul(h, W2) + b2
                // log_softmax over axis 1, max-shifted; the shift carries no gradient
                // (jax.nn.log_softmax stops it too, PyTensor's LogSoftmax grad ignores it).
                let z = logits - disconnectedGrad(logits.max(axis: 1, keepDims: true))
                let logp = z - log(exp(z).sum(axis: 1, keepDims: true))
                let onehot = (arange(Tensor.constant(NDArray(scalar: Int64(classes)))) .== y[.all, .newAxis]).cast(to: dtype)
                let count = Tensor.constant(NDArray.full([], value: Double(batch), dtype: dtype))
                let loss = -(logp * onehot).sum() / count
                return BuiltGraph(inputs: [X, y, W1, b1, W2, b2], outputs: [loss] + grad(loss, wrt: [W1, b1, W2, b2]))
            }

            let a1 = (6.0 / Double(inputs + hidden)).squareRoot()
            let a2 = (6.0 / Double(hidden + classes)).squareRoot()
            let labels = Inputs.labels(502, batch, classes: classes)
            let arguments: [NDArray] = [
                Inputs.uniform(501, [batch, inputs], 0, 1, dtype: dtype),
                labels,
                Inputs.uniform(503, [inputs, hidden], -a1, a1, dtype: dtype),
                Inputs.uniform(504, [hidden], -0.1, 0.1, dtype: dtype),
                Inputs.uniform(505, [hidden, classes], -a2, a2, dtype: dtype),
                Inputs.uniform(506, [classes], -0.1, 0.1, dtype: dtype),
            ]
            let entry = "W5 \(name)"
            let tolerance: Tolerance = dtype == .float64 ? .float64 : .float32
            let labelSum = Double(labels.asArray(Int64.self).reduce(0, +))

            let phases: [GraphPhase] = options.twoThreadPass ? [] : [.compileFirst, .compile]
            measure(
                subject, n: batch, phases: phases, reps: budget.slowPhaseReps, build: build,
                arguments: arguments, trustInput: false
            ) { outputs in
                var check = Check()
                check.fingerprint(entry, "sum(y)", labelSum, .tiny)
                guard check.count(outputs, 5) else { return check.result }
                let shapes: [[Int]] = [[], [inputs, hidden], [hidden], [hidden, classes], [classes]]
                for (index, (output, shape)) in zip(outputs, shapes).enumerated() {
                    check.dtype("output \(index)", output, dtype)
                    if output.shape != shape { check.fail("output \(index) has shape \(output.shape), want \(shape)") }
                }
                let gW2 = outputs[3].doubles
                check.fingerprint(entry, "loss", outputs[0].doubles.first ?? .nan, tolerance)
                check.fingerprint(entry, "sum(gW1)", pairwiseSum(outputs[1].doubles), tolerance)
                check.fingerprint(entry, "sum(gb1)", pairwiseSum(outputs[2].doubles), tolerance)
                check.fingerprint(entry, "sum(|gW2|)", gW2.map(abs).total, tolerance)
                check.fingerprint(entry, "gW2[0,0]", gW2.first ?? .nan, tolerance)
                check.fingerprint(entry, "gb2[0]", outputs[4].doubles.first ?? .nan, tolerance)
                return check.result
            }
        }
    }
}
