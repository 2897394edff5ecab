import Testing
@testable import CotangentArrays

@Suite struct CholeskyTests {
    typealias Support = LinalgTestSupport

    @Test func matchesNumpyOnAFixedMatrix() throws {
        var a: [Double] = [4, 2, -2, 2, 10, 4, -2, 4, 9]
        try Linalg.cholesky(&a, order: 3)
        let numpy = [2.0, 0.0, 0.0, 1.0, 3.0, 0.0, -1.0, 1.6666666666666665, 2.2852182001336816]
        #expect(Support.close(a, numpy, tolerance: 1e-15))
        var upper: [Float] = [4, 2, -2, 2, 10, 4, -2, 4, 9]
        try Linalg.cholesky(&upper, order: 3, lower: false)
        #expect(Support.close(upper, Support.transposed(numpy, rows: 3, columns: 3), tolerance: 1e-6))
    }

    func checkResiduals<T: LinalgScalar>(_: T.Type, condition: Double, sizes: [Int]) throws {
        for n in sizes {
            let a: [T] = Support.withSingularValues(Support.geometric(n, condition: condition), seed: 7, symmetric: true)
            var l = a
            try Linalg.cholesky(&l, order: n)
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { #expect(l[i * n + j] == 0) } }
            let reconstructed = Support.product(l, Support.transposed(l, rows: n, columns: n), m: n, k: n, n: n)
            #expect(Support.norm(reconstructed, minus: a) <= 4 * Double(n) * Support.epsilon(T.self) * Support.norm(a))
        }
    }

    @Test func reconstructsWellConditionedMatrices() throws {
        try checkResiduals(Double.self, condition: 10, sizes: Support.sizes)
        try checkResiduals(Float.self, condition: 10, sizes: Support.smallSizes)
    }

    @Test func reconstructsIllConditionedMatrices() throws {
        try checkResiduals(Double.self, condition: 1e10, sizes: Support.smallSizes)
    }

    @Test func reportsTheFailingPivot() {
        var a: [Double] = [4, 2, 0, 2, 1, 0, 0, 0, 3]  // the 2 × 2 leading minor is 0
        #expect(throws: LinalgError.notPositiveDefinite(pivot: 1)) { try Linalg.cholesky(&a, order: 3) }
        var negative: [Float] = [-1]
        #expect(throws: LinalgError.notPositiveDefinite(pivot: 0)) { try Linalg.cholesky(&negative, order: 1) }
        // A failure past the first block (n = 100, pivot 80 negative).
        var large = [Double](repeating: 0, count: 100 * 100)
        for i in 0..<100 { large[i * 100 + i] = i == 80 ? -1 : 2 }
        #expect(throws: LinalgError.notPositiveDefinite(pivot: 80)) { try Linalg.cholesky(&large, order: 100) }
        var nan: [Double] = [.nan]
        #expect(throws: LinalgError.notPositiveDefinite(pivot: 0)) { try Linalg.cholesky(&nan, order: 1) }
    }

    @Test func emptyMatrix() throws {
        var a: [Double] = []
        try Linalg.cholesky(&a, order: 0)
        #expect(a.isEmpty)
    }
}
