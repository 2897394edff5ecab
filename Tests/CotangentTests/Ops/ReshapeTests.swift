import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("Reshape")
struct ReshapeTests {
    typealias T = BasicOpsTesting

    static let dtypes: [DType] = [.float64, .float32, .int64, .int32, .bool]

    @Test(arguments: dtypes)
    func keepsRowMajorOrder(dtype: DType) throws {
        let x = Tensor.matrix("x", dtype: dtype)
        let value = T.array([0, 1, 2, 3, 4, 5], shape: [2, 3], dtype: dtype)
        for (shape, expected) in [([3, 2], [3, 2]), ([-1], [6]), ([1, -1, 2], [1, 3, 2]), ([6, 1], [6, 1])] {
            let y = x.reshaped(to: shape)
            let result = try y.eval(["x": value])
            #expect(result.dtype == dtype)
            #expect(result.shape == expected)
            #expect(result.asArray(Double.self) == value.asArray(Double.self))
        }
    }

    @Test func flattensATransposeInItsOwnOrder() throws {
        // numpy: np.arange(6).reshape(2, 3).T.ravel() == [0, 3, 1, 4, 2, 5]
        let a = Tensor.matrix("A", shape: [2, nil])
        let flat = a.T.flattened()
        #expect(flat.owner?.op.description == "Reshape{1}")
        #expect(flat.owner?.inputs[1].constantValue?.asArray(Int64.self) == [-1])
        let result = try flat.eval(["A": NDArray([[0, 1, 2], [3, 4, 5]])])
        #expect(result.asArray(Double.self) == [0, 3, 1, 4, 2, 5])
    }

    @Test func reshapesToSymbolicShapes() throws {
        let x = Tensor.vector("x", dtype: .int32)
        let y = Tensor.matrix("y")
        let value = T.array([1, 2, 3, 4, 5, 6], shape: [6], dtype: .int32)
        let inputs: [String: NDArray] = ["x": value, "y": NDArray.zeros([3, 2])]
        let byShape = x.reshaped(to: y.shape)
        #expect(try byShape.eval(inputs).shape == [3, 2])
        let byScalars = x.reshaped(to: [y.length(ofDimension: 1), -1])
        #expect(byScalars.owner?.inputs[1].owner?.op.description == "MakeVector{dtype='int64'}")
        let result = try byScalars.eval(inputs)
        #expect(result.shape == [2, 3])
        #expect(result.asArray(Int32.self) == [1, 2, 3, 4, 5, 6])
    }

    @Test func scalarShapeEntryMinusOneAtRunTime() throws {
        let x = Tensor.vector("x")
        let n = Tensor.scalar("n", dtype: .int64)
        let y = x.reshaped(to: [n, 2])
        let inputs: [String: NDArray] = ["x": NDArray.zeros([8]), "n": NDArray(scalar: Int64(-1))]
        let shapes = try T.shapes(of: y, inputs)
        #expect(shapes.actual == [4, 2])
        #expect(shapes.inferred == shapes.actual)
    }

    @Test func unknownLengthShapeVectorIsPinnedBySpecifyShape() throws {
        let x = Tensor.vector("x")
        let shape = Tensor.vector("s", dtype: .int64)
        let y = x.reshaped(to: shape, ndim: 2)
        #expect(y.owner?.inputs[1].owner?.op is SpecifyShape)
        #expect(y.type.shape == [nil, nil])
        let inputs: [String: NDArray] = ["x": NDArray.zeros([6]), "s": NDArray([Int64(3), -1])]
        let shapes = try T.shapes(of: y, inputs)
        #expect(shapes.actual == [3, 2])
        #expect(shapes.inferred == shapes.actual)
        let wrongLength = T.runtimeError(y, ["x": NDArray.zeros([6]), "s": NDArray([Int64(1), 2, 3])])
        #expect(T.matches(wrongLength, .shapeMismatch, ["SpecifyShape", "(2,)", "(3,)"]))
    }

    @Test func contiguousInputGivesAView() throws {
        let x = Tensor.matrix("x")
        let y = x.reshaped(to: [6])
        let value = NDArray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        let result = try y.owner!.op.perform([value, NDArray([Int64(6)])], node: y.owner!)[0]
        #expect(result.storage === value.storage)
        let transposed = try y.owner!.op.perform([value.transposed([1, 0]), NDArray([Int64(-1)])], node: y.owner!)[0]
        #expect(transposed.asArray(Double.self) == [1, 4, 2, 5, 3, 6])
    }

    @Test func zeroSizedShapes() throws {
        let x = Tensor.vector("x")
        #expect(try x.reshaped(to: [0, 5]).eval(["x": NDArray.zeros([0])]).shape == [0, 5])
        #expect(try x.reshaped(to: [-1, 5]).eval(["x": NDArray.zeros([0])]).shape == [0, 5])
        // numpy: cannot reshape array of size 0 into shape (0,newaxis)
        let error = T.runtimeError(x.reshaped(to: [0, -1]), ["x": NDArray.zeros([0])])
        #expect(T.matches(error, .shapeMismatch, ["Reshape{2}", "size 0", "(0, -1)"]))
    }

    @Test func zeroDimensionalInputAndOutput() throws {
        let s = Tensor.scalar("s")
        let up = s.reshaped(to: [1, -1])
        #expect(up.type.shape == [1, 1])
        let shapes = try T.shapes(of: up, ["s": 2.5])
        #expect(shapes.actual == [1, 1] && shapes.inferred == [1, 1])
        let v = Tensor.vector("v", shape: [1])
        let down = v.reshaped(to: [Int]())
        #expect(down.type.shape == [])
        #expect(try down.eval(["v": NDArray([4.0])]).item(Double.self) == 4)
    }

    // MARK: - Static shapes

    @Test func staticShapes() {
        let known = Tensor.matrix("k", shape: [2, 3])
        let unknown = Tensor.matrix("u")
        #expect(known.reshaped(to: [3, -1]).type.shape == [3, 2])
        #expect(known.flattened().type.shape == [6])
        #expect(unknown.reshaped(to: [3, -1]).type.shape == [3, nil])
        #expect(Tensor.matrix("a", shape: [2, nil]).T.flattened().type.shape == [nil])
        let n = Tensor.scalar("n", dtype: .int64)
        #expect(unknown.reshaped(to: [n, 2]).type.shape == [nil, 2])
        // A single symbolic entry follows from a fully known input, as in PyTensor.
        #expect(known.reshaped(to: [n, 2]).type.shape == [3, 2])
        #expect(unknown.reshaped(to: known.shape).type.shape == [2, 3])
        #expect(unknown.reshaped(to: Tensor.vector("s", dtype: .int64, shape: [2])).type.shape == [nil, nil])
    }

    @Test func staticShapeOfTheSeedsBatchedReshape() {
        // Reshape{3}(Eye, MakeVector(n, A.T.shape[0], A.T.shape[1])) with A of shape (2, ?).
        let a = Tensor.matrix("A", shape: [2, nil])
        let n = Tensor.scalar("n", dtype: .int64)
        let batched = eye(n).reshaped(to: [n, a.T.length(ofDimension: 0), a.T.length(ofDimension: 1)])
        #expect(batched.owner?.op.description == "Reshape{3}")
        #expect(batched.type.description == "Tensor3(float64, shape=(?, ?, 2))")
        let square = batched.T.reshaped(to: [6, 6])
        #expect(square.type.description == "Matrix(float64, shape=(6, 6))")
    }

    // MARK: - inferShape

    @Test func inferredShapesMatchRealShapes() throws {
        let x = Tensor.matrix("x")
        let y = Tensor.tensor3("y")
        let n = Tensor.scalar("n", dtype: .int32)
        let inputs: [String: NDArray] = [
            "x": NDArray.zeros([4, 6]), "y": NDArray.zeros([2, 3, 4]), "n": NDArray(scalar: Int32(8)),
        ]
        let cases: [Variable] = [
            x.reshaped(to: [3, -1]),
            x.reshaped(to: [-1]),
            x.flattened(),
            x.reshaped(to: [2, 3, 4]),
            x.reshaped(to: y.shape),
            x.reshaped(to: [n, -1]),
            x.reshaped(to: [y.length(ofDimension: 2), n.cast(to: .int64) - 2]),
            x.reshaped(to: [-1, n]),
            x.reshaped(to: makeVector([n, 3]), ndim: 2),
            x.reshaped(to: y.shape.reshaped(to: [3]) , ndim: 3),
            x.T.reshaped(to: [2, 2, -1]),
        ]
        for output in cases {
            let shapes = try T.shapes(of: output, inputs)
            #expect(shapes.inferred == shapes.actual, "\(output): \(shapes)")
        }
    }

    @Test func inferShapeUsesShapeEntriesDirectly() {
        let x = Tensor.matrix("x")
        let y = Tensor.matrix("y")
        let byShape = x.reshaped(to: y.shape)
        let dims = byShape.symbolicShape
        #expect(dims.map { $0.owner?.op.description } == ["Shape_i{0}", "Shape_i{1}"])
        #expect(dims.allSatisfy { $0.owner?.inputs[0] === y })
        // A symbolic vector that is not a constant, MakeVector or Shape: inferShape cannot say.
        let s = Tensor.vector("s", dtype: .int64, shape: [2])
        let opaque = x.reshaped(to: s * 1)
        #expect(opaque.owner!.op.inferShape(opaque.owner!, inputShapes: [x.symbolicShape, [shapeConstant(2)]]) == nil)
    }

    // MARK: - Construction errors

    @Test func constructionErrors() {
        let x = Tensor.matrix("x", shape: [2, 3])
        let float = T.buildError { x.reshaped(to: Tensor.vector("f", shape: [2])) }
        #expect(T.matches(float, .invalidGraph, ["Reshape{2}", "integer dtype", "float64", "Matrix(float64, shape=(2, 3))"]))
        let matrixShape = T.buildError { x.reshaped(to: Tensor.matrix("m", dtype: .int64), ndim: 2) }
        #expect(T.matches(matrixShape, .invalidGraph, ["Reshape{2}", "must be a vector"]))
        let wrongLength = T.buildError { build(Reshape(ndim: 3), x, Variable(constant: NDArray([Int64(6), 1]))) }
        #expect(T.matches(wrongLength, .invalidGraph, ["Reshape{3}", "2 entries, expected 3"]))
        let twoUnknown = T.buildError { x.reshaped(to: [-1, -1]) }
        #expect(T.matches(twoUnknown, .invalidGraph, ["Reshape{2}", "more than one -1", "(-1, -1)"]))
        let negative = T.buildError { x.reshaped(to: [-2, 3]) }
        #expect(T.matches(negative, .invalidGraph, ["Reshape{2}", "negative length -2"]))
        let size = T.buildError { x.reshaped(to: [4, 2]) }
        #expect(T.matches(size, .invalidGraph, ["Reshape{2}", "static shape (2, 3)", "(4, 2)"]))
        let indivisible = T.buildError { x.reshaped(to: [4, -1]) }
        #expect(T.matches(indivisible, .invalidGraph, ["Reshape{2}", "(2, 3)", "(4, -1)"]))
        let overflow = T.buildError { x.reshaped(to: [Int.max, 4]) }
        #expect(T.matches(overflow, .invalidGraph, ["Reshape{2}", "static shape (2, 3)"]))
        // No array has Int.max × 4 elements (numpy: "array is too big"): an error while building.
        let tooBig = T.buildError { Tensor.matrix("u").reshaped(to: [Int.max, 4]) }
        #expect(T.matches(tooBig, .invalidGraph, ["Reshape{2}", "too big"]))
        let tooBigInferred = T.buildError { Tensor.matrix("u").reshaped(to: [Int.max, 4, -1]) }
        #expect(T.matches(tooBigInferred, .invalidGraph, ["Reshape{3}", "too big"]))
        #expect(Tensor.vector("z", shape: [0]).reshaped(to: [0, Int.max, Int.max]).type.shape == [0, Int.max, Int.max])
        let unknownRank = T.buildError { x.reshaped(to: Tensor.vector("s", dtype: .int64)) }
        #expect(T.matches(unknownRank, .invalidGraph, ["Reshape", "cannot be determined", "pass ndim"]))
    }

    // MARK: - Runtime errors

    @Test func runtimeErrors() throws {
        let x = Tensor.vector("x")
        let s = Tensor.vector("s", dtype: .int64, shape: [2])
        let y = x.reshaped(to: s)
        let six = NDArray.zeros([6])
        let mismatch = T.runtimeError(y, ["x": six, "s": NDArray([Int64(4), 2])])
        #expect(T.matches(mismatch, .shapeMismatch, ["Reshape{2}", "size 6", "(4, 2)", "(6,)", "float64"]))
        let indivisible = T.runtimeError(y, ["x": six, "s": NDArray([Int64(4), -1])])
        #expect(T.matches(indivisible, .shapeMismatch, ["Reshape{2}", "size 6", "(4, -1)"]))
        let twoUnknown = T.runtimeError(y, ["x": six, "s": NDArray([Int64(-1), -1])])
        #expect(T.matches(twoUnknown, .invalidValue, ["Reshape{2}", "one unknown", "(-1, -1)"]))
        let negative = T.runtimeError(y, ["x": six, "s": NDArray([Int64(-3), -2])])
        #expect(T.matches(negative, .invalidValue, ["Reshape{2}", "negative length -3"]))
        let overflow = T.runtimeError(y, ["x": six, "s": NDArray([Int64.max, 4])])
        #expect(T.matches(overflow, .shapeMismatch, ["Reshape{2}", "size 6"]))
        // The kernel checks the shape vector's length itself too.
        let node = y.owner!
        #expect(throws: CotangentError.self) {
            try node.op.perform([six, NDArray([Int64(1), 2, 3])], node: node)
        }
        do {
            _ = try node.op.perform([six, NDArray([Int64(1), 2, 3])], node: node)
        } catch let error as CotangentError {
            #expect(T.matches(error, .shapeMismatch, ["Reshape{2}", "3 entries", "expected 2"]))
        }
    }
}
