import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Eye")
struct EyeTests {
    typealias T = BasicOpsTesting

    /// (n, m, k, dtype, numpy's np.eye(n, m, k, dtype).ravel() as doubles).
    static let cases: [(Int, Int, Int, DType, [Double])] = [
        (3, 3, 0, .float64, [1, 0, 0, 0, 1, 0, 0, 0, 1]),
        (3, 4, 1, .int32, [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
        (4, 3, -1, .bool, [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
        (2, 3, -5, .float32, [0, 0, 0, 0, 0, 0]),
        (2, 2, 2, .int64, [0, 0, 0, 0]),
        (0, 3, 0, .float64, []),
    ]

    @Test(arguments: 0..<cases.count)
    func matchesNumpy(index: Int) throws {
        let (n, m, k, dtype, expected) = EyeTests.cases[index]
        let constant = eye(n, m, k: k, dtype: dtype)
        #expect(constant.type == TensorType(dtype: dtype, shape: [n, m]))
        let fromConstants = try constant.eval()
        #expect(fromConstants.dtype == dtype && fromConstants.shape == [n, m])
        #expect(fromConstants.asArray(Double.self) == expected)
        let (sn, sm, sk) = (Tensor.scalar("n", dtype: .int64), Tensor.scalar("m", dtype: .int32), Tensor.scalar("k", dtype: .int8))
        let symbolic = eye(sn, sm, k: sk, dtype: dtype)
        #expect(symbolic.type.shape == [nil, nil])
        let inputs: [String: NDArray] = [
            "n": NDArray(scalar: Int64(n)), "m": NDArray(scalar: Int32(m)), "k": NDArray(scalar: Int8(k)),
        ]
        #expect(try symbolic.eval(inputs).asArray(Double.self) == expected)
        let shapes = try T.shapes(of: symbolic, inputs)
        #expect(shapes.inferred == shapes.actual && shapes.actual == [n, m])
    }

    @Test func printsLikePyTensorWithAnInt8ZeroOffset() {
        let x = Tensor.vector("x")
        let n = x.length(ofDimension: 0)
        let identity = eye(n)
        #expect(identity.owner?.op.description == "Eye{dtype='float64'}")
        let inputs = identity.owner!.inputs
        #expect(inputs[0] === n && inputs[1] === n)
        #expect(inputs[2].type == TensorType(dtype: .int8, shape: []))
        #expect(inputs[2].constantValue?.item(Int64.self) == 0)
        #expect(Eye(dtype: .int32).description == "Eye{dtype='int32'}")
    }

    @Test func staticShapeFoldsKnownLengths() {
        let x = Tensor.vector("x", shape: [5])
        #expect(eye(x.length(ofDimension: 0)).type.shape == [5, 5])
        #expect(eye(x.length(ofDimension: 0), Tensor.scalar("m", dtype: .int64)).type.shape == [5, nil])
        #expect(eye(3).type.shape == [3, 3])
    }

    @Test func hugeOffsetsGiveZeroMatrices() throws {
        let k = Tensor.scalar("k", dtype: .int64)
        let y = eye(Variable(constant: NDArray(scalar: Int64(2))), 3, k: k)
        for offset in [Int64.max, Int64.min, 3, -2] {
            #expect(try y.eval(["k": NDArray(scalar: offset)]).asArray(Double.self) == [0, 0, 0, 0, 0, 0])
        }
        #expect(try y.eval(["k": NDArray(scalar: Int64(2))]).asArray(Double.self) == [0, 0, 1, 0, 0, 0])
    }

    @Test func constructionErrors() {
        let float = T.buildError { eye(Tensor.scalar("f")) }
        #expect(T.matches(float, .invalidGraph, ["Eye{dtype='float64'}", "n must be an integer 0-d", "Scalar(float64, shape=())"]))
        let vector = T.buildError { eye(Tensor.scalar("n", dtype: .int64), k: Tensor.vector("k", dtype: .int64)) }
        #expect(T.matches(vector, .invalidGraph, ["Eye", "k must be", "Vector(int64, shape=(?,))"]))
        let negative = T.buildError { eye(-2) }
        #expect(T.matches(negative, .invalidGraph, ["Eye", "negative length -2"]))
    }

    @Test func runtimeErrors() {
        let n = Tensor.scalar("n", dtype: .int64)
        let negative = T.runtimeError(eye(n), ["n": NDArray(scalar: Int64(-1))])
        #expect(T.matches(negative, .invalidValue, ["Eye{dtype='float64'}", "negative dimensions", "(-1, -1)"]))
        let huge = T.runtimeError(eye(n), ["n": NDArray(scalar: Int64(1) << 40)])
        #expect(T.matches(huge, .invalidValue, ["Eye", "too big"]))
    }
}
