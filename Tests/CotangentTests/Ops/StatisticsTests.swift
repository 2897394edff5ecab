import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

// Values from numpy 2.4 (`var`, `std`, `median`, `quantile`, `ptp`, `cov`, `corrcoef`, the
// `nan*` reductions, `isclose`, `allclose`).

@Suite("Statistics")
struct StatisticsTests {
    typealias S = StatisticsTesting

    static let A: [[Double]] = [[0.5, -1.25, 2.0, 0.75], [3.5, -0.5, 1.0, -2.25], [-1.5, 2.5, 0.25, 1.75]]
    static let M: [[Double]] = [[3.0, 1.0, 2.0, 5.0, 4.0], [0.5, -1.0, 9.0, 2.0, 2.0], [7.0, 6.0, -3.0, 8.0, 1.5]]
    static let X: [[Double]] = [[0.5, 1.5, -2.0, 3.0, 0.25], [1.0, -0.5, 2.5, 0.75, -1.25], [2.0, 0.0, 1.0, -1.0, 3.5]]
    static let N: [[Double]] = [[1.0, .nan, 3.0, -2.0], [.nan, .nan, .nan, .nan], [0.5, 4.0, .nan, 4.0]]

    // MARK: variance, standardDeviation

    @Test func varianceAndStandardDeviationMatchNumpy() {
        let A = Tensor.matrix("A", shape: [3, 4])
        let feed = ["A": S.matrix(Self.A)]
        S.expectValues(A.variance(axis: 0), feed, [4.222222222222222, 2.625, 0.5138888888888888, 2.8888888888888893], shape: [4])
        S.expectValues(A.variance(axis: 1, ddof: 1), feed, [1.7916666666666667, 5.932291666666667, 3.125], shape: [3])
        S.expectValues(A.variance(), feed, [2.73046875], shape: [])
        S.expectValues(A.variance(axes: [0, -1], keepDims: true), feed, [2.73046875], shape: [1, 1])
        S.expectValues(A.standardDeviation(axis: 0, keepDims: true), feed,
                       [2.0548046676563256, 1.620185174601965, 0.7168604389202189, 1.699673171197595], shape: [1, 4])
        S.expectValues(A.standardDeviation(ddof: 1), feed, [1.7258890989337008], shape: [])
        S.expectValues(A.standardDeviation(axes: [1, 0], ddof: 1), feed, [1.7258890989337008], shape: [])
        // Unknown lengths: the divisor is computed at run time.
        let U = Tensor.matrix("A")
        S.expectValues(U.variance(axis: 1, ddof: 1), feed, [1.7916666666666667, 5.932291666666667, 3.125],
                       shape: [3], staticShape: [nil])
        // int8 in float64.
        let i = Tensor.vector("i", dtype: .int8)
        S.expectValues(i.variance(), ["i": NDArray([Int8(1), 2, 4, 8])], [7.1875], shape: [])
    }

    @Test func varianceIsTwoPass() {
        // A common offset of 1e9: the one-pass E[x²] − E[x]² would cancel to noise.
        let B = Tensor.matrix("B", shape: [2, 3])
        let values = S.matrix([[1000000000.1, 1000000000.2, 1000000000.3], [1000000000.4, 1000000000.5, 1000000000.6]])
        S.expectValues(B.variance(axis: 1), ["B": values], [0.0066666618983219905, 0.006666669845581434], shape: [2],
                       tolerance: 1e-9)
        S.expectValues(B.standardDeviation(), ["B": values], [0.17078250694917965], shape: [], tolerance: 1e-9)
        let B32 = Tensor.matrix("B", dtype: .float32, shape: [2, 3])
        let values32 = S.matrix([[1000.1, 1000.2, 1000.3], [1000.4, 1000.5, 1000.6]], dtype: .float32)
        S.expectValues(B32.variance(axis: 1), ["B": values32], [0.006667481269687414, 0.006663411855697632], shape: [2],
                       dtype: .float32, tolerance: 1e-3)
    }

    @Test func varianceWithTooFewElementsAtRunTimeDividesByZero() throws {
        // numpy's divisor max(N − ddof, 0): inf, or NaN for a zero sum of squares (numpy warns).
        let U = Tensor.matrix("A")
        let value = try U.variance(axis: 0, ddof: 3).eval(["A": S.matrix([[1.0, 2.0], [3.0, 2.0]])]).asArray(Double.self)
        #expect(value[0] == .infinity && value[1].isNaN, "\(value)")
    }

    // MARK: median, quantile

    @Test func medianMatchesNumpy() {
        let M = Tensor.matrix("M", shape: [3, 5])
        let feed = ["M": S.matrix(Self.M)]
        S.expectValues(median(M), feed, [2.0], shape: [])
        S.expectValues(median(M, axis: 1), feed, [3.0, 2.0, 6.0], shape: [3])
        S.expectValues(median(M, axis: 0, keepDims: true), feed, [3.0, 1.0, 2.0, 5.0, 2.0], shape: [1, 5])
        S.expectValues(median(M, keepDims: true), feed, [2.0], shape: [1, 1])
        // A lane holding NaN gives NaN.
        var withNaN = Self.M
        withNaN[1][3] = .nan
        S.expectValues(median(M, axis: -1), ["M": S.matrix(withNaN)], [3.0, .nan, 6.0], shape: [3])
        // Even lengths average the middle pair; unknown lengths.
        let v = Tensor.vector("v")
        S.expectValues(median(v), ["v": NDArray([4.0, -1.0, 2.5, 10.0])], [3.25], shape: [], staticShape: [])
        S.expectValues(median(v), ["v": NDArray([7.0])], [7.0], shape: [])
        let i = Tensor.vector("i", dtype: .int64, shape: [4])
        S.expectValues(median(i), ["i": NDArray([Int64(1), 2, 3, 10])], [2.5], shape: [])
    }

    @Test(arguments: QuantileMethod.allCases)
    func quantileMethodsMatchNumpy(method: QuantileMethod) {
        let expected: [QuantileMethod: [Double]] = [
            .linear: [1.0, -1.0, -3.0, 1.4, -0.3999999999999999, -1.2, 2.2, 0.7999999999999999, 2.4, 3.0, 2.0, 6.0, 4.5,
                      5.5, 7.5, 5.0, 9.0, 8.0],
            .lower: [1.0, -1.0, -3.0, 1.0, -1.0, -3.0, 2.0, 0.5, 1.5, 3.0, 2.0, 6.0, 4.0, 2.0, 7.0, 5.0, 9.0, 8.0],
            .higher: [1.0, -1.0, -3.0, 2.0, 0.5, 1.5, 3.0, 2.0, 6.0, 3.0, 2.0, 6.0, 5.0, 9.0, 8.0, 5.0, 9.0, 8.0],
            .midpoint: [1.0, -1.0, -3.0, 1.5, -0.25, -0.75, 2.5, 1.25, 3.75, 3.0, 2.0, 6.0, 4.5, 5.5, 7.5, 5.0, 9.0, 8.0],
            .nearest: [1.0, -1.0, -3.0, 1.0, -1.0, -3.0, 2.0, 0.5, 1.5, 3.0, 2.0, 6.0, 5.0, 9.0, 8.0, 5.0, 9.0, 8.0],
        ]
        let M = Tensor.matrix("M", shape: [3, 5])
        let q: [Double] = [0.0, 0.1, 0.3, 0.5, 0.875, 1.0]
        S.expectValues(quantile(M, q, axis: 1, method: method), ["M": S.matrix(Self.M)], expected[method]!, shape: [6, 3])
        // The same with q a graph input (checked at run time).
        let qInput = Tensor.vector("q")
        S.expectValues(quantile(M, qInput, axis: 1, method: method), ["M": S.matrix(Self.M), "q": NDArray(q)],
                       expected[method]!, shape: [6, 3], staticShape: [nil, 3])
    }

    @Test func quantileShapesAndDtypes() {
        let M = Tensor.matrix("M", shape: [3, 5])
        let feed = ["M": S.matrix(Self.M)]
        S.expectValues(quantile(M, 0.3), feed, [1.6], shape: [])
        let q = 0.3
        S.expectValues(quantile(M, q), feed, [1.6], shape: [])
        S.expectValues(quantile(M, [0.25, 0.75], axis: 0, keepDims: true), feed,
                       [1.75, 0.0, -0.5, 3.5, 1.75, 5.0, 3.5, 5.5, 6.5, 3.0], shape: [2, 1, 5])
        S.expectValues(quantile(M, [0.25], keepDims: true), feed, [1.25], shape: [1, 1, 1])
        // A lane with NaN gives NaN.
        var withNaN = Self.M
        withNaN[1][3] = .nan
        S.expectValues(quantile(M, [0.2, 0.7], axis: 1), ["M": S.matrix(withNaN)],
                       [1.8, .nan, 0.6000000000000002, 3.8, .nan, 6.8], shape: [2, 3])
        // float32 keeps float32.
        let M32 = Tensor.matrix("M", dtype: .float32, shape: [3, 5])
        S.expectValues(quantile(M32, 0.3, axis: 1), ["M": S.matrix(Self.M, dtype: .float32)],
                       [2.200000047683716, 0.800000011920929, 2.4000000953674316], shape: [3], dtype: .float32)
        // q of rank 2 over the middle axis of a rank-3 tensor: q's dims first.
        let T = Tensor.tensor3("T", shape: [2, 3, 4])
        let tValues = NDArray(shape: [2, 3, 4], elements: [
            0.0, 1.0, 2.8284271247461903, 5.196152422706632, 1.0, 4.180339887498949, 0.6969384566990691,
            4.520259177452132, 1.6274169979695223, 6.0, 3.6227766016837926, 1.4828726939093997, 6.569219381653056,
            4.872166581031863, 3.3832034148351795, 2.0947501931112527, 1.0, 0.09279563550022374, 6.367532368147138,
            5.819079927272796, 5.442719099991592, 5.234089594072643, 5.189146716115445, 5.304125036192545,
        ])
        let q2 = Variable(constant: NDArray(shape: [2, 2], elements: [0.2, 0.6, 0.9, 0.35]))
        S.expectValues(quantile(T, q2, axis: 1), ["T": tValues], [
            0.4, 2.2721359549995794, 1.5495339239179176, 2.6978272873264926, 2.777087639996637, 2.0045440137128794,
            4.105580735347286, 3.3785001303437694, 1.1254833995939044, 4.544271909999159, 2.9872970201337106,
            4.655437826503032, 5.668019156323885, 4.944551183640018, 5.424823846521784, 5.4071160144085955,
            1.501933598375618, 5.63606797749979, 3.4639067062962723, 5.060973773655732, 6.343919325320764,
            5.161704991464487, 6.131855237740799, 5.716088949056745, 0.7, 3.2262379212492642, 2.1889805243320537,
            3.6090432323893125, 4.1099033699941145, 3.438355297372371, 4.647363725731365, 4.341312583268158,
        ], shape: [2, 2, 2, 4])
    }

    @Test func quantileOutsideTheUnitIntervalAtRunTimeThrows() {
        let M = Tensor.matrix("M", shape: [3, 5])
        let q = Tensor.scalar("q")
        let error = BasicOpsTesting.runtimeError(quantile(M, q, axis: 1), ["M": S.matrix(Self.M), "q": NDArray(1.5)])
        #expect(error?.message.contains("quantile: q must be in [0, 1] (x Matrix(float64, shape=(3, 5)))") == true,
                "\(String(describing: error))")
    }

    // MARK: ptp

    @Test func ptpMatchesNumpy() {
        let M = Tensor.matrix("M", shape: [3, 5])
        let feed = ["M": S.matrix(Self.M)]
        S.expectValues(ptp(M, axis: 1), feed, [4.0, 10.0, 11.0], shape: [3])
        S.expectValues(ptp(M), feed, [12.0], shape: [])
        S.expectValues(ptp(M, axis: 0, keepDims: true), feed, [6.5, 7.0, 12.0, 6.0, 2.5], shape: [1, 5])
        // int8 wraps, as numpy's does.
        let i = Tensor.vector("i", dtype: .int8, shape: [2])
        S.expectValues(ptp(i), ["i": NDArray([Int8(-128), 127])], [-1], shape: [], dtype: .int8)
    }

    // MARK: cov, corrcoef

    @Test func covMatchesNumpy() {
        let X = Tensor.matrix("X", shape: [3, 5])
        let feed = ["X": S.matrix(Self.X)]
        S.expectValues(cov(X), feed, [
            3.3625, -1.2343749999999998, -1.675, -1.2343749999999998, 2.09375, -0.84375, -1.675, -0.84375, 3.05,
        ], shape: [3, 3])
        S.expectValues(cov(X, ddof: 0), feed, [
            2.69, -0.9874999999999998, -1.34, -0.9874999999999998, 1.675, -0.675, -1.34, -0.675, 2.44,
        ], shape: [3, 3])
        S.expectValues(cov(X, rowVar: false), feed, [
            0.5833333333333334, -0.45833333333333337, 0.875, -1.4791666666666667, 1.4791666666666667,
            -0.45833333333333337, 1.0833333333333335, -2.3750000000000004, 1.6041666666666667, 0.08333333333333329,
            0.875, -2.3750000000000004, 5.25, -3.25, -0.6875000000000001, -1.4791666666666667, 1.6041666666666667,
            -3.25, 4.020833333333333, -2.989583333333333, 1.4791666666666667, 0.08333333333333329, -0.6875000000000001,
            -2.989583333333333, 5.895833333333333,
        ], shape: [5, 5])
        // One variable: a 0-d variance (numpy squeezes).
        let v = Tensor.vector("v", shape: [5])
        S.expectValues(cov(v), ["v": NDArray(Self.X[0])], [3.3625], shape: [])
        S.expectValues(cov(X[0 ..< 1]), feed, [3.3625], shape: [])
        // Unknown lengths keep the matrix.
        let U = Tensor.matrix("X")
        S.expectValues(cov(U), feed, [
            3.3625, -1.2343749999999998, -1.675, -1.2343749999999998, 2.09375, -0.84375, -1.675, -0.84375, 3.05,
        ], shape: [3, 3], staticShape: [nil, nil])
        // float32 stays float32.
        let X32 = Tensor.matrix("X", dtype: .float32, shape: [3, 5])
        S.expectValues(cov(X32), ["X": S.matrix(Self.X, dtype: .float32)], [
            3.3625, -1.2343749999999998, -1.675, -1.2343749999999998, 2.09375, -0.84375, -1.675, -0.84375, 3.05,
        ], shape: [3, 3], dtype: .float32)
    }

    @Test func corrcoefMatchesNumpy() {
        let X = Tensor.matrix("X", shape: [3, 5])
        let feed = ["X": S.matrix(Self.X)]
        S.expectValues(corrcoef(X), feed, [
            1.0, -0.4652148385746876, -0.523038605320735, -0.4652148385746876, 1.0, -0.3338884945491057,
            -0.523038605320735, -0.3338884945491057, 0.9999999999999999,
        ], shape: [3, 3])
        let Y = Tensor.matrix("Y", shape: [3, 3])
        S.expectValues(corrcoef(Y, rowVar: false), ["Y": S.matrix(Self.X.map { Array($0[..<3]) })], [
            1.0, -0.576556660197055, 0.5, -0.576556660197055, 0.9999999999999998, -0.9958705948858225, 0.5,
            -0.9958705948858225, 1.0,
        ], shape: [3, 3])
        let v = Tensor.vector("v", shape: [5])
        S.expectValues(corrcoef(v), ["v": NDArray(Self.X[0])], [1.0], shape: [])
        // A constant variable has NaN correlations.
        let flat = try? corrcoef(X).eval(["X": S.matrix([[1, 1, 1, 1, 1], [1, 2, 3, 4, 5], [2, 1, 0, 1, 2]])])
        #expect(flat.map { Array($0.asArray(Double.self)[0 ..< 3]).allSatisfy(\.isNaN) } == true)
    }

    // MARK: NaN-ignoring reductions

    @Test func nanReductionsMatchNumpy() {
        let N = Tensor.matrix("N", shape: [3, 4])
        let feed = ["N": S.matrix(Self.N)]
        S.expectValues(nanSum(N, axis: 1), feed, [2.0, 0.0, 8.5], shape: [3])
        S.expectValues(nanSum(N, axis: 0, keepDims: true), feed, [1.5, 4.0, 3.0, 2.0], shape: [1, 4])
        S.expectValues(nanSum(N), feed, [10.5], shape: [])
        S.expectValues(nanMean(N, axis: 1), feed, [0.6666666666666666, .nan, 2.8333333333333335], shape: [3])
        S.expectValues(nanMean(N, axis: 0), feed, [0.75, 4.0, 3.0, 1.0], shape: [4])
        S.expectValues(nanMean(N, axes: [0, 1]), feed, [1.75], shape: [])
        S.expectValues(nanMax(N, axis: 1), feed, [3.0, .nan, 4.0], shape: [3])
        S.expectValues(nanMax(N, axes: [0]), feed, [1.0, 4.0, 3.0, 4.0], shape: [4])
        S.expectValues(nanMin(N, axis: 1, keepDims: true), feed, [-2.0, .nan, 0.5], shape: [3, 1])
        S.expectValues(nanMin(N), feed, [-2.0], shape: [])
        // float32, and integers (which have no NaN).
        let N32 = Tensor.matrix("N", dtype: .float32, shape: [3, 4])
        S.expectValues(nanMean(N32, axis: 1), ["N": S.matrix(Self.N, dtype: .float32)],
                       [0.6666666666666666, .nan, 2.8333333333333335], shape: [3], dtype: .float32)
        let i = Tensor.vector("i", dtype: .int8, shape: [3])
        let ints = ["i": NDArray([Int8(3), -2, 7])]
        S.expectValues(nanSum(i), ints, [8], shape: [], dtype: .int64)
        S.expectValues(nanMean(i), ints, [2.6666666666666665], shape: [])
        S.expectValues(nanMax(i), ints, [7], shape: [], dtype: .int8)
        S.expectValues(nanMin(i, axis: 0), ints, [-2], shape: [], dtype: .int8)
    }

    // MARK: isclose, allClose

    @Test func iscloseMatchesNumpy() throws {
        let a = Tensor.vector("a", shape: [9])
        let b = Tensor.vector("b", shape: [9])
        let feed = [
            "a": NDArray([1.0, 1.0 + 1e-6, 1.0, .infinity, -.infinity, .nan, 0.0, 1e-9, 100.0]),
            "b": NDArray([1.0, 1.0, 1.1, .infinity, .infinity, .nan, 1e-9, 0.0, 100.001]),
        ]
        let cases: [(Variable, [Bool])] = [
            (isclose(a, b), [true, true, false, true, false, false, true, true, true]),
            (isclose(a, b, equalNaN: true), [true, true, false, true, false, true, true, true, true]),
            (isclose(a, b, rtol: 0, atol: 1e-8), [true, false, false, true, false, false, true, true, false]),
            (isclose(a, b, rtol: 1e-4), [true, true, false, true, false, false, true, true, true]),
        ]
        for (output, expected) in cases {
            #expect(output.type == TensorType(dtype: .bool, shape: [9]))
            #expect(try output.eval(feed).asArray(Bool.self) == expected)
            #expect(try output.eval(feed, mode: .unoptimized).asArray(Bool.self) == expected)
        }
        // Integers against integers compare in float64; broadcasting.
        let i = Tensor.vector("i", dtype: .int8, shape: [3])
        let j = Tensor.vector("j", dtype: .int64, shape: [3])
        #expect(try isclose(i, j).eval(["i": NDArray([Int8(1), 2, 3]), "j": NDArray([Int64(1), 3, 3])])
                    .asArray(Bool.self) == [true, false, true])
        let m = Tensor.matrix("m", shape: [2, 1])
        let close = isclose(m, a)
        #expect(close.type.shape == [2, 9])
        // allClose: a 0-d bool.
        let all = allClose(a, b, equalNaN: true)
        #expect(all.type == TensorType(dtype: .bool, shape: []))
        #expect(try all.eval(feed).item(Bool.self) == false)
        let same = ["a": feed["a"]!, "b": feed["a"]!]
        #expect(try allClose(a, b).eval(same).item(Bool.self) == false)   // NaN ≠ NaN
        #expect(try allClose(a, b, equalNaN: true).eval(same).item(Bool.self) == true)
        // Not differentiable: no gradient flows through the comparison.
        let cost = allClose(a, b).cast(to: .float64) * a.sum()
        let g = try checked { grad(cost, wrt: a) }
        #expect(try g.eval(["a": NDArray(Array(repeating: 1.0, count: 9)), "b": NDArray(Array(repeating: 1.0, count: 9))])
                    .asArray(Double.self) == Array(repeating: 1.0, count: 9))
        #expect(throws: CotangentError.self) { try checked { grad(isclose(a, b).cast(to: .float64).sum(), wrt: a) } }
    }

    // MARK: Bad inputs

    @Test func badInputsAreErrorsFromChecked() {
        let A = Tensor.matrix("A", shape: [3, 4])
        let I = Tensor.matrix("I", dtype: .int32, shape: [3, 4])
        S.expectBuildError(["variance: axis 2 is out of bounds for an input of 2 dimensions (Matrix(int32, shape=(3, 4)))"]) {
            I.variance(axis: 2)
        }
        S.expectBuildError(["variance: ddof 3 must be less than the 3 elements reduced over axes [0] of Matrix(float64, shape=(3, 4))"]) {
            A.variance(axis: 0, ddof: 3)
        }
        S.expectBuildError(["standardDeviation: ddof 12 must be less than the 12 elements reduced over axes [0, 1]"]) {
            A.standardDeviation(ddof: 12)
        }
        S.expectBuildError(["standardDeviation: axis -3 is out of bounds", "Matrix(float64, shape=(3, 4))"]) {
            A.standardDeviation(axes: [0, -3])
        }
        S.expectBuildError(["median: axis 2 is out of bounds for a tensor of rank 2 (Matrix(int32, shape=(3, 4)))"]) {
            median(I, axis: 2)
        }
        S.expectBuildError(["median: axis 1 of Matrix(float64, shape=(3, 0)) is empty"]) {
            median(Tensor.matrix("E", shape: [3, 0]), axis: 1)
        }
        S.expectBuildError(["quantile: axis None of Matrix(float64, shape=(0, 4)) is empty"]) {
            quantile(Tensor.matrix("E", shape: [0, 4]), 0.5)
        }
        S.expectBuildError(["quantile: q must be in [0, 1], got 1.5 (q Scalar(float64, shape=()), x Matrix(float64, shape=(3, 4)))"]) {
            quantile(A, 1.5)
        }
        S.expectBuildError(["quantile: q must be in [0, 1], got -0.25", "x Matrix(float64, shape=(3, 4))"]) {
            quantile(A, [0.5, -0.25], axis: 0)
        }
        S.expectBuildError(["quantile: q must be in [0, 1], got nan"]) { quantile(A, .nan) }
        S.expectBuildError(["quantile: q must be a numeric tensor, got Vector(bool"]) {
            quantile(A, Variable(constant: NDArray([true])))
        }
        S.expectBuildError(["ptp: axis 3 is out of bounds", "Matrix(float64, shape=(3, 4))"]) { ptp(A, axis: 3) }
        S.expectBuildError(["ptp: a bool tensor has no difference (Vector(bool"]) { ptp(Tensor.vector("b", dtype: .bool)) }
        S.expectBuildError(["cov: expects a vector or a matrix, got Tensor3(int32, shape=(2, 3, 4))"]) {
            cov(Tensor.tensor3("T", dtype: .int32, shape: [2, 3, 4]))
        }
        S.expectBuildError(["cov: ddof 4 must be less than the 4 observations of Matrix(float64, shape=(3, 4))"]) {
            cov(A, ddof: 4)
        }
        S.expectBuildError(["cov: ddof 3 must be less than the 3 observations of Matrix(float64, shape=(3, 4))"]) {
            cov(A, rowVar: false, ddof: 3)
        }
        S.expectBuildError(["corrcoef: ddof 1 must be less than the 1 observations of Vector(float64, shape=(1,))"]) {
            corrcoef(Tensor.vector("v", shape: [1]))
        }
        S.expectBuildError(["corrcoef: expects a vector or a matrix, got Tensor3"]) { corrcoef(Tensor.tensor3("T")) }
        for (name, build) in [("nanSum", { nanSum(A, axis: 2) }), ("nanMean", { nanMean(A, axes: [0, 0]) }),
                              ("nanMax", { nanMax(A, axis: -3) }), ("nanMin", { nanMin(A, axis: 7) })] {
            S.expectBuildError(["\(name): axis", "Matrix(float64, shape=(3, 4))"], build)
        }
        S.expectBuildError(["isclose: shapes (3, 4) and (3,) do not broadcast (aligned dimension 1: 4 vs 3)",
                            "a Matrix(float64, shape=(3, 4)), b Vector(float64, shape=(3,))"]) {
            isclose(A, Tensor.vector("v", shape: [3]))
        }
        S.expectBuildError(["isclose: shapes"]) { allClose(Tensor.vector("v", shape: [2]), A) }
    }

    /// Lanes of length 0 known only at run time: the median, quantile and NaN-ignoring
    /// extrema throw (numpy raises too); the variance is NaN (0/0, numpy's value).
    @Test func emptyLanesAtRunTime() throws {
        let U = Tensor.matrix("U")
        let empty = ["U": NDArray.zeros([3, 0])]
        for output in [median(U, axis: 1), quantile(U, [0.5], axis: -1)] {
            let error = BasicOpsTesting.runtimeError(output, empty)
            #expect(BasicOpsTesting.matches(error, .invalidValue, ["index -1 is out of bounds for axis 1 with size 0"]),
                    "\(String(describing: error))")
        }
        for output in [nanMax(U, axis: 1), nanMin(U, axis: 1)] {
            let error = BasicOpsTesting.runtimeError(output, empty)
            #expect(BasicOpsTesting.matches(error, .invalidValue, ["zero-size array to reduction operation", "(3, 0)"]),
                    "\(String(describing: error))")
        }
        #expect(try U.variance(axis: 1).eval(empty).asArray(Double.self).allSatisfy(\.isNaN))
        #expect(try nanMean(U, axis: 1).eval(empty).asArray(Double.self).allSatisfy(\.isNaN))
        #expect(try nanSum(U, axis: 1).eval(empty).asArray(Double.self) == [0, 0, 0])
    }
}
