import Glibc
import Testing
@testable import CotangentArrays

@Suite struct MatrixExponentialTests {
    typealias Support = LinalgTestSupport
    static let e: [Double] = [1, 2, 0, -1, 0.5, 3, 0.2, -2, 1]

    @Test func matchesScipyForEachPadeDegreeAndScaling() throws {
        var small: [Double] = [0.1, 0.2, -0.3, 0.05]  // norm 0.4: degree 5
        try Linalg.matrixExponential(&small, order: 2)
        #expect(Support.close(small, [1.0727237141656707, 0.21344984212019538, -0.32017476318029303, 1.0193612536356218], tolerance: 2e-15))
        var middle = Self.e  // norm 5.5: degree 13 with one squaring
        try Linalg.matrixExponential(&middle, order: 3)
        #expect(Support.close(middle, [1.851997492991547, 0.6081247641115746, 3.5938827489950027, 0.05532589284371355, -1.8939164470313492, 0.912187146167361, 1.3186714385594087, -0.3685325808452409, -0.5439243396717885], tolerance: 1e-13))
        var large = Self.e.map { 4 * $0 }  // several squarings
        try Linalg.matrixExponential(&large, order: 3)
        #expect(Support.close(large, [74.6220715932962, -6.570420455234171, 70.54120425727196, 10.339330653344282, 5.723472449832763, -9.85563068285124, 24.032379444521776, 11.273167405718976, 27.594602088448223], tolerance: 1e-12))
        var single = Self.e.map { Float($0) }
        try Linalg.matrixExponential(&single, order: 3)
        #expect(Support.close(single, [1.8519974946975708, 0.608124852180481, 3.5938827991485596, 0.05532607436180115, -1.8939166069030762, 0.912186861038208, 1.318671464920044, -0.368532657623291, -0.5439245700836182], tolerance: 1e-5))
    }

    @Test func zeroAndDiagonalMatrices() throws {
        var zero = [Double](repeating: 0, count: 9)
        try Linalg.matrixExponential(&zero, order: 3)
        #expect(zero == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        var diagonal: [Double] = [1, 0, 0, -2]
        try Linalg.matrixExponential(&diagonal, order: 2)
        #expect(Support.close(diagonal, [2.718281828459045, 0, 0, 0.1353352832366127], tolerance: 1e-15))
        var empty: [Float] = []
        try Linalg.matrixExponential(&empty, order: 0)
        #expect(empty.isEmpty)
    }

    @Test func exponentialOfASymmetricMatrixMatchesItsEigendecomposition() throws {
        // e^A = V e^Λ Vᵀ for symmetric A (n = 17, norm ~ 4 so scaling is used).
        let n = 17
        let spectrum = (0..<n).map { -2 + 4 * Double($0) / Double(n - 1) }
        var a: [Double] = Support.withSingularValues(spectrum, seed: 81, symmetric: true)
        let eigen = try Linalg.symmetricEigen(a, order: n)
        var scaled = eigen.vectors
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= Glibc.exp(eigen.values[j]) } }
        let expected = Support.product(scaled, Support.transposed(eigen.vectors, rows: n, columns: n), m: n, k: n, n: n)
        try Linalg.matrixExponential(&a, order: n)
        #expect(Support.norm(a, minus: expected) <= 1e-13 * Support.norm(expected))
    }

    @Test func integerPowersMatchNumpy() throws {
        let g: [Double] = [0, 2, 1, 3, -1, 4, 1, 5, -2]
        var fifth = g
        try Linalg.matrixPower(&fifth, order: 3, power: 5)
        #expect(fifth == [237, 1061, -104, 2085, -3325, 4237, -1091, 5543, -3785])
        var inverseCube = g.map { Float($0) }
        try Linalg.matrixPower(&inverseCube, order: 3, power: -3)
        #expect(Support.close(inverseCube, [-0.3128858024691358, 0.10281635802469136, 0.12210648148148147, 0.09923696844993139, -0.026513203017832644, -0.030028292181069952, 0.23208161865569268, -0.06502914951989025, -0.0857767489711934], tolerance: 1e-5))
        var zeroth = g
        try Linalg.matrixPower(&zeroth, order: 3, power: 0)
        #expect(zeroth == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        var singular: [Double] = [1, 2, 2, 4]
        #expect(throws: LinalgError.singular(pivot: 1)) { try Linalg.matrixPower(&singular, order: 2, power: -1) }
    }
}
