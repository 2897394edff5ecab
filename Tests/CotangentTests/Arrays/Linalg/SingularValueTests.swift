import Testing
@testable import CotangentArrays

@Suite struct SingularValueTests {
    typealias Support = LinalgTestSupport
    static let m: [Double] = [1, 2, 3, 4, 5, 7]

    @Test func matchesNumpyOnAFixedMatrix() throws {
        let full = try Linalg.singularValueDecomposition(Self.m, rows: 3, columns: 2, mode: .full)
        #expect(Support.close(full.values, [10.191428257097224, 0.3671376859438993], tolerance: 1e-14))
        #expect(full.uShape == [3, 3] && full.vtShape == [2, 2])
        let u = [-0.2167838956617988, 0.9389228781711104, -0.26726124191242506, -0.4904541352657366, -0.3414639048912723, -0.8017837257372729, -0.8440731507295044, -0.04273441825135222, 0.5345224838248488]
        let vt = [-0.5797530930948657, -0.814792213418204, -0.814792213418204, 0.5797530930948657]
        // Singular vectors agree up to a sign per pair (u column i with vt row i).
        for i in 0..<2 {
            let sign = (full.vt[i * 2] >= 0) == (vt[i * 2] >= 0) ? 1.0 : -1.0
            for j in 0..<2 { #expect(abs(sign * full.vt[i * 2 + j] - vt[i * 2 + j]) <= 1e-14) }
            for r in 0..<3 { #expect(abs(sign * full.u[r * 3 + i] - u[r * 3 + i]) <= 1e-14) }
        }
        let wide = try Linalg.singularValueDecomposition(Support.transposed(Self.m, rows: 3, columns: 2).map { Float($0) }, rows: 2, columns: 3, mode: .valuesOnly)
        #expect(wide.u.isEmpty && wide.vt.isEmpty)
        #expect(Support.close(wide.values, [10.191428257097224, 0.3671376859438997], tolerance: 1e-6))
    }

    @Test func rankDeficientMatricesAndThePseudoInverse() throws {
        let r: [Double] = [1, 2, 3, 2, 4, 6, 1, 0, 1]
        let values = try Linalg.singularValueDecomposition(r, rows: 3, columns: 3, mode: .valuesOnly).values
        #expect(Support.close(values, [8.435448515787048, 0.9182637624920781, 0], tolerance: 1e-14))
        let pinv = try Linalg.pseudoInverse(r, rows: 3, columns: 3)
        #expect(Support.close(pinv, [-0.033333333333333964, -0.06666666666666651, 0.833333333333334, 0.06666666666666715, 0.1333333333333331, -0.6666666666666667, 0.033333333333333236, 0.06666666666666668, 0.1666666666666667], tolerance: 1e-13))
        let tall = try Linalg.pseudoInverse(Self.m.map { Float($0) }, rows: 3, columns: 2)
        #expect(Support.close(tall, [-2.0714285714285703, 0.7857142857142865, 0.14285714285714235, 1.4999999999999991, -0.5000000000000006, 0], tolerance: 1e-5))
    }

    func checkResiduals<T: LinalgScalar>(_: T.Type, condition: Double, sizes: [Int]) throws {
        for n in sizes {
            // Rectangular shapes up to n = 64 keep the debug run short.
            for (rows, columns) in n > 64 ? [(n, n)] : [(n, n), (n + 4, n), (n, n + 3)] {
                let a: [T] = rows == columns
                    ? Support.withSingularValues(Support.geometric(n, condition: condition), seed: 71)
                    : Support.random(T.self, rows: rows, columns: columns, seed: 72)
                let k = min(rows, columns)
                let bound = 8 * Double(max(rows, columns)) * Support.epsilon(T.self)
                for mode in rows == columns ? [SVDMode.reduced] : [.reduced, .full] {
                    let svd = try Linalg.singularValueDecomposition(a, rows: rows, columns: columns, mode: mode)
                    #expect(zip(svd.values, svd.values.dropFirst()).allSatisfy { $0 >= $1 } && svd.values.allSatisfy { $0 >= 0 })
                    let (uColumns, vtRows) = (svd.uShape[1], svd.vtShape[0])
                    #expect(Support.orthogonalityError(svd.u, rows: rows, columns: uColumns) <= bound)
                    #expect(Support.orthogonalityError(Support.transposed(svd.vt, rows: vtRows, columns: columns), rows: columns, columns: vtRows) <= bound)
                    // U[:, :k] diag(s) Vᵀ[:k, :] = A.
                    var scaled = [T](repeating: 0, count: rows * k)
                    for i in 0..<rows { for j in 0..<k { scaled[i * k + j] = svd.u[i * uColumns + j] * svd.values[j] } }
                    let reconstructed = Support.product(scaled, Array(svd.vt[0..<(k * columns)]), m: rows, k: k, n: columns)
                    #expect(Support.norm(reconstructed, minus: a) <= bound * Support.norm(a))
                }
            }
        }
    }

    @Test func decomposesWellConditionedMatrices() throws {
        try checkResiduals(Double.self, condition: 10, sizes: Support.sizes)
        try checkResiduals(Float.self, condition: 10, sizes: Support.smallSizes)
    }

    @Test func decomposesIllConditionedMatrices() throws {
        try checkResiduals(Double.self, condition: 1e10, sizes: Support.smallSizes)
    }

    @Test func emptyZeroAndNonFiniteMatrices() throws {
        let empty = try Linalg.singularValueDecomposition([Double](), rows: 0, columns: 0)
        #expect(empty.values.isEmpty)
        let zero = try Linalg.singularValueDecomposition([Double](repeating: 0, count: 6), rows: 2, columns: 3, mode: .full)
        #expect(zero.values == [0, 0])
        #expect(Support.orthogonalityError(zero.u, rows: 2, columns: 2) == 0)
        #expect(try Linalg.pseudoInverse([Float](repeating: 0, count: 4), rows: 2, columns: 2) == [0, 0, 0, 0])
        #expect(throws: LinalgError.noConvergence) {
            try Linalg.singularValueDecomposition([1, .infinity, 0, 1] as [Double], rows: 2, columns: 2)
        }
    }
}
