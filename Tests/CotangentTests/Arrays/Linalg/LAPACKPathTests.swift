// Only an `OpenBLAS` build has a LAPACK path to check; the default build runs the other linalg
// suites on the Swift kernels alone.
#if OpenBLAS
    import Testing
    @testable import Cotangent
    @testable import CotangentArrays

    private typealias Support = LinalgTestSupport

    /// With the `OpenBLAS` trait the kernel entry points go to LAPACK: each call is counted, and
    /// its results agree with the Swift kernels (`allowingLAPACK: false`) on the same input.
    @Suite("LAPACK path")
    struct LAPACKPathTests {
        /// Runs `body` and returns how many LAPACK calls it made (at least: other suites may
        /// run alongside and add theirs).
        private func lapackCalls(_ body: () throws -> Void) rethrows -> Int {
            let before = LAPACK.calls.load(ordering: .relaxed)
            try body()
            return LAPACK.calls.load(ordering: .relaxed) - before
        }

        @Test(arguments: [5, 70])
        func factorizationsAndSolvesAgreeWithTheSwiftKernels(n: Int) throws {
            let spd: [Double] = Support.withSingularValues(Support.geometric(n, condition: 100), seed: 3, symmetric: true)
            let general = Support.random(Double.self, rows: n, columns: n, seed: 5)
            let rhs = Support.random(Double.self, rows: n, columns: 3, seed: 7)
            let tolerance = 1e-10

            var (viaLAPACK, viaSwift) = (spd, spd)
            #expect(try lapackCalls { try Linalg.cholesky(&viaLAPACK, order: n, lower: false) } >= 1)
            try Linalg.cholesky(&viaSwift, order: n, lower: false, allowingLAPACK: false)
            #expect(Support.close(viaLAPACK, viaSwift, tolerance: tolerance))

            var (x, y) = (rhs, rhs)
            var (a1, a2) = (general, general)
            #expect(try lapackCalls { try Linalg.solve(&a1, order: n, &x, columns: 3, transposed: true) } >= 1)
            try Linalg.solve(&a2, order: n, &y, columns: 3, transposed: true, allowingLAPACK: false)
            #expect(Support.close(x, y, tolerance: tolerance) && Support.close(a1, a2, tolerance: tolerance))

            (x, y) = (rhs, rhs)
            #expect(
                try lapackCalls {
                    try Linalg.solveTriangular(general, order: n, &x, columns: 3, lower: false, transposed: true)
                } >= 1)
            try Linalg.solveTriangular(general, order: n, &y, columns: 3, lower: false, transposed: true, allowingLAPACK: false)
            #expect(Support.close(x, y, tolerance: 1e-6))

            (a1, a2) = (general, general)
            #expect(try lapackCalls { try Linalg.invert(&a1, order: n) } >= 1)
            try Linalg.invert(&a2, order: n, allowingLAPACK: false)
            #expect(Support.close(a1, a2, tolerance: tolerance))

            (a1, a2) = (general, general)
            let (sign, logAbs) = Linalg.logAbsDeterminant(&a1, order: n)
            let (swiftSign, swiftLogAbs) = Linalg.logAbsDeterminant(&a2, order: n, allowingLAPACK: false)
            #expect(sign == swiftSign && abs(logAbs - swiftLogAbs) <= tolerance * Double(n))

            let tall = Support.random(Double.self, rows: n + 2, columns: n, seed: 9)
            for mode in [QRKernelMode.reduced, .complete, .rOnly] {
                var factors: QRFactors<Double>?
                #expect(lapackCalls { factors = Linalg.qr(tall, rows: n + 2, columns: n, mode: mode) } >= 1)
                let swift = Linalg.qr(tall, rows: n + 2, columns: n, mode: mode, allowingLAPACK: false)
                #expect(factors?.qShape == swift.qShape && factors?.rShape == swift.rShape)
                #expect(Support.close(factors!.r, swift.r, tolerance: tolerance) && Support.close(factors!.q, swift.q, tolerance: tolerance))
            }

            var eigen: SymmetricEigenDecomposition<Double>?
            #expect(try lapackCalls { eigen = try Linalg.symmetricEigen(spd, order: n) } >= 1)
            let swiftEigen = try Linalg.symmetricEigen(spd, order: n, allowingLAPACK: false)
            #expect(Support.close(eigen!.values, swiftEigen.values, tolerance: tolerance))
            #expect(Support.orthogonalityError(eigen!.vectors, rows: n, columns: n) <= 1e-12 * Double(n))

            for (m, columns) in [(n + 2, n), (n, n + 2)] {
                let a = Support.random(Double.self, rows: m, columns: columns, seed: 11)
                for mode in [SVDMode.full, .reduced, .valuesOnly] {
                    var svd: SingularValueDecomposition<Double>?
                    #expect(try lapackCalls { svd = try Linalg.singularValueDecomposition(a, rows: m, columns: columns, mode: mode) } >= 1)
                    let swift = try Linalg.singularValueDecomposition(a, rows: m, columns: columns, mode: mode, allowingLAPACK: false)
                    #expect(svd?.uShape == swift.uShape && svd?.vtShape == swift.vtShape)
                    #expect(Support.close(svd!.values, swift.values, tolerance: tolerance))
                    if mode == .reduced {
                        // A = U diag(s) Vᵀ with LAPACK's factors.
                        let k = min(m, columns)
                        var scaled = svd!.u
                        for i in 0..<m { for j in 0..<k { scaled[i * k + j] *= svd!.values[j] } }
                        let rebuilt = Support.product(scaled, svd!.vt, m: m, k: k, n: columns)
                        #expect(Support.close(rebuilt, a, tolerance: 1e-12))
                    } else if mode == .full {
                        #expect(Support.orthogonalityError(svd!.u, rows: m, columns: m) <= 1e-12 * Double(m))
                        #expect(Support.orthogonalityError(svd!.vt, rows: columns, columns: columns) <= 1e-12 * Double(columns))
                    }
                }
            }
        }

        /// Failures report the same indices as the Swift kernels.
        @Test func failuresNameTheSamePivots() {
            var large = [Double](repeating: 0, count: 100 * 100)
            for i in 0..<100 { large[i * 100 + i] = i == 80 ? -1 : 2 }
            #expect(throws: LinalgError.notPositiveDefinite(pivot: 80)) { try Linalg.cholesky(&large, order: 100) }
            var nan: [Float] = [4, .nan, .nan, 1]
            #expect(throws: LinalgError.notPositiveDefinite(pivot: 1)) { try Linalg.cholesky(&nan, order: 2) }
            var singular: [Double] = [1, 2, 3, 2, 4, 6, 1, 0, 1], b: [Double] = [1, 2, 3]
            #expect(throws: LinalgError.singular(pivot: 2)) { try Linalg.solve(&singular, order: 3, &b, columns: 1) }
            var x: [Float] = [1, 1, 1, 1]
            #expect(throws: LinalgError.singular(pivot: 1)) {
                try Linalg.solveTriangular([1, 0, 5, 0] as [Float], order: 2, &x, columns: 2, lower: true)
            }
            #expect(x == [1, 1, 1, 1])
        }

        /// The ops reach LAPACK through the same entry points, batched or not, in both dtypes.
        @Test func opsCallLAPACK() throws {
            let a = Tensor.matrix("A"), b = Tensor.matrix("b")
            let spd: NDArray = [[4, 2], [2, 3]]
            let rhs: NDArray = [[1], [2]]
            for dtype in [DType.float64, .float32] {
                let inputs = ["A": spd.converted(to: dtype), "b": rhs.converted(to: dtype)]
                #expect(try lapackCalls { _ = try cholesky(a).eval(inputs) } >= 1)
                #expect(try lapackCalls { _ = try solve(a, b).eval(inputs) } >= 1)
                #expect(try lapackCalls { _ = try solve(a, b, assume: .positiveDefinite).eval(inputs) } >= 2)
                #expect(try lapackCalls { _ = try eigh(a).0.eval(inputs) } >= 1)
                #expect(try lapackCalls { _ = try svd(a).s.eval(inputs) } >= 1)
            }
        }
    }
#endif
