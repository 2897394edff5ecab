// LINALG — the linear-algebra ops alone (cholesky, solve, qr, eigh, svd) at n = 100 and 500,
// float64, to set beside numpy's LAPACK. Not a reference-suite workload: its records carry no
// peer rows, and each check is an invariant of the result rather than a reference value.

import Cotangent

extension Bench {
    /// Runs only when named (`--workloads LINALG`): the reference suite has no such workload, so
    /// a full run leaves it out.
    func runLinalgKernels() {
        guard !options.workloads.isEmpty else { return }
        log("LINALG: cholesky, solve, qr, eigh, svd of one float64 matrix")
        for n in options.quick ? [50] : [100, 500] {
            let general = Inputs.uniform(1501, [n, n], -1, 1)
            let g = general.doubles
            // A Aᵀ + n I: positive definite and well conditioned.
            var spdValues = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0...i {
                    var sum = i == j ? Double(n) : 0
                    for p in 0..<n { sum += g[i * n + p] * g[j * n + p] }
                    spdValues[i * n + j] = sum
                    spdValues[j * n + i] = sum
                }
            }
            let spd = NDArray(shape: [n, n], elements: spdValues)
            let rhs = Inputs.uniform(1502, [n], -1, 1)
            let trace = (0..<n).reduce(0.0) { $0 + spdValues[$1 * n + $1] }
            let frobenius = g.reduce(0.0) { $0 + $1 * $1 }

            func run(_ name: String, _ arguments: [NDArray], _ build: @escaping () -> BuiltGraph, check: @escaping ([NDArray]) -> String) {
                let subject = Subject(workload: "LINALG", caseName: name)
                let graph = graphPhases(subject, n: n, phases: [], reps: 1, build: build)
                guard let function = graph.function else {
                    skipCalls(subject, n: n, failure: graph.failure ?? ("error", "no compiled function"))
                    return
                }
                _ = callPhases(subject, n: n, function: function, arguments: arguments, big: n >= 500, check: check)
            }
            func close(_ got: Double, _ want: Double, _ what: String, _ check: inout Check) {
                if abs(got - want) > 1e-9 * max(1, abs(want)) { check.fail("\(what) = \(got), want \(want)") }
            }

            run("cholesky", [spd], {
                let a = Tensor.matrix("A")
                return BuiltGraph(inputs: [a], outputs: [cholesky(a)])
            }) { outputs in
                var check = Check()
                guard check.count(outputs, 1) else { return check.result }
                // The last diagonal element of L Lᵀ is the squared norm of L's last row.
                let l = outputs[0].doubles
                let last = (0..<n).reduce(0.0) { $0 + l[(n - 1) * n + $1] * l[(n - 1) * n + $1] }
                close(last, spdValues[n * n - 1], "(L Lᵀ)[n-1, n-1]", &check)
                return check.result
            }
            run("solve", [general, rhs], {
                let a = Tensor.matrix("A"), b = Tensor.vector("b")
                return BuiltGraph(inputs: [a, b], outputs: [solve(a, b)])
            }) { outputs in
                var check = Check()
                guard check.count(outputs, 1) else { return check.result }
                let (x, b) = (outputs[0].doubles, rhs.doubles)
                var worst = 0.0
                for i in 0..<n {
                    var sum = -b[i]
                    for j in 0..<n { sum += g[i * n + j] * x[j] }
                    worst = max(worst, abs(sum))
                }
                if worst > 1e-8 { check.fail("residual ‖A x − b‖∞ = \(worst)") }
                return check.result
            }
            run("qr", [general], {
                let a = Tensor.matrix("A")
                let (q, r) = qr(a)
                return BuiltGraph(inputs: [a], outputs: [q, r])
            }) { outputs in
                var check = Check()
                guard check.count(outputs, 2) else { return check.result }
                close(outputs[1].doubles.reduce(0.0) { $0 + $1 * $1 }, frobenius, "‖R‖²", &check)
                return check.result
            }
            run("eigh", [spd], {
                let a = Tensor.matrix("A")
                let (w, v) = eigh(a)
                return BuiltGraph(inputs: [a], outputs: [w, v])
            }) { outputs in
                var check = Check()
                guard check.count(outputs, 2) else { return check.result }
                close(outputs[0].doubles.reduce(0, +), trace, "Σλ", &check)
                return check.result
            }
            run("svd", [general], {
                let a = Tensor.matrix("A")
                let (u, s, vt) = svd(a)
                return BuiltGraph(inputs: [a], outputs: [u, s, vt])
            }) { outputs in
                var check = Check()
                guard check.count(outputs, 3) else { return check.result }
                close(outputs[1].doubles.reduce(0.0) { $0 + $1 * $1 }, frobenius, "Σs²", &check)
                return check.result
            }
        }
    }
}
