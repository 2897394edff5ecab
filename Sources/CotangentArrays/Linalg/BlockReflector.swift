// A block of Householder reflectors in compact WY form (LAPACK's larft/larfb):
// H_0 H_1 ⋯ H_{k−1} = I − V T Vᵀ with T upper triangular. The kernels keep every vector they
// transform as a contiguous row, so the block is applied to rows from the right with two GEMMs:
// rows · P = rows − (rows V) T Vᵀ and rows · Pᵀ = rows − (rows V) Tᵀ Vᵀ. A row r times P is
// Pᵀ applied to the column rᵀ.

/// `k` Householder reflectors `H_i = I − τ_i v_i v_iᵀ` of length `length`, stored explicitly
/// (zeros and the unit element included) as the rows of a `k × length` row-major matrix.
struct BlockReflector<T: LinalgScalar> {
    /// The reflector vectors, row `i` is `v_i`.
    let vectors: UnsafePointer<T>
    /// The distance between consecutive vectors, in elements.
    let vectorStride: Int
    /// The number of reflectors.
    let count: Int
    /// The length of each vector.
    let length: Int
    /// The `count × count` upper triangular factor `T`, row-major.
    private let factor: [T]

    /// Builds `T` for the reflectors with scalar factors `taus`.
    init(vectors: UnsafePointer<T>, vectorStride: Int, count: Int, length: Int, taus: UnsafePointer<T>) {
        self.vectors = vectors
        self.vectorStride = vectorStride
        self.count = count
        self.length = length
        var t = [T](repeating: .zero, count: count &* count)
        // Column i of T: T[0..<i, i] = −τ_i T[0..<i, 0..<i] (V[:, 0..<i]ᵀ v_i), T[i][i] = τ_i.
        var w = [T](repeating: .zero, count: count)
        for i in 0..<count {
            let tau = taus[i]
            t[i &* count + i] = tau
            guard i > 0 else { continue }
            let vi = vectors + i &* vectorStride
            for p in 0..<i {
                let vp = vectors + p &* vectorStride
                var dot = T.zero
                for q in 0..<length { dot += vp[q] * vi[q] }
                w[p] = -tau * dot
            }
            for p in 0..<i {
                var sum = T.zero
                for q in p..<i { sum += t[p &* count + q] * w[q] }
                t[p &* count + i] = sum
            }
        }
        factor = t
    }

    /// Replaces each of the `rowCount` rows `r` (length `length`, row stride `rowStride`) with
    /// `r · P` where `P = H_0 ⋯ H_{k−1}`, or with `r · Pᵀ` when `transposed` — the rows are
    /// the vectors transformed, so `r · P` is `Pᵀ` applied to each of them as a column.
    func apply(to rows: UnsafeMutablePointer<T>, rowCount: Int, rowStride: Int, transposed: Bool) {
        guard rowCount > 0, count > 0 else { return }
        let v = StridedMatrix(vectors, rowStride: vectorStride)
        // Y = rows · Vᵀ  (rowCount × count).
        let y = UnsafeMutablePointer<T>.allocate(capacity: rowCount &* count)
        defer { y.deallocate() }
        LinalgProduct.store(
            StridedMatrix(UnsafePointer(rows), rowStride: rowStride), v.transposed,
            m: rowCount, k: length, n: count, into: y, cRowStride: count)
        // Y := Y T (for r · P) or Y Tᵀ (for r · Pᵀ), in place row by row.
        factor.withUnsafeBufferPointer { t in
            for r in 0..<rowCount {
                let row = y + r &* count
                if transposed {
                    for j in 0..<count {
                        var sum = T.zero
                        for p in j..<count { sum += row[p] * t[j &* count + p] }
                        row[j] = sum
                    }
                } else {
                    for j in stride(from: count - 1, through: 0, by: -1) {
                        var sum = T.zero
                        for p in 0...j { sum += row[p] * t[p &* count + j] }
                        row[j] = sum
                    }
                }
            }
        }
        // rows −= Y · V.
        LinalgProduct.subtract(
            StridedMatrix(UnsafePointer(y), rowStride: count), v,
            m: rowCount, k: count, n: length, from: rows, cRowStride: rowStride)
    }
}
