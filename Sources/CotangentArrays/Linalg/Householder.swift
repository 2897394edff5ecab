// Householder QR of a matrix held transposed: the columns of A are the contiguous rows of
// W = Aᵀ, so each reflector is generated from a row and applied with row dots and row updates.
// Panels of `householderBlock` reflectors are applied to the rest as one block reflector.

/// The reflectors of a Householder QR, `A = H_0 H_1 ⋯ H_{k−1} R`, held as the rows of
/// `W = Aᵀ` the way LAPACK's geqrf leaves them in the columns of A.
struct HouseholderQR<T: LinalgScalar> {
    /// `W = Aᵀ` after the factorization: row `j` holds `R[0...j, j]` in its first `j + 1`
    /// places and the tail of reflector `v_j` (whose element `j` is an implicit 1) after them.
    var w: [T]
    /// The rows of A (the length of the reflectors).
    let rows: Int
    /// The columns of A.
    let columns: Int
    /// `τ_j` of each of the `min(rows, columns)` reflectors.
    var taus: [T]

    /// Panels of this many reflectors are applied as a block.
    static var panelWidth: Int { 32 }

    /// Factors the `rows × columns` matrix given as its transpose `w` (`columns × rows`).
    init(transposed w: [T], rows: Int, columns: Int) {
        self.w = w
        self.rows = rows
        self.columns = columns
        let steps = min(rows, columns)
        taus = [T](repeating: .zero, count: steps)
        let m = rows
        self.w.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            taus.withUnsafeMutableBufferPointer { tauBuffer in
                let tau = tauBuffer.baseAddress!
                for j0 in stride(from: 0, to: steps, by: Self.panelWidth) {
                    let j1 = min(j0 + Self.panelWidth, steps)
                    for j in j0..<j1 {
                        let row = base + j &* m
                        let (beta, t) = Linalg.makeReflector(alpha: row[j], row + j + 1, count: m - j - 1)
                        row[j] = beta
                        tau[j] = t
                        // Apply H_j to the rest of the panel.
                        for r in (j + 1)..<j1 {
                            Self.reflect(base + r &* m, by: row, from: j, length: m, tau: t)
                        }
                    }
                    guard j1 < columns else { continue }
                    let block = Self.explicitVectors(base, rowLength: m, from: j0, to: j1)
                    block.withUnsafeBufferPointer { vectors in
                        BlockReflector(
                            vectors: vectors.baseAddress!, vectorStride: m - j0, count: j1 - j0, length: m - j0,
                            taus: tau + j0
                        ).apply(to: base + j1 &* m + j0, rowCount: columns - j1, rowStride: m, transposed: false)
                    }
                }
            }
        }
    }

    /// `x := H x` for the reflector whose vector is `(1, v[start + 1 ..< length])` placed at
    /// `start`, on the contiguous `x` (positions `start..<length`).
    @inline(__always)
    static func reflect(_ x: UnsafeMutablePointer<T>, by v: UnsafePointer<T>, from start: Int, length: Int, tau: T) {
        guard tau != .zero else { return }
        var dot = x[start]
        for i in (start + 1)..<length { dot += v[i] * x[i] }
        let scale = tau * dot
        x[start] -= scale
        for i in (start + 1)..<length { x[i] -= scale * v[i] }
    }

    /// The reflectors `j0..<j1` as explicit vectors of length `rowLength − j0` (zeros before
    /// their unit element), row-major.
    static func explicitVectors(_ w: UnsafePointer<T>, rowLength m: Int, from j0: Int, to j1: Int) -> [T] {
        let length = m - j0
        var vectors = [T](repeating: .zero, count: (j1 - j0) &* length)
        for j in j0..<j1 {
            let target = (j - j0) &* length
            vectors[target + j - j0] = 1
            for i in (j + 1)..<m { vectors[target + i - j0] = w[j &* m + i] }
        }
        return vectors
    }

    /// `x := Q x` for each of the `count` vectors of length `rows` held as the contiguous rows
    /// of `x`. With `skippingUnitRows`, rows `r < j0` are taken to be the unit vectors `e_r`,
    /// which the reflectors from `j0` on leave alone (forming Q from the identity).
    func applyQ(to x: UnsafeMutablePointer<T>, count: Int, skippingUnitRows: Bool = false) {
        apply(to: x, count: count, transposed: true, skippingUnitRows: skippingUnitRows)
    }

    /// `x := Qᵀ x` for each of the `count` vectors held as the contiguous rows of `x`.
    func applyQTransposed(to x: UnsafeMutablePointer<T>, count: Int) {
        apply(to: x, count: count, transposed: false, skippingUnitRows: false)
    }

    /// `Q x` (`transposed`) or `Qᵀ x`: a row `r` times the block `P` is `Pᵀ rᵀ`, so Q's
    /// panels are applied as `r · Pᵀ`, last panel first, and Qᵀ's as `r · P`, first panel first.
    private func apply(to x: UnsafeMutablePointer<T>, count: Int, transposed: Bool, skippingUnitRows: Bool) {
        let m = rows
        let steps = taus.count
        let panels = Array(stride(from: 0, to: steps, by: Self.panelWidth))
        // Qᵀ x = H_{k−1} ⋯ H_0 x applies the first panel first; Q x the last panel first.
        let order = transposed ? panels.reversed() : panels
        w.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            taus.withUnsafeBufferPointer { tau in
                for j0 in order {
                    let j1 = min(j0 + Self.panelWidth, steps)
                    let first = skippingUnitRows ? j0 : 0
                    guard first < count else { continue }
                    let block = Self.explicitVectors(base, rowLength: m, from: j0, to: j1)
                    block.withUnsafeBufferPointer { vectors in
                        BlockReflector(
                            vectors: vectors.baseAddress!, vectorStride: m - j0, count: j1 - j0, length: m - j0,
                            taus: tau.baseAddress! + j0
                        ).apply(to: x + first &* m + j0, rowCount: count - first, rowStride: m, transposed: transposed)
                    }
                }
            }
        }
    }
}
