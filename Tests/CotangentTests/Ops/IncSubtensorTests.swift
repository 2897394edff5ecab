import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

@Suite("IncSubtensor")
struct IncSubtensorTests {
    // MARK: - Values

    @Test(arguments: IncCase.cases, [DType.float64, .float32])
    func valuesMatchNumpy(_ example: IncCase, dtype: DType) throws {
        let source = example.input.value.converted(to: dtype)
        let (x, y) = example.operands(dtype: dtype)
        let updated = example.update(x, with: y)
        let inputs: [String: NDArray] = ["x": source, "y": example.value.converted(to: dtype)]
        let result = try updated.eval(inputs)
        #expect(updated.type == x.type)
        #expect(result.dtype == dtype)
        #expect(result.shape == source.shape)
        #expect(result.asArray(Double.self) == example.expected)
        // The input value is untouched: the output is a fresh array.
        #expect(source.asArray(Double.self) == example.input.value.asArray(Double.self))
        #expect(result.storage !== source.storage)
    }

    @Test(arguments: IncCase.cases)
    func inferShapeIsTheInputShape(_ example: IncCase) throws {
        let source = example.input.value
        let x = Tensor.tensor("x", shape: source.shape.map { _ in nil })
        let y = Tensor.tensor("y", shape: example.value.shape.map { _ in nil })
        let updated = example.update(x, with: y)
        let dims = try evaluate(updated.symbolicShape, [.name("x"): source, .name("y"): example.value])
        #expect(dims.map { Int($0.item(Int64.self)) } == source.shape)
    }

    @Test func integerIncrementsWrapAsNumpy() throws {
        // numpy: x = np.array([100, 120, -128, 5], np.int8); x[:3] += np.array([100, 200, -1])
        let x = Tensor.vector("x", dtype: .int8)
        let y = Tensor.vector("y", dtype: .int64)
        let result = try x.incremented(at: [..<3], by: y).eval([
            "x": NDArray([Int8(100), 120, -128, 5]), "y": NDArray([Int64(100), 200, -1]),
        ])
        #expect(result.dtype == .int8)
        #expect(result.asArray(Int64.self) == [-56, 64, 127, 5])
    }

    @Test func boolIncrementIsLogicalOr() throws {
        // numpy: x = np.array([True, False, False]); x[1:] += np.array([True, False])
        let x = Tensor.vector("x", dtype: .bool)
        let y = Tensor.vector("y", dtype: .bool)
        let result = try x.incremented(at: [1...], by: y).eval([
            "x": NDArray([true, false, false]), "y": NDArray([true, false]),
        ])
        #expect(result.asArray(Bool.self) == [true, true, false])
    }

    @Test func setConvertsTheValueLikeNumpyAssignment() throws {
        // numpy: x = np.array([1, 2, 3]); x[::2] = np.array([2.7, -2.7]) → [2, 2, -2]
        let x = Tensor.vector("x", dtype: .int64)
        let y = Tensor.vector("y")
        let result = try x.setting(at: [.stride(by: 2)], to: y).eval([
            "x": NDArray([Int64(1), 2, 3]), "y": [2.7, -2.7],
        ])
        #expect(result.dtype == .int64)
        #expect(result.asArray(Int64.self) == [2, 2, -2])
    }

    @Test func float32IncrementRoundsOnceAsNumpy() throws {
        // numpy: x = np.array([1, 2, 3], np.float32); x[1] += np.float64(0.1) → 2.0999999046325684
        let x = Tensor.vector("x", dtype: .float32)
        let result = try x.incremented(at: [1], by: Variable(0.1)).eval(["x": NDArray([Float(1), 2, 3])])
        #expect(result.asArray(Double.self) == [1.0, 2.0999999046325684, 3.0])
    }

    @Test func literalValuesAndSymbolicIndices() throws {
        let x = Tensor.matrix("x", dtype: .int64)
        let i = Tensor.scalar("i", dtype: .int32)
        let result = try x.incremented(at: [i, .stride(by: -1)], by: Variable.constant([1, 2, 3] as NDArray))
            .eval(["x": NDArray(shape: [2, 3], elements: [Int64](repeating: 0, count: 6)), "i": NDArray(scalar: Int32(-1))])
        #expect(result.asArray(Int64.self) == [0, 0, 0, 3, 2, 1])
        let set = try x.setting(at: [0, 1], to: 7).eval([
            "x": NDArray(shape: [2, 3], elements: [Int64](repeating: 1, count: 6))
        ])
        #expect(set.asArray(Int64.self) == [1, 7, 1, 1, 1, 1])
    }

    @Test func constantInputIsNotModified() throws {
        let original: NDArray = [1.0, 2.0, 3.0]
        let x = Variable.constant(original)
        _ = try x.setting(at: [.all], to: 0.0).eval()
        #expect(x.constantValue!.asArray(Double.self) == [1, 2, 3])
        #expect(original.asArray(Double.self) == [1, 2, 3])
    }

    // MARK: - Printed names and static types

    @Test func printedNamesMatchPyTensor() throws {
        let x = Tensor.vector("x")
        let y = Tensor.scalar("y")
        let inc = try #require(x.incremented(at: [0], by: y).owner)
        #expect("\(inc.op)" == "IncSubtensor{i}")
        #expect(inc.inputs.count == 3 && inc.inputs[0] === x && inc.inputs[1] === y)
        #expect(inc.inputs[2].type == .scalar(.int64))
        #expect(inc.inputs[2].constantValue?.item(Int64.self) == 0)
        let set = try #require(x.setting(at: [..<2], to: y).owner)
        #expect("\(set.op)" == "SetSubtensor{:stop}")
        #expect(set.inputs[2].constantValue?.item(Int64.self) == 2)
        let A = Tensor.matrix("A")
        #expect("\(A.setting(at: [1, 1..., .ellipsis], to: y).owner!.op)" == "SetSubtensor{i, start:}")
        #expect("\(A.incremented(at: [.ellipsis, .stride(by: -1)], by: y).owner!.op)" == "IncSubtensor{:, ::step}")
        #expect(IncSubtensor(idxList: [.index]) != IncSubtensor(idxList: [.index], setInstead: true))
    }

    @Test func outputHasTheInputType() {
        let x = Tensor.matrix("x", dtype: .float32, shape: [2, nil])
        let y = Tensor.vector("y", dtype: .float64, shape: [1])
        let updated = x.incremented(at: [.all, 0], by: y)
        #expect(updated.type == x.type)
        #expect(x.setting(at: [0], to: Tensor.scalar("b", dtype: .bool)).type == x.type)
    }

    // MARK: - Errors

    @Test func valueWithMoreDimensionsThanTheRegion() throws {
        let x = Tensor.matrix("x")
        let y = Tensor.matrix("y")
        let error = try #require(cotangentError { _ = try checked { x.incremented(at: [0], by: y) } })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("IncSubtensor{i}: cannot increment a 1-dimensional region"))
        #expect(error.message.contains("Matrix(float64, shape=(?, ?))"))
    }

    @Test func staticBroadcastConflict() throws {
        let x = Tensor.vector("x", shape: [6])
        let y = Tensor.vector("y", shape: [4])
        let error = try #require(cotangentError { _ = try checked { x.setting(at: [1..<4], to: y) } })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("SetSubtensor{start:stop}"))
        #expect(error.message.contains("(4,)") && error.message.contains("(3,)"))
        // Lengths 1 broadcast; unknown lengths wait for run time.
        #expect(cotangentError { _ = try checked { x.setting(at: [1..<4], to: Tensor.vector("o", shape: [1])) } } == nil)
        #expect(cotangentError { _ = try checked { x.setting(at: [1..<4], to: Tensor.vector("u")) } } == nil)
    }

    @Test func incrementMustStayWithinTheDtypeKind() throws {
        let x = Tensor.vector("x", dtype: .int64)
        let error = try #require(cotangentError { _ = try checked { x.incremented(at: [0], by: Tensor.scalar("f")) } })
        #expect(error.kind == .invalidGraph)
        #expect(error.message.contains("IncSubtensor{i}: cannot add a float64 value to a int64 tensor"))
        let u = Tensor.vector("u", dtype: .uint8)
        #expect(cotangentError { _ = try checked { u.incremented(at: [0], by: Tensor.scalar("s", dtype: .int8)) } } != nil)
        #expect(cotangentError { _ = try checked { x.incremented(at: [0], by: Tensor.scalar("b", dtype: .bool)) } } == nil)
        // Setting converts any dtype, as numpy's assignment does.
        #expect(cotangentError { _ = try checked { x.setting(at: [0], to: Tensor.scalar("f")) } } == nil)
        #expect(IncSubtensor.castsWithinKind(.float64, to: .float32))
        #expect(IncSubtensor.castsWithinKind(.uint8, to: .int8))
        #expect(!IncSubtensor.castsWithinKind(.int64, to: .uint8))
        #expect(!IncSubtensor.castsWithinKind(.int8, to: .bool))
    }

    @Test func tooManyIndicesAndNewAxes() throws {
        let x = Tensor.vector("x")
        let y = Tensor.scalar("y")
        let tooMany = try #require(cotangentError { _ = try checked { x.incremented(at: [0, 0], by: y) } })
        #expect(tooMany.kind == .invalidGraph)
        #expect(tooMany.message.contains("too many indices"))
        #expect(tooMany.message.contains("[0, 0]"))
        // A new axis is a length-1 dim of the region (numpy's x[None] = y): allowed.
        let newAxis = try checked { x.setting(at: [.newAxis], to: y) }
        #expect(newAxis.type == x.type)
        #expect(try newAxis.eval(["x": [1.0, 2, 3], "y": NDArray(scalar: 2.5)]).asArray(Double.self) == [2.5, 2.5, 2.5])
        let A = Tensor.matrix("A")
        let feed: [String: NDArray] = ["A": NDArray(shape: [3, 4], elements: (0..<12).map(Double.init))]
        // B = np.arange(12.).reshape(3, 4); B[1:, None, 2] += 100
        let incremented = A.incremented(at: [1..., .newAxis, 2], by: Variable(constant: 100.0))
        #expect(try incremented.eval(feed).asArray(Double.self) == [0, 1, 2, 3, 4, 5, 106, 7, 8, 9, 110, 11])
        // B = np.arange(12.).reshape(3, 4); B[None, 1:] = [9., 8, 7, 6]
        let set = A.setting(at: [.newAxis, 1...], to: Variable(constant: NDArray([9.0, 8, 7, 6])))
        #expect(set.type == A.type)
        #expect(try set.eval(feed).asArray(Double.self) == [0, 1, 2, 3, 9, 8, 7, 6, 9, 8, 7, 6])
        let op = IncSubtensor(idxList: [.index, .index])
        let direct = try #require(cotangentError {
            _ = try checked { build(op, [x, y, Variable.scalarConstant(0), Variable.scalarConstant(0)]) }
        })
        #expect(direct.message.contains("IncSubtensor{i, j}: too many indices for Vector(float64, shape=(?,))"))
        let zeroStep = try #require(cotangentError { _ = try checked { x.setting(at: [.stride(by: 0)], to: y) } })
        #expect(zeroStep.message.contains("SetSubtensor{::step}: slice step cannot be zero"))
    }

    @Test func runtimeErrors() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let outOfRange = try #require(cotangentError {
            _ = try x.incremented(at: [-4], by: Tensor.scalar("s")).eval(["x": [1.0, 2.0, 3.0], "s": 1.0])
        })
        #expect(outOfRange.kind == .invalidValue)
        #expect(outOfRange.message.contains("IncSubtensor{i}: index -4 is out of bounds for axis 0 with size 3"))
        let mismatch = try #require(cotangentError {
            _ = try x.setting(at: [1...], to: y).eval(["x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]])
        })
        #expect(mismatch.kind == .shapeMismatch)
        #expect(mismatch.message.contains("SetSubtensor{start:}: cannot broadcast a value of shape (3,)"))
        #expect(mismatch.message.contains("region of shape (2,)"))
        let s = Tensor.scalar("s", dtype: .int64)
        let zeroStep = try #require(cotangentError {
            _ = try x.incremented(at: [.stride(by: s)], by: y).eval(["x": [1.0], "y": [1.0], "s": NDArray(scalar: Int64(0))])
        })
        #expect(zeroStep.kind == .invalidValue)
        #expect(zeroStep.message.contains("slice step cannot be zero"))
    }

    /// A value dim that is 1 only at run time does not broadcast (the gradient, which reads
    /// broadcasting from static shapes, would keep the region's length there); a static 1 does,
    /// and its gradient is summed over the region.
    @Test func onlyStaticOnesBroadcast() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let runtimeOne = try #require(cotangentError {
            _ = try x.incremented(at: [1...], by: y).eval(["x": [1.0, 2.0, 3.0], "y": [5.0]])
        })
        #expect(runtimeOne.kind == .shapeMismatch)
        #expect(runtimeOne.message.contains("IncSubtensor{start:}: the value of shape (1,)"))
        #expect(runtimeOne.message.contains("only dimensions that are statically 1 broadcast"))
        // A region of length 1 takes a length-1 value of unknown static length.
        let single = try x.incremented(at: [2...], by: y).eval(["x": [1.0, 2.0, 3.0], "y": [5.0]])
        #expect(single.asArray(Double.self) == [1, 2, 8])
        let one = Tensor.vector("one", shape: [1])
        let broadcast = x.incremented(at: [1...], by: one)
        #expect(try broadcast.eval(["x": [1.0, 2.0, 3.0], "one": [5.0]]).asArray(Double.self) == [1, 7, 8])
        let g = grad((broadcast * Variable(constant: NDArray([1.0, 2.0, 4.0]))).sum(), wrt: one)
        #expect(g.type.shape == [1])
        #expect(try g.eval(["x": [1.0, 2.0, 3.0], "one": [5.0]]).asArray(Double.self) == [6])
    }

    // MARK: - Prepared kernel

    /// The compiled kernel of constant indices keeps the last input shape's region: as `x`'s
    /// shape changes from call to call (longer, shorter, back), with `x` handed over or not and
    /// float64 (its direct loop) or float32 (the general update), it gives `perform`'s values
    /// and errors, and writes into a handed-over dense `x`.
    @Test(arguments: IncCase.cases, [DType.float64, .float32])
    func preparedKernelMatchesPerform(_ example: IncCase, dtype: DType) throws {
        let source = example.input.value.converted(to: dtype)
        let (x, y) = example.operands(dtype: dtype)
        let node = try #require(example.update(x, with: y).owner)
        try #require(node.op is IncSubtensor)
        let kernel = try #require(node.op.preparedKernel(node), "constant indices get a prepared kernel")
        let indices = try evaluate(Array(node.inputs.dropFirst(2)), [:])
        let value = example.value.converted(to: dtype)
        let lengths = source.shape
        func filled(_ shape: [Int]) -> NDArray {
            NDArray(shape: shape, elements: (0..<shape.reduce(1, *)).map { Double($0 % 7) - 3 }).converted(to: dtype)
        }
        func fresh(_ array: NDArray) -> NDArray {
            let copy = NDArray.uninitialized(dtype: array.dtype, shape: array.shape)
            copy.overwrite(with: array)
            return copy
        }
        let longer = filled([lengths[0] + 3] + lengths.dropFirst())
        let shorter = filled([max(lengths[0] - 5, 0)] + lengths.dropFirst())
        for (k, base) in [source, source, longer, shorter, source, longer].enumerated() {
            for handedOver in [false, true] {
                // Each run gets its own copy, which it may overwrite.
                let forPerform = fresh(base)
                let forKernel = fresh(base)
                let destroying = handedOver ? InputSet([0]) : .none
                let expected = Result { try node.op.perform([forPerform, value] + indices, node: node, destroying: destroying)[0] }
                let prepared = Result { try kernel.performSingle([forKernel, value] + indices, destroying: destroying) }
                let label = "call \(k), handed over: \(handedOver)"
                switch (expected, prepared) {
                case (.success(let want), .success(let got)):
                    #expect(got.dtype == want.dtype, "\(label)")
                    #expect(got.shape == want.shape, "\(label)")
                    #expect(got.asArray(Double.self) == want.asArray(Double.self), "\(label)")
                    #expect((got.storage === forKernel.storage) == handedOver, "\(label)")
                case (.failure(let want), .failure(let got)):
                    #expect((got as? CotangentError)?.message == (want as? CotangentError)?.message, "\(label)")
                default:
                    Issue.record("\(label): perform gives \(expected), the prepared kernel \(prepared)")
                }
            }
        }
    }
}
