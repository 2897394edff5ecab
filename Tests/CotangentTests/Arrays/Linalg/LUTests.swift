import Testing
@testable import CotangentArrays

@Suite struct LUTests {
    typealias Support = LinalgTestSupport
    static let g: [Double] = [0, 2, 1, 3, -1, 4, 1, 5, -2]
    static let b: [Double] = [1, 2, 0, -1, 3, 0.5]

    @Test func factorsLikeScipy() {
        var a = Self.g
        let pivots = Linalg.luFactor(&a, rows: 3, columns: 3)
        #expect(pivots.pivots == [1, 2, 2])
        #expect(pivots.permutationSign == 1)
        #expect(pivots.singularPivot == nil)
        // scipy's L (below the diagonal) and U packed together.
        let packed = [3.0, -1.0, 4.0, 1.0 / 3, 5.333333333333333, -3.333333333333333, 0.0, 0.375, 2.25]
        #expect(Support.close(a, packed, tolerance: 1e-15))
    }

    @Test func solvesInvertsAndDeterminesLikeNumpy() throws {
        var a = Self.g, x = Self.b
        try Linalg.solve(&a, order: 3, &x, columns: 2)
        #expect(Support.close(x, [0.25, -1.125, 0.5277777777777778, 0.625, -0.05555555555555555, 0.75], tolerance: 1e-15))
        var at = Self.g, xt = Self.b
        try Linalg.solve(&at, order: 3, &xt, columns: 2, transposed: true)
        #expect(Support.close(xt, [0.8333333333333333, -1.0555555555555558, 0.41666666666666663, 0.5555555555555556, -0.25, 0.33333333333333337], tolerance: 1e-15))
        var inverse: [Float] = Self.g.map { Float($0) }
        try Linalg.invert(&inverse, order: 3)
        let numpyInverse = [-0.5, 0.25, 0.25, 0.27777777777777773, -0.027777777777777783, 0.08333333333333334, 0.4444444444444444, 0.05555555555555555, -0.16666666666666666]
        #expect(Support.close(inverse, numpyInverse, tolerance: 1e-6))
        var d = Self.g
        #expect(abs(Linalg.determinant(&d, order: 3) - 36.000000000000014) <= 1e-13)
        var s = Self.g
        let (sign, logAbs) = Linalg.logAbsDeterminant(&s, order: 3)
        #expect(sign == 1 && abs(logAbs - 3.5835189384561104) <= 1e-15)
    }

    func checkResiduals<T: LinalgScalar>(_: T.Type, condition: Double, sizes: [Int]) throws {
        for n in sizes {
            let a: [T] = Support.withSingularValues(Support.geometric(n, condition: condition), seed: 11)
            let rhs = Support.random(T.self, rows: n, columns: 3, seed: 5)
            var factors = a, x = rhs
            try Linalg.solve(&factors, order: n, &x, columns: 3)
            let residual = Support.norm(Support.product(a, x, m: n, k: n, n: 3), minus: rhs)
            // Backward stable: ‖A x − b‖ ≤ c n ε ‖A‖ ‖x‖.
            #expect(residual <= 4 * Double(n) * Support.epsilon(T.self) * Support.norm(a) * Support.norm(x))
            var inverse = a
            try Linalg.invert(&inverse, order: n)
            var identity = [T](repeating: 0, count: n * n)
            for i in 0..<n { identity[i * n + i] = 1 }
            let error = Support.norm(Support.product(a, inverse, m: n, k: n, n: n), minus: identity)
            #expect(error <= 4 * Double(n) * Support.epsilon(T.self) * Support.norm(a) * Support.norm(inverse))
        }
    }

    @Test func solvesWellConditionedSystems() throws {
        try checkResiduals(Double.self, condition: 10, sizes: Support.sizes)
        try checkResiduals(Float.self, condition: 10, sizes: Support.smallSizes)
    }

    @Test func solvesIllConditionedSystems() throws {
        try checkResiduals(Double.self, condition: 1e10, sizes: Support.smallSizes)
    }

    @Test func determinantOfALargeMatrixMatchesItsSingularValues() {
        // |det| is the product of the singular values: chosen singular values, summed as logarithms.
        let values = (0..<64).map { 1 + Double($0) / 64 }
        var a: [Double] = Support.withSingularValues(values, seed: 3)
        let expected = values.reduce(0) { $0 + Double.naturalLog($1) }
        let (sign, logAbs) = Linalg.logAbsDeterminant(&a, order: 64)
        #expect(abs(sign) == 1)
        #expect(abs(logAbs - expected) <= 1e-12 * abs(expected))
    }

    @Test func singularMatricesAreReported() {
        let singular: [Double] = [1, 2, 3, 2, 4, 6, 1, 0, 1]
        var a = singular
        let pivots = Linalg.luFactor(&a, rows: 3, columns: 3)
        #expect(pivots.singularPivot == 2)
        var d = singular
        #expect(Linalg.determinant(&d, order: 3) == 0)
        var s = singular
        let (sign, logAbs) = Linalg.logAbsDeterminant(&s, order: 3)
        #expect(sign == 0 && logAbs == -.infinity)
        var f = singular, x: [Double] = [1, 2, 3]
        #expect(throws: LinalgError.singular(pivot: 2)) { try Linalg.solve(&f, order: 3, &x, columns: 1) }
        var zero: [Float] = [0, 0, 0, 0]
        #expect(throws: LinalgError.singular(pivot: 0)) { try Linalg.invert(&zero, order: 2) }
    }

    @Test func emptyAndScalarMatrices() throws {
        var empty: [Double] = []
        #expect(Linalg.determinant(&empty, order: 0) == 1)
        var one: [Double] = [-4], x: [Double] = [2]
        try Linalg.solve(&one, order: 1, &x, columns: 1)
        #expect(x == [-0.5])
        var scalar: [Float] = [-4]
        let (sign, logAbs) = Linalg.logAbsDeterminant(&scalar, order: 1)
        #expect(sign == -1 && abs(logAbs - Float(1.3862943611198906)) <= 1e-6)
    }
}
