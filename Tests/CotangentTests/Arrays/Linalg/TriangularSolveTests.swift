import Testing
@testable import CotangentArrays

@Suite struct TriangularSolveTests {
    typealias Support = LinalgTestSupport

    @Test func matchesScipyForEveryVariant() throws {
        let lower: [Double] = [2, 0, 0, 1, 3, 0, -1, 2, 4]
        let b: [Double] = [1, 2, 0, -1, 3, 0.5]
        let expected: [(Bool, Bool, [Double])] = [
            (false, false, [0.5, 1.0, -0.16666666666666666, -0.6666666666666666, 0.9583333333333333, 0.7083333333333333]),
            (false, true, [1.0, 2.0, -1.0, -3.0, 6.0, 8.5]),
            (true, false, [1.125, 1.2708333333333333, -0.5, -0.41666666666666663, 0.75, 0.125]),
            (true, true, [10.0, 4.5, -6.0, -2.0, 3.0, 0.5]),
        ]
        for (transposed, unit, values) in expected {
            var x = b
            try Linalg.solveTriangular(lower, order: 3, &x, columns: 2, lower: true, transposed: transposed, unitDiagonal: unit)
            #expect(Support.close(x, values, tolerance: 1e-15))
            // The same system through the upper triangle of the transpose.
            var y = b.map { Float($0) }
            let upper = Support.transposed(lower, rows: 3, columns: 3).map { Float($0) }
            try Linalg.solveTriangular(upper, order: 3, &y, columns: 2, lower: false, transposed: !transposed, unitDiagonal: unit)
            #expect(Support.close(y, values, tolerance: 1e-5))
        }
    }

    func checkResiduals<T: LinalgScalar>(_: T.Type, sizes: [Int]) throws {
        for n in sizes {
            var a = Support.random(T.self, rows: n, columns: n, seed: 21)
            // A dominant diagonal keeps the triangles well conditioned.
            for i in 0..<n { a[i * n + i] = 4 + abs(a[i * n + i]) }
            let rhs = Support.random(T.self, rows: n, columns: 2, seed: 22)
            for lower in [true, false] {
                for transposed in [true, false] {
                    var x = rhs
                    try Linalg.solveTriangular(a, order: n, &x, columns: 2, lower: lower, transposed: transposed)
                    var t = a
                    for i in 0..<n { for j in 0..<n where lower ? j > i : j < i { t[i * n + j] = 0 } }
                    if transposed { t = Support.transposed(t, rows: n, columns: n) }
                    let residual = Support.norm(Support.product(t, x, m: n, k: n, n: 2), minus: rhs)
                    #expect(residual <= 4 * Double(n) * Support.epsilon(T.self) * Support.norm(t) * Support.norm(x))
                }
            }
        }
    }

    @Test func solvesRandomTriangles() throws {
        try checkResiduals(Double.self, sizes: Support.sizes)
        try checkResiduals(Float.self, sizes: Support.smallSizes)
    }

    @Test func zeroDiagonalIsSingular() {
        var x: [Double] = [1, 1]
        #expect(throws: LinalgError.singular(pivot: 1)) {
            try Linalg.solveTriangular([1, 0, 5, 0], order: 2, &x, columns: 1, lower: true)
        }
        #expect(x == [1, 1])
    }
}
