// RNG — 10⁷ standard normals and 10⁷ gammas (shape 2.5), float64, drawn by a compiled function
// from a shared generator (each call draws anew: the default update), single thread. The peers
// (numpy's Generator, JAX's jitted `random.normal`/`random.gamma`) are timed by
// `bench/random_peers.py` in the same run (`bench/random.sh`). Checked by the sample's mean and
// variance (within 5 standard errors of the exact values).

import Cotangent

extension Bench {
    func runRandom() {
        log("RNG: 1e7 draws")
        let n = 10_000_000
        let cases: [(name: String, mean: Double, variance: Double, draw: (Variable) -> Variable)] = [
            ("standard_normal", 0, 1, { standardNormal(shape: [n], rng: $0) }),
            ("gamma_2.5", 2.5, 2.5, { gamma(alpha: 2.5, shape: [n], rng: $0) }),
        ]
        for item in cases {
            let subject = Subject(workload: "RNG", caseName: item.name, params: [("n", .int(n))])
            let run = graphPhases(subject, n: n, phases: [], reps: 1) {
                BuiltGraph(inputs: [], outputs: [item.draw(Tensor.randomGenerator(seed: 2026))])
            }
            guard let function = run.function else {
                skipCalls(subject, n: n, failure: run.failure ?? ("error", "no compiled function"))
                continue
            }
            callPhases(subject, n: n, function: function, arguments: [], big: true) { outputs in
                var check = Check()
                guard check.count(outputs, 1) else { return check.result }
                let values = outputs[0].doubles
                let mean = values.reduce(0, +) / Double(n)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
                if abs(mean - item.mean) > 5 * (item.variance / Double(n)).squareRoot() {
                    check.fail("mean \(mean), expected \(item.mean)")
                }
                // The variance's standard error, 2σ⁴/n for a normal, is wider for the gamma.
                if abs(variance - item.variance) > 5 * item.variance * (6 / Double(n)).squareRoot() {
                    check.fail("variance \(variance), expected \(item.variance)")
                }
                return check.result
            }
        }
    }
}
