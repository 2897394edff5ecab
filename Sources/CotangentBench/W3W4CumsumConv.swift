// W3 — cumsum VJP (reverse cumulative sum), n = 1e7 (quick 1e6).
// W4 — conv1d full mode with k = 64: forward and value+grad, n = 1e6 (quick 1e5).

import Cotangent

extension Bench {
    func runW3() {
        log("W3: cumsum pullback")
        let n = options.quick ? 1_000_000 : 10_000_000
        let subject = Subject(workload: "W3", caseName: "vjp")
        func build() -> BuiltGraph {
            let x = Tensor.vector("x")
            let g = Tensor.vector("g")
            return BuiltGraph(inputs: [x, g], outputs: [pullback(cumsum(x), wrt: x, cotangent: g)])
        }
        // Only the call is timed (as in the reference suite).
        let run = graphPhases(subject, n: n, phases: [], reps: 1, build: build)
        guard let function = run.function else {
            skipCalls(subject, n: n, failure: run.failure ?? ("error", "no compiled function"))
            return
        }
        let x = Inputs.uniform(301, [n], -1, 1)
        let g = Inputs.uniform(302, [n], -1, 1)
        let reference = reverseCumsum(g.doubles)
        let entry = "W3 n=\(n)"
        callPhases(subject, n: n, function: function, arguments: [x, g], big: true) { outputs in
            var check = Check()
            guard check.count(outputs, 1) else { return check.result }
            let values = outputs[0].doubles
            check.dtype("xbar", outputs[0], .float64)
            check.fingerprint(entry, "sum(xbar)", values.total, .float64)
            check.fingerprint(entry, "xbar[0]", values.first ?? .nan, .float64)
            check.fingerprint(entry, "xbar[-1]", values.last ?? .nan, .float64)
            // harness: rtol 1e-8, atol 1e-8 (a running sum of 1e7 terms passes near zero).
            check.elements("xbar", outputs[0], shape: [n], reference, Tolerance(rtol: 1e-8, atol: 1e-8))
            return check.result
        }
    }

    func runW4() {
        log("W4: conv1d full")
        let n = options.quick ? 100_000 : 1_000_000
        let k = 64
        let params: [(String, JSON)] = [("k", .int(k))]
        let forward = Subject(workload: "W4", caseName: "forward", params: params)
        let valueGrad = Subject(workload: "W4", caseName: "value_grad", params: params)

        func build(forwardOnly: Bool) -> BuiltGraph {
            let x = Tensor.vector("x")
            let kernel = Tensor.vector("k")
            let w = Tensor.vector("w")
            let y = convolve1d(x, kernel, mode: .full)
            if forwardOnly { return BuiltGraph(inputs: [x, kernel], outputs: [y]) }
            let loss = (w * y).sum()
            return BuiltGraph(inputs: [x, kernel, w], outputs: [loss] + grad(loss, wrt: [x, kernel]))
        }

        var run = graphPhases(
            valueGrad, n: nil, phases: options.twoThreadPass ? [] : [.compileFirst, .compile],
            reps: budget.slowPhaseReps, build: { build(forwardOnly: false) })
        let forwardRun = graphPhases(forward, n: n, phases: [], reps: 1, build: { build(forwardOnly: true) })

        let x = Inputs.uniform(401, [n], -1, 1)
        let kernel = Inputs.uniform(402, [k], -1, 1)
        let w = Inputs.uniform(403, [n + k - 1], -1, 1)
        let xs = x.doubles, ks = kernel.doubles, ws = w.doubles
        let tolerance = Tolerance(rtol: 1e-8, atol: 1e-9)

        if let function = forwardRun.function {
            let reference = convolveFull(xs, ks)
            let entry = "W4 forward n=\(n) k=\(k)"
            callPhases(forward, n: n, function: function, arguments: [x, kernel], big: true) { outputs in
                var check = Check()
                guard check.count(outputs, 1) else { return check.result }
                let values = outputs[0].doubles
                check.fingerprint(entry, "sum(conv)", values.total, tolerance)
                check.fingerprint(entry, "conv[0]", values.first ?? .nan, tolerance)
                if n == 1_000_000 { check.fingerprint(entry, "conv[-1]", values.last ?? .nan, tolerance) }
                check.elements("conv", outputs[0], shape: [n + k - 1], reference, tolerance)
                return check.result
            }
        } else {
            skipCalls(forward, n: n, failure: forwardRun.failure ?? ("error", "no compiled function"))
        }

        guard let function = run.function else {
            flush(run, check: nil)
            skipCalls(valueGrad, n: n, failure: run.failure ?? ("error", "no compiled function"))
            return
        }
        let entry = "W4 n=\(n) k=\(k)"
        let gxReference = correlateValid(ws, ks)
        let gkReference = correlateValid(ws, xs)
        let valueReference = pairwiseSum(zip(ws, convolveFull(xs, ks)).map { $0 * $1 })
        callPhases(
            valueGrad, n: n, function: function, arguments: [x, kernel, w], big: true,
            check: { outputs in
                var check = Check()
                guard check.count(outputs, 3) else { return check.result }
                let gk = outputs[2].doubles
                check.fingerprint(entry, "value", outputs[0].doubles.first ?? .nan, tolerance)
                check.fingerprint(entry, "sum(gx)", outputs[1].doubles.total, tolerance)
                check.fingerprint(entry, "gk[0]", gk.first ?? .nan, tolerance)
                check.fingerprint(entry, "sum(gk)", gk.total, tolerance)
                check.elements("L", outputs[0], shape: [], [valueReference], tolerance)
                check.elements("gx", outputs[1], shape: [n], gxReference, tolerance)
                check.elements("gk", outputs[2], shape: [k], gkReference, tolerance)
                return check.result
            },
            checked: { result in flush(run, check: result); run.pending = [] })
    }
}

/// `cumsum(g[::-1])[::-1]`.
func reverseCumsum(_ g: [Double]) -> [Double] {
    var result = [Double](repeating: 0, count: g.count)
    var running = 0.0
    for i in g.indices.reversed() {
        running += g[i]
        result[i] = running
    }
    return result
}

/// numpy's `convolve(a, v, 'full')[m] = Σ_j a[j] v[m - j]` (direct).
func convolveFull(_ a: [Double], _ v: [Double]) -> [Double] {
    var result = [Double](repeating: 0, count: a.count + v.count - 1)
    for m in result.indices {
        let low = max(0, m - v.count + 1), high = min(a.count - 1, m)
        var total = 0.0
        if low <= high { for j in low...high { total += a[j] * v[m - j] } }
        result[m] = total
    }
    return result
}

/// numpy's `correlate(a, v, 'valid')[j] = Σ_m a[j + m] v[m]` for len(a) >= len(v).
func correlateValid(_ a: [Double], _ v: [Double]) -> [Double] {
    (0...(a.count - v.count)).map { j in
        var total = 0.0
        for m in v.indices { total += a[j + m] * v[m] }
        return total
    }
}
