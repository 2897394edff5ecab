// W1 — the seed tutorial's graphs on tiny inputs (n = 3): every phase, then the call overhead.

import Cotangent

extension Bench {
    func runW1() {
        log("W1: seed graphs (n=3)")
        let x = NDArray([0.5, 1.5, 2.5])
        let g = NDArray([1.0, -2.0, 0.5])
        let y = NDArray([0.25, -0.75])
        let loopNote = "vectorize: false (a Scan over the rows, as PyTensor's jacobian)"

        func w1a(vectorize: Bool) -> BuiltGraph {
            let x = Tensor.vector("x")
            return BuiltGraph(inputs: [x], outputs: [jacobian(log(x), wrt: x, vectorize: vectorize)])
        }
        func w1b() -> BuiltGraph {
            let x = Tensor.vector("x")
            let g = Tensor.vector("g")
            return BuiltGraph(inputs: [x, g], outputs: [pullback(cumsum(x), wrt: x, cotangent: g)])
        }
        func w1c(vectorize: Bool) -> BuiltGraph {
            let x = Tensor.vector("x")
            let y = Tensor.vector("y")
            return BuiltGraph(
                inputs: [x, y], outputs: [jacobian(convolve1d(x, y, mode: .full), wrt: y, vectorize: vectorize)])
        }
        func w1d() -> BuiltGraph {
            let x = Tensor.vector("x")
            return BuiltGraph(inputs: [x], outputs: [grad(cumsum(log(x)).sum(), wrt: x)])
        }

        let cases: [(workload: String, variant: String, note: String?, build: () -> BuiltGraph, arguments: [NDArray])] = [
            ("W1a", "scan", loopNote, { w1a(vectorize: false) }, [x]),
            ("W1a", "vectorize", nil, { w1a(vectorize: true) }, [x]),
            ("W1b", "", nil, w1b, [x, g]),
            ("W1c", "scan", loopNote, { w1c(vectorize: false) }, [x, y]),
            ("W1c", "vectorize", nil, { w1c(vectorize: true) }, [x, y]),
            ("W1d", "", nil, w1d, [x]),
        ]
        for item in cases where options.selectsExactly(item.workload) {
            let subject = Subject(workload: item.workload, caseName: "seed", variant: item.variant, note: item.note)
            measure(
                subject, n: 3, phases: GraphPhase.allCases, reps: budget.phaseReps, build: item.build,
                arguments: item.arguments, trustInput: true
            ) { outputs in
                var check = Check()
                guard check.count(outputs, 1), let want = Reference.w1[item.workload] else { return check.result }
                check.elements(item.workload, outputs[0], shape: want.shape, want.values, .tiny)
                return check.result
            }
        }
    }
}
