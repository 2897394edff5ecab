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
        // The GEMM stores a fresh product; subtracting it afterwards costs O(m n) next to the
        // O(m n k) product.
        let product = UnsafeMutablePointer<T>.allocate(capacity: m &* n)
        defer { product.deallocate() }
        BlockedProduct.multiply(a, b, m: m, k: k, n: n, into: product, cRowStride: n)
        for i in 0..<m {
            let target = c + i &* cRowStride, source = product + i &* n
            for j in 0..<n { target[j] -= source[j] }
        }
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
