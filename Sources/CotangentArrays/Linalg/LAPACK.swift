// The dense linear-algebra kernels through the LAPACK that the system OpenBLAS ships, compiled
// only with the `OpenBLAS` package trait; the default build uses the Swift kernels and links no
// LAPACK. The `Linalg` entry points (cholesky, solve, invert, determinant, logAbsDeterminant,
// solveTriangular, qr, symmetricEigen, singularValueDecomposition) call these first and fall
// back to Swift only for what LAPACK cannot take (empty matrices, sizes beyond 32-bit integers).
//
// LAPACK is column-major and the kernels' buffers are row-major, so a row-major buffer is the
// column-major transpose. Where that transpose serves (a symmetric matrix, a triangle read as
// the other one with the opposite transposition, the SVD of Aᵀ) the buffer is passed as it is;
// the LU factorization is computed on a column-major copy instead, so that its row interchanges,
// and the zero pivot a singular matrix reports, are those of the Swift kernel. Failures are
// the same `LinalgError`s with the same indices: LAPACK's `info = i + 1` is pivot `i`.

#if OpenBLAS
    import COpenBLAS
    import Synchronization

    /// LAPACK calls for `Float` and `Double` on row-major buffers. Each function returns false
    /// (having done nothing) when the matrix is empty or too large for LAPACK's 32-bit integers.
    package enum LAPACK {
        /// How many kernel calls LAPACK has served in this process, so tests can see the path
        /// taken.
        package static let calls = Atomic<Int>(0)

        /// Whether `sizes` are all positive and within LAPACK's 32-bit integers.
        private static func fits(_ sizes: Int...) -> Bool {
            sizes.allSatisfy { $0 > 0 && $0 <= Int(Int32.max) }
        }

        private static func counted() { calls.add(1, ordering: .relaxed) }

        // MARK: Cholesky

        /// `potrf` on the `n × n` row-major `a`: its lower triangle is the column-major upper
        /// one, and `A = Uᵀ U` there is `A = L Lᵀ` read row-major. Only the factor's triangle is
        /// written. NaN pivots that OpenBLAS lets through are caught on the factor's diagonal,
        /// at the index the Swift kernel would stop.
        static func cholesky<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError) -> Bool {
            guard fits(n) else { return false }
            counted()
            var (uplo, order, lda, info) = (upper, Int32(n), Int32(n), Int32(0))
            if T.self == Double.self {
                dpotrf_(&uplo, &order, a.cast(Double.self), &lda, &info, 1)
            } else {
                spotrf_(&uplo, &order, a.cast(Float.self), &lda, &info, 1)
            }
            precondition(info >= 0, "potrf: invalid argument \(-info)")
            let failed = info > 0 ? Int(info) - 1 : n
            for j in 0..<failed where !(a[j &* n + j] > .zero) { throw .notPositiveDefinite(pivot: j) }
            if info > 0 { throw .notPositiveDefinite(pivot: failed) }
            return true
        }

        // MARK: LU

        /// The column-major LU factors (`getrf`) of the row-major `n × n` `a`, left in `factors`
        /// (`n × n`) with the 1-based interchanges in `pivots`; returns the first zero pivot.
        private static func luFactor<T: LinalgScalar>(
            _ a: UnsafePointer<T>, order n: Int, into factors: UnsafeMutablePointer<T>, pivots: UnsafeMutablePointer<Int32>
        ) -> Int? {
            counted()
            Linalg.transpose(a, rows: n, columns: n, sourceStride: n, into: factors, targetStride: n)
            var (order, lda, info) = (Int32(n), Int32(n), Int32(0))
            if T.self == Double.self {
                dgetrf_(&order, &order, factors.cast(Double.self), &lda, pivots, &info)
            } else {
                sgetrf_(&order, &order, factors.cast(Float.self), &lda, pivots, &info)
            }
            precondition(info >= 0, "getrf: invalid argument \(-info)")
            return info > 0 ? Int(info) - 1 : nil
        }

        /// Runs `body` with the column-major LU factors of `a` (``luFactor``) in scratch memory
        /// that lives only for the call, the interchanges, and the first zero pivot.
        private static func withLUFactors<T: LinalgScalar, R, E: Error>(
            _ a: UnsafePointer<T>, order n: Int,
            _ body: (UnsafeMutablePointer<T>, UnsafeMutablePointer<Int32>, Int?) throws(E) -> R
        ) throws(E) -> R {
            let factors = UnsafeMutablePointer<T>.allocate(capacity: n &* n)
            let pivots = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            defer {
                factors.deallocate()
                pivots.deallocate()
            }
            let singular = luFactor(a, order: n, into: factors, pivots: pivots)
            return try body(factors, pivots, singular)
        }

        /// `getrs` with the column-major factors on the row-major `n × k` `b`, solving `A X = B`
        /// or (`transposed`) `Aᵀ X = B`.
        private static func luSolve<T: LinalgScalar>(
            _ factors: UnsafePointer<T>, order n: Int, pivots: UnsafePointer<Int32>, _ b: UnsafeMutablePointer<T>,
            columns k: Int, transposed: Bool
        ) {
            withColumnMajor(b, rows: n, columns: k) { x in
                var trans: CChar = transposed ? transposeChar : noTransposeChar
                var (order, count, lda, ldb, info) = (Int32(n), Int32(k), Int32(n), Int32(n), Int32(0))
                if T.self == Double.self {
                    dgetrs_(&trans, &order, &count, factors.cast(Double.self), &lda, pivots, x.cast(Double.self), &ldb, &info, 1)
                } else {
                    sgetrs_(&trans, &order, &count, factors.cast(Float.self), &lda, pivots, x.cast(Float.self), &ldb, &info, 1)
                }
                precondition(info == 0, "getrs: invalid argument \(-info)")
            }
        }

        /// `Linalg.solve` through `getrf`/`getrs`; `a` is left holding the row-major LU factors.
        static func solve<T: LinalgScalar>(
            _ a: UnsafeMutablePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns k: Int, transposed: Bool
        ) throws(LinalgError) -> Bool {
            guard fits(n, k) else { return false }
            try withLUFactors(a, order: n) { factors, pivots, singular throws(LinalgError) in
                Linalg.transpose(factors, rows: n, columns: n, sourceStride: n, into: a, targetStride: n)
                if let singular { throw .singular(pivot: singular) }
                luSolve(factors, order: n, pivots: pivots, b, columns: k, transposed: transposed)
            }
            return true
        }

        /// `Linalg.invert` through `getrf`/`getrs` on the identity.
        static func invert<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError) -> Bool {
            guard fits(n) else { return false }
            try withLUFactors(a, order: n) { factors, pivots, singular throws(LinalgError) in
                if let singular {
                    Linalg.transpose(factors, rows: n, columns: n, sourceStride: n, into: a, targetStride: n)
                    throw .singular(pivot: singular)
                }
                Linalg.setIdentity(a, rows: n, columns: n)
                luSolve(factors, order: n, pivots: pivots, a, columns: n, transposed: false)
            }
            return true
        }

        /// The row-major LU factors of `a` (written back into it), the permutation's sign and
        /// whether `U` has a zero pivot: what the determinants need.
        static func luForDeterminant<T: LinalgScalar>(
            _ a: UnsafeMutablePointer<T>, order n: Int
        ) -> (sign: T, singular: Bool)? {
            guard fits(n) else { return nil }
            return withLUFactors(a, order: n) { factors, pivots, singular in
                Linalg.transpose(factors, rows: n, columns: n, sourceStride: n, into: a, targetStride: n)
                var sign: T = 1
                for i in 0..<n where Int(pivots[i]) != i + 1 { sign = -sign }
                return (sign, singular != nil)
            }
        }

        // MARK: Triangular solve

        /// `trtrs` on the row-major `n × n` `a`: its lower triangle is the column-major upper
        /// one of `Aᵀ`, so the triangle and the transposition flip. `b` is written only on
        /// success (trtrs checks the diagonal before it solves).
        static func solveTriangular<T: LinalgScalar>(
            _ a: UnsafePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns k: Int,
            lower: Bool, transposed: Bool, unitDiagonal: Bool
        ) throws(LinalgError) -> Bool {
            guard fits(n, k) else { return false }
            counted()
            var info = Int32(0)
            withColumnMajor(b, rows: n, columns: k, writingBack: { info == 0 }) { x in
                var uplo = lower ? upper : lowerChar
                var trans = transposed ? noTransposeChar : transposeChar
                var diag: CChar = unitDiagonal ? unitChar : noTransposeChar
                var (order, count, lda, ldb) = (Int32(n), Int32(k), Int32(n), Int32(n))
                if T.self == Double.self {
                    dtrtrs_(&uplo, &trans, &diag, &order, &count, a.cast(Double.self), &lda, x.cast(Double.self), &ldb, &info, 1, 1, 1)
                } else {
                    strtrs_(&uplo, &trans, &diag, &order, &count, a.cast(Float.self), &lda, x.cast(Float.self), &ldb, &info, 1, 1, 1)
                }
            }
            precondition(info >= 0, "trtrs: invalid argument \(-info)")
            if info > 0 { throw .singular(pivot: Int(info) - 1) }
            return true
        }

        // MARK: QR

        /// `geqrf` and `orgqr` on a column-major copy of the row-major `m × n` `a`.
        static func qr<T: LinalgScalar>(_ a: UnsafePointer<T>, rows m: Int, columns n: Int, mode: QRKernelMode) -> QRFactors<T>? {
            guard fits(m, n) else { return nil }
            counted()
            let k = min(m, n)
            var w = [T](repeating: .zero, count: m &* n)
            var tau = [T](repeating: .zero, count: k)
            w.withUnsafeMutableBufferPointer { w in
                tau.withUnsafeMutableBufferPointer { tau in
                    Linalg.transpose(a, rows: m, columns: n, sourceStride: n, into: w.baseAddress!, targetStride: m)
                    geqrf(w.baseAddress!, rows: m, columns: n, tau: tau.baseAddress!)
                }
            }
            let rRows = mode == .complete ? m : k
            var r = [T](repeating: .zero, count: rRows &* n)
            for j in 0..<n {
                for i in 0...min(j, k - 1) { r[i &* n + j] = w[j &* m + i] }
            }
            guard mode != .rOnly else { return QRFactors(q: [], qShape: [0, 0], r: r, rShape: [rRows, n]) }
            let qColumns = mode == .complete ? m : k
            // The reflectors are the first k columns; orgqr forms Q's first qColumns columns.
            var qWork = [T](repeating: .zero, count: m &* qColumns)
            var q = [T](repeating: .zero, count: m &* qColumns)
            qWork.withUnsafeMutableBufferPointer { qWork in
                qWork.baseAddress!.update(from: w, count: m &* k)
                tau.withUnsafeBufferPointer { tau in
                    orgqr(qWork.baseAddress!, rows: m, columns: qColumns, reflectors: k, tau: tau.baseAddress!)
                }
                q.withUnsafeMutableBufferPointer {
                    Linalg.transpose(
                        qWork.baseAddress!, rows: qColumns, columns: m, sourceStride: m, into: $0.baseAddress!,
                        targetStride: qColumns)
                }
            }
            return QRFactors(q: q, qShape: [m, qColumns], r: r, rShape: [rRows, n])
        }

        private static func geqrf<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int, tau: UnsafeMutablePointer<T>) {
            var (rows, columns, lda, info) = (Int32(m), Int32(n), Int32(m), Int32(0))
            withWorkspace(T.self) { work, lwork in
                if T.self == Double.self {
                    dgeqrf_(&rows, &columns, a.cast(Double.self), &lda, tau.cast(Double.self), work.cast(Double.self), &lwork, &info)
                } else {
                    sgeqrf_(&rows, &columns, a.cast(Float.self), &lda, tau.cast(Float.self), work.cast(Float.self), &lwork, &info)
                }
            }
            precondition(info == 0, "geqrf: invalid argument \(-info)")
        }

        private static func orgqr<T: LinalgScalar>(
            _ a: UnsafeMutablePointer<T>, rows m: Int, columns n: Int, reflectors k: Int, tau: UnsafePointer<T>
        ) {
            var (rows, columns, count, lda, info) = (Int32(m), Int32(n), Int32(k), Int32(m), Int32(0))
            withWorkspace(T.self) { work, lwork in
                if T.self == Double.self {
                    dorgqr_(&rows, &columns, &count, a.cast(Double.self), &lda, tau.cast(Double.self), work.cast(Double.self), &lwork, &info)
                } else {
                    sorgqr_(&rows, &columns, &count, a.cast(Float.self), &lda, tau.cast(Float.self), work.cast(Float.self), &lwork, &info)
                }
            }
            precondition(info == 0, "orgqr: invalid argument \(-info)")
        }

        // MARK: Symmetric eigendecomposition

        /// `syevd` on a copy of the row-major `a` (its lower triangle is the column-major upper
        /// one). Non-finite input is refused up front as the Swift kernel refuses it.
        static func symmetricEigen<T: LinalgScalar>(
            _ a: UnsafePointer<T>, order n: Int, computeVectors: Bool
        ) throws(LinalgError) -> SymmetricEigenDecomposition<T>? {
            guard fits(n) else { return nil }
            for i in 0..<n {
                for j in 0...i where !a[i &* n + j].isFinite { throw .noConvergence }
            }
            counted()
            var work = Array(UnsafeBufferPointer(start: a, count: n &* n))
            var values = [T](repeating: .zero, count: n)
            var jobz: CChar = computeVectors ? vectorsChar : noVectorsChar
            var uplo = upper
            var (order, lda, info) = (Int32(n), Int32(n), Int32(0))
            work.withUnsafeMutableBufferPointer { a in
                values.withUnsafeMutableBufferPointer { w in
                    let (a, w) = (a.baseAddress!, w.baseAddress!)
                    withWorkspace(T.self, integers: true) { work, lwork, iwork, liwork in
                        if T.self == Double.self {
                            dsyevd_(
                                &jobz, &uplo, &order, a.cast(Double.self), &lda, w.cast(Double.self), work.cast(Double.self),
                                &lwork, iwork, &liwork, &info, 1, 1)
                        } else {
                            ssyevd_(
                                &jobz, &uplo, &order, a.cast(Float.self), &lda, w.cast(Float.self), work.cast(Float.self),
                                &lwork, iwork, &liwork, &info, 1, 1)
                        }
                    }
                }
            }
            precondition(info >= 0, "syevd: invalid argument \(-info)")
            if info > 0 { throw .noConvergence }
            guard computeVectors else { return SymmetricEigenDecomposition(values: values, vectors: []) }
            // Column j of the column-major result is eigenvector j: row-major, that is the transpose.
            var vectors = [T](repeating: .zero, count: n &* n)
            work.withUnsafeBufferPointer { source in
                vectors.withUnsafeMutableBufferPointer {
                    Linalg.transpose(source.baseAddress!, rows: n, columns: n, sourceStride: n, into: $0.baseAddress!, targetStride: n)
                }
            }
            return SymmetricEigenDecomposition(values: values, vectors: vectors)
        }

        // MARK: SVD

        /// `gesdd` on a copy of the row-major `m × n` `a`, which is the column-major `Aᵀ`:
        /// `Aᵀ = U' S V'ᵀ` makes `A = V' S U'ᵀ`, and the column-major `V'ᵀ` and `U'` read
        /// row-major are `U = V'` and `Vᵀ = U'ᵀ`, so no factor needs transposing. Non-finite
        /// input is refused up front as the Swift kernel refuses it.
        static func singularValueDecomposition<T: LinalgScalar>(
            _ a: UnsafePointer<T>, rows m: Int, columns n: Int, mode: SVDMode
        ) throws(LinalgError) -> SingularValueDecomposition<T>? {
            guard fits(m, n) else { return nil }
            for i in 0..<(m &* n) where !a[i].isFinite { throw .noConvergence }
            counted()
            let k = min(m, n)
            // The column-major problem is n × m; its U' has n rows, its V'ᵀ has m columns.
            let (uPrimeColumns, vtPrimeRows): (Int, Int) =
                switch mode {
                case .full: (n, m)
                case .reduced: (k, k)
                case .valuesOnly: (0, 0)
                }
            var work = Array(UnsafeBufferPointer(start: a, count: m &* n))
            var values = [T](repeating: .zero, count: k)
            var uPrime = [T](repeating: .zero, count: n &* uPrimeColumns)
            var vtPrime = [T](repeating: .zero, count: vtPrimeRows &* m)
            var jobz: CChar =
                switch mode {
                case .full: allChar
                case .reduced: someChar
                case .valuesOnly: noVectorsChar
                }
            var (rows, columns, lda, info) = (Int32(n), Int32(m), Int32(n), Int32(0))
            var (ldu, ldvt) = (Int32(n), Int32(max(1, vtPrimeRows)))
            let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: 8 &* k)
            defer { iwork.deallocate() }
            work.withUnsafeMutableBufferPointer { a in
                values.withUnsafeMutableBufferPointer { s in
                    uPrime.withUnsafeMutableBufferPointer { u in
                        vtPrime.withUnsafeMutableBufferPointer { vt in
                            // Unreferenced factors (values only) still need a valid address.
                            var dummy = T.zero
                            withUnsafeMutablePointer(to: &dummy) { dummy in
                                let (a, s) = (a.baseAddress!, s.baseAddress!)
                                let (u, vt) = (u.baseAddress ?? dummy, vt.baseAddress ?? dummy)
                                withWorkspace(T.self) { work, lwork in
                                    if T.self == Double.self {
                                        dgesdd_(
                                            &jobz, &rows, &columns, a.cast(Double.self), &lda, s.cast(Double.self),
                                            u.cast(Double.self), &ldu, vt.cast(Double.self), &ldvt, work.cast(Double.self),
                                            &lwork, iwork, &info, 1)
                                    } else {
                                        sgesdd_(
                                            &jobz, &rows, &columns, a.cast(Float.self), &lda, s.cast(Float.self),
                                            u.cast(Float.self), &ldu, vt.cast(Float.self), &ldvt, work.cast(Float.self),
                                            &lwork, iwork, &info, 1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            precondition(info >= 0, "gesdd: invalid argument \(-info)")
            if info > 0 { throw .noConvergence }
            guard mode != .valuesOnly else {
                return SingularValueDecomposition(values: values, u: [], uShape: [0, 0], vt: [], vtShape: [0, 0])
            }
            return SingularValueDecomposition(
                values: values, u: vtPrime, uShape: [m, vtPrimeRows], vt: uPrime, vtShape: [uPrimeColumns, n])
        }

        // MARK: Helpers

        private static let (upper, lowerChar) = (CChar(UInt8(ascii: "U")), CChar(UInt8(ascii: "L")))
        private static let (noTransposeChar, transposeChar) = (CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")))
        private static let unitChar = CChar(UInt8(ascii: "U"))
        private static let (vectorsChar, noVectorsChar) = (CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "N")))
        private static let (allChar, someChar) = (CChar(UInt8(ascii: "A")), CChar(UInt8(ascii: "S")))

        /// Runs `body` on the row-major `rows × columns` `b` as a column-major matrix (leading
        /// dimension `rows`): the buffer itself for one column, else a transposed copy that is
        /// written back when `writingBack()` says so.
        private static func withColumnMajor<T>(
            _ b: UnsafeMutablePointer<T>, rows: Int, columns: Int, writingBack: () -> Bool = { true },
            _ body: (UnsafeMutablePointer<T>) -> Void
        ) {
            guard columns > 1 else {
                body(b)
                return
            }
            let x = UnsafeMutablePointer<T>.allocate(capacity: rows &* columns)
            defer { x.deallocate() }
            Linalg.transpose(b, rows: rows, columns: columns, sourceStride: columns, into: x, targetStride: rows)
            body(x)
            if writingBack() {
                Linalg.transpose(x, rows: columns, columns: rows, sourceStride: rows, into: b, targetStride: columns)
            }
        }

        /// Calls `body` twice: first as a workspace query (`lwork = −1`), then with the
        /// workspace it asked for.
        private static func withWorkspace<T: LinalgScalar>(
            _: T.Type, _ body: (UnsafeMutablePointer<T>, inout Int32) -> Void
        ) {
            var query = T.zero
            var lwork: Int32 = -1
            body(&query, &lwork)
            lwork = Int32(max(1, Int(query.rounded(.up))))
            let work = UnsafeMutablePointer<T>.allocate(capacity: Int(lwork))
            defer { work.deallocate() }
            body(work, &lwork)
        }

        /// ``withWorkspace(_:_:)`` for routines that also take an integer workspace.
        private static func withWorkspace<T: LinalgScalar>(
            _: T.Type, integers: Bool,
            _ body: (UnsafeMutablePointer<T>, inout Int32, UnsafeMutablePointer<Int32>, inout Int32) -> Void
        ) {
            var query = T.zero
            var integerQuery = Int32(0)
            var (lwork, liwork): (Int32, Int32) = (-1, -1)
            body(&query, &lwork, &integerQuery, &liwork)
            lwork = Int32(max(1, Int(query.rounded(.up))))
            liwork = max(1, integerQuery)
            let work = UnsafeMutablePointer<T>.allocate(capacity: Int(lwork))
            let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: Int(liwork))
            defer {
                work.deallocate()
                iwork.deallocate()
            }
            body(work, &lwork, iwork, &liwork)
        }
    }

    extension UnsafeMutablePointer {
        /// The same address as a pointer to `U` (the kernels' `T` is `U` whenever this is used).
        fileprivate func cast<U>(_: U.Type) -> UnsafeMutablePointer<U> {
            UnsafeMutableRawPointer(self).assumingMemoryBound(to: U.self)
        }
    }

    extension UnsafePointer {
        /// The same address as a pointer to `U` (the kernels' `T` is `U` whenever this is used).
        fileprivate func cast<U>(_: U.Type) -> UnsafePointer<U> {
            UnsafeRawPointer(self).assumingMemoryBound(to: U.self)
        }
    }
#endif
