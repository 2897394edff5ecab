// The symmetric eigensolver: Householder tridiagonalization T = Qᵀ A Q, implicit QL with
// shifts from the leading 2 × 2 block on T (eigenvectors accumulated by plane rotations on
// contiguous rows), then the eigenvectors of A as Q Z with blocked reflectors.

/// Eigenvalues (ascending) and, unless values only were asked for, orthonormal eigenvectors.
package struct SymmetricEigenDecomposition<T: LinalgScalar>: Sendable {
    /// The `n` eigenvalues in ascending order.
    package var values: [T]
    /// `n × n` row-major; column `i` is the eigenvector of `values[i]` (numpy's `eigh`).
    /// Empty in values-only mode.
    package var vectors: [T]
}

extension Linalg {
    /// The eigendecomposition of the `n × n` symmetric `a`, reading only its lower triangle
    /// (numpy's `eigh` default `UPLO='L'`). With the `OpenBLAS` trait this is LAPACK's `syevd`
    /// unless `allowingLAPACK` is false.
    ///
    /// - Throws: ``LinalgError/noConvergence`` when QL iteration fails (NaN or infinite input).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func symmetricEigen<T: LinalgScalar>(
        _ a: UnsafePointer<T>, order n: Int, computeVectors: Bool = true, allowingLAPACK: Bool = true
    ) throws(LinalgError) -> SymmetricEigenDecomposition<T> {
        #if OpenBLAS
            if allowingLAPACK, let result = try LAPACK.symmetricEigen(a, order: n, computeVectors: computeVectors) {
                return result
            }
        #endif
        guard n > 0 else { return SymmetricEigenDecomposition(values: [], vectors: []) }
        // Work on the full symmetric matrix so that every row of the trailing block is a
        // contiguous vector.
        var work = [T](repeating: .zero, count: n &* n)
        for i in 0..<n {
            for j in 0...i {
                work[i &* n + j] = a[i &* n + j]
                work[j &* n + i] = a[i &* n + j]
            }
        }
        var diagonal = [T](repeating: .zero, count: n)
        var offDiagonal = [T](repeating: .zero, count: n)
        var reflectors = [T](repeating: .zero, count: computeVectors ? n &* n : 0)
        var taus = [T](repeating: .zero, count: n)
        work.withUnsafeMutableBufferPointer { tridiagonalize($0.baseAddress!, order: n, &diagonal, &offDiagonal, &reflectors, &taus) }
        var rotations = computeVectors ? [T](repeating: .zero, count: n &* n) : []
        try rotations.withUnsafeMutableBufferPointer { (z) throws(LinalgError) in
            if computeVectors { setIdentity(z.baseAddress!, rows: n, columns: n) }
            // An empty array's buffer may still have an address: pass nil explicitly.
            try tridiagonalQL(&diagonal, &offDiagonal, order: n, rows: computeVectors ? z.baseAddress : nil)
        }
        // Ascending order, eigenvector rows moved along (selection sort: n swaps at most).
        for i in 0..<n {
            var smallest = i
            for j in (i + 1)..<n where diagonal[j] < diagonal[smallest] { smallest = j }
            guard smallest != i else { continue }
            diagonal.swapAt(i, smallest)
            if computeVectors {
                rotations.withUnsafeMutableBufferPointer { swapRows($0.baseAddress! + i &* n, $0.baseAddress! + smallest &* n, count: n) }
            }
        }
        guard computeVectors else { return SymmetricEigenDecomposition(values: diagonal, vectors: []) }
        // V = Q Z: each row of Zᵀ (an eigenvector of T) gets Q = H_0 ⋯ H_{n−3}, where H_k acts
        // on places k + 1 ..< n; Q's panels go last first.
        let steps = max(0, n - 2)
        let width = HouseholderQR<T>.panelWidth
        reflectors.withUnsafeBufferPointer { v in
            taus.withUnsafeBufferPointer { tau in
                rotations.withUnsafeMutableBufferPointer { z in
                    for j0 in stride(from: 0, to: steps, by: width).reversed() {
                        let j1 = min(j0 + width, steps)
                        BlockReflector(
                            vectors: v.baseAddress! + j0 &* n + j0 + 1, vectorStride: n, count: j1 - j0, length: n - j0 - 1,
                            taus: tau.baseAddress! + j0
                        ).apply(to: z.baseAddress! + j0 + 1, rowCount: n, rowStride: n, transposed: true)
                    }
                }
            }
        }
        var vectors = [T](repeating: .zero, count: n &* n)
        rotations.withUnsafeBufferPointer { z in
            vectors.withUnsafeMutableBufferPointer { transpose(z.baseAddress!, rows: n, columns: n, sourceStride: n, into: $0.baseAddress!, targetStride: n) }
        }
        return SymmetricEigenDecomposition(values: diagonal, vectors: vectors)
    }

    /// Reduces the full symmetric `a` to tridiagonal form (diagonal `d`, `e[k]` coupling `k` and
    /// `k + 1`). Reflector `k` (zeroing column `k` below the subdiagonal) is stored explicitly
    /// in row `k` of `reflectors` (zeros, then 1 at `k + 1`), when `reflectors` is not empty.
    private static func tridiagonalize<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, _ d: inout [T], _ e: inout [T], _ reflectors: inout [T], _ taus: inout [T]
    ) {
        var p = [T](repeating: .zero, count: n)
        for k in 0..<max(0, n - 2) {
            let rowK = a + k &* n
            d[k] = rowK[k]
            // Column k below the diagonal is row k right of it (the matrix is kept symmetric).
            let (beta, tau) = makeReflector(alpha: rowK[k + 1], rowK + k + 2, count: n - k - 2)
            e[k] = beta
            taus[k] = tau
            rowK[k + 1] = 1
            let v = rowK + k + 1  // v[0] = 1, v[1...] the reflector's tail
            let size = n - k - 1
            if !reflectors.isEmpty {
                for i in 0..<size { reflectors[k &* n + k + 1 + i] = v[i] }
            }
            guard tau != .zero else { continue }
            // p = τ A₂₂ v, w = p − (τ/2)(pᵀv) v, A₂₂ −= v wᵀ + w vᵀ.
            let trailing = a + (k + 1) &* n + k + 1
            var pv = T.zero
            for i in 0..<size {
                let row = trailing + i &* n
                var sum = T.zero
                for j in 0..<size { sum += row[j] * v[j] }
                p[i] = tau * sum
                pv += p[i] * v[i]
            }
            let correction = -tau / 2 * pv
            for i in 0..<size { p[i] += correction * v[i] }
            for i in 0..<size {
                let row = trailing + i &* n
                let (vi, wi) = (v[i], p[i])
                for j in 0..<size { row[j] -= vi * p[j] + wi * v[j] }
            }
        }
        if n >= 2 {
            d[n - 2] = a[(n - 2) &* n + n - 2]
            e[n - 2] = a[(n - 1) &* n + n - 2]
        }
        d[n - 1] = a[(n - 1) &* n + n - 1]
    }

    /// Implicit QL on the symmetric tridiagonal (`d`, `e[k]` coupling `k` and `k + 1`): `d`
    /// becomes the eigenvalues (unsorted). When `rows` is given (an `n × n` matrix whose rows
    /// are the columns of Z), each plane rotation is applied to two of its contiguous rows.
    static func tridiagonalQL<T: LinalgScalar>(
        _ d: inout [T], _ e: inout [T], order n: Int, rows z: UnsafeMutablePointer<T>?
    ) throws(LinalgError) {
        let epsilon = T.ulpOfOne
        for i in 0..<n where !d[i].isFinite || (i < n - 1 && !e[i].isFinite) { throw .noConvergence }
        for l in 0..<n {
            var iterations = 0
            while true {
                // The first negligible coupling at or after l ends the unreduced block.
                var m = l
                while m < n - 1 {
                    if abs(e[m]) <= epsilon * (abs(d[m]) + abs(d[m + 1])) { break }
                    m += 1
                }
                if m == l { break }
                iterations += 1
                guard iterations <= 50 else { throw .noConvergence }
                // Shift: the eigenvalue of the leading 2 × 2 block nearer d[l].
                var g = (d[l + 1] - d[l]) / (2 * e[l])
                var r = hypotenuse(g, 1)
                g = d[m] - d[l] + e[l] / (g + (g >= .zero ? r : -r))
                var (s, c, p) = (T(1), T(1), T.zero)
                var underflow = false
                var i = m - 1
                while i >= l {
                    let f = s * e[i], b = c * e[i]
                    r = hypotenuse(f, g)
                    e[i + 1] = r
                    if r == .zero {
                        // The rotation underflowed: deflate and restart the sweep.
                        d[i + 1] -= p
                        e[m] = .zero
                        underflow = true
                        break
                    }
                    s = f / r
                    c = g / r
                    g = d[i + 1] - p
                    r = (d[i] - g) * s + 2 * c * b
                    p = s * r
                    d[i + 1] = g + p
                    g = c * r - b
                    if let z {
                        rotate(z + i &* n, z + (i + 1) &* n, count: n, cosine: c, sine: s)
                    }
                    i -= 1
                }
                if underflow { continue }
                d[l] -= p
                e[l] = g
                e[m] = .zero
            }
        }
    }

    /// `(x, y) := (c x − s y, s x + c y)` on two contiguous rows.
    @inline(__always)
    static func rotate<T: LinalgScalar>(_ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int, cosine c: T, sine s: T) {
        for k in 0..<count {
            let (xk, yk) = (x[k], y[k])
            x[k] = c * xk - s * yk
            y[k] = s * xk + c * yk
        }
    }
}
