// GEMM — the square float matrix product alone (`dot(A, B)`, n = 512, 1024, 2048, float64 and
// float32), reported in GFLOP/s like the reference suite's P_matmul records, once with the
// vector kernels and once with the portable Swift kernel. Not a reference-suite workload.

import Cotangent

extension Bench {
    /// Runs only when named (`--workloads GEMM`): a full run leaves it out.
    func runGEMMKernels() {
        guard !options.workloads.isEmpty else { return }
        log("GEMM: dot(A, B) of square matrices, vector and portable kernels")
        for n in options.quick ? [256, 512] : [512, 1024, 2048] {
            for dtype in [DType.float64, .float32] {
                let a = Inputs.uniform(901, [n, n], -1, 1, dtype: dtype)
                let b = Inputs.uniform(902, [n, n], -1, 1, dtype: dtype)
                for portable in [false, true] {
                    VectorProduct.$isDisabled.withValue(portable) {
                        measureProduct(a, b, n: n, dtype: dtype, variant: portable ? "portable" : "")
                    }
                }
            }
        }
    }

    /// Times one compiled `dot(A, B)` and records its GFLOP/s (median and best call) in
    /// `params`; the check compares a few elements with a float64 inner product.
    private func measureProduct(_ a: NDArray, _ b: NDArray, n: Int, dtype: DType, variant: String) {
        var record = Record(workload: "GEMM", caseName: "gemm", variant: variant, phase: "call", n: n, dtype: "\(dtype)")
        record.note = variant == "portable" ? "the portable Swift kernel" : "vector kernel: \(VectorProduct.bestName)"
        do {
            let x = Tensor.matrix("A", dtype: dtype), y = Tensor.matrix("B", dtype: dtype)
            let product = try compile(BuiltGraph(inputs: [x, y], outputs: [dot(x, y)]))
            let c = try product.call([a, b])[0].asArray(Double.self)
            let (left, right) = (a.asArray(Double.self), b.asArray(Double.self))
            var check = Check()
            for (i, j) in [(0, 0), (n - 1, n - 1), (n / 2, n / 3), (7, n - 5)] {
                var exact = 0.0, magnitude = 0.0
                for p in 0..<n {
                    exact += left[i * n + p] * right[p * n + j]
                    magnitude += Swift.abs(left[i * n + p] * right[p * n + j])
                }
                let tolerance = (dtype == .float32 ? 1e-5 : 1e-13) * magnitude
                if Swift.abs(c[i * n + j] - exact) > tolerance { check.fail("C[\(i), \(j)] = \(c[i * n + j]), want \(exact)") }
            }
            record.check = check.result
            let measurement = try budget.calls(big: true) { _ = try product.call([a, b]) }
            record.measurement = measurement
            let flops = 2 * Double(n) * Double(n) * Double(n)
            if let median = measurement.median, let best = measurement.times.min() {
                let rates: [(String, JSON)] = [
                    ("gflops_median", JSON.double(flops / median / 1e9)), ("gflops_best", JSON.double(flops / best / 1e9)),
                ]
                record.params = rates
                log("  GEMM \(dtype) n=\(n) \(variant.isEmpty ? "vector" : variant): "
                    + "\(formatFixed(flops / median / 1e9, 1)) GFLOP/s (best \(formatFixed(flops / best / 1e9, 1)))")
            }
        } catch {
            record.status = "error"
            record.check = "fail: \(describe(error))"
        }
        recorder.emit(record)
    }

}
