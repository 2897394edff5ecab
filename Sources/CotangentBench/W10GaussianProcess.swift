// W10 — Gaussian-process log marginal likelihood (Cholesky), value + gradient, n = 200 and 1000.

import Cotangent

/// log(2π).
private let logTwoPi = 1.8378770664093454835606594728112

extension Bench {
    func runW10() {
        log("W10: GP log marginal likelihood (Cholesky) value+grad")
        for n in options.quick ? [50] : [200, 1000] {
            let t = Inputs.uniform(1101, [n], 0, 10)
            let y = Inputs.uniform(1102, [n], -1, 1)
            let hyper = [0.3, -0.2, -1.0].map { NDArray(scalar: $0) }
            let entry = "W10 n=\(n)"
            let subject = Subject(workload: "W10", caseName: "value_grad")
            func build() -> BuiltGraph {
                let tv = Tensor.vector("t")
                let yv = Tensor.vector("y")
                let logEll = Tensor.scalar("log_ell")
                let logSf = Tensor.scalar("log_sf")
                let logSn = Tensor.scalar("log_sn")
                let ell = exp(logEll)
                let difference = tv.expandingDims([1]) - tv.expandingDims([0])
                let identity = eye(tv.length(ofDimension: 0))
                let kernel: Variable = exp(-sqr(difference) / (2 * sqr(ell)))
                let k: Variable = exp(2 * logSf) * kernel + exp(2 * logSn) * identity
                let l = cholesky(k)
                let z = solveTriangular(l, yv)
                let alpha = solveTriangular(l, z, transposed: true)
                // Σ log L_ii through the diagonal mask (the public `diagonal` belongs to another family).
                let logDiagonal = log((l * identity).sum(axis: 1)).sum()
                let constant: Double = Double(n) / 2 * logTwoPi
                let quadratic: Variable = -0.5 * (yv * alpha).sum()
                let logp: Variable = quadratic - logDiagonal - Tensor.constant(constant)
                let gradients = grad(logp, wrt: [logEll, logSf, logSn])
                return BuiltGraph(inputs: [tv, yv, logEll, logSf, logSn], outputs: [logp] + gradients)
            }
            measure(
                subject, n: n, phases: [.buildDiff, .compileFirst, .compile], reps: budget.slowPhaseReps,
                build: build, arguments: [t, y] + hyper, trustInput: true
            ) { outputs in
                var check = Check()
                guard check.count(outputs, 4) else { return check.result }
                for (key, output) in zip(["logp", "dlog_ell", "dlog_sf", "dlog_sn"], outputs) {
                    check.fingerprint(entry, key, output.item(Double.self), .float64)
                }
                return check.result
            }
        }
    }
}
