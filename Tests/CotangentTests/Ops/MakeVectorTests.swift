import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("MakeVector")
struct MakeVectorTests {
    typealias T = BasicOpsTesting

    @Test(arguments: [DType.float64, .float32, .int64, .int32, .bool])
    func gathersScalars(dtype: DType) throws {
        let (a, b) = (Tensor.scalar("a", dtype: dtype), Tensor.scalar("b", dtype: dtype))
        let v = makeVector([a, b, a])
        #expect(v.owner?.op.description == "MakeVector{dtype='\(dtype)'}")
        #expect(v.type == TensorType(dtype: dtype, shape: [3]))
        let inputs: [String: NDArray] = [
            "a": T.array([1], shape: [], dtype: dtype), "b": T.array([0], shape: [], dtype: dtype),
        ]
        let result = try v.eval(inputs)
        #expect(result.dtype == dtype)
        #expect(result.asArray(Double.self) == [1, 0, 1])
        let shapes = try T.shapes(of: v, inputs)
        #expect(shapes.inferred == [3] && shapes.actual == [3])
    }

    @Test func castsInputsToTheUpcast() throws {
        let n = Tensor.scalar("n", dtype: .int32)
        let x = Tensor.matrix("x")
        let v = makeVector([x.length(ofDimension: 1), n, 2])
        #expect(v.dtype == .int64)
        let inputs = v.owner!.inputs
        #expect(inputs[0].owner?.op is ShapeI)
        #expect(inputs[1].owner?.op.description == "Cast{int64}")
        #expect(inputs.allSatisfy { $0.dtype == .int64 })
        let result = try v.eval(["x": NDArray.zeros([2, 5]), "n": NDArray(scalar: Int32(-7))])
        #expect(result.asArray(Int64.self) == [5, -7, 2])
        // An explicit wider dtype casts too.
        #expect(try makeVector([1, 2], dtype: .float64).eval().asArray(Double.self) == [1, 2])
    }

    @Test func emptyVector() throws {
        let v = makeVector([])
        #expect(v.type == TensorType(dtype: .int64, shape: [0]))
        let result = try v.eval()
        #expect(result.shape == [0] && result.dtype == .int64)
    }

    @Test func stackOfScalarsIsAMakeVector() throws {
        let x = Tensor.scalar("x", dtype: .float32)
        let v = stack([x, 2.5, 1])
        #expect(v.owner?.op.description == "MakeVector{dtype='float32'}")
        #expect(try v.eval(["x": NDArray(scalar: Float(0.5))]).asArray(Float.self) == [0.5, 2.5, 1])
        let single = stack([x])
        #expect(single.owner?.op.description == "ExpandDims{axis=0}")
        #expect(single.type.shape == [1])
    }

    @Test func constructionErrors() {
        let vector = T.buildError { makeVector([Tensor.scalar("a"), Tensor.vector("v")]) }
        #expect(T.matches(vector, .invalidGraph, ["MakeVector{dtype='float64'}", "0-d", "Vector(float64, shape=(?,))"]))
        let narrowing = T.buildError { makeVector([Tensor.scalar("a"), 1], dtype: .int64) }
        #expect(T.matches(narrowing, .invalidGraph, ["MakeVector{dtype='int64'}", "float64, int8", "upcast to float64"]))
    }

    @Test func kernelRejectsNonScalarValues() {
        let v = makeVector([Tensor.scalar("a"), Tensor.scalar("b")])
        #expect {
            try v.owner!.op.perform([NDArray(scalar: 1.0), NDArray([1.0, 2.0])], node: v.owner!)
        } throws: { error in
            T.matches(error as? CotangentError, .shapeMismatch, ["MakeVector", "input 1", "(2,)"])
        }
    }
}
