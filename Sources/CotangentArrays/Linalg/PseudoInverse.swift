// The Moore–Penrose pseudo-inverse from the reduced SVD, with numpy's cut-off.

extension Linalg {
    /// numpy's default relative cut-off for ``pseudoInverse(_:rows:columns:relativeCutoff:)``.
    package static let defaultPseudoInverseCutoff = 1e-15

    /// The `n × m` pseudo-inverse of the `m × n` row-major `a`: `V diag(1/s) Uᵀ` over the
    /// singular values `s > relativeCutoff · max(s)` (smaller ones count as zero), as numpy's
    /// `pinv(a, rcond=1e-15)` does.
    ///
    /// - Throws: ``LinalgError/noConvergence`` when the SVD fails (NaN or infinite input).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func pseudoInverse<T: LinalgScalar>(
        _ a: UnsafePointer<T>, rows m: Int, columns n: Int, relativeCutoff: T = T(defaultPseudoInverseCutoff)
    ) throws(LinalgError) -> [T] {
        let svd = try singularValueDecomposition(a, rows: m, columns: n, mode: .reduced)
        let k = min(m, n)
        let cutoff = relativeCutoff * (svd.values.first ?? .zero)
        // Scale the rows of Vᵀ by 1/s (zero past the cut-off), then A⁺ = (scaled Vᵀ)ᵀ · Uᵀ.
        var scaled = svd.vt
        for i in 0..<k {
            let s = svd.values[i]
            let factor: T = s > cutoff ? 1 / s : .zero
            for j in 0..<n { scaled[i &* n + j] *= factor }
        }
        var result = [T](repeating: .zero, count: n &* m)
        scaled.withUnsafeBufferPointer { v in
            svd.u.withUnsafeBufferPointer { u in
                result.withUnsafeMutableBufferPointer { target in
                    guard let target = target.baseAddress, let v = v.baseAddress, let u = u.baseAddress else { return }
                    LinalgProduct.store(
                        StridedMatrix(v, rowStride: n).transposed, StridedMatrix(u, rowStride: k).transposed,
                        m: n, k: k, n: m, into: target, cRowStride: m)
                }
            }
        }
        return result
    }
}
