import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("TensorFromScalar and ScalarFromTensor")
struct ScalarTensorConversionTests {
    typealias T = BasicOpsTesting

    @Test(arguments: [DType.float64, .float32, .int64, .int32, .bool])
    func roundTripIsTheIdentity(dtype: DType) throws {
        let x = Tensor.scalar("x", dtype: dtype)
        let s = scalarFromTensor(x)
        #expect(s.type == .scalar(dtype))
        #expect(s.type.description == dtype.rawValue)
        #expect(s.owner?.op.description == "ScalarFromTensor")
        let t = tensorFromScalar(s)
        #expect(t.type == TensorType(dtype: dtype, shape: []))
        #expect(t.owner?.op.description == "TensorFromScalar")
        let value = T.array([1], shape: [], dtype: dtype)
        #expect(try s.eval(["x": value]).asArray(Double.self) == [1])
        let result = try t.eval(["x": value])
        #expect(result.dtype == dtype && result.shape == [] && result.asArray(Double.self) == [1])
        #expect(try T.shapes(of: t, ["x": value]).inferred == [])
        #expect(s.symbolicShape.isEmpty)
    }

    @Test func constructionErrors() {
        let tensorInput = T.buildError { tensorFromScalar(Tensor.scalar("x")) }
        #expect(T.matches(tensorInput, .invalidGraph, ["TensorFromScalar", "scalar-kind", "Scalar(float64, shape=())"]))
        let vector = T.buildError { scalarFromTensor(Tensor.vector("v")) }
        #expect(T.matches(vector, .invalidGraph, ["ScalarFromTensor", "0-d tensor", "Vector(float64, shape=(?,))"]))
        let scalarKind = T.buildError { scalarFromTensor(Variable.scalarConstant(3)) }
        #expect(T.matches(scalarKind, .invalidGraph, ["ScalarFromTensor", "int64"]))
    }

    @Test func kernelsRejectNonScalarValues() {
        let s = scalarFromTensor(Tensor.scalar("x"))
        #expect {
            try s.owner!.op.perform([NDArray([1.0, 2.0])], node: s.owner!)
        } throws: { error in
            T.matches(error as? CotangentError, .shapeMismatch, ["ScalarFromTensor", "(2,)", "float64"])
        }
    }
}
