import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Join")
struct JoinTests {
    typealias T = BasicOpsTesting

    static let dtypes: [DType] = [.float64, .float32, .int64, .int32, .bool]
    static let a: [Double] = [0, 1, 2, 3, 4, 5]          // np.arange(6).reshape(2, 3)
    static let b: [Double] = [10, 11, 12, 13, 14, 15]    // np.arange(10, 16).reshape(2, 3)

    @Test(arguments: dtypes)
    func concatenatesAlongEachAxis(dtype: DType) throws {
        let (x, y) = (Tensor.matrix("x", dtype: dtype), Tensor.matrix("y", dtype: dtype))
        let inputs: [String: NDArray] = [
            "x": T.array(JoinTests.a, shape: [2, 3], dtype: dtype), "y": T.array(JoinTests.b, shape: [2, 3], dtype: dtype),
        ]
        let convert = { (values: [Double]) in T.array(values, shape: [values.count], dtype: dtype).asArray(Double.self) }
        // np.concatenate([a, b], axis=0) and axis=1 (== axis=-1)
        let rows = try concatenate([x, y]).eval(inputs)
        #expect(rows.dtype == dtype && rows.shape == [4, 3])
        #expect(rows.asArray(Double.self) == convert(JoinTests.a + JoinTests.b))
        let columns = [0.0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15]
        for axis in [1, -1] {
            let result = try concatenate([x, y], axis: axis).eval(inputs)
            #expect(result.shape == [2, 6])
            #expect(result.asArray(Double.self) == convert(columns))
        }
    }

    @Test func upcastsMixedDTypesAndReadsStridedInputs() throws {
        // np.concatenate([a.astype(int32), b.astype(float32)], axis=1) -> float64
        let x = Tensor.matrix("x", dtype: .int32)
        let y = Tensor.matrix("y", dtype: .float32)
        let joined = concatenate([x, y], axis: 1)
        #expect(joined.dtype == .float64)
        let result = try joined.eval([
            "x": T.array(JoinTests.a, shape: [2, 3], dtype: .int32), "y": T.array(JoinTests.b, shape: [2, 3], dtype: .float32),
        ])
        #expect(result.asArray(Double.self) == [0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15])
        // A transposed (non-contiguous) input: np.concatenate([a.T, [[7, 7]]])
        let m = Tensor.matrix("m")
        let t = concatenate([m.T, Tensor.matrix("r", shape: [1, 2])])
        let transposed = try t.eval(["m": NDArray(shape: [2, 3], elements: JoinTests.a), "r": NDArray([[7.0, 7.0]])])
        #expect(transposed.shape == [4, 2])
        #expect(transposed.asArray(Double.self) == [0, 3, 1, 4, 2, 5, 7, 7])
    }

    @Test func emptyPiecesAndSingleTensors() throws {
        let (x, y) = (Tensor.vector("x"), Tensor.vector("y"))
        let result = try concatenate([x, y, x]).eval(["x": NDArray.zeros([0]), "y": NDArray([1.0, 2.0])])
        #expect(result.asArray(Double.self) == [1, 2])
        #expect(concatenate([x]) === x)
    }

    @Test func axisIsAnInputConstantNormalisedToPositive() {
        let (x, y) = (Tensor.tensor3("x"), Tensor.tensor3("y"))
        let joined = concatenate([x, y], axis: -2)
        #expect(joined.owner?.op.description == "Join")
        let axis = joined.owner!.inputs[0]
        #expect(axis.type == TensorType(dtype: .int8, shape: []))
        #expect(axis.constantValue?.item(Int64.self) == 1)
        #expect(joined.owner!.inputs.count == 3)
    }

    @Test func stacksAlongANewAxis() throws {
        let (x, y) = (Tensor.matrix("x", dtype: .int64), Tensor.matrix("y", dtype: .int64))
        let inputs: [String: NDArray] = [
            "x": T.array(JoinTests.a, shape: [2, 3], dtype: .int64), "y": T.array(JoinTests.b, shape: [2, 3], dtype: .int64),
        ]
        // np.stack([a, b], axis=1) and axis=-1
        let middle = stack([x, y], axis: 1)
        #expect(middle.owner?.inputs[1].owner?.op.description == "ExpandDims{axis=1}")
        let result = try middle.eval(inputs)
        #expect(result.shape == [2, 2, 3])
        #expect(result.asArray(Int64.self) == [0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15])
        let last = try stack([x, y], axis: -1).eval(inputs)
        #expect(last.shape == [2, 3, 2])
        #expect(last.asArray(Int64.self) == [0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15])
        #expect(try stack([x, y]).eval(inputs).shape == [2, 2, 3])
    }

    // MARK: - Static shapes and inferShape

    @Test func staticShapes() {
        let known = Tensor.matrix("k", shape: [2, 3])
        #expect(concatenate([known, Tensor.matrix("o", shape: [4, 3])]).type.shape == [6, 3])
        #expect(concatenate([Tensor.matrix("p", shape: [nil, 3]), Tensor.matrix("q", shape: [2, nil])]).type.shape == [nil, 3])
        #expect(concatenate([known, Tensor.matrix("u")], axis: 1).type.shape == [2, nil])
        #expect(stack([known, known]).type.shape == [2, 2, 3])
        #expect(stack([known, known], axis: 2).type.shape == [2, 3, 2])
    }

    @Test func inferredShapesMatchRealShapes() throws {
        let (x, y, z) = (Tensor.matrix("x"), Tensor.matrix("y"), Tensor.matrix("z", shape: [nil, 2]))
        let inputs: [String: NDArray] = ["x": NDArray.zeros([3, 2]), "y": NDArray.zeros([4, 2]), "z": NDArray.zeros([1, 2])]
        let cases: [Variable] = [
            concatenate([x, y, z]), concatenate([x.T, y.T], axis: 1), concatenate([x, x], axis: -1),
            stack([x, x * 2], axis: 1), stack([z, z], axis: -1),
        ]
        for output in cases {
            let shapes = try T.shapes(of: output, inputs)
            #expect(shapes.inferred == shapes.actual, "\(output): \(shapes)")
        }
    }

    // MARK: - Errors

    @Test func constructionErrors() {
        let (v, m) = (Tensor.vector("v"), Tensor.matrix("m"))
        let empty = T.buildError { concatenate([]) }
        #expect(T.matches(empty, .invalidGraph, ["Join", "empty"]))
        let ranks = T.buildError { concatenate([v, m]) }
        #expect(T.matches(ranks, .invalidGraph, ["Join", "same number of dimensions", "[1, 2]", "Vector(float64, shape=(?,))"]))
        let scalars = T.buildError { concatenate([Tensor.scalar("a"), Tensor.scalar("b")]) }
        #expect(T.matches(scalars, .invalidGraph, ["Join", "0-d", "stack"]))
        let axis = T.buildError { concatenate([m, m], axis: 2) }
        #expect(T.matches(axis, .invalidGraph, ["Join", "axis 2 is out of bounds", "2 dimensions"]))
        let negativeAxis = T.buildError { concatenate([m, m], axis: -3) }
        #expect(T.matches(negativeAxis, .invalidGraph, ["Join", "axis -3 is out of bounds"]))
        let lengths = T.buildError { concatenate([Tensor.matrix("a", shape: [2, 3]), Tensor.matrix("b", shape: [2, 4])]) }
        #expect(T.matches(lengths, .invalidGraph, ["Join", "dimension 1", "static lengths 3, 4", "Matrix(float64, shape=(2, 3))"]))
        let symbolicAxis = T.buildError { build(Join(), Tensor.scalar("axis", dtype: .int64), m, m) }
        #expect(T.matches(symbolicAxis, .invalidGraph, ["Join", "integer 0-d constant", "axis"]))
        let stackAxis = T.buildError { stack([m, m], axis: 3) }
        #expect(T.matches(stackAxis, .invalidGraph, ["stack", "axis 3 is out of bounds [-3, 3)"]))
        let noTensors = T.buildError { stack([]) }
        #expect(T.matches(noTensors, .invalidGraph, ["stack", "no tensors"]))
    }

    @Test func runtimeErrors() {
        let (x, y) = (Tensor.matrix("x", dtype: .int32), Tensor.matrix("y", dtype: .int32))
        let error = T.runtimeError(concatenate([x, y]), ["x": NDArray.zeros([2, 3], dtype: .int32), "y": NDArray.zeros([2, 4], dtype: .int32)])
        #expect(T.matches(error, .shapeMismatch, ["Join", "except for the concatenation axis (0)", "(2, 3), (2, 4)", "int32"]))
    }
}
