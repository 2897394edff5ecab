// The SVD: Householder bidiagonalization A = Q_U B Q_Vᵀ (Golub–Kahan), then the implicitly
// shifted QR iteration on the bidiagonal B (Golub–Reinsch), rotations applied to the
// contiguous rows of Uᵀ and Vᵀ. Wide matrices are decomposed through their transpose.

/// Which factors ``Linalg/singularValueDecomposition(_:rows:columns:mode:)`` computes.
package enum SVDMode: Sendable {
    /// `U` is `m × m` and `Vᵀ` is `n × n` (numpy's `full_matrices=True`).
    case full
    /// `U` is `m × k` and `Vᵀ` is `k × n`, `k = min(m, n)`.
    case reduced
    /// Singular values only.
    case valuesOnly
}

/// `A = U diag(s) Vᵀ`, row-major, singular values descending (numpy's `svd`).
package struct SingularValueDecomposition<T: LinalgScalar>: Sendable {
    /// The `min(m, n)` singular values, descending.
    package var values: [T]
    /// The left singular vectors as columns (empty in values-only mode).
    package var u: [T]
    /// The shape of `u`.
    package var uShape: [Int]
    /// The right singular vectors as rows (numpy's `vh`; empty in values-only mode).
    package var vt: [T]
    /// The shape of `vt`.
    package var vtShape: [Int]
}

extension Linalg {
    /// The singular value decomposition of the `m × n` row-major `a`. With the `OpenBLAS`
    /// trait this is LAPACK's `gesdd` unless `allowingLAPACK` is false.
    ///
    /// - Throws: ``LinalgError/noConvergence`` when the QR iteration fails (NaN or infinite input).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func singularValueDecomposition<T: LinalgScalar>(
        _ a: UnsafePointer<T>, rows m: Int, columns n: Int, mode: SVDMode = .reduced, allowingLAPACK: Bool = true
    ) throws(LinalgError) -> SingularValueDecomposition<T> {
        #if OpenBLAS
            if allowingLAPACK, let result = try LAPACK.singularValueDecomposition(a, rows: m, columns: n, mode: mode) {
                return result
            }
        #endif
        if m >= n {
            let tall = try tallSVD(Array(UnsafeBufferPointer(start: a, count: m &* n)), rows: m, columns: n, mode: mode)
            let uColumns = tall.leftRows.count / max(m, 1)
            var u = [T](repeating: .zero, count: m &* uColumns)
            tall.leftRows.withUnsafeBufferPointer { source in
                u.withUnsafeMutableBufferPointer {
                    guard let target = $0.baseAddress else { return }
                    transpose(source.baseAddress!, rows: uColumns, columns: m, sourceStride: m, into: target, targetStride: uColumns)
                }
            }
            let vtShape = mode == .valuesOnly ? [0, 0] : [n, n]
            return SingularValueDecomposition(
                values: tall.values, u: u, uShape: mode == .valuesOnly ? [0, 0] : [m, uColumns],
                vt: tall.rightRows, vtShape: vtShape)
        }
        // A = (Aᵀ)ᵀ = (U' S V'ᵀ)ᵀ = V' S U'ᵀ: U is V' (the transpose of V'ᵀ), Vᵀ is U'ᵀ.
        var transposed = [T](repeating: .zero, count: m &* n)
        transposed.withUnsafeMutableBufferPointer { transpose(a, rows: m, columns: n, sourceStride: n, into: $0.baseAddress!, targetStride: m) }
        let tall = try tallSVD(transposed, rows: n, columns: m, mode: mode)
        var u = [T](repeating: .zero, count: mode == .valuesOnly ? 0 : m &* m)
        if mode != .valuesOnly {
            tall.rightRows.withUnsafeBufferPointer { source in
                u.withUnsafeMutableBufferPointer {
                    transpose(source.baseAddress!, rows: m, columns: m, sourceStride: m, into: $0.baseAddress!, targetStride: m)
                }
            }
        }
        let vtRows = tall.leftRows.count / max(n, 1)
        return SingularValueDecomposition(
            values: tall.values, u: u, uShape: mode == .valuesOnly ? [0, 0] : [m, m],
            vt: tall.leftRows, vtShape: mode == .valuesOnly ? [0, 0] : [vtRows, n])
    }

    /// The SVD of a tall `m × n` (`m ≥ n`) matrix: values descending, the left vectors as rows
    /// (`n` or, in full mode, `m` of length `m`) and the right vectors as rows (`n × n`).
    private static func tallSVD<T: LinalgScalar>(
        _ a: [T], rows m: Int, columns n: Int, mode: SVDMode
    ) throws(LinalgError) -> (values: [T], leftRows: [T], rightRows: [T]) {
        guard n > 0 else {
            let leftRows = mode == .full ? identityRows(T.self, m) : []
            return ([], leftRows, [])
        }
        var work = a
        var d = [T](repeating: .zero, count: n), e = [T](repeating: .zero, count: n)
        let vectors = mode != .valuesOnly
        // Reflector vectors, explicit: left ones of length m (row j), right ones of length n.
        var left = [T](repeating: .zero, count: vectors ? n &* m : 0)
        var right = [T](repeating: .zero, count: vectors ? n &* n : 0)
        var leftTaus = [T](repeating: .zero, count: n), rightTaus = [T](repeating: .zero, count: n)
        work.withUnsafeMutableBufferPointer { w in
            bidiagonalize(w.baseAddress!, rows: m, columns: n, &d, &e, &left, &right, &leftTaus, &rightTaus)
        }
        let uRows = mode == .full ? m : n
        var leftRows = vectors ? identityRows(T.self, m, count: uRows) : []
        var rightRows = vectors ? identityRows(T.self, n) : []
        if vectors {
            formFromReflectors(&leftRows, count: uRows, length: m, reflectors: left, taus: leftTaus, reflectorCount: n, offset: 0)
            formFromReflectors(&rightRows, count: n, length: n, reflectors: right, taus: rightTaus, reflectorCount: max(0, n - 1), offset: 1)
        }
        try leftRows.withUnsafeMutableBufferPointer { (uBuffer) throws(LinalgError) in
            try rightRows.withUnsafeMutableBufferPointer { (vBuffer) throws(LinalgError) in
                // An empty array's buffer may still have an address: pass nil explicitly.
                try bidiagonalQR(
                    &d, &e, order: n, leftRows: vectors ? uBuffer.baseAddress : nil, leftLength: m,
                    rightRows: vectors ? vBuffer.baseAddress : nil)
            }
        }
        // Descending order, vectors moved along.
        for i in 0..<n {
            var largest = i
            for j in (i + 1)..<n where d[j] > d[largest] { largest = j }
            guard largest != i else { continue }
            d.swapAt(i, largest)
            if vectors {
                leftRows.withUnsafeMutableBufferPointer { swapRows($0.baseAddress! + i &* m, $0.baseAddress! + largest &* m, count: m) }
                rightRows.withUnsafeMutableBufferPointer { swapRows($0.baseAddress! + i &* n, $0.baseAddress! + largest &* n, count: n) }
            }
        }
        return (d, leftRows, rightRows)
    }

    /// `count` rows of the `length × length` identity.
    private static func identityRows<T: LinalgScalar>(_: T.Type, _ length: Int, count: Int? = nil) -> [T] {
        let rows = count ?? length
        var result = [T](repeating: .zero, count: rows &* length)
        for i in 0..<min(rows, length) { result[i &* length + i] = 1 }
        return result
    }

    /// Replaces the identity rows `rows` by the columns of `H_0 ⋯ H_{r−1}` (reflector `j` acting
    /// on places `j + offset ..< length`, stored explicitly in row `j` of `reflectors`).
    private static func formFromReflectors<T: LinalgScalar>(
        _ rows: inout [T], count: Int, length: Int, reflectors: [T], taus: [T], reflectorCount: Int, offset: Int
    ) {
        let width = HouseholderQR<T>.panelWidth
        reflectors.withUnsafeBufferPointer { v in
            taus.withUnsafeBufferPointer { tau in
                rows.withUnsafeMutableBufferPointer { target in
                    for j0 in stride(from: 0, to: reflectorCount, by: width).reversed() {
                        let j1 = min(j0 + width, reflectorCount)
                        let start = j0 + offset
                        // Rows before `start` are still unit vectors the block leaves alone.
                        guard start < count else { continue }
                        BlockReflector(
                            vectors: v.baseAddress! + j0 &* length + start, vectorStride: length, count: j1 - j0,
                            length: length - start, taus: tau.baseAddress! + j0
                        ).apply(to: target.baseAddress! + start &* length + start, rowCount: count - start, rowStride: length, transposed: true)
                    }
                }
            }
        }
    }

    /// Reduces the tall `m × n` `a` to upper bidiagonal form (`d`, `e[j]` coupling `j` and
    /// `j + 1`), storing the left reflectors (length m, unit at `j`) and right reflectors
    /// (length n, unit at `j + 1`) explicitly when the arrays are not empty.
    private static func bidiagonalize<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int, _ d: inout [T], _ e: inout [T],
        _ left: inout [T], _ right: inout [T], _ leftTaus: inout [T], _ rightTaus: inout [T]
    ) {
        var column = [T](repeating: .zero, count: m)
        var combination = [T](repeating: .zero, count: n)
        column.withUnsafeMutableBufferPointer { columnBuffer in
            let v = columnBuffer.baseAddress!
            for j in 0..<n {
                // Left reflector from column j (rows j..<m), gathered into a contiguous vector.
                for i in j..<m { v[i - j] = a[i &* n + j] }
                let (beta, tau) = makeReflector(alpha: v[0], v + 1, count: m - j - 1)
                v[0] = 1
                d[j] = beta
                leftTaus[j] = tau
                if !left.isEmpty { for i in j..<m { left[j &* m + i] = v[i - j] } }
                a[j &* n + j] = beta
                if tau != .zero && j + 1 < n {
                    // A[j..<m, j+1..<n] −= τ v (vᵀ A): the combination of rows, then the update.
                    for c in (j + 1)..<n { combination[c] = .zero }
                    for i in j..<m {
                        let row = a + i &* n
                        let vi = v[i - j]
                        for c in (j + 1)..<n { combination[c] += vi * row[c] }
                    }
                    for i in j..<m {
                        let row = a + i &* n
                        let scale = tau * v[i - j]
                        for c in (j + 1)..<n { row[c] -= scale * combination[c] }
                    }
                }
                guard j + 1 < n else { continue }
                // Right reflector from row j (columns j+1..<n), contiguous in place.
                let rowJ = a + j &* n
                let (rightBeta, rightTau) = makeReflector(alpha: rowJ[j + 1], rowJ + j + 2, count: n - j - 2)
                e[j] = rightBeta
                rightTaus[j] = rightTau
                rowJ[j + 1] = 1
                if !right.isEmpty { for c in (j + 1)..<n { right[j &* n + c] = rowJ[c] } }
                if rightTau != .zero {
                    for i in (j + 1)..<m {
                        let row = a + i &* n
                        var dot = T.zero
                        for c in (j + 1)..<n { dot += row[c] * rowJ[c] }
                        let scale = rightTau * dot
                        for c in (j + 1)..<n { row[c] -= scale * rowJ[c] }
                    }
                }
                rowJ[j + 1] = rightBeta
            }
        }
    }

    /// Golub–Reinsch implicit-shift QR on the upper bidiagonal (`d`, `e[j]` coupling `j` and
    /// `j + 1`): `d` becomes the singular values (nonnegative, unsorted). Rotations of U's
    /// columns act on rows of `leftRows` (length `leftLength`), of V's on rows of `rightRows`.
    static func bidiagonalQR<T: LinalgScalar>(
        _ d: inout [T], _ superdiagonal: inout [T], order n: Int,
        leftRows u: UnsafeMutablePointer<T>?, leftLength: Int, rightRows v: UnsafeMutablePointer<T>?
    ) throws(LinalgError) {
        // e[i] couples d[i − 1] and d[i]; e[0] = 0 stops every split search.
        var e = [T](repeating: .zero, count: n)
        for i in 1..<max(1, n) { e[i] = superdiagonal[i - 1] }
        var norm = T.zero
        for i in 0..<n { norm = max(norm, abs(d[i]) + abs(e[i])) }
        // NaN would defeat every convergence test below.
        for i in 0..<n where !(d[i].isFinite && e[i].isFinite) { throw .noConvergence }
        let tolerance = T.ulpOfOne * norm
        for k in stride(from: n - 1, through: 0, by: -1) {
            var iterations = 0
            while true {
                // Find l: e[l] negligible (split) or d[l − 1] negligible (cancel e[l] first).
                var l = k
                var cancel = false
                while l >= 0 {
                    if l == 0 || abs(e[l]) <= tolerance { break }
                    if abs(d[l - 1]) <= tolerance { cancel = true; break }
                    l -= 1
                }
                if cancel {
                    // d[l − 1] ≈ 0: chase e[l] out with rotations of rows (l − 1, i).
                    var (c, s) = (T.zero, T(1))
                    for i in l...k {
                        let f = s * e[i]
                        e[i] = c * e[i]
                        if abs(f) <= tolerance { break }
                        let g = d[i]
                        let h = hypotenuse(f, g)
                        d[i] = h
                        c = g / h
                        s = -f / h
                        if let u { rotate(u + (l - 1) &* leftLength, u + i &* leftLength, count: leftLength, cosine: c, sine: -s) }
                    }
                }
                let z = d[k]
                if l == k {
                    if z < .zero {
                        d[k] = -z
                        if let v { for c in 0..<n { v[k &* n + c] = -v[k &* n + c] } }
                    }
                    break
                }
                iterations += 1
                guard iterations <= 75 else { throw .noConvergence }
                // Shift from the trailing 2 × 2 block, then one implicit QR sweep over l...k.
                var x = d[l]
                let y0 = d[k - 1]
                var g = e[k - 1]
                var h = e[k]
                var f = ((y0 - z) * (y0 + z) + (g - h) * (g + h)) / (2 * h * y0)
                g = hypotenuse(f, 1)
                f = ((x - z) * (x + z) + h * (y0 / (f + (f >= .zero ? g : -g)) - h)) / x
                var (c, s) = (T(1), T(1))
                for j in l..<k {
                    let i = j + 1
                    g = e[i]
                    var y = d[i]
                    h = s * g
                    g = c * g
                    var r = hypotenuse(f, h)
                    e[j] = r
                    c = f / r
                    s = h / r
                    f = x * c + g * s
                    g = g * c - x * s
                    h = y * s
                    y = y * c
                    if let v { rotate(v + j &* n, v + i &* n, count: n, cosine: c, sine: -s) }
                    r = hypotenuse(f, h)
                    d[j] = r
                    if r != .zero {
                        c = f / r
                        s = h / r
                    }
                    f = c * g + s * y
                    x = c * y - s * g
                    if let u { rotate(u + j &* leftLength, u + i &* leftLength, count: leftLength, cosine: c, sine: -s) }
                }
                e[l] = .zero
                e[k] = f
                d[k] = x
            }
        }
    }
}
