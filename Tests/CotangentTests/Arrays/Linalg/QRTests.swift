import Testing
@testable import CotangentArrays

@Suite struct QRTests {
    typealias Support = LinalgTestSupport
    static let m: [Double] = [1, 2, 3, 4, 5, 7]

    @Test func matchesNumpyModes() {
        let reduced = Linalg.qr(Self.m, rows: 3, columns: 2)
        #expect(reduced.qShape == [3, 2] && reduced.rShape == [2, 2])
        #expect(Support.close(reduced.q, [-0.16903085094570325, 0.9486832980505133, -0.50709255283711, -0.31622776601683833, -0.8451542547285166, 0], tolerance: 1e-15))
        #expect(Support.close(reduced.r, [-5.916079783099616, -8.282511696339462, 0.0, 0.6324555320336759], tolerance: 1e-15))
        let complete = Linalg.qr(Self.m.map { Float($0) }, rows: 3, columns: 2, mode: .complete)
        #expect(complete.qShape == [3, 3] && complete.rShape == [3, 2])
        #expect(Support.close(complete.q, [-0.16903085094570325, 0.9486832980505133, -0.26726124191242506, -0.50709255283711, -0.31622776601683833, -0.8017837257372729, -0.8451542547285166, 0, 0.5345224838248488], tolerance: 1e-6))
        #expect(Support.close(complete.r, [-5.916079783099616, -8.282511696339462, 0.0, 0.6324555320336759, 0, 0], tolerance: 1e-6))
        let wide = Linalg.qr(Support.transposed(Self.m, rows: 3, columns: 2), rows: 2, columns: 3, mode: .complete)
        #expect(Support.close(wide.q, [-0.44721359549995787, -0.8944271909999157, -0.8944271909999157, 0.4472135954999581], tolerance: 1e-15))
        #expect(Support.close(wide.r, [-2.23606797749979, -4.919349550499537, -8.497058314499197, 0.0, -0.8944271909999153, -1.341640786499871], tolerance: 1e-15))
        let rOnly = Linalg.qr(Self.m, rows: 3, columns: 2, mode: .rOnly)
        #expect(rOnly.q.isEmpty && rOnly.r == reduced.r)
    }

    func checkResiduals<T: LinalgScalar>(_: T.Type, condition: Double, sizes: [Int]) {
        for n in sizes {
            // Rectangular shapes up to n = 64 keep the debug run short.
            for (rows, columns) in n > 64 ? [(n, n)] : [(n, n), (n + 3, n), (n, n + 2)] {
                let a: [T] = rows == columns
                    ? Support.withSingularValues(Support.geometric(n, condition: condition), seed: 31)
                    : Support.random(T.self, rows: rows, columns: columns, seed: 32)
                for mode in [QRKernelMode.reduced, .complete] {
                    let f = Linalg.qr(a, rows: rows, columns: columns, mode: mode)
                    let (qColumns, rRows) = (f.qShape[1], f.rShape[0])
                    let bound = 8 * Double(max(rows, columns)) * Support.epsilon(T.self)
                    #expect(Support.orthogonalityError(f.q, rows: rows, columns: qColumns) <= bound)
                    let reconstructed = Support.product(f.q, f.r, m: rows, k: rRows, n: columns)
                    #expect(Support.norm(reconstructed, minus: a) <= bound * Support.norm(a))
                    for i in 0..<rRows { for j in 0..<min(i, columns) { #expect(f.r[i * columns + j] == 0) } }
                }
            }
        }
    }

    @Test func factorsWellConditionedAndRectangularMatrices() {
        checkResiduals(Double.self, condition: 10, sizes: Support.sizes)
        checkResiduals(Float.self, condition: 10, sizes: Support.smallSizes)
    }

    @Test func factorsIllConditionedMatrices() {
        checkResiduals(Double.self, condition: 1e10, sizes: Support.smallSizes)
    }

    @Test func leastSquaresMatchesNumpy() throws {
        let tall = try Linalg.leastSquares(Self.m, rows: 3, columns: 2, [1, 2, 2], columns: 1)
        #expect(Support.close(tall.solution, [-0.21428571428571333, 0.4999999999999992], tolerance: 1e-14))
        #expect(Support.close(tall.residuals, [0.6428571428571429], tolerance: 1e-14))
        let wide = try Linalg.leastSquares(Support.transposed(Self.m, rows: 3, columns: 2), rows: 2, columns: 3, [1, 2], columns: 1)
        #expect(Support.close(wide.solution, [0.9285714285714283, -0.21428571428571414, 0.1428571428571427], tolerance: 1e-14))
        #expect(wide.residuals.isEmpty)
        // A zero column makes R's diagonal exactly zero.
        let rankDeficient: [Double] = [1, 0, 2, 0, 3, 0]
        #expect(throws: LinalgError.singular(pivot: 1)) {
            try Linalg.leastSquares(rankDeficient, rows: 3, columns: 2, [1, 2, 3], columns: 1)
        }
    }

    @Test func leastSquaresSatisfiesTheNormalEquations() throws {
        let (rows, columns) = (150, 70)
        let a = Support.random(Double.self, rows: rows, columns: columns, seed: 41)
        let b = Support.random(Double.self, rows: rows, columns: 2, seed: 42)
        let x = try Linalg.leastSquares(a, rows: rows, columns: columns, b, columns: 2).solution
        // Aᵀ (A x − b) = 0.
        var residual = Support.product(a, x, m: rows, k: columns, n: 2)
        for i in residual.indices { residual[i] -= b[i] }
        let normal = Support.product(Support.transposed(a, rows: rows, columns: columns), residual, m: columns, k: rows, n: 2)
        #expect(Support.norm(normal) <= 1e-12 * Support.norm(a) * Support.norm(b))
    }

    @Test func emptyMatrices() {
        let f = Linalg.qr([Double](), rows: 0, columns: 0, mode: .complete)
        #expect(f.q.isEmpty && f.r.isEmpty)
        let g = Linalg.qr([Double](), rows: 2, columns: 0, mode: .complete)
        #expect(g.q == [1, 0, 0, 1] && g.rShape == [2, 0])
    }
}
