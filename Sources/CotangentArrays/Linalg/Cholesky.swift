// Blocked right-looking Cholesky in row-major storage. For each block column: factor the
// diagonal block with row dot products, solve the panel below it, then update the trailing
// lower triangle with the GEMM one block row at a time (so only the lower half is computed).

extension Linalg {
    /// Overwrites the `n × n` symmetric positive-definite matrix `a` (only its lower triangle
    /// is read) with its Cholesky factor: `L` with `A = L Lᵀ` when `lower`, else `U = Lᵀ` with
    /// `A = Uᵀ U`. The other triangle is set to zero, as numpy and scipy return it.
    ///
    /// With the `OpenBLAS` trait this is LAPACK's `potrf` unless `allowingLAPACK` is false.
    ///
    /// - Throws: ``LinalgError/notPositiveDefinite(pivot:)`` naming the first pivot that is not
    ///   positive; `a` then holds partial results.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func cholesky<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, lower: Bool = true, allowingLAPACK: Bool = true
    ) throws(LinalgError) {
        #if OpenBLAS
            if allowingLAPACK, try LAPACK.cholesky(a, order: n) {
                clearUnusedTriangle(a, order: n, lower: lower)
                return
            }
        #endif
        let block = blockSize
        for k0 in stride(from: 0, to: n, by: block) {
            let k1 = min(k0 + block, n)
            try choleskyDiagonalBlock(a, order: n, from: k0, to: k1)
            guard k1 < n else { break }
            choleskyPanel(a, order: n, from: k0, to: k1)
            // Trailing lower triangle: rows r0..<r1 and columns k1..<r1 lose A[r, K] · A[c, K]ᵀ.
            for r0 in stride(from: k1, to: n, by: block) {
                let r1 = min(r0 + block, n)
                LinalgProduct.subtract(
                    StridedMatrix(a + r0 &* n + k0, rowStride: n),
                    StridedMatrix(a + k1 &* n + k0, rowStride: 1, columnStride: n),
                    m: r1 - r0, k: k1 - k0, n: r1 - k1, from: a + r0 &* n + k1, cRowStride: n)
            }
        }
        clearUnusedTriangle(a, order: n, lower: lower)
    }

    /// Clears the strictly upper triangle of the lower factor `a`; for the upper factor,
    /// transposes the factor into it.
    private static func clearUnusedTriangle<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, order n: Int, lower: Bool) {
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                if lower {
                    a[i &* n + j] = .zero
                } else {
                    a[i &* n + j] = a[j &* n + i]
                    a[j &* n + i] = .zero
                }
            }
        }
    }

    /// Factors the diagonal block `k0..<k1` (already updated by the columns before it):
    /// `L[i][j] = (A[i][j] − L[i][k0..<j] · L[j][k0..<j]) / L[j][j]`, contiguous dots.
    private static func choleskyDiagonalBlock<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, from k0: Int, to k1: Int
    ) throws(LinalgError) {
        for j in k0..<k1 {
            let rowJ = a + j &* n
            var diagonal = rowJ[j]
            for p in k0..<j { diagonal -= rowJ[p] * rowJ[p] }
            // `!(d > 0)` also catches NaN.
            guard diagonal > .zero else { throw .notPositiveDefinite(pivot: j) }
            let pivot = diagonal.squareRoot()
            rowJ[j] = pivot
            for i in (j + 1)..<max(j + 1, k1) {
                let rowI = a + i &* n
                var sum = rowI[j]
                for p in k0..<j { sum -= rowI[p] * rowJ[p] }
                rowI[j] = sum / pivot
            }
        }
    }

    /// Solves the panel below the diagonal block in place: each row `x` of `A[k1..<n, K]`
    /// becomes the solution of `x L_KKᵀ = a`, forward substitution along the row.
    private static func choleskyPanel<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, from k0: Int, to k1: Int
    ) {
        for i in k1..<n {
            let rowI = a + i &* n
            for j in k0..<k1 {
                let rowJ = a + j &* n
                var sum = rowI[j]
                for p in k0..<j { sum -= rowI[p] * rowJ[p] }
                rowI[j] = sum / rowJ[j]
            }
        }
    }
}
