import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Alloc")
struct AllocTests {
    typealias T = BasicOpsTesting

    static let dtypes: [DType] = [.float64, .float32, .int64, .int32, .bool]

    @Test(arguments: dtypes)
    func broadcastsTheValue(dtype: DType) throws {
        let v = Tensor.vector("v", dtype: dtype, shape: [3])
        let y = alloc(v, shape: [2, 3])
        #expect(y.owner?.op.description == "Alloc")
        #expect(y.type == TensorType(dtype: dtype, shape: [2, 3]))
        let value = T.array([0, 1, 2], shape: [3], dtype: dtype)
        let result = try y.eval(["v": value])
        #expect(result.dtype == dtype && result.shape == [2, 3])
        let row = value.asArray(Double.self)
        #expect(result.asArray(Double.self) == row + row)
    }

    @Test func stretchesStaticallyUnitDimensions() throws {
        // np.broadcast_to([[1], [2]], (3, 2, 4))
        let v = Tensor.matrix("v", dtype: .int32, shape: [nil, 1])
        let n = Tensor.scalar("n", dtype: .int64)
        let y = alloc(v, shape: [3, n, 4])
        #expect(y.type.shape == [3, nil, 4])
        let result = try y.eval(["v": T.array([1, 2], shape: [2, 1], dtype: .int32), "n": NDArray(scalar: Int64(2))])
        #expect(result.shape == [3, 2, 4])
        #expect(result.asArray(Int32.self) == Array(repeating: [1, 1, 1, 1, 2, 2, 2, 2], count: 3).flatMap { $0 })
    }

    @Test func scalarValueAndNonContiguousValue() throws {
        #expect(try alloc(2.5, shape: [2, 2]).eval().asArray(Double.self) == [2.5, 2.5, 2.5, 2.5])
        let m = Tensor.matrix("m", shape: [2, 3])
        let y = alloc(m.T, shape: [2, 3, 2])
        let result = try y.eval(["m": NDArray([[0, 1, 2], [3, 4, 5]])])
        #expect(result.asArray(Double.self) == [0, 3, 1, 4, 2, 5, 0, 3, 1, 4, 2, 5])
    }

    @Test func outputIsAFreshArray() throws {
        let v = Tensor.vector("v", shape: [3])
        let y = alloc(v, shape: [3])
        let value = NDArray([1.0, 2.0, 3.0])
        let result = try y.owner!.op.perform([value, NDArray(scalar: Int8(3))], node: y.owner!)[0]
        #expect(result.storage !== value.storage)
        #expect(result.asArray(Double.self) == [1, 2, 3])
    }

    @Test func zerosOnesAndFull() throws {
        let z = zeros(shape: [2, 3], dtype: .int32)
        #expect(z.type == TensorType(dtype: .int32, shape: [2, 3]))
        #expect(try z.eval().asArray(Int32.self) == [0, 0, 0, 0, 0, 0])
        // Lengths are typed as PyTensor types Python ints: 2 and 3 are int8 constants.
        #expect(z.owner?.inputs.dropFirst().map(\.dtype) == [.int8, .int8])
        let o = ones(shape: [2], dtype: .bool)
        #expect(try o.eval().asArray(Bool.self) == [true, true])
        let f = full(shape: [3], value: 7.5)
        #expect(f.dtype == .float32)
        #expect(try f.eval().asArray(Float.self) == [7.5, 7.5, 7.5])
        #expect(try full(shape: [2], value: 7.5, dtype: .int32).eval().asArray(Int32.self) == [7, 7])
        let x = Tensor.matrix("x")
        let like = zeros(shape: [x.length(ofDimension: 1), 2])
        let result = try like.eval(["x": NDArray.zeros([4, 5])])
        #expect(result.shape == [5, 2] && result.dtype == .float64)
        #expect(try ones(shape: [0, 3]).eval().shape == [0, 3])
        #expect(try ones(shape: [Variable]()).eval().item(Double.self) == 1)
    }

    @Test func scalarKindLengthsAreConvertedToTensors() throws {
        let n = Tensor.scalar("n", dtype: .int64)
        let y = alloc(1.0, shape: [scalarFromTensor(n)])
        #expect(y.owner?.inputs[1].owner?.op is TensorFromScalar)
        #expect(try y.eval(["n": NDArray(scalar: Int64(3))]).shape == [3])
    }

    // MARK: - Static shapes and inferShape

    @Test func staticShapes() {
        let n = Tensor.scalar("n", dtype: .int64)
        #expect(alloc(Tensor.vector("v", shape: [3]), shape: [n, n]).type.shape == [nil, 3])
        #expect(alloc(Tensor.vector("v"), shape: [n, n]).type.shape == [nil, nil])
        #expect(alloc(Tensor.vector("v"), shape: [2]).type.shape == [2])
        #expect(alloc(Tensor.vector("v", shape: [1]), shape: [n]).type.shape == [nil])
        #expect(alloc(Tensor.vector("v", shape: [1]), shape: [5]).type.shape == [5])
        // Lengths read from static shapes fold, as PyTensor's infer_static_shape does.
        let x = Tensor.matrix("x", shape: [4, nil])
        #expect(alloc(0.0, shape: [x.length(ofDimension: 0), x.length(ofDimension: 1) + 1]).type.shape == [4, nil])
        #expect(alloc(0.0, shape: [x.length(ofDimension: 0) * 2]).type.shape == [8])
    }

    @Test func inferredShapesMatchRealShapes() throws {
        let x = Tensor.matrix("x")
        let n = Tensor.scalar("n", dtype: .int32)
        let v = Tensor.vector("v", shape: [1])
        let inputs: [String: NDArray] = ["x": NDArray.zeros([4, 5]), "n": NDArray(scalar: Int32(3)), "v": NDArray([2.0])]
        let cases: [Variable] = [
            alloc(v, shape: [n, x.length(ofDimension: 1)]),
            alloc(v, shape: [2, 3]),
            zeros(shape: [n]),
            full(shape: [x.length(ofDimension: 0) + n.cast(to: .int64), 2], value: 1),
        ]
        for output in cases {
            let shapes = try T.shapes(of: output, inputs)
            #expect(shapes.inferred == shapes.actual, "\(output): \(shapes)")
        }
        let dims = alloc(v, shape: [n, 2]).owner!.op.inferShape(
            alloc(v, shape: [n, 2]).owner!, inputShapes: [[shapeConstant(1)], [], []])!
        #expect(dims[0].map(\.dtype) == [.int64, .int64])
    }

    // MARK: - Errors

    @Test func constructionErrors() {
        let m = Tensor.matrix("m")
        let rank = T.buildError { alloc(m, shape: [3]) }
        #expect(T.matches(rank, .invalidGraph, ["Alloc", "2 dimensions", "1 lengths", "Matrix(float64, shape=(?, ?))"]))
        let float = T.buildError { alloc(1.0, shape: [Tensor.scalar("f")]) }
        #expect(T.matches(float, .invalidGraph, ["Alloc", "length 0", "integer 0-d", "Scalar(float64, shape=())"]))
        let vectorLength = T.buildError { alloc(1.0, shape: [Tensor.vector("l", dtype: .int64)]) }
        #expect(T.matches(vectorLength, .invalidGraph, ["Alloc", "Vector(int64, shape=(?,))"]))
        let incompatible = T.buildError { alloc(Tensor.vector("v", shape: [3]), shape: [2, 4]) }
        #expect(T.matches(incompatible, .invalidGraph, ["Alloc", "(3,)", "(2, 4)"]))
        let negative = T.buildError { zeros(shape: [2, -1]) }
        #expect(T.matches(negative, .invalidGraph, ["Alloc", "negative length -1"]))
    }

    @Test func runtimeErrors() {
        let n = Tensor.scalar("n", dtype: .int64)
        let v = Tensor.vector("v")
        let y = alloc(v, shape: [n])
        let negative = T.runtimeError(y, ["v": NDArray([1.0]), "n": NDArray(scalar: Int64(-2))])
        #expect(T.matches(negative, .invalidValue, ["Alloc", "negative dimensions", "(-2,)"]))
        let mismatch = T.runtimeError(y, ["v": NDArray([1.0, 2.0, 3.0]), "n": NDArray(scalar: Int64(4))])
        #expect(T.matches(mismatch, .shapeMismatch, ["Alloc", "shape (3,)", "(4,)"]))
        let runtimeBroadcast = T.runtimeError(y, ["v": NDArray([1.0]), "n": NDArray(scalar: Int64(4))])
        #expect(T.matches(runtimeBroadcast, .shapeMismatch, ["Alloc", "runtime broadcasting", "not statically 1"]))
        // After rewriting, the useless Alloc is gone but its shape check stays.
        let checked = expectEvalError(alloc(v, shape: [n]), ["v": NDArray([1.0, 2.0, 3.0]), "n": NDArray(scalar: Int64(4))])
        #expect(checked?.kind == .shapeMismatch)
        #expect(checked?.message.contains("Shapes must be equal") == true)
        let huge = T.runtimeError(zeros(shape: [n, n]), ["n": NDArray(scalar: Int64(1) << 32)])
        #expect(T.matches(huge, .invalidValue, ["Alloc", "too big", "(4294967296, 4294967296)", "float64"]))
    }
}

private func expectEvalError(_ output: Variable, _ inputs: [String: NDArray]) -> CotangentError? {
    do {
        _ = try output.eval(inputs)
        return nil
    } catch {
        return error as? CotangentError
    }
}
