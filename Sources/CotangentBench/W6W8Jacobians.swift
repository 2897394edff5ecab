// W6 — Jacobian of tanh(A x) with respect to x, n = 100 and 500.
// W8 — Hessian of the Rosenbrock function, n = 100.

#if canImport(Glibc)
import Glibc
#endif
import Cotangent

extension Bench {
    func runW6() {
        log("W6: jacobian of tanh(A x)")
        // The 2-thread pass: n = 500 calls only (the reference suite's --big-only).
        let sizes = options.twoThreadPass ? [500] : [100, 500]
        for n in sizes {
            let scale = Double(n).squareRoot()
            let aValues = Inputs.uniform(601, [n, n], -1, 1).doubles.map { $0 / scale }
            let A = NDArray(shape: [n, n], elements: aValues)
            let x = Inputs.uniform(602, [n], -1, 1)
            let reference = w6Reference(aValues, x.doubles, n: n)
            let entry = "W6 n=\(n)"
            // PyTensor times its Scan jacobian at n = 100 only; so do we (vectorize: false).
            let variants: [(String, Bool)] = [("vectorize", true)] + (n <= 100 ? [("scan", false)] : [])
            for (variant, vectorize) in variants {
                let note = vectorize ? nil
                    : "vectorize: false (a Scan over the rows, as PyTensor's jacobian)"
                let subject = Subject(workload: "W6", caseName: "jacobian", variant: variant, note: note)
                let build = { () -> BuiltGraph in
                    let Am = Tensor.matrix("A")
                    let xv = Tensor.vector("x")
                    return BuiltGraph(inputs: [Am, xv], outputs: [jacobian(tanh(matmul(Am, xv)), wrt: xv, vectorize: vectorize)])
                }
                measure(
                    subject, n: n, phases: options.twoThreadPass ? [] : [.buildDiff, .compileFirst, .compile],
                    reps: budget.slowPhaseReps, build: build, arguments: [A, x], trustInput: !options.twoThreadPass
                ) { outputs in
                    var check = Check()
                    guard check.count(outputs, 1) else { return check.result }
                    let J = outputs[0].doubles
                    check.fingerprint(entry, "sum(J)", J.total, .float64)
                    if J.count == n * n {
                        check.fingerprint(entry, "J[0,0]", J[0], .float64)
                        check.fingerprint(entry, "trace(J)", (0..<n).map { J[$0 * n + $0] }.total, .float64)
                    }
                    check.elements("J", outputs[0], shape: [n, n], reference, .float64)
                    return check.result
                }
            }
        }
    }

    func runW8() {
        log("W8: Rosenbrock Hessian n=100")
        let n = 100
        let x = Inputs.uniform(801, [n], -1.5, 1.5)
        let reference = rosenbrockHessian(x.doubles)
        let entry = "W8 n=\(n)"

        func rosen(_ x: Variable) -> Variable {
            (100.0 * pow(x[1...] - pow(x[..<(-1)], 2), 2) + pow(1.0 - x[..<(-1)], 2)).sum()
        }
        let variants: [(String, String?, (Variable) -> Variable)] = [
            ("hessian", "Cotangent's hessian() is the vectorized jacobian of the gradient (PyTensor's is a Scan)",
             { x in hessian(rosen(x), wrt: x) }),
            ("jac_vec_of_grad", nil, { x in jacobian(grad(rosen(x), wrt: x), wrt: x, vectorize: true) }),
            ("jac_scan_of_grad",
             "hessian(vectorize: false): a Scan over the rows, as PyTensor's hessian",
             { x in hessian(rosen(x), wrt: x, vectorize: false) }),
        ]
        for (variant, note, output) in variants {
            let subject = Subject(workload: "W8", caseName: "hessian", variant: variant, note: note)
            let build = { () -> BuiltGraph in
                let x = Tensor.vector("x")
                return BuiltGraph(inputs: [x], outputs: [output(x)])
            }
            measure(
                subject, n: n, phases: [.buildDiff, .rewrite, .compileFirst, .compile],
                reps: budget.slowPhaseReps, build: build, arguments: [x], trustInput: true
            ) { outputs in
                var check = Check()
                guard check.count(outputs, 1) else { return check.result }
                let H = outputs[0].doubles
                let tolerance = Tolerance(rtol: 1e-9, atol: 1e-9)
                check.fingerprint(entry, "sum(H)", H.total, tolerance)
                if H.count == n * n { check.fingerprint(entry, "trace(H)", (0..<n).map { H[$0 * n + $0] }.total, tolerance) }
                check.elements("H", outputs[0], shape: [n, n], reference, tolerance)
                return check.result
            }
        }
    }
}

/// `(1 - tanh(A x)²)[:, None] * A`, row-major.
func w6Reference(_ A: [Double], _ x: [Double], n: Int) -> [Double] {
    var J = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        var total = 0.0
        for j in 0..<n { total += A[i * n + j] * x[j] }
        let t = tanh(total)
        for j in 0..<n { J[i * n + j] = (1 - t * t) * A[i * n + j] }
    }
    return J
}

/// The analytic tridiagonal Hessian of Rosenbrock (workloads.w8_ref, scipy's rosen_hess).
func rosenbrockHessian(_ x: [Double]) -> [Double] {
    let n = x.count
    var H = [Double](repeating: 0, count: n * n)
    for i in 0..<(n - 1) {
        H[i * n + i + 1] = -400 * x[i]
        H[(i + 1) * n + i] = -400 * x[i]
    }
    H[0] = 1200 * x[0] * x[0] - 400 * x[1] + 2
    H[(n - 1) * n + n - 1] = 200
    for i in 1..<(n - 1) { H[i * n + i] = 202 + 1200 * x[i] * x[i] - 400 * x[i + 1] }
    return H
}
