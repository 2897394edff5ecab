// Float products through the system OpenBLAS, compiled only with the `OpenBLAS` package trait
// (`swift build --traits OpenBLAS`); the default build uses the Swift kernels and links no BLAS.

#if OpenBLAS
    import COpenBLAS

    /// `c = a · b` with `cblas_?gemm`, or `cblas_?gemv` when one side is a vector.
    package enum BLASProduct {
        /// `c = a · b` for an `m × k` and a `k × n` strided matrix, `c` contiguous `m × n`,
        /// `k > 0`. An operand BLAS cannot address (neither stride 1, or a leading dimension
        /// too small: stepped, reversed or broadcast views) is packed contiguously first;
        /// sizes beyond BLAS's 32-bit integers use the Swift kernel.
        package static func multiply<T: BlockedProductElement>(
            _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int, into c: UnsafeMutablePointer<T>
        ) {
            guard T.self == Double.self || T.self == Float.self, [m, k, n].allSatisfy({ $0 <= Int(Int32.max) }) else {
                ParallelProduct.multiply(a, b, m: m, k: k, n: n, into: c)
                return
            }
            let left = Operand(a, rows: m, columns: k), right = Operand(b, rows: k, columns: n)
            defer {
                left.release()
                right.release()
            }
            guard left.leading <= Int(Int32.max), right.leading <= Int(Int32.max) else {
                ParallelProduct.multiply(a, b, m: m, k: k, n: n, into: c)
                return
            }
            if n == 1 {
                // c = A x, x the column b.
                let (x, step) = right.vector(isColumn: true)
                gemv(left, rows: m, columns: k, x, step: step, into: c, as: T.self)
            } else if m == 1 {
                // c = Bᵀ a: the stored layout of B read with the opposite transposition.
                let (x, step) = left.vector(isColumn: false)
                gemv(right.flipped, rows: n, columns: k, x, step: step, into: c, as: T.self)
            } else {
                let (ta, tb) = (left.transpose, right.transpose)
                let (lda, ldb) = (Int32(left.leading), Int32(right.leading))
                let (m32, n32, k32) = (Int32(m), Int32(n), Int32(k))
                if T.self == Double.self {
                    cblas_dgemm(
                        CblasRowMajor, ta, tb, m32, n32, k32, 1, left.pointer(Double.self), lda,
                        right.pointer(Double.self), ldb, 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self),
                        n32)
                } else {
                    cblas_sgemm(
                        CblasRowMajor, ta, tb, m32, n32, k32, 1, left.pointer(Float.self), lda,
                        right.pointer(Float.self), ldb, 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self),
                        n32)
                }
            }
        }

        /// `c = op(S) x` where `operand` describes the `rows × columns` matrix whose product is
        /// wanted (its stored matrix S is that matrix or its transpose).
        private static func gemv<T>(
            _ operand: Operand<T>, rows: Int, columns: Int, _ x: UnsafePointer<T>, step: Int,
            into c: UnsafeMutablePointer<T>, as _: T.Type
        ) {
            // Row-major S is rows × columns when not transposed, columns × rows when transposed.
            let notTransposed = operand.transpose == CblasNoTrans
            let (sRows, sColumns) = notTransposed ? (Int32(rows), Int32(columns)) : (Int32(columns), Int32(rows))
            let lda = Int32(operand.leading), inc = Int32(step)
            if T.self == Double.self {
                cblas_dgemv(
                    CblasRowMajor, operand.transpose, sRows, sColumns, 1, operand.pointer(Double.self), lda,
                    UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), inc, 0,
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), 1)
            } else {
                cblas_sgemv(
                    CblasRowMajor, operand.transpose, sRows, sColumns, 1, operand.pointer(Float.self), lda,
                    UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), inc, 0,
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), 1)
            }
        }
    }

    /// A matrix operand as BLAS addresses it: a row-major stored matrix (the operand, or its
    /// transpose) with a leading dimension, packed into a buffer when the view has no such form.
    private struct Operand<T: BlockedProductElement> {
        package let base: UnsafePointer<T>
        package let transpose: CBLAS_TRANSPOSE
        package let leading: Int
        /// The packed copy, if one was made (freed by `release`).
        package let owned: UnsafeMutablePointer<T>?

        package init(_ matrix: StridedMatrix<T>, rows: Int, columns: Int) {
            // The stride of a length-1 axis is never followed: choose one BLAS accepts.
            let rowStride = rows == 1 ? max(columns, 1) : matrix.rowStride
            let columnStride = columns == 1 ? max(rows, 1) : matrix.columnStride
            if matrix.columnStride == 1 || columns == 1, rowStride >= max(1, columns) {
                (base, transpose, leading, owned) = (matrix.base, CblasNoTrans, rowStride, nil)
            } else if matrix.rowStride == 1 || rows == 1, columnStride >= max(1, rows) {
                (base, transpose, leading, owned) = (matrix.base, CblasTrans, columnStride, nil)
            } else {
                let copy = UnsafeMutablePointer<T>.allocate(capacity: rows &* columns)
                for i in 0..<rows {
                    for j in 0..<columns { copy[i &* columns &+ j] = matrix[i, j] }
                }
                (base, transpose, leading, owned) = (UnsafePointer(copy), CblasNoTrans, max(columns, 1), copy)
            }
        }

        private init(base: UnsafePointer<T>, transpose: CBLAS_TRANSPOSE, leading: Int) {
            (self.base, self.transpose, self.leading, self.owned) = (base, transpose, leading, nil)
        }

        /// The same storage read as the transposed matrix.
        package var flipped: Operand {
            Operand(base: base, transpose: transpose == CblasNoTrans ? CblasTrans : CblasNoTrans, leading: leading)
        }

        /// The elements of a vector operand and their stride: a `k × 1` column (`isColumn`) or
        /// a `1 × k` row. They run down the stored matrix's column (`leading` apart) for a
        /// column stored as is or a row stored transposed, else along its row.
        package func vector(isColumn: Bool) -> (UnsafePointer<T>, Int) {
            (base, (transpose == CblasNoTrans) == isColumn ? leading : 1)
        }

        package func pointer<U>(_: U.Type) -> UnsafePointer<U> { UnsafeRawPointer(base).assumingMemoryBound(to: U.self) }

        package func release() { owned?.deallocate() }
    }
#endif
