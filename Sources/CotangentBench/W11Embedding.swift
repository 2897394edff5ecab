// W11 — embedding gather + scatter-add gradient, V = 10000, D = 64, N = 1e5 lookups (quick 1e4).

import Cotangent

extension Bench {
    func runW11() {
        log("W11: embedding gather + scatter-add gradient")
        let (rows, width) = (10_000, 64)
        let n = options.quick ? 10_000 : 100_000
        let subject = Subject(workload: "W11", caseName: "value_grad", params: [("V", .int(rows)), ("D", .int(width))])
        func build() -> BuiltGraph {
            let E = Tensor.matrix("E")
            let idx = Tensor.vector("idx", dtype: .int64)
            let w = Tensor.vector("w")
            // h = E[idx] (AdvancedSubtensor1); its gradient is AdvancedIncSubtensor1 (np.add.at).
            let loss = tanh(matmul(E[idx], w)).sum()
            return BuiltGraph(inputs: [E, idx, w], outputs: [loss, grad(loss, wrt: E)])
        }
        let E = Inputs.uniform(1201, [rows, width], -0.1, 0.1)
        let idx = Inputs.labels(1202, n, classes: rows)
        let w = Inputs.uniform(1203, [width], -1, 1)
        let entry = "W11 N=\(n)"
        let indexSum = Double(idx.asArray(Int64.self).reduce(0, +))
        let tolerance = Tolerance(rtol: 1e-9, atol: 1e-9)
        let phases: [GraphPhase] = options.twoThreadPass ? [] : [.compileFirst, .compile]
        measure(
            subject, n: n, phases: phases, reps: budget.slowPhaseReps, build: build,
            arguments: [E, idx, w], trustInput: false
        ) { outputs in
            var check = Check()
            check.fingerprint(entry, "sum(idx)", indexSum, .tiny)
            guard check.count(outputs, 2) else { return check.result }
            check.dtype("gE", outputs[1], .float64)
            if outputs[1].shape != [rows, width] { check.fail("gE has shape \(outputs[1].shape), want \([rows, width])") }
            let gE = outputs[1].doubles
            check.fingerprint(entry, "loss", outputs[0].doubles.first ?? .nan, tolerance)
            check.fingerprint(entry, "sum(gE)", gE.total, tolerance)
            check.fingerprint(entry, "sum(|gE|)", gE.map(abs).total, tolerance)
            check.fingerprint(entry, "gE[0,0]", gE.first ?? .nan, tolerance)
            return check.result
        }
    }
}

extension Bench {
    /// SORT — `sort` of 1e6 uniform float64 (not a reference workload: numpy's `np.sort` of the
    /// same array is its peer, timed outside this program). Only the call is timed.
    func runSort() {
        log("SORT: sort of 1e6 float64")
        let n = 1_000_000
        let subject = Subject(workload: "SORT", caseName: "sort")
        let run = graphPhases(subject, n: n, phases: [], reps: 1) {
            let x = Tensor.vector("x")
            return BuiltGraph(inputs: [x], outputs: [sort(x)])
        }
        guard let function = run.function else {
            skipCalls(subject, n: n, failure: run.failure ?? ("error", "no compiled function"))
            return
        }
        let x = Inputs.uniform(1401, [n], -1, 1)
        let reference = x.doubles.sorted()
        callPhases(subject, n: n, function: function, arguments: [x], big: true) { outputs in
            var check = Check()
            guard check.count(outputs, 1) else { return check.result }
            if outputs[0].doubles != reference { check.fail("sort(x) differs from Swift's sorted()") }
            return check.result
        }
    }
}
