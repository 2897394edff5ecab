// Blocked triangular solves with several right-hand sides. Substitution runs block row by block
// row: the rows already solved are folded into the next block with one GEMM, and inside the
// block each solved row of X is subtracted from the rows below it (unit-stride row updates).

extension Linalg {
    /// Solves `op(A) X = B` in place for the `n × n` triangular `a` and the `n × k` row-major
    /// `b`, where `op(A)` is `A` or (with `transposed`) `Aᵀ`. Only the triangle named by
    /// `lower` is read; `unitDiagonal` assumes ones on the diagonal without reading it. With
    /// the `OpenBLAS` trait this is LAPACK's `trtrs` unless `allowingLAPACK` is false.
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` for a zero diagonal element (`b` untouched).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func solveTriangular<T: LinalgScalar>(
        _ a: UnsafePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns k: Int,
        lower: Bool, transposed: Bool = false, unitDiagonal: Bool = false, allowingLAPACK: Bool = true
    ) throws(LinalgError) {
        #if OpenBLAS
            if allowingLAPACK,
                try LAPACK.solveTriangular(
                    a, order: n, b, columns: k, lower: lower, transposed: transposed, unitDiagonal: unitDiagonal)
            {
                return
            }
        #endif
        if !unitDiagonal {
            for i in 0..<n where a[i &* n + i] == .zero { throw .singular(pivot: i) }
        }
        let matrix = StridedMatrix(a, rowStride: n)
        let effective = transposed ? matrix.transposed : matrix
        if lower != transposed {
            solveLower(effective, order: n, b, columns: k, unitDiagonal: unitDiagonal)
        } else {
            solveUpper(effective, order: n, b, columns: k, unitDiagonal: unitDiagonal)
        }
    }

    /// Forward substitution `L X = B` for the lower triangle of the strided `l` (diagonal
    /// assumed nonzero); `b` is `n × k` row-major with row stride `k`.
    static func solveLower<T: LinalgScalar>(
        _ l: StridedMatrix<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns k: Int, unitDiagonal: Bool
    ) {
        guard n > 0, k > 0 else { return }
        for i0 in stride(from: 0, to: n, by: blockSize) {
            let i1 = min(i0 + blockSize, n)
            LinalgProduct.subtract(
                StridedMatrix(l.base + i0 &* l.rowStride, rowStride: l.rowStride, columnStride: l.columnStride),
                StridedMatrix(b, rowStride: k), m: i1 - i0, k: i0, n: k, from: b + i0 &* k, cRowStride: k)
            for i in i0..<i1 {
                let rowI = b + i &* k
                for p in i0..<i {
                    let factor = l[i, p]
                    let rowP = b + p &* k
                    for j in 0..<k { rowI[j] -= factor * rowP[j] }
                }
                if !unitDiagonal {
                    let diagonal = l[i, i]
                    for j in 0..<k { rowI[j] /= diagonal }
                }
            }
        }
    }

    /// Back substitution `U X = B` for the upper triangle of the strided `u`.
    static func solveUpper<T: LinalgScalar>(
        _ u: StridedMatrix<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns k: Int, unitDiagonal: Bool
    ) {
        guard n > 0, k > 0 else { return }
        var i1 = n
        while i1 > 0 {
            let i0 = max(0, i1 - blockSize)
            LinalgProduct.subtract(
                StridedMatrix(u.base + i0 &* u.rowStride + i1 &* u.columnStride,
                               rowStride: u.rowStride, columnStride: u.columnStride),
                StridedMatrix(b + i1 &* k, rowStride: k), m: i1 - i0, k: n - i1, n: k,
                from: b + i0 &* k, cRowStride: k)
            for i in stride(from: i1 - 1, through: i0, by: -1) {
                let rowI = b + i &* k
                for p in (i + 1)..<i1 {
                    let factor = u[i, p]
                    let rowP = b + p &* k
                    for j in 0..<k { rowI[j] -= factor * rowP[j] }
                }
                if !unitDiagonal {
                    let diagonal = u[i, i]
                    for j in 0..<k { rowI[j] /= diagonal }
                }
            }
            i1 = i0
        }
    }
}
