import Testing
@testable import CotangentArrays

@Suite struct SymmetricEigenTests {
    typealias Support = LinalgTestSupport

    @Test func matchesNumpyOnAFixedMatrix() throws {
        // Only the lower triangle is read: garbage above the diagonal must not matter.
        let a: [Double] = [4, 99, 99, 2, 10, 99, -2, 4, 9]
        let result = try Linalg.symmetricEigen(a, order: 3)
        #expect(Support.close(result.values, [1.8158505197872312, 7.649406538474656, 13.53474294173811], tolerance: 1e-14))
        let numpy = [0.7912111463418927, 0.6111974012447018, 0.020558662798702998, -0.4135429501180239, 0.50997135967431, 0.7542621830104018, 0.45051875689257315, -0.6052825365262559, 0.6562514005046483]
        // Eigenvectors agree up to the sign of each column.
        for column in 0..<3 {
            let sign = (result.vectors[column] >= 0) == (numpy[column] >= 0) ? 1.0 : -1.0
            for row in 0..<3 { #expect(abs(sign * result.vectors[row * 3 + column] - numpy[row * 3 + column]) <= 1e-14) }
        }
        let values = try Linalg.symmetricEigen(a.map { Float($0) }, order: 3, computeVectors: false)
        #expect(values.vectors.isEmpty)
        #expect(Support.close(values.values, [1.8158505197872312, 7.649406538474656, 13.53474294173811], tolerance: 1e-6))
    }

    func checkResiduals<T: LinalgScalar>(_: T.Type, condition: Double, sizes: [Int]) throws {
        for n in sizes {
            let spectrum = Support.geometric(n, condition: condition).enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element }
            let a: [T] = Support.withSingularValues(spectrum, seed: 51, symmetric: true)
            let result = try Linalg.symmetricEigen(a, order: n)
            let bound = 8 * Double(n) * Support.epsilon(T.self)
            #expect(Support.orthogonalityError(result.vectors, rows: n, columns: n) <= bound)
            var scaled = result.vectors
            for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= result.values[j] } }
            let av = Support.product(a, result.vectors, m: n, k: n, n: n)
            #expect(Support.norm(av, minus: scaled) <= bound * Support.norm(a))
            #expect(zip(result.values, result.values.dropFirst()).allSatisfy { $0 <= $1 })
            let expected = spectrum.sorted()
            for i in 0..<n { #expect(abs(Double(result.values[i]) - expected[i]) <= bound) }
            let valuesOnly = try Linalg.symmetricEigen(a, order: n, computeVectors: false)
            for i in 0..<n { #expect(abs(Double(valuesOnly.values[i]) - expected[i]) <= bound) }
        }
    }

    @Test func decomposesWellConditionedMatrices() throws {
        try checkResiduals(Double.self, condition: 10, sizes: Support.sizes)
        try checkResiduals(Float.self, condition: 10, sizes: Support.smallSizes)
    }

    @Test func decomposesIllConditionedMatrices() throws {
        try checkResiduals(Double.self, condition: 1e10, sizes: Support.smallSizes)
    }

    @Test func repeatedEigenvalues() throws {
        let spectrum: [Double] = [2, 2, 2, 5, 5, -1, 2, 5]
        let n = spectrum.count
        let a: [Double] = Support.withSingularValues(spectrum, seed: 61, symmetric: true)
        let result = try Linalg.symmetricEigen(a, order: n)
        #expect(Support.close(result.values, spectrum.sorted(), tolerance: 1e-14))
        #expect(Support.orthogonalityError(result.vectors, rows: n, columns: n) <= 1e-14)
        var identity = [Double](repeating: 0, count: 16)
        for i in 0..<4 { identity[i * 4 + i] = 3 }
        let diagonal = try Linalg.symmetricEigen(identity, order: 4)
        #expect(diagonal.values == [3, 3, 3, 3])
        #expect(Support.orthogonalityError(diagonal.vectors, rows: 4, columns: 4) == 0)
    }

    @Test func emptyScalarAndNonFiniteMatrices() throws {
        let empty = try Linalg.symmetricEigen([Double](), order: 0)
        #expect(empty.values.isEmpty && empty.vectors.isEmpty)
        let scalar = try Linalg.symmetricEigen([Float(-3)], order: 1)
        #expect(scalar.values == [-3] && scalar.vectors == [1])
        #expect(throws: LinalgError.noConvergence) { try Linalg.symmetricEigen([1, 0, .nan, 1] as [Double], order: 2) }
    }
}
