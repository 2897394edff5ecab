// W12 — Jacobian of a tridiagonal function, dense (n ≤ 2000) vs sparse (n = 1000, 2000, 10000).

import Cotangent

extension Bench {
    func runW12() {
        log("W12: jacobian of a tridiagonal function, dense vs sparse")
        let sizes = options.quick ? [1000] : [1000, 2000, 10_000]
        for n in sizes {
            let u = Inputs.uniform(1301, [n], 0.5, 1.5)
            let x = u.doubles
            if n <= 2000 { runW12Dense(n: n, u: u, x: x) }
            runW12Sparse(n: n, u: u, x: x)
        }
    }

    /// `F = α(u₋ − 2u + u₊) + u² − u·u₊` with `u₋₁ = uₙ = 0`, α = 0.25, as the spec writes it.
    private func w12Function(_ u: Variable, n: Int) -> Variable {
        let zero = zeros(shape: [1], dtype: .float64)
        let up = concatenate([zero, u[..<(n - 1)]])
        let un = concatenate([u[1...], zero])
        return 0.25 * (up - 2 * u + un) + u * u - u * un
    }

    private func runW12Dense(n: Int, u: NDArray, x: [Double]) {
        let subject = Subject(
            workload: "W12", caseName: "dense", variant: "vectorize",
            note: "jacobian(F, u, vectorize: true): the dense n×n Jacobian by one vectorized pullback")
        let build = { () -> BuiltGraph in
            let uv = Tensor.vector("u", dtype: .float64, shape: [n])
            return BuiltGraph(inputs: [uv], outputs: [jacobian(self.w12Function(uv, n: n), wrt: uv)])
        }
        measure(
            subject, n: n, phases: [.buildDiff, .compileFirst, .compile], reps: budget.slowPhaseReps, build: build,
            arguments: [u], trustInput: false, big: true
        ) { outputs in
            var check = Check()
            guard check.count(outputs, 1) else { return check.result }
            check.dtype("J", outputs[0], .float64)
            var want = [Double](repeating: 0, count: n * n)
            for (i, j, value) in w12Entries(x) { want[i * n + j] = value }
            check.elements("J", outputs[0], shape: [n, n], want, Tolerance(rtol: 1e-12, atol: 1e-12))
            return check.result
        }
    }

    private func runW12Sparse(n: Int, u: NDArray, x: [Double]) {
        let note = "sparseJacobian: pattern by static analysis of the graph, greedy column colouring, "
            + "one pushforward per colour batched by vectorizeGraph, values gathered from the compressed product"
        let entries = w12Entries(x)
        let wantRows = entries.map { $0.0 }, wantColumns = entries.map { $0.1 }, wantValues = entries.map { $0.2 }
        func input() -> Variable { Tensor.vector("u", dtype: .float64, shape: [n]) }
        func patternCheck(_ pattern: SparsityPattern) -> String {
            pattern.rows == wantRows && pattern.columns == wantColumns && pattern.fallbacks.isEmpty
                ? "ok" : "fail: the pattern is not the tridiagonal one (\(pattern))"
        }
        // Detection alone, then detection and colouring, each on a freshly built F.
        let reps = options.quick ? 3 : 7
        let (detect, pattern) = timePhase(reps: reps, setup: { () -> (Variable, Variable) in
            let uv = input()
            return (self.w12Function(uv, n: n), uv)
        }) { f, uv in jacobianSparsity(f, wrt: uv) }
        let (detectColor, coloring) = timePhase(reps: reps, setup: { () -> (Variable, Variable) in
            let uv = input()
            return (self.w12Function(uv, n: n), uv)
        }) { f, uv in jacobianSparsity(f, wrt: uv).coloring(mode: .automatic, order: .natural) }
        let colors = coloring?.colorCount ?? 0
        let subject = Subject(
            workload: "W12", caseName: "sparse", variant: "sparse_jacobian", params: [("num_colors", .int(colors))],
            note: note)
        let detectionCheck = pattern.map(patternCheck) ?? "fail: no pattern"
        for (phase, measurement) in [("detect", detect), ("detect_color", detectColor)] {
            var record = subject.record(phase, n: n)
            record.measurement = measurement
            record.check = phase == "detect" ? detectionCheck : (colors == 3 ? detectionCheck : "fail: \(colors) colours, want 3")
            recorder.emit(record)
        }
        let build = { () -> BuiltGraph in
            let uv = input()
            let J = sparseJacobian(self.w12Function(uv, n: n), wrt: uv)
            return BuiltGraph(inputs: [uv], outputs: [J.values])
        }
        // The graph's pattern, checked once outside the timed phases.
        let uv = input()
        let J = sparseJacobian(w12Function(uv, n: n), wrt: uv)
        let structure = patternCheck(J.pattern)
        measure(
            subject, n: n, phases: [.buildDiff, .compileFirst, .compile], reps: budget.slowPhaseReps, build: build,
            arguments: [u], trustInput: false
        ) { outputs in
            var check = Check()
            guard check.count(outputs, 1) else { return check.result }
            if structure != "ok" { check.fail(structure) }
            if J.colorCount != 3 { check.fail("\(J.colorCount) colours, want 3") }
            check.dtype("values", outputs[0], .float64)
            check.elements("values", outputs[0], shape: [3 * n - 2], wantValues, Tolerance(rtol: 1e-12, atol: 1e-12))
            return check.result
        }
    }
}

/// The analytic nonzeros `(i, j, J_ij)` of W12's Jacobian, row-major:
/// `J_ii = −2α + 2uᵢ − uᵢ₊₁`, `J_i,i+1 = α − uᵢ`, `J_i,i−1 = α`.
func w12Entries(_ u: [Double]) -> [(Int, Int, Double)] {
    let n = u.count
    let alpha = 0.25
    var entries: [(Int, Int, Double)] = []
    for i in 0..<n {
        if i > 0 { entries.append((i, i - 1, alpha)) }
        entries.append((i, i, -2 * alpha + 2 * u[i] - (i + 1 < n ? u[i + 1] : 0)))
        if i + 1 < n { entries.append((i, i + 1, alpha - u[i])) }
    }
    return entries
}
