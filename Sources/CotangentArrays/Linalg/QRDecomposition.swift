// Householder QR (numpy's `qr` modes) and least squares through it.

/// Which factors ``Linalg/qr(_:rows:columns:mode:)`` returns, as numpy's `qr` modes.
package enum QRKernelMode: Sendable {
    /// `Q` is `m × k` and `R` is `k × n`, `k = min(m, n)`.
    case reduced
    /// `Q` is `m × m` and `R` is `m × n`.
    case complete
    /// Only `R` (`k × n`); `Q` is empty.
    case rOnly
}

/// The factors of `A = Q R`, row-major.
package struct QRFactors<T: LinalgScalar>: Sendable {
    /// The orthonormal factor (empty for ``QRKernelMode/rOnly``).
    package var q: [T]
    /// The shape of `q`, `[rows, columns]`.
    package var qShape: [Int]
    /// The upper triangular (trapezoidal) factor.
    package var r: [T]
    /// The shape of `r`, `[rows, columns]`.
    package var rShape: [Int]
}

/// The result of ``Linalg/leastSquares(_:rows:columns:_:columns:)``.
package struct LeastSquaresSolution<T: LinalgScalar>: Sendable {
    /// The `n × k` row-major solution minimizing `‖A x − b‖` (minimum-norm when `m < n`).
    package var solution: [T]
    /// Per right-hand side, the squared residual `‖A x − b‖²` when `m > n` (numpy's
    /// `residuals`); empty otherwise.
    package var residuals: [T]
}

extension Linalg {
    /// The QR decomposition of the `m × n` row-major `a` by Householder reflections, with the
    /// signs LAPACK's geqrf/orgqr give (numpy's `qr`). With the `OpenBLAS` trait this is
    /// LAPACK's `geqrf`/`orgqr` unless `allowingLAPACK` is false.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func qr<T: LinalgScalar>(
        _ a: UnsafePointer<T>, rows m: Int, columns n: Int, mode: QRKernelMode = .reduced, allowingLAPACK: Bool = true
    ) -> QRFactors<T> {
        #if OpenBLAS
            if allowingLAPACK, let factors = LAPACK.qr(a, rows: m, columns: n, mode: mode) { return factors }
        #endif
        var w = [T](repeating: .zero, count: m &* n)
        w.withUnsafeMutableBufferPointer { transpose(a, rows: m, columns: n, sourceStride: n, into: $0.baseAddress!, targetStride: m) }
        let factorization = HouseholderQR(transposed: w, rows: m, columns: n)
        let k = min(m, n)
        let rRows = mode == .complete ? m : k
        var r = [T](repeating: .zero, count: rRows &* n)
        for j in 0..<n {
            for i in 0...min(j, k - 1) where i < k { r[i &* n + j] = factorization.w[j &* m + i] }
        }
        guard mode != .rOnly else { return QRFactors(q: [], qShape: [0, 0], r: r, rShape: [rRows, n]) }
        let qColumns = mode == .complete ? m : k
        // The columns of Q are Q e_j: form them as rows, then transpose.
        var qt = [T](repeating: .zero, count: qColumns &* m)
        var q = [T](repeating: .zero, count: m &* qColumns)
        qt.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            setIdentity(base, rows: qColumns, columns: m)
            factorization.applyQ(to: base, count: qColumns, skippingUnitRows: true)
            q.withUnsafeMutableBufferPointer {
                transpose(base, rows: qColumns, columns: m, sourceStride: m, into: $0.baseAddress!, targetStride: qColumns)
            }
        }
        return QRFactors(q: q, qShape: [m, qColumns], r: r, rShape: [rRows, n])
    }

    /// The least-squares solution of `A X ≈ B` for the `m × n` `a` of full rank and the
    /// `m × k` row-major `b`, through a Householder QR (of `A` when `m ≥ n`, of `Aᵀ` for the
    /// minimum-norm solution when `m < n`).
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` when `R` has an exactly zero diagonal element
    ///   (A rank-deficient).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func leastSquares<T: LinalgScalar>(
        _ a: UnsafePointer<T>, rows m: Int, columns n: Int, _ b: UnsafePointer<T>, columns k: Int
    ) throws(LinalgError) -> LeastSquaresSolution<T> {
        // bt holds the right-hand sides as rows (k × max(m, n)).
        let length = max(m, n)
        var bt = [T](repeating: .zero, count: k &* length)
        bt.withUnsafeMutableBufferPointer { transpose(b, rows: m, columns: k, sourceStride: k, into: $0.baseAddress!, targetStride: length) }
        if m >= n {
            var w = [T](repeating: .zero, count: m &* n)
            w.withUnsafeMutableBufferPointer { transpose(a, rows: m, columns: n, sourceStride: n, into: $0.baseAddress!, targetStride: m) }
            let factorization = HouseholderQR(transposed: w, rows: m, columns: n)
            for j in 0..<n where factorization.w[j &* m + j] == .zero { throw .singular(pivot: j) }
            bt.withUnsafeMutableBufferPointer { factorization.applyQTransposed(to: $0.baseAddress!, count: k) }
            var residuals = [T]()
            if m > n {
                residuals = (0..<k).map { c in
                    var sum = T.zero
                    for i in n..<m { sum += bt[c &* m + i] * bt[c &* m + i] }
                    return sum
                }
            }
            // X = R⁻¹ (Qᵀ B)[0..<n]: R[i][j] = W[j][i].
            var x = [T](repeating: .zero, count: n &* k)
            for c in 0..<k { for i in 0..<n { x[i &* k + c] = bt[c &* m + i] } }
            factorization.w.withUnsafeBufferPointer { wBuffer in
                x.withUnsafeMutableBufferPointer { xBuffer in
                    solveUpper(
                        StridedMatrix(wBuffer.baseAddress!, rowStride: 1, columnStride: m), order: n,
                        xBuffer.baseAddress!, columns: k, unitDiagonal: false)
                }
            }
            return LeastSquaresSolution(solution: x, residuals: residuals)
        }
        // m < n: Aᵀ = Q R, so A = Rᵀ Qᵀ and the minimum-norm solution is Q (R⁻ᵀ B). The
        // transpose of Aᵀ is A itself, already the layout HouseholderQR wants.
        let factorization = HouseholderQR(transposed: Array(UnsafeBufferPointer(start: a, count: m &* n)), rows: n, columns: m)
        for j in 0..<m where factorization.w[j &* n + j] == .zero { throw .singular(pivot: j) }
        // y = R⁻ᵀ B: Rᵀ[i][j] = R[j][i] = W[i][j] — the lower triangle of W, row-major.
        var y = [T](repeating: .zero, count: m &* k)
        for c in 0..<k { for i in 0..<m { y[i &* k + c] = bt[c &* length + i] } }
        factorization.w.withUnsafeBufferPointer { wBuffer in
            y.withUnsafeMutableBufferPointer { yBuffer in
                solveLower(StridedMatrix(wBuffer.baseAddress!, rowStride: n), order: m, yBuffer.baseAddress!, columns: k, unitDiagonal: false)
            }
        }
        var rows = [T](repeating: .zero, count: k &* n)
        for c in 0..<k { for i in 0..<m { rows[c &* n + i] = y[i &* k + c] } }
        rows.withUnsafeMutableBufferPointer { factorization.applyQ(to: $0.baseAddress!, count: k) }
        var x = [T](repeating: .zero, count: n &* k)
        for c in 0..<k { for i in 0..<n { x[i &* k + c] = rows[c &* n + i] } }
        return LeastSquaresSolution(solution: x, residuals: [])
    }
}
