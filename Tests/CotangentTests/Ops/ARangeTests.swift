import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("ARange")
struct ARangeTests {
    typealias T = BasicOpsTesting

    /// (start, stop, step, dtype, numpy's np.arange(start, stop, step, dtype).tolist()).
    static let cases: [(Double, Double, Double, DType, [Double])] = [
        (0, 5, 1, .int64, [0, 1, 2, 3, 4]),
        (10, 0, -3, .int64, [10, 7, 4, 1]),
        (5, 1, 1, .int64, []),
        (0.1, 1.0, 0.1, .float64, [0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6, 0.7000000000000001, 0.8, 0.9]),
        (1.5, -2, -0.7, .float64, [1.5, 0.8, 0.10000000000000009, -0.5999999999999996, -1.2999999999999998]),
        // float32 fills compute `first + i * delta` in float32, not in double.
        (0.3, 5, 0.7, .float32, [
            0.30000001192092896, 1.0, 1.7000000476837158, 2.3999998569488525, 3.0999999046325684,
            3.799999952316284, 4.5,
        ]),
        (0, 1, 0.25, .float32, [0, 0.25, 0.5, 0.75]),
        (-2, 7, 2.5, .int32, [-2, 0, 2, 4]),
        (250, 260, 3, .uint8, [250, 253, 0, 3]),
        (3, 20, 4, .int8, [3, 7, 11, 15, 19]),
        // A positive quotient that rounds to 0 still gives one element, as in numpy.
        (0, 1e-320, 1e10, .float64, [0]),
        (0, 1, .infinity, .float64, [0]),
        (0, 1, -.infinity, .float64, []),
    ]

    @Test(arguments: 0..<cases.count)
    func matchesNumpy(index: Int) throws {
        let (start, stop, step, dtype, expected) = ARangeTests.cases[index]
        let integral = [start, stop, step].allSatisfy { $0 == $0.rounded() && $0.isFinite }
        func bound(_ value: Double) -> Variable {
            Variable(constant: integral ? NDArray(scalar: Int64(value)) : NDArray(scalar: value))
        }
        let constant = arange(bound(start), bound(stop), step: bound(step), dtype: dtype)
        #expect(constant.type == TensorType(dtype: dtype, shape: [expected.count]))
        let result = try constant.eval()
        #expect(result.dtype == dtype)
        #expect(result.asArray(Double.self) == expected)
        // The same range from runtime values.
        let boundDType: DType = integral ? .int64 : .float64
        let (a, b, s) = (Tensor.scalar("a", dtype: boundDType), Tensor.scalar("b", dtype: boundDType), Tensor.scalar("s", dtype: boundDType))
        let symbolic = arange(a, b, step: s, dtype: dtype)
        #expect(symbolic.type.shape == [nil])
        let inputs: [String: NDArray] = [
            "a": bound(start).constantValue!, "b": bound(stop).constantValue!, "s": bound(step).constantValue!,
        ]
        #expect(try symbolic.eval(inputs).asArray(Double.self) == expected)
        let shapes = try T.shapes(of: symbolic, inputs)
        #expect(shapes.inferred == shapes.actual && shapes.actual == [expected.count])
    }

    @Test func dtypeFollowsPyTensorsArange() {
        #expect(arange(5).owner?.op.description == "ARange{dtype='int64'}")
        #expect(arange(Tensor.scalar("n", dtype: .int32)).dtype == .int64)
        #expect(arange(Tensor.scalar("n", dtype: .uint8)).dtype == .int64)
        #expect(arange(Tensor.scalar("f", dtype: .float32)).dtype == .float32)
        #expect(arange(0, 1, step: 0.25).dtype == .float32)
        #expect(arange(0, 1, step: 0.1).dtype == .float64)
        #expect(arange(0, 1, step: 0.25, dtype: .float64).description == "ARange{dtype='float64'}.0")
    }

    @Test func staticShapeOnlyFromConstants() {
        #expect(arange(7).type.shape == [7])
        #expect(arange(2, 11, step: 3).type.shape == [3])
        // As in PyTensor, a static length from Shape_i is not folded into ARange's type.
        let x = Tensor.vector("x", shape: [4])
        #expect(arange(x.length(ofDimension: 0)).type.shape == [nil])
    }

    @Test func inferredShapesMatchRealShapes() throws {
        let n = Tensor.scalar("n", dtype: .int32)
        let m = Tensor.scalar("m", dtype: .int64)
        let f = Tensor.scalar("f", dtype: .float32)
        let x = Tensor.vector("x")
        let cases: [Variable] = [
            arange(n), arange(m, n), arange(n, m), arange(n, m, step: 3), arange(m, n, step: -2),
            arange(f), arange(0.5, f), arange(f, 0, step: -0.3), arange(x.length(ofDimension: 0)),
        ]
        for (values, xLength) in [((5, 2, 2.5), 3), ((-3, 4, 0.2), 0), ((0, 0, 7.0), 1)] {
            let inputs: [String: NDArray] = [
                "n": NDArray(scalar: Int32(values.0)), "m": NDArray(scalar: Int64(values.1)),
                "f": NDArray(scalar: Float(values.2)), "x": NDArray.zeros([xLength]),
            ]
            for output in cases {
                let shapes = try T.shapes(of: output, inputs)
                #expect(shapes.inferred == shapes.actual, "\(output) with \(values): \(shapes)")
            }
        }
    }

    @Test func constructionErrors() {
        let zeroStep = T.buildError { arange(0, 5, step: 0) }
        #expect(T.matches(zeroStep, .invalidGraph, ["ARange{dtype='int64'}", "step 0", "Scalar(int8, shape=())"]))
        let nan = T.buildError { arange(0, Variable(Double.nan)) }
        #expect(T.matches(nan, .invalidGraph, ["ARange{dtype='float64'}", "nan"]))
        let vector = T.buildError { arange(Tensor.vector("v", dtype: .int64)) }
        #expect(T.matches(vector, .invalidGraph, ["ARange", "stop must be 0-d", "Vector(int64, shape=(?,))"]))
        let bool = T.buildError { arange(0, 2, dtype: .bool) }
        #expect(T.matches(bool, .invalidGraph, ["ARange{dtype='bool'}", "not supported"]))
    }

    @Test func runtimeErrors() throws {
        let (a, b, s) = (Tensor.scalar("a"), Tensor.scalar("b"), Tensor.scalar("s"))
        let y = arange(a, b, step: s)
        func run(_ start: Double, _ stop: Double, _ step: Double) -> CotangentError? {
            T.runtimeError(y, ["a": NDArray(scalar: start), "b": NDArray(scalar: stop), "s": NDArray(scalar: step)])
        }
        #expect(T.matches(run(0, 5, 0), .invalidValue, ["ARange{dtype='float64'}", "step is zero", "stop 5.0"]))
        #expect(T.matches(run(0, .nan, 1), .invalidValue, ["ARange", "cannot compute length"]))
        #expect(T.matches(run(0, .infinity, 1), .invalidValue, ["ARange", "maximum allowed size"]))
        #expect(T.matches(run(0, 1e18, 1), .invalidValue, ["ARange", "too big"]))
        let i = Tensor.scalar("i", dtype: .int64)
        let integers = arange(i, 0, step: i)
        let overflow = T.runtimeError(integers, ["i": NDArray(scalar: Int64.max)])
        #expect(overflow == nil)  // length 0: start + step is never needed
        // Length 1: start + step would overflow, but numpy never stores it and neither does this.
        let single = arange(i, Variable(constant: NDArray(scalar: Int64.max)), step: i)
        #expect(try single.eval(["i": NDArray(scalar: Int64.max - 2)]).asArray(Int64.self) == [Int64.max - 2])
    }
}
