// The adapter between the factorizations and the blocked GEMM of MatrixProduct.swift, whose
// `BlockedProduct.multiply` overwrites its output and needs k > 0. Small products take a plain
// loop: packing panels costs more than it saves below a few thousand multiply-adds.

/// Matrix products on strided operands for the linear-algebra kernels.
enum LinalgProduct {
    /// Products with at most this many multiply-adds run the plain loop instead of the GEMM.
    static let smallProductLimit = 8 * 8 * 8

    /// `c -= a · b` (`c` row-major with row stride `cRowStride`).
    static func subtract<T: LinalgScalar>(
        _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int,
        from c: UnsafeMutablePointer<T>, cRowStride: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        if m &* n &* k <= smallProductLimit {
            plainSubtract(a, b, m: m, k: k, n: n, from: c, cRowStride: cRowStride)
            return
        }
        // The GEMM adds (−a) · b into c: negating the m × k factor costs O(m k), where a
        // separate product subtracted afterwards cost an m × n buffer and another pass over c.
        let negated = UnsafeMutablePointer<T>.allocate(capacity: m &* k)
        defer { negated.deallocate() }
        for i in 0..<m {
            for p in 0..<k { negated[i &* k + p] = -a[i, p] }
        }
        BlockedProduct.multiply(
            StridedMatrix(negated, rowStride: k), b, m: m, k: k, n: n, into: c, cRowStride: cRowStride, accumulating: true)
    }

    /// `c = a · b` (`c` row-major with row stride `cRowStride`, overwritten; zero when k = 0).
    static func store<T: LinalgScalar>(
        _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<T>, cRowStride: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 || m &* n &* k <= smallProductLimit {
            for i in 0..<m { (c + i &* cRowStride).update(repeating: .zero, count: n) }
            plainSubtract(a, b, m: m, k: k, n: n, from: c, cRowStride: cRowStride, sign: -1)
            return
        }
        BlockedProduct.multiply(a, b, m: m, k: k, n: n, into: c, cRowStride: cRowStride)
    }

    /// `c -= sign · a · b` in i-p-j order.
    private static func plainSubtract<T: LinalgScalar>(
        _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int,
        from c: UnsafeMutablePointer<T>, cRowStride: Int, sign: T = 1
    ) {
        for i in 0..<m {
            let row = c + i &* cRowStride
            for p in 0..<k {
                let factor = sign * a[i, p]
                for j in 0..<n { row[j] -= factor * b[p, j] }
            }
        }
    }
}
