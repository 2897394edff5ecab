import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Checks shared by the stable-reduction and statistics tests: values as built and after
/// rewriting against numpy literals, with their dtype and shape.
enum StatisticsTesting {
    /// Expects `output` (static type `dtype` and `staticShape`) to evaluate to `expected` of
    /// `shape`, both as built and rewritten (`fast_run`), within `tolerance` (at least 1e-6 for
    /// float32; NaN matches NaN, infinities must be equal).
    static func expectValues(
        _ output: Variable, _ feed: [String: NDArray], _ expected: [Double], shape: [Int], dtype: DType = .float64,
        staticShape: [Int?]? = nil, tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(output.dtype == dtype, "dtype \(output.type)", sourceLocation: sourceLocation)
        #expect(output.type.shape == (staticShape ?? shape.map { $0 }), "static shape \(output.type)",
                sourceLocation: sourceLocation)
        let reference = NDArray(shape: shape, elements: expected).converted(to: dtype)
        let tolerance = dtype == .float32 ? Swift.max(tolerance, 1e-6) : tolerance
        for mode in [CompileMode.unoptimized, .fastRun] {
            do {
                let value = try output.eval(feed, mode: mode)
                #expect(RewriteTesting.close(value, reference, tolerance: tolerance),
                        "\(mode.include): \(value) vs \(reference)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(mode.include): \(error)", sourceLocation: sourceLocation)
            }
        }
    }

    /// The error thrown when building `body` inside `checked`, expected to be an invalid graph
    /// whose message holds every fragment.
    static func expectBuildError(
        _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () -> Variable
    ) {
        let error = BasicOpsTesting.buildError(body)
        #expect(BasicOpsTesting.matches(error, .invalidGraph, fragments), "\(String(describing: error))",
                sourceLocation: sourceLocation)
    }

    /// A matrix with the values of `rows`.
    static func matrix(_ rows: [[Double]], dtype: DType = .float64) -> NDArray {
        NDArray(shape: [rows.count, rows[0].count], elements: rows.flatMap { $0 }).converted(to: dtype)
    }
}

@Suite("Stable reductions")
struct StableReductionsTests {
    typealias S = StatisticsTesting

    static let A: [[Double]] = [[0.5, -1.25, 2.0, 0.75], [3.5, -0.5, 1.0, -2.25], [-1.5, 2.5, 0.25, 1.75]]
    /// Large entries, whole rows of −inf and rows mixing −inf with finite values.
    static let L: [[Double]] = [
        [1000, 1000, 999], [-1000, -1000, -1001], [-.infinity, -.infinity, -.infinity], [-.infinity, 0, 1],
        [1e3, -.infinity, -1e3],
    ]

    // Values from scipy 1.17 (`scipy.special.logsumexp`, `softmax`, `log_softmax`) and numpy 2.4
    // (`np.logaddexp.accumulate`).

    @Test func logsumexpMatchesScipy() {
        let A = Tensor.matrix("A", shape: [3, 4])
        let feed = ["A": S.matrix(Self.A)]
        S.expectValues(logsumexp(A, axis: 1), feed, [2.4372280586139023, 3.5985625381567266, 2.967551510377903], shape: [3])
        S.expectValues(logsumexp(A, axis: -2), feed,
                       [3.5549852353771474, 2.5707424999363266, 2.432855466878769, 2.0765626412674703], shape: [4])
        S.expectValues(logsumexp(A), feed, [4.211107790170955], shape: [])
        S.expectValues(logsumexp(A, axes: [0, 1], keepDims: true), feed, [4.211107790170955], shape: [1, 1])
        S.expectValues(logsumexp(A, axis: 1, keepDims: true), feed,
                       [2.4372280586139023, 3.5985625381567266, 2.967551510377903], shape: [3, 1])
        // Unknown lengths keep unknown static lengths.
        let U = Tensor.matrix("A")
        S.expectValues(logsumexp(U, axis: 0, keepDims: true), feed,
                       [3.5549852353771474, 2.5707424999363266, 2.432855466878769, 2.0765626412674703],
                       shape: [1, 4], staticShape: [1, nil])
    }

    @Test(arguments: [DType.float64, .float32])
    func logsumexpOfLargeAndInfiniteEntries(dtype: DType) {
        let L = Tensor.matrix("L", dtype: dtype, shape: [5, 3])
        let expected: [Double] = dtype == .float64
            ? [1000.8619948040582, -999.1380051959418, -.infinity, 1.3132616875182228, 1000.0]
            : [1000.8619995117188, -999.1380004882812, -.infinity, 1.31326162815094, 1000.0]
        S.expectValues(logsumexp(L, axis: 1), ["L": S.matrix(Self.L, dtype: dtype)], expected, shape: [5], dtype: dtype)
    }

    @Test func integerAndBoolInputsAreFloat64() {
        let i = Tensor.vector("i", dtype: .int8, shape: [3])
        S.expectValues(logsumexp(i), ["i": NDArray([Int8(1), 2, 3])], [3.40760596444438], shape: [])
        let b = Tensor.vector("b", dtype: .bool, shape: [2])
        S.expectValues(softmax(b), ["b": NDArray([true, false])], [0.7310585786300049, 0.2689414213699951], shape: [2])
    }

    @Test func softmaxMatchesScipy() {
        let A = Tensor.matrix("A", shape: [3, 4])
        let feed = ["A": S.matrix(Self.A)]
        S.expectValues(softmax(A, axis: 1), feed, [
            0.1441028412999848, 0.02504131899511203, 0.6458241288588027, 0.18503171084610048, 0.9061390225780592,
            0.01659651512053028, 0.074380420421381, 0.0028840418800294863, 0.011475378826499254, 0.6265344548563729,
            0.0660362457031521, 0.2959539206139758,
        ], shape: [3, 4])
        S.expectValues(softmax(A, axis: 0), feed, [
            0.047123416524664154, 0.02191152554646392, 0.6486542370516473, 0.26538792877224193, 0.9464991225528937,
            0.04638669994587317, 0.23862655824004825, 0.013212886953789414, 0.006377460922442298, 0.9317017745076629,
            0.11271920470830459, 0.7213991842739687,
        ], shape: [3, 4])
        S.expectValues(softmax(A), feed, [
            0.024450422325815256, 0.004248846306585721, 0.10957919050275602, 0.03139496371509619, 0.4910998604126944,
            0.008994807701626672, 0.040311931366172914, 0.0015630632048901018, 0.003309004830719006,
            0.18066554220799536, 0.01904200805377148, 0.08534035937187706,
        ], shape: [3, 4])
    }

    @Test func logSoftmaxMatchesScipy() {
        let A = Tensor.matrix("A", shape: [3, 4])
        let feed = ["A": S.matrix(Self.A)]
        S.expectValues(logSoftmax(A, axis: 1), feed, [
            -1.9372280586139026, -3.6872280586139023, -0.43722805861390257, -1.6872280586139026, -0.09856253815672673,
            -4.0985625381567266, -2.5985625381567266, -5.8485625381567266, -4.467551510377903, -0.4675515103779026,
            -2.7175515103779024, -1.2175515103779027,
        ], shape: [3, 4])
        S.expectValues(logSoftmax(A, axis: -2), feed, [
            -3.0549852353771474, -3.8207424999363266, -0.43285546687876886, -1.3265626412674705, -0.05498523537714723,
            -3.0707424999363266, -1.432855466878769, -4.32656264126747, -5.054985235377147, -0.07074249993632657,
            -2.182855466878769, -0.3265626412674705,
        ], shape: [3, 4])
    }

    @Test(arguments: [DType.float64, .float32])
    func softmaxAndLogSoftmaxOfLargeAndInfiniteEntries(dtype: DType) {
        let L = Tensor.matrix("L", dtype: dtype, shape: [5, 3])
        let feed = ["L": S.matrix(Self.L, dtype: dtype)]
        let tolerance = dtype == .float32 ? 1e-6 : 1e-12
        // A row of −inf is NaN, as in scipy.
        S.expectValues(softmax(L, axis: 1), feed, [
            0.4223187982515182, 0.4223187982515182, 0.15536240349696362, 0.4223187982515182, 0.4223187982515182,
            0.15536240349696362, .nan, .nan, .nan, 0.0, 0.2689414213699951, 0.7310585786300049, 1.0, 0.0, 0.0,
        ], shape: [5, 3], dtype: dtype, tolerance: tolerance)
        S.expectValues(logSoftmax(L, axis: 1), feed, [
            -0.8619948040582511, -0.8619948040582511, -1.8619948040582512, -0.8619948040582511, -0.8619948040582511,
            -1.8619948040582512, .nan, .nan, .nan, -.infinity, -1.3132616875182228, -0.31326168751822286, 0.0,
            -.infinity, -2000.0,
        ], shape: [5, 3], dtype: dtype, tolerance: tolerance)
    }

    @Test func cumlogsumexpMatchesNumpy() {
        let C = Tensor.matrix("C", shape: [3, 4])
        let rows: [[Double]] = [[-.infinity, -.infinity, 0, 1000], [-1000, 0, 1000, -.infinity], [1.5, -2.0, 0.25, 3.0]]
        S.expectValues(cumlogsumexp(C, axis: 1), ["C": S.matrix(rows)], [
            -.infinity, -.infinity, 0.0, 1000.0, -1000.0, 0.0, 1000.0, 1000.0, 1.5, 1.5297504182726205,
            1.7751302622476353, 3.257580508495379,
        ], shape: [3, 4])
        let C32 = Tensor.matrix("C", dtype: .float32, shape: [3, 4])
        S.expectValues(cumlogsumexp(C32, axis: -1), ["C": S.matrix(rows, dtype: .float32)], [
            -.infinity, -.infinity, 0.0, 1000.0, -1000.0, 0.0, 1000.0, 1000.0, 1.5, 1.5297504663467407,
            1.775130271911621, 3.257580518722534,
        ], shape: [3, 4], dtype: .float32, tolerance: 1e-7)
        let A = Tensor.matrix("A")
        let feed = ["A": S.matrix(Self.A)]
        S.expectValues(cumlogsumexp(A, axis: 0), feed, [
            0.5, -1.25, 2.0, 0.75, 3.548587351573742, -0.11312899388510006, 2.313261687518223, 0.798587351573742,
            3.5549852353771474, 2.5707424999363266, 2.432855466878769, 2.0765626412674703,
        ], shape: [3, 4], staticShape: [nil, nil])
        S.expectValues(cumlogsumexp(A), feed, [
            0.5, 0.6602241504380872, 2.2326219831020326, 2.4372280586139023, 3.7967633016807585, 3.8102840307673187,
            3.8687301823812588, 3.8709290125557234, 3.8755680451571695, 4.1008660837213435, 4.121904529807961,
            4.211107790170955,
        ], shape: [12], staticShape: [nil])
        // Empty lanes and a length-1 axis.
        let E = Tensor.matrix("E", shape: [2, 0])
        S.expectValues(cumlogsumexp(E, axis: 1), ["E": NDArray.zeros([2, 0])], [], shape: [2, 0])
        S.expectValues(cumlogsumexp(E, axis: 0), ["E": NDArray.zeros([2, 0])], [], shape: [2, 0])
        #expect(cumlogsumexp(Tensor.scalar("s")).type.shape == [1])
    }

    @Test func printedGraphs() {
        let x = Tensor.vector("x")
        #expect(cumlogsumexp(x).dprint() == """
            CumLogSumExp{0} [id A]
             └─ x [id B]
            """)
        #expect(CumLogSumExp(axis: 2).description == "CumLogSumExp{2}")
    }

    @Test func inferredShapes() throws {
        let A = Tensor.matrix("A")
        let feed = ["A": S.matrix(Self.A)]
        for output in [cumlogsumexp(A, axis: 1), cumlogsumexp(A), logsumexp(A, axis: 0, keepDims: true),
                       softmax(A, axis: 1), logSoftmax(A)] {
            let (inferred, actual) = try BasicOpsTesting.shapes(of: output, feed)
            #expect(inferred == actual, "\(output.dprint())")
        }
    }

    @Test func badAxesAreErrors() {
        let A = Tensor.matrix("A", shape: [3, 4])
        S.expectBuildError(["logsumexp: axis 2 is out of bounds for an input of 2 dimensions", "Matrix(float64, shape=(3, 4))"]) {
            logsumexp(A, axis: 2)
        }
        S.expectBuildError(["logsumexp: axis -2 is repeated in [0, -2]", "Matrix(float64, shape=(3, 4))"]) {
            logsumexp(A, axes: [0, -2])
        }
        S.expectBuildError(["softmax: axis -3 is out of bounds", "Matrix(float64, shape=(3, 4))"]) { softmax(A, axis: -3) }
        S.expectBuildError(["logSoftmax: axis 5 is out of bounds", "Matrix(float64, shape=(3, 4))"]) {
            logSoftmax(A, axis: 5)
        }
        S.expectBuildError(["cumlogsumexp: axis 2 is out of bounds for a tensor of rank 2 (Matrix(float64, shape=(3, 4)))"]) {
            cumlogsumexp(A, axis: 2)
        }
        S.expectBuildError(["cumlogsumexp: axis 0 is out of bounds for a tensor of rank 0 (Scalar(int64"]) {
            cumlogsumexp(Tensor.scalar("s", dtype: .int64), axis: 0)
        }
        S.expectBuildError(["CumLogSumExp{0}: expects one float tensor", "Vector(int64"]) {
            build(CumLogSumExp(axis: 0), Tensor.vector("i", dtype: .int64))
        }
        S.expectBuildError(["CumLogSumExp{1}: axis 1 is out of range for Vector(float64"]) {
            build(CumLogSumExp(axis: 1), Tensor.vector("v"))
        }
    }

    /// An axis of length 0 known only at run time: the maximum has no value, so evaluating
    /// throws (as numpy's `max` does), naming the reduction, the shape and the dtype.
    @Test func emptyAxesAtRunTimeThrow() {
        let U = Tensor.matrix("U")
        let empty = ["U": NDArray.zeros([2, 0])]
        for output in [logsumexp(U, axis: 1), softmax(U, axis: 1), logSoftmax(U, axis: -1)] {
            let error = BasicOpsTesting.runtimeError(output, empty)
            #expect(BasicOpsTesting.matches(error, .invalidValue, [
                "Max{axis=1}", "zero-size array to reduction operation maximum which has no identity",
                "input shape (2, 0), dtype float64",
            ]), "\(String(describing: error))")
        }
        // Along the other axis every lane is empty and nothing is reduced.
        #expect((try? logsumexp(U, axis: 0).eval(empty).shape) == [0])
    }
}
