// W2 — fused elementwise value and gradient, float64, n = 1e6 and 1e7 (quick: 1e6):
// f(x, y) = sum(exp(-x**2) * log1p(y*y) + tanh(x*y)).

#if canImport(Glibc)
import Glibc
#endif
import Cotangent

extension Bench {
    func runW2() {
        log("W2: fused elementwise")
        let sizes = options.quick ? [1_000_000] : [1_000_000, 10_000_000]

        func build(valueOnly: Bool) -> BuiltGraph {
            let x = Tensor.vector("x")
            let y = Tensor.vector("y")
            let f = (exp(-pow(x, 2)) * log1p(y * y) + tanh(x * y)).sum()
            if valueOnly { return BuiltGraph(inputs: [x, y], outputs: [f]) }
            let gradients = grad(f, wrt: [x, y])
            return BuiltGraph(inputs: [x, y], outputs: [f] + gradients)
        }

        let valueGrad = Subject(workload: "W2", caseName: "value_grad")
        let value = Subject(workload: "W2", caseName: "value")
        // The 2-thread pass measures calls only (the reference suite's --big-only).
        var run = graphPhases(
            valueGrad, n: nil, phases: options.twoThreadPass ? [] : [.compileFirst, .compile],
            reps: budget.slowPhaseReps, build: { build(valueOnly: false) })
        let valueFunction: Result<CompiledFunction, CotangentError> = probe { build(valueOnly: true) }.flatMap { graph in
            Result { try compile(graph) }.mapError { $0 as? CotangentError ?? CotangentError(.invalidGraph, "\($0)") }
        }

        for n in sizes {
            let xArray = Inputs.uniform(201, [n], -2, 2)
            let yArray = Inputs.uniform(202, [n], -2, 2)
            let reference = W2Reference(x: xArray.doubles, y: yArray.doubles)
            let entry = "W2 n=\(n)"
            let big = n >= 10_000_000

            switch valueFunction {
            case .success(let function):
                callPhases(value, n: n, function: function, arguments: [xArray, yArray], big: big) { outputs in
                    var check = Check()
                    guard check.count(outputs, 1) else { return check.result }
                    check.dtype("f", outputs[0], .float64)
                    check.fingerprint(entry, "value", outputs[0].doubles.first ?? .nan, .float64)
                    check.elements("f", outputs[0], shape: [], [reference.value], .float64)
                    return check.result
                }
            case .failure(let error):
                skipCalls(value, n: n, failure: ("skipped", "graph cannot be built: \(describe(error))"))
            }

            guard let function = run.function else {
                skipCalls(valueGrad, n: n, failure: run.failure ?? ("error", "no compiled function"))
                continue
            }
            callPhases(
                valueGrad, n: n, function: function, arguments: [xArray, yArray], big: big,
                check: { outputs in
                    var check = Check()
                    guard check.count(outputs, 3) else { return check.result }
                    for (name, output) in zip(["f", "gx", "gy"], outputs) { check.dtype(name, output, .float64) }
                    let gx = outputs[1].doubles
                    let gy = outputs[2].doubles
                    check.fingerprint(entry, "value", outputs[0].doubles.first ?? .nan, .float64)
                    check.fingerprint(entry, "sum(gx)", gx.total, .float64)
                    check.fingerprint(entry, "sum(gy)", gy.total, .float64)
                    check.fingerprint(entry, "gx[0]", gx.first ?? .nan, .float64)
                    check.fingerprint(entry, "gy[-1]", gy.last ?? .nan, .float64)
                    check.elements("gx", outputs[1], shape: [n], reference.gx, .float64)
                    check.elements("gy", outputs[2], shape: [n], reference.gy, .float64)
                    return check.result
                },
                checked: { result in
                    // The compile records carry the check of the first size's call.
                    if !run.pending.isEmpty { flush(run, check: result); run.pending = [] }
                })
        }
        if !run.pending.isEmpty { flush(run, check: nil) }
    }
}

/// The numpy reference of W2 (`workloads.w2_value_grad`) in plain Swift.
struct W2Reference {
    let value: Double
    let gx: [Double]
    let gy: [Double]

    init(x: [Double], y: [Double]) {
        var gx = [Double](repeating: 0, count: x.count)
        var gy = [Double](repeating: 0, count: x.count)
        var terms = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let e = exp(-(x[i] * x[i]))
            let l = log1p(y[i] * y[i])
            let t = tanh(x[i] * y[i])
            terms[i] = e * l + t
            let dt = 1.0 - t * t
            gx[i] = -2.0 * x[i] * e * l + y[i] * dt
            gy[i] = e * (2.0 * y[i] / (1.0 + y[i] * y[i])) + x[i] * dt
        }
        self.value = pairwiseSum(terms)
        self.gx = gx
        self.gy = gy
    }
}

/// Pairwise summation (numpy's order up to its 8-way unrolled leaves; accurate to ~1e-15
/// relative), so the reference value does not carry a naive loop's rounding drift.
func pairwiseSum(_ values: [Double]) -> Double {
    values.withUnsafeBufferPointer { buffer in
        func sum(_ start: Int, _ count: Int) -> Double {
            if count <= 128 {
                var total = 0.0
                for i in start..<(start + count) { total += buffer[i] }
                return total
            }
            let half = count / 2
            return sum(start, half) + sum(start + half, count - half)
        }
        return sum(0, buffer.count)
    }
}
