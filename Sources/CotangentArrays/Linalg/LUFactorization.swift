// Blocked right-looking LU with partial pivoting in row-major storage. Row interchanges swap
// whole contiguous rows at once (which applies them to the left and right parts, as LAPACK's
// laswp does afterwards); the panel is eliminated column by column, its rows to the right are
// solved with the unit lower block, and the trailing matrix is updated with the GEMM.

/// The row interchanges and singularity of an LU factorization `P A = L U`
/// (see ``Linalg/luFactor(_:rows:columns:)``).
package struct LUPivots: Equatable, Sendable {
    /// Row `i` was interchanged with row `pivots[i]` (≥ i), in order — LAPACK's `ipiv`, 0-based.
    package var pivots: [Int]
    /// The sign of the permutation: `+1` for an even number of interchanges, `−1` for odd.
    package var permutationSign: Int
    /// The first `i` with `U[i][i] == 0`, or nil when `U` has no zero on its diagonal.
    package var singularPivot: Int?
}

extension Linalg {
    /// Overwrites the `m × n` matrix `a` with its LU factors (`L` unit lower below the
    /// diagonal, `U` on and above it) and returns the interchanges. A zero pivot does not stop
    /// the factorization (as in LAPACK's getrf); it is reported in ``LUPivots/singularPivot``.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func luFactor<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int
    ) -> LUPivots {
        let steps = min(m, n)
        var result = LUPivots(pivots: Array(repeating: 0, count: steps), permutationSign: 1, singularPivot: nil)
        let block = n >= 256 ? blockSize : 32
        for j0 in stride(from: 0, to: steps, by: block) {
            let j1 = min(j0 + block, steps)
            luPanel(a, rows: m, columns: n, from: j0, to: j1, into: &result)
            guard j1 < n else { continue }
            applyFactoredColumns(a, rows: m, columns: n, from: j0, to: j1, through: n)
        }
        return result
    }

    /// Eliminates columns `j0..<j1` of the panel (rows `j0..<m`), swapping whole rows.
    ///
    /// Recursively, as Toledo's LU: the left half, then its `U` rows of the right half, a GEMM
    /// update of the rest of the right half, then the right half. Column by column, every
    /// elimination step read and wrote the panel's short row segments in all `m` rows, the whole
    /// panel (256 KB at m = 500) once per column; halving moves most of that work to the GEMM.
    private static func luPanel<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int, from j0: Int, to j1: Int,
        into result: inout LUPivots
    ) {
        let width = j1 - j0
        guard width > 8 else {
            luPanelColumns(a, rows: m, columns: n, from: j0, to: j1, into: &result)
            return
        }
        let jm = j0 + width / 2
        luPanel(a, rows: m, columns: n, from: j0, to: jm, into: &result)
        applyFactoredColumns(a, rows: m, columns: n, from: j0, to: jm, through: j1)
        luPanel(a, rows: m, columns: n, from: jm, to: j1, into: &result)
    }

    /// Applies the factored columns `j0..<jk` to columns `jk..<end`: their rows `j0..<jk`
    /// become `L⁻¹` times themselves (`L` the unit lower block, by row updates), and the rows
    /// below lose `A[jk..<m, j0..<jk] · A[j0..<jk, jk..<end]` (one GEMM).
    private static func applyFactoredColumns<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int, from j0: Int, to jk: Int, through end: Int
    ) {
        for i in j0..<jk {
            let rowI = a + i &* n
            for p in j0..<i {
                let factor = rowI[p]
                let rowP = a + p &* n
                for j in jk..<end { rowI[j] -= factor * rowP[j] }
            }
        }
        LinalgProduct.subtract(
            StridedMatrix(a + jk &* n + j0, rowStride: n), StridedMatrix(a + j0 &* n + jk, rowStride: n),
            m: m - jk, k: jk - j0, n: end - jk, from: a + jk &* n + jk, cRowStride: n)
    }

    /// Eliminates columns `j0..<j1` one at a time (a narrow panel).
    private static func luPanelColumns<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int, from j0: Int, to j1: Int,
        into result: inout LUPivots
    ) {
        for j in j0..<j1 {
            var pivotRow = j
            var largest = abs(a[j &* n + j])
            for i in (j + 1)..<max(j + 1, m) {
                let candidate = abs(a[i &* n + j])
                // `largest.isNaN` lets a NaN pivot be replaced, as LAPACK's idamax would not
                // choose it over a number.
                if candidate > largest || (largest.isNaN && !candidate.isNaN) {
                    largest = candidate
                    pivotRow = i
                }
            }
            result.pivots[j] = pivotRow
            if pivotRow != j {
                swapRows(a + j &* n, a + pivotRow &* n, count: n)
                result.permutationSign = -result.permutationSign
            }
            let rowJ = a + j &* n
            let pivot = rowJ[j]
            if pivot == .zero {
                if result.singularPivot == nil { result.singularPivot = j }
                continue
            }
            for i in (j + 1)..<max(j + 1, m) {
                let rowI = a + i &* n
                let factor = rowI[j] / pivot
                rowI[j] = factor
                for c in (j + 1)..<j1 { rowI[c] -= factor * rowJ[c] }
            }
        }
    }

    @inline(__always)
    static func swapRows<T>(_ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { swap(&x[i], &y[i]) }
    }

    /// Solves `A X = B` (or `Aᵀ X = B` with `transposed`) in place in the `n × k` row-major
    /// `b`, given the factors `lu` and interchanges from ``luFactor(_:rows:columns:)`` of the
    /// square `A`.
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` when `U` has a zero pivot (`b` untouched).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func luSolve<T: LinalgScalar>(
        _ lu: UnsafePointer<T>, order n: Int, pivots: LUPivots, _ b: UnsafeMutablePointer<T>, columns k: Int,
        transposed: Bool = false
    ) throws(LinalgError) {
        if let pivot = pivots.singularPivot { throw .singular(pivot: pivot) }
        let factors = StridedMatrix(lu, rowStride: n)
        if transposed {
            // Aᵀ = Uᵀ Lᵀ P: solve with Uᵀ (lower), then Lᵀ (unit upper), then undo P.
            solveLower(factors.transposed, order: n, b, columns: k, unitDiagonal: false)
            solveUpper(factors.transposed, order: n, b, columns: k, unitDiagonal: true)
            for i in stride(from: n - 1, through: 0, by: -1) where pivots.pivots[i] != i {
                swapRows(b + i &* k, b + pivots.pivots[i] &* k, count: k)
            }
        } else {
            for i in 0..<n where pivots.pivots[i] != i {
                swapRows(b + i &* k, b + pivots.pivots[i] &* k, count: k)
            }
            solveLower(factors, order: n, b, columns: k, unitDiagonal: true)
            solveUpper(factors, order: n, b, columns: k, unitDiagonal: false)
        }
    }

    /// Solves `A X = B` for the `n × n` general `a` (overwritten with its LU factors) and the
    /// `n × k` row-major `b` (overwritten with `X`). Backs `solve` for general and symmetric
    /// matrices. With the `OpenBLAS` trait this is LAPACK's `getrf`/`getrs` unless
    /// `allowingLAPACK` is false.
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` for an exactly singular `a`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func solve<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns k: Int,
        transposed: Bool = false, allowingLAPACK: Bool = true
    ) throws(LinalgError) {
        #if OpenBLAS
            if allowingLAPACK, try LAPACK.solve(a, order: n, b, columns: k, transposed: transposed) { return }
        #endif
        let pivots = luFactor(a, rows: n, columns: n)
        try luSolve(a, order: n, pivots: pivots, b, columns: k, transposed: transposed)
    }

    /// Overwrites the `n × n` matrix `a` with its inverse. With the `OpenBLAS` trait this is
    /// LAPACK's `getrf`/`getrs` unless `allowingLAPACK` is false.
    ///
    /// - Throws: ``LinalgError/singular(pivot:)`` for an exactly singular `a` (`a` then holds
    ///   its LU factors).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func invert<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, allowingLAPACK: Bool = true
    ) throws(LinalgError) {
        #if OpenBLAS
            if allowingLAPACK, try LAPACK.invert(a, order: n) { return }
        #endif
        let factors = UnsafeMutablePointer<T>.allocate(capacity: n &* n)
        defer { factors.deallocate() }
        factors.update(from: a, count: n &* n)
        let pivots = luFactor(factors, rows: n, columns: n)
        if let pivot = pivots.singularPivot {
            a.update(from: factors, count: n &* n)
            throw .singular(pivot: pivot)
        }
        setIdentity(a, rows: n, columns: n)
        try luSolve(factors, order: n, pivots: pivots, a, columns: n)
    }

    /// The determinant of the `n × n` matrix `a` (overwritten with its LU factors): the
    /// product of `U`'s diagonal times the permutation's sign; exactly 0 when singular, 1 for
    /// n = 0. With the `OpenBLAS` trait the factors come from LAPACK's `getrf` unless
    /// `allowingLAPACK` is false.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func determinant<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, allowingLAPACK: Bool = true
    ) -> T {
        let (sign, _) = factorForDeterminant(a, order: n, allowingLAPACK: allowingLAPACK)
        var product = sign
        for i in 0..<n { product *= a[i &* n + i] }
        return product
    }

    /// numpy's `slogdet` of the `n × n` matrix `a` (overwritten with its LU factors): `sign`
    /// is ±1 and `logAbs` is `log|det A|` (summed from the pivots, so it does not overflow);
    /// `(0, −∞)` for a singular matrix, `(1, 0)` for n = 0. With the `OpenBLAS` trait the
    /// factors come from LAPACK's `getrf` unless `allowingLAPACK` is false.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    package static func logAbsDeterminant<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, allowingLAPACK: Bool = true
    ) -> (sign: T, logAbs: T) {
        let (permutationSign, singular) = factorForDeterminant(a, order: n, allowingLAPACK: allowingLAPACK)
        if singular { return (.zero, -.infinity) }
        var sign = permutationSign
        var logAbs = T.zero
        for i in 0..<n {
            let pivot = a[i &* n + i]
            if pivot < .zero { sign = -sign }
            logAbs += T.naturalLog(abs(pivot))
        }
        return (sign, logAbs)
    }

    /// Overwrites `a` with its LU factors and returns the permutation's sign and whether `U`
    /// has a zero pivot.
    private static func factorForDeterminant<T: LinalgScalar>(
        _ a: UnsafeMutablePointer<T>, order n: Int, allowingLAPACK: Bool
    ) -> (sign: T, singular: Bool) {
        #if OpenBLAS
            if allowingLAPACK, let result = LAPACK.luForDeterminant(a, order: n) { return result }
        #endif
        let pivots = luFactor(a, rows: n, columns: n)
        return (pivots.permutationSign < 0 ? -1 : 1, pivots.singularPivot != nil)
    }
}
