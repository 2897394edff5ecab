import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// The error a throwing closure throws, as a `CotangentError`.
func cotangentError(_ body: () throws -> Void) -> CotangentError? {
    do {
        try body()
        return nil
    } catch {
        return error as? CotangentError
    }
}

@Suite("Subtensor")
struct SubtensorTests {
    static let dtypes: [DType] = [.float64, .float32, .int64, .int32, .bool]

    // MARK: - Values

    @Test(arguments: IndexCase.cases, dtypes)
    func valuesMatchNumpy(_ example: IndexCase, dtype: DType) throws {
        let source = example.input.value
        let x = Tensor.tensor("x", dtype: dtype, shape: source.shape.map { _ in nil })
        let y = example.index(x)
        let result = try y.eval(["x": source.converted(to: dtype)])
        let expected = NDArray(shape: example.shape, elements: example.values).converted(to: dtype)
        #expect(y.dtype == dtype)
        #expect(result.dtype == dtype)
        #expect(result.shape == example.shape)
        #expect(result.asArray(Double.self) == expected.asArray(Double.self))
    }

    @Test(arguments: IndexCase.cases)
    func inferShapeMatchesRuntimeShape(_ example: IndexCase) throws {
        let source = example.input.value
        let x = Tensor.tensor("x", shape: source.shape.map { _ in nil })
        let y = example.index(x)
        let dims = y.symbolicShape
        #expect(dims.count == example.shape.count)
        let values = try evaluate(dims, [.name("x"): source])
        #expect(values.map { Int($0.item(Int64.self)) } == example.shape)
    }

    @Test(arguments: IndexCase.cases)
    func staticShapeIsKnownForKnownInputAndConstantIndices(_ example: IndexCase) {
        let source = example.input.value
        let x = Tensor.tensor("x", shape: source.shape.map { $0 })
        #expect(example.index(x).type.shape == example.shape.map { $0 })
    }

    @Test func resultIsAViewOfTheInput() throws {
        let source = IndexCase.Input.A.value
        let x = Tensor.matrix("x")
        let node = x[.all, .stride(by: -1)].owner!
        let result = try node.op.perform([source, NDArray(scalar: Int64(-1))], node: node)[0]
        #expect(result.storage === source.storage)
        #expect(result.strides == [4, -1])
    }

    @Test func symbolicIndicesOfAnyIntegerKind() throws {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int64)
        let j = Tensor.scalar("j", dtype: .int32)
        let k = Variable(type: .scalar(.int64), name: "k")   // a PyTensor scalar
        let source: NDArray = [10.0, 11.0, 12.0, 13.0]
        #expect(try x[i].eval(["x": source, "i": NDArray(scalar: Int64(-2))]).item(Double.self) == 12)
        #expect(try x[j].eval(["x": source, "j": NDArray(scalar: Int32(1))]).item(Double.self) == 11)
        #expect(try x[k].eval(["x": source, "k": NDArray(scalar: Int64(3))]).item(Double.self) == 13)
        let sliced = x[.slice(start: j, stop: k, step: 1)]
        let value = try sliced.eval(["x": source, "j": NDArray(scalar: Int32(1)), "k": NDArray(scalar: Int64(3))])
        #expect(value.asArray(Double.self) == [11, 12])
        #expect(try x[.index(i)].eval(["x": source, "i": NDArray(scalar: Int64(0))]).item(Double.self) == 10)
    }

    @Test func symbolicTensorIndicesEnterThroughScalarFromTensor() throws {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int32)
        let k = Variable(type: .scalar(.int64), name: "k")
        let picked = try #require(x[i].owner)
        let conversion = try #require(picked.inputs[1].owner)
        #expect("\(conversion.op)" == "ScalarFromTensor")
        #expect(conversion.inputs[0] === i)
        #expect(picked.inputs[1].type == .scalar(.int32))
        // A scalar-kind index is used as it is.
        #expect(x[k].owner!.inputs[1] === k)
        // A constant 0-d tensor behind ScalarFromTensor still gives a static length.
        let three = Variable(constant: NDArray(scalar: Int64(3)))
        let sliced = Tensor.vector("v", shape: [5])[.slice(stop: three)]
        #expect(sliced.owner!.inputs[1].owner?.op is ScalarFromTensor)
        #expect(sliced.type.shape == [3])
        #expect(BasicIndexing.constantInt(sliced.owner!.inputs[1]) == 3)
    }

    @Test func inferShapeSeesThroughScalarFromTensor() throws {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int64)
        let dim = x[.slice(start: i)].symbolicShape[0]
        // undo_scalarization: the shape graph reads i itself, never the scalar-kind conversion.
        let nodes = GraphTraversal.toposort([dim])
        #expect(!nodes.contains { $0.op is ScalarFromTensor || $0.op is TensorFromScalar })
        #expect(GraphTraversal.graphInputs([dim]).contains { $0 === i })
        let value = try dim.eval(["x": [1.0, 2.0, 3.0, 4.0], "i": NDArray(scalar: Int64(-3))])
        #expect(value.item(Int64.self) == 3)
        // A scalar-kind index that is not a conversion becomes a tensor with TensorFromScalar.
        let k = Variable(type: .scalar(.int64), name: "k")
        let viaScalar = x[.slice(start: k)].symbolicShape[0]
        #expect(GraphTraversal.toposort([viaScalar]).contains { $0.op is TensorFromScalar })
        #expect(try viaScalar.eval(["x": [1.0, 2.0, 3.0, 4.0], "k": NDArray(scalar: Int64(1))]).item(Int64.self) == 3)
    }

    @Test func closedRangesEndingAtTheLastElement() throws {
        let x = Tensor.vector("x")
        let source: NDArray = [0.0, 1.0, 2.0, 3.0]
        // numpy: x[-2:], x[:], x[1:]
        #expect(try x[(-2)...(-1)].eval(["x": source]).asArray(Double.self) == [2, 3])
        #expect(try x[...(-1)].eval(["x": source]).asArray(Double.self) == [0, 1, 2, 3])
        #expect(try x[1...Int.max].eval(["x": source]).asArray(Double.self) == [1, 2, 3])
        #expect("\(x[...(-1)].owner!.op)" == "Subtensor{:}")
    }

    @Test func runtimeIntegerVariablesWorkInHelpers() throws {
        let x = Tensor.vector("x")
        let (start, step) = (3, -2)
        let value = try x[.stride(from: start, by: step)].eval(["x": [0.0, 1.0, 2.0, 3.0, 4.0]])
        #expect(value.asArray(Double.self) == [3, 1])
    }

    // MARK: - Printed names and graph structure

    @Test func reversalIsSubtensorStepWithAScalarConstant() throws {
        let x = Tensor.vector("x")
        let node = try #require(x[.stride(by: -1)].owner)
        #expect("\(node.op)" == "Subtensor{::step}")
        #expect(node.inputs.count == 2)
        #expect(node.inputs[0] === x)
        #expect(node.inputs[1].type == .scalar(.int64))
        #expect(node.inputs[1].constantValue?.item(Int64.self) == -1)
        #expect("\(node.inputs[1])" == "-1")
    }

    @Test func printedNamesMatchPyTensor() throws {
        let A = Tensor.matrix("A")
        let s = Tensor.vector("s", dtype: .int64)
        let T = Tensor.tensor3("T")
        let columns = try #require(A[.all, .stride(by: -1)].owner)
        #expect("\(columns.op)" == "Subtensor{:, ::step}")
        #expect(columns.inputs.count == 2 && columns.inputs[0] === A)
        #expect(columns.inputs[1].constantValue?.item(Int64.self) == -1)
        #expect("\(s[0].owner!.op)" == "Subtensor{i}")
        #expect("\(T[0, 1..., .stride(by: -1)].owner!.op)" == "Subtensor{i, start:, ::step}")
        #expect(T[0, 1..., .stride(by: -1)].owner!.inputs.compactMap { $0.constantValue?.item(Int64.self) } == [0, 1, -1])
        #expect("\(T[0, 1, 2].owner!.op)" == "Subtensor{i, j, k}")
        #expect("\(A[.ellipsis, .stride(by: -1)].owner!.op)" == "Subtensor{:, ::step}")
        #expect("\(A[1..<3].owner!.op)" == "Subtensor{start:stop}")
        #expect("\(A[.all].owner!.op)" == "Subtensor{:}")
        #expect(A[.all].owner!.inputs.count == 1)
    }

    @Test func entriesFormatLikePyTensor() {
        #expect(IndexEntry.format(Array(repeating: .index, count: 7)) == "i, j, k, ii, jj, kk, iii")
        let slices: [IndexEntry] = [false, true].flatMap { start in
            [false, true].flatMap { stop in
                [false, true].map { step in IndexEntry.slice(hasStart: start, hasStop: stop, hasStep: step) }
            }
        }
        #expect(
            IndexEntry.format(slices)
                == ":, ::step, :stop, :stop:step, start:, start::step, start:stop, start:stop:step")
        #expect(IndexEntry.format([.index, .fullSlice, .index]) == "i, :, j")
        #expect(IndexEntry.format([]) == "")
    }

    @Test func newAxisExpandsBeforeIndexingAsPyTensorDoes() throws {
        let x = Tensor.vector("x")
        let A = Tensor.matrix("A")
        // All other entries full: just the ExpandDims.
        #expect("\(x[.newAxis].owner!.op)" == "ExpandDims{axis=0}")
        #expect("\(A[.all, .newAxis].owner!.op)" == "ExpandDims{axis=1}")
        let row = try #require(A[0, .newAxis].owner)
        #expect("\(row.op)" == "Subtensor{i, :}")
        #expect("\(try #require(row.inputs[0].owner).op)" == "ExpandDims{axis=1}")
        #expect(A[0, .newAxis].type.shape == [1, nil])
    }

    @Test func descriptionsOfIndicesReadLikePython() {
        let i = Tensor.scalar("i", dtype: .int64)
        let indices: [any TensorIndexConvertible] = [
            0, 1..., ..<3, .stride(by: -1), .slice(start: i, stop: 4, step: 2), .newAxis, .ellipsis, i, .all,
        ]
        #expect(
            BasicIndexPlan.describe(indices.map(\.tensorIndex))
                == "[0, 1:, :3, ::-1, i:4:2, None, ..., i, :]")
    }

    // MARK: - Static shapes

    @Test func staticShapes() {
        let x = Tensor.vector("x", shape: [5])
        let u = Tensor.vector("u")
        let A = Tensor.matrix("A", shape: [2, nil])
        let i = Tensor.scalar("i", dtype: .int64)
        #expect(x[.stride(by: -1)].type.shape == [5])
        #expect(x[1...].type.shape == [4])
        #expect(x[.slice(start: 10)].type.shape == [0])
        #expect(x[.stride(from: 10, to: -10, by: -3)].type.shape == [2])
        #expect(x[i].type.shape == [])
        #expect(x[.slice(start: i)].type.shape == [nil])
        #expect(x[.slice(stop: 3, step: i)].type.shape == [nil])
        #expect(u[.stride(by: -1)].type.shape == [nil])
        #expect(u[2..<2].type.shape == [nil])
        #expect(A[.all, .stride(by: -1)].type.shape == [2, nil])
        #expect(A[0].type.shape == [nil])
        #expect(A[.all, 0].type.shape == [2])
        #expect(A[1..., 0].type.shape == [1])
        #expect(A[0, 0].type == TensorType(dtype: .float64, shape: []))
        #expect(A[0, 0].type.description == "Scalar(float64, shape=())")
    }

    // MARK: - inferShape for symbolic slices

    @Test func reversalLengthIsTheInputLength() throws {
        let x = Tensor.vector("x")
        let dims = x[.stride(by: -1)].symbolicShape
        let owner = try #require(dims[0].owner)
        #expect("\(owner.op)" == "Shape_i{0}")
        #expect(owner.inputs[0] === x)
        let A = Tensor.matrix("A")
        let columns = A[.all, .stride(by: -1)].symbolicShape
        #expect(columns.map { "\($0.owner!.op)" } == ["Shape_i{0}", "Shape_i{1}"])
        #expect("\(x[.stride(by: 1)].symbolicShape[0].owner!.op)" == "Shape_i{0}")
        #expect("\(x[.all].symbolicShape[0].owner!.op)" == "Shape_i{0}")
    }

    @Test func sliceArithmeticMatchesNumpy() {
        for c in SliceGrid.combinations {
            let resolved = SliceArithmetic.normalized(start: c.start, stop: c.stop, step: c.step, length: c.length)
            #expect(resolved?.count == c.count, "slice(\(c.start as Any), \(c.stop as Any), \(c.step as Any)) of \(c.length)")
        }
        #expect(SliceArithmetic.normalized(start: nil, stop: nil, step: 0, length: 3) == nil)
        #expect(SliceArithmetic.normalized(start: nil, stop: nil, step: Int.min, length: 3)?.count == 1)
        #expect(SliceArithmetic.normalized(index: -3, length: 3) == 0)
        #expect(SliceArithmetic.normalized(index: -4, length: 3) == nil)
        #expect(SliceArithmetic.normalized(index: 3, length: 3) == nil)
    }

    @Test func symbolicLengthOfConstantSlicesMatchesNumpy() throws {
        let x = Tensor.vector("x")
        for c in SliceGrid.combinations {
            let y = x[.slice(start: c.start, stop: c.stop, step: c.step)]
            let source = NDArray(shape: [c.length], elements: (0..<c.length).map(Double.init))
            let values = try evaluate([y, y.symbolicShape[0]], [.name("x"): source])
            let label = "slice(\(c.start as Any), \(c.stop as Any), \(c.step as Any)) of \(c.length)"
            #expect(values[0].shape == [c.count], "\(label)")
            #expect(values[1].item(Int64.self) == Int64(c.count), "\(label)")
        }
    }

    @Test func symbolicLengthOfSymbolicSlicesMatchesNumpy() throws {
        let x = Tensor.vector("x")
        let start = Tensor.scalar("start", dtype: .int32)
        let stop = Tensor.scalar("stop", dtype: .int64)
        let step = Variable(type: .scalar(.int64), name: "step")
        for c in SliceGrid.combinations {
            let y = x[.slice(start: c.start.map { _ in start }, stop: c.stop.map { _ in stop }, step: c.step.map { _ in step })]
            var inputs: [InputKey: NDArray] = [
                .name("x"): NDArray(shape: [c.length], elements: (0..<c.length).map(Double.init))
            ]
            if let value = c.start { inputs[.name("start")] = NDArray(scalar: Int32(value)) }
            if let value = c.stop { inputs[.name("stop")] = NDArray(scalar: Int64(value)) }
            if let value = c.step { inputs[.name("step")] = NDArray(scalar: Int64(value)) }
            let values = try evaluate([y, y.symbolicShape[0]], inputs)
            let label = "slice(\(c.start as Any), \(c.stop as Any), \(c.step as Any)) of \(c.length)"
            #expect(values[0].shape == [c.count], "\(label)")
            #expect(values[1].item(Int64.self) == Int64(c.count), "\(label)")
        }
    }

    @Test func symbolicShapeOfMixedIndexing() throws {
        let T = Tensor.tensor3("T")
        let i = Tensor.scalar("i", dtype: .int64)
        let y = T[i, .stride(from: -1, by: -2)]
        let source = NDArray(shape: [2, 5, 3], elements: (0..<30).map(Double.init))
        let inputs: [InputKey: NDArray] = [.name("T"): source, .name("i"): NDArray(scalar: Int64(-1))]
        let values = try evaluate([y] + y.symbolicShape, inputs)
        #expect(values[0].shape == [3, 3])
        #expect(values.dropFirst().map { Int($0.item(Int64.self)) } == [3, 3])
    }

    // MARK: - Errors

    @Test func tooManyIndicesIsAConstructionError() throws {
        let x = Tensor.vector("x")
        let error = try #require(cotangentError { _ = try checked { x[0, 1] } })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("too many indices"))
        #expect(error.message.contains("Subtensor"))
        #expect(error.message.contains("Vector(float64, shape=(?,))"))
        #expect(error.message.contains("[0, 1]"))
        let A = Tensor.matrix("A")
        let third = try #require(cotangentError { _ = try checked { A[.all, .newAxis, 0, .stride(by: -1)] } })
        #expect(third.message.contains("2-dimensional, but 3 were indexed"))
    }

    @Test func tooManyEntriesInTheOpIsAConstructionError() throws {
        let x = Tensor.vector("x")
        let op = Subtensor(idxList: [.index, .index])
        let error = try #require(cotangentError {
            _ = try checked { build(op, [x, Variable.scalarConstant(0), Variable.scalarConstant(1)]) }
        })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("Subtensor{i, j}: too many indices for Vector(float64, shape=(?,))"))
    }

    @Test func wrongIndexInputsAreConstructionErrors() throws {
        let x = Tensor.vector("x")
        let missing = try #require(cotangentError { _ = try checked { build(Subtensor(idxList: [.index]), [x]) } })
        #expect(missing.kind == .invalidGraph)
        #expect(missing.message.contains("Subtensor{i}: the pattern needs 1 index inputs, got 0"))
        let f = Tensor.scalar("f")
        let float = try #require(cotangentError { _ = try checked { build(Subtensor(idxList: [.index]), [x, f]) } })
        #expect(float.message.contains("index input 0 must be an integer scalar, got Scalar(float64, shape=())"))
        let viaSubscript = try #require(cotangentError { _ = try checked { x[f] } })
        #expect(viaSubscript.kind == .invalidGraph)
        #expect(viaSubscript.message.contains("not an integer"))
        let b = Tensor.scalar("b", dtype: .bool)
        // A bool index is a mask (advanced indexing); a 0-d one adds an axis of length 1 or 0.
        let masked = try checked { x[b] }
        #expect(masked.type.shape == [nil, nil])
        #expect(try masked.eval(["x": [1.0, 2], "b": NDArray(scalar: false)]).shape == [0, 2])
        let scalar = Variable(type: .scalar(.int64), name: "k")
        let ofScalar = try #require(cotangentError { _ = try checked { build(Subtensor(idxList: []), [scalar]) } })
        #expect(ofScalar.message.contains("cannot index a PyTensor scalar"))
    }

    @Test func arrayIndicesAreAdvancedIndexing() throws {
        let x = Tensor.vector("x")
        let indices = Tensor.vector("indices", dtype: .int64)
        #expect(try checked { x[indices] }.owner?.op is AdvancedSubtensor1)
        let floats = try #require(cotangentError { _ = try checked { x[Tensor.vector("f")] } })
        #expect(floats.kind == .invalidGraph)
        #expect(floats.message.contains("Vector(float64, shape=(?,)) is neither an integer nor a boolean tensor"))
    }

    @Test func twoEllipsesAreAConstructionError() throws {
        let A = Tensor.matrix("A")
        let error = try #require(cotangentError { _ = try checked { A[.ellipsis, 0, .ellipsis] } })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("single ellipsis"))
        #expect(error.message.contains("[..., 0, ...]"))
    }

    @Test func constantZeroStepIsAConstructionError() throws {
        let x = Tensor.vector("x")
        let error = try #require(cotangentError { _ = try checked { x[.stride(by: 0)] } })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("Subtensor{::step}: slice step cannot be zero"))
    }

    @Test func symbolicZeroStepThrowsAtRunTime() throws {
        let x = Tensor.vector("x")
        let s = Tensor.scalar("s", dtype: .int64)
        let error = try #require(cotangentError {
            _ = try x[.stride(by: s)].eval(["x": [1.0, 2.0], "s": NDArray(scalar: Int64(0))])
        })
        #expect(error.kind == .invalidValue)
        #expect(error.message.contains("Subtensor{::step}: slice step cannot be zero (axis 0, input shape (2,)"))
    }

    @Test func indexOutOfRangeThrowsAtRunTime() throws {
        let x = Tensor.vector("x")
        let error = try #require(cotangentError { _ = try x[5].eval(["x": [1.0, 2.0, 3.0]]) })
        #expect(error.kind == .invalidValue)
        #expect(error.message.contains("Subtensor{i}: index 5 is out of bounds for axis 0 with size 3"))
        #expect(error.message.contains("(3,)") && error.message.contains("float64"))
        let A = Tensor.matrix("A")
        let i = Tensor.scalar("i", dtype: .int64)
        let negative = try #require(cotangentError {
            _ = try A[.all, i].eval(["A": NDArray([[1.0, 2.0], [3.0, 4.0]]), "i": NDArray(scalar: Int64(-3))])
        })
        #expect(negative.kind == .invalidValue)
        #expect(negative.message.contains("Subtensor{:, i}: index -3 is out of bounds for axis 1 with size 2"))
        #expect(negative.message.contains("(2, 2)"))
        // An empty dimension has no valid index.
        #expect(cotangentError { _ = try x[0].eval(["x": NDArray.zeros([0])]) }?.kind == .invalidValue)
    }

    // MARK: - Prepared kernel

    /// The compiled kernel of constant indices keeps the last input layout's view: inputs whose
    /// lengths, strides and offsets change from call to call get exactly `perform`'s view each
    /// time (after a hit, after a miss, and back), and an index out of range for a new layout
    /// throws `perform`'s error rather than reusing a view.
    @Test(arguments: IndexCase.cases)
    func preparedKernelGivesPerformsViewAsLayoutsChange(_ example: IndexCase) throws {
        let source = example.input.value
        let x = Tensor.tensor("x", shape: source.shape.map { _ in nil })
        let node = try #require(example.index(x).owner)
        // (`x[None]` and the like end in other ops or index an intermediate.)
        guard node.op is Subtensor, node.inputs[0] === x else { return }
        let kernel = try #require(node.op.preparedKernel(node), "constant indices get a prepared kernel")
        let indices = try evaluate(Array(node.inputs.dropFirst()), [:])
        let lengths = source.shape
        // A bigger array (3 more along each axis) cut to `lengths` from 1 along each axis.
        let big = NDArray(
            shape: lengths.map { $0 + 3 }, elements: (0..<lengths.map { $0 + 3 }.reduce(1, *)).map { Double($0) })
        var embedded = big
        for (axis, length) in lengths.enumerated() { embedded = embedded.sliced(axis: axis, start: 1, step: 1, count: length) }
        // The same layout at another offset (a hit whose view starts elsewhere).
        var shifted = big
        for (axis, length) in lengths.enumerated() { shifted = shifted.sliced(axis: axis, start: 2, step: 1, count: length) }
        let reversed = source.sliced(axis: 0, start: lengths[0] - 1, step: -1, count: lengths[0])
        let shorter = source.sliced(axis: 0, start: 0, step: 1, count: max(lengths[0] - 2, 0))
        let longer = NDArray(
            shape: [lengths[0] + 4] + lengths.dropFirst(),
            elements: (0..<(lengths[0] + 4) * lengths.dropFirst().reduce(1, *)).map { -Double($0) })
        let empty = NDArray.zeros([0] + lengths.dropFirst())
        for (k, value) in [source, source, reversed, embedded, shifted, shorter, longer, empty, source, reversed].enumerated() {
            let inputs = [value] + indices
            let expected = Result { try node.op.perform(inputs, node: node)[0] }
            let prepared = Result { try kernel.performSingle(inputs, destroying: .none) }
            switch (expected, prepared) {
            case (.success(let want), .success(let got)):
                #expect(got.shape == want.shape, "call \(k)")
                #expect(got.strides == want.strides, "call \(k)")
                #expect(got.offset == want.offset, "call \(k)")
                #expect(got.storage === value.storage, "call \(k)")
                #expect(got.asArray(Double.self) == want.asArray(Double.self), "call \(k)")
            case (.failure(let want), .failure(let got)):
                #expect((got as? CotangentError)?.message == (want as? CotangentError)?.message, "call \(k)")
            default:
                Issue.record("call \(k): perform gives \(expected), the prepared kernel \(prepared)")
            }
        }
    }

    @Test func symbolicIndicesRunPerform() {
        let x = Tensor.vector("x")
        let i = Tensor.scalar("i", dtype: .int64)
        let node = x[i].owner!
        #expect(node.op.preparedKernel(node) == nil)
    }
}
