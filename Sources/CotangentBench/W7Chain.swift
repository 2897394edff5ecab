// W7 — compile-time scaling with chain depth D (10, 30, 100, 1000; quick: up to 100):
// h_0 = x, h_{i+1} = sin(h_i) * c_i + h_i with constants c_i = 1/(i + 2), loss = sum(h_D),
// output ∂loss/∂x for a vector x of length 16. PyTensor times D >= 100 once (its phases take
// seconds); Cotangent's take milliseconds, so D >= 100 gets the slow-phase repetitions.

#if canImport(Glibc)
import Glibc
#endif
import Cotangent

extension Bench {
    func runW7() {
        log("W7: chain depth scaling")
        let depths = options.quick ? [10, 30, 100] : [10, 30, 100, 1000]
        let length = 16
        let x = Inputs.uniform(701, [length], -1, 1)
        for depth in depths {
            let subject = Subject(
                workload: "W7", caseName: "chain_grad", params: [("D", .int(depth)), ("vec_len", .int(length))])
            let build = { () -> BuiltGraph in
                let x = Tensor.vector("x")
                var h = x
                // Python floats in the reference: constants typed like PyTensor's autocast.
                for i in 0..<depth { h = sin(h) * Tensor.constant(1.0 / Double(i + 2)) + h }
                return BuiltGraph(inputs: [x], outputs: [grad(h.sum(), wrt: x)])
            }
            let reference = chainGradient(x.doubles, depth: depth)
            let entry = "W7 D=\(depth)"
            measure(
                subject, n: depth, phases: [.buildDiff, .rewrite, .compileFirst, .compile],
                reps: depth <= 30 ? budget.phaseReps : budget.slowPhaseReps, build: build, arguments: [x], trustInput: true
            ) { outputs in
                var check = Check()
                guard check.count(outputs, 1) else { return check.result }
                let g = outputs[0].doubles
                check.fingerprint(entry, "sum(grad)", g.total, .float64)
                check.fingerprint(entry, "grad[0]", g.first ?? .nan, .float64)
                check.elements("grad", outputs[0], shape: [length], reference, .float64)
                return check.result
            }
        }
    }
}

/// workloads.w7_ref_grad: forward states, then g *= cos(h_i) c_i + 1 backwards.
func chainGradient(_ x: [Double], depth: Int) -> [Double] {
    var states = [x]
    var h = x
    for i in 0..<depth {
        let c = 1.0 / Double(i + 2)
        h = h.map { sin($0) * c + $0 }
        states.append(h)
    }
    var g = [Double](repeating: 1, count: x.count)
    for i in (0..<depth).reversed() {
        let c = 1.0 / Double(i + 2)
        for k in g.indices { g[k] *= cos(states[i][k]) * c + 1 }
    }
    return g
}
