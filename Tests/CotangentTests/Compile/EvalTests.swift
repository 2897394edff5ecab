import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// `eval`: keys by name and by variable, strictness, missing and mismatching inputs, lossless
/// conversions, ambiguous names, constant graphs and outputs that are inputs.
@Suite("eval")
struct EvalTests {
    @Test func byNameAndByVariable() throws {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let z = x * 2 + y
        let byName = try z.eval(["x": [1.0, 2.0], "y": [10.0, 20.0]])
        #expect(byName.asArray(Double.self) == [12, 24])
        let byVariable = try z.eval([x: NDArray([1.0, 2.0]), y: NDArray([10.0, 20.0])])
        #expect(byVariable.asArray(Double.self) == [12, 24])
        // Mixed keys through `evaluate`, several outputs sharing a subgraph.
        let both = try evaluate([z, x + y], [.name("x"): NDArray([1.0]), .variable(y): NDArray([5.0])])
        #expect(both.map { $0.asArray(Double.self) } == [[7], [6]])
        // A variable key wins over a name key for the same input.
        let preferred = try z.eval([x: NDArray([1.0]), y: NDArray([0.0])])
        #expect(preferred.asArray(Double.self) == [2])
    }

    @Test func unnamedInputsAreKeyedByVariable() throws {
        let x = Tensor.vector()
        #expect(try exp(x).eval([x: NDArray([0.0])]).asArray(Double.self) == [1])
        let error = expectCotangentError { _ = try exp(x).eval(["x": [0.0]]) }
        #expect(error?.kind == .missingInput)
        #expect(error?.message.contains("<unnamed>") == true)
    }

    @Test func unusedKeysAreAcceptedUnlessStrict() throws {
        let x = Tensor.vector("x")
        let other = Tensor.vector("other")
        let y = x + 1
        #expect(try y.eval(["x": [1.0], "nothing": [5.0]]).asArray(Double.self) == [2])
        #expect(try y.eval([x: NDArray([1.0]), other: NDArray([5.0])]).asArray(Double.self) == [2])

        let unknown = expectCotangentError { _ = try y.eval(["x": [1.0], "nothing": [5.0]], strict: true) }
        #expect(unknown?.kind == .unknownInput)
        #expect(unknown?.message.contains("'nothing'") == true, "\(unknown?.message ?? "")")
        #expect(unknown?.message.contains("inputs are x") == true, "\(unknown?.message ?? "")")

        // An input variable of another graph is an unused input, not an unknown name.
        let unused = expectCotangentError {
            _ = try y.eval([x: NDArray([1.0]), other: NDArray([5.0])], strict: true)
        }
        #expect(unused?.kind == .unusedInput)
        #expect(unused?.message.contains("other") == true, "\(unused?.message ?? "")")

        // The same input given twice: the name key is unused.
        let twice = expectCotangentError {
            _ = try evaluate([y], [.name("x"): NDArray([1.0]), .variable(x): NDArray([2.0])], strict: true)
        }
        #expect(twice?.kind == .unusedInput)
        #expect(twice?.message.contains("'x'") == true)

        #expect(try y.eval(["x": [1.0]], strict: true).asArray(Double.self) == [2])
    }

    @Test func missingInputNamesIt() {
        let x = Tensor.vector("x")
        let a = Tensor.matrix("a", dtype: .float32, shape: [2, nil])
        let error = expectCotangentError { _ = try (a + x).eval(["x": [1.0, 2.0]]) }
        #expect(error?.kind == .missingInput)
        let message = error?.message ?? ""
        #expect(message.contains("'a'"), "\(message)")
        #expect(message.contains("Matrix(float32, shape=(2, ?))"), "\(message)")
    }

    @Test func wrongRankIsAnInputMismatch() {
        let x = Tensor.vector("x")
        let error = expectCotangentError { _ = try exp(x).eval(["x": NDArray([[1.0, 2.0], [3.0, 4.0]])]) }
        #expect(error?.kind == .inputMismatch)
        let message = error?.message ?? ""
        #expect(message.contains("'x'"))
        #expect(message.contains("Vector(float64, shape=(?,))"))
        #expect(message.contains("(2, 2)"))
        #expect(message.contains("float64"))
    }

    @Test func wrongStaticShapeIsAnInputMismatch() {
        let a = Tensor.matrix("a", shape: [2, nil])
        let error = expectCotangentError { _ = try exp(a).eval(["a": NDArray.zeros([3, 1])]) }
        #expect(error?.kind == .inputMismatch)
        let message = error?.message ?? ""
        #expect(message.contains("'a'") && message.contains("(2, ?)") && message.contains("(3, 1)"), "\(message)")
        // Known dims must match exactly, unknown ones take any length (0 included).
        #expect(throws: Never.self) { _ = try exp(a).eval(["a": NDArray.zeros([2, 0])]) }
    }

    @Test(arguments: [
        (TypedValues.float64([0.1]), DType.float32),  // 0.1 is not a float32
        (.float64([1.5]), .int64),  // floats never silently become integers
        (.float64([2.0]), .int32),
        (.int64([300]), .int8),
        (.int64([-1]), .uint8),
        (.int64([16_777_217]), .float32),
        (.int64([1_152_921_504_606_846_977]), .float32),  // 2**60 + 1
        (.int32([2]), .bool),
        (.float32([.nan]), .int64),
    ])
    func lossyDTypeIsAnInputMismatch(_ value: TypedValues, _ dtype: DType) {
        let x = Tensor.vector("x", dtype: dtype)
        let error = expectCotangentError { _ = try identity(x).eval(["x": value.array]) }
        #expect(error?.kind == .inputMismatch, "\(value) for \(dtype)")
        let message = error?.message ?? ""
        #expect(message.contains("'x'") && message.contains("\(x.type)"), "\(message)")
        #expect(message.contains(value.dtype.rawValue) && message.contains("(1,)"), "\(message)")
    }

    @Test(arguments: [
        (TypedValues.int64([1, -2, 3]), TypedValues.float64([1, -2, 3])),  // safe: int64 → float64
        (.int8([-128, 5]), .float32([-128, 5])),
        (.bool([true, false]), .int8([1, 0])),
        (.float64([0.5, -2, .nan, .infinity, 0x1p-15]), .float32([0.5, -2, .nan, .infinity, 0x1p-15])),
        (.float64([-0.0]), .float32([-0.0])),
        (.int64([127, -128]), .int8([127, -128])),
        (.int64([255, 0]), .uint8([255, 0])),
        (.int64([16_777_216]), .float32([16_777_216])),
        (.int32([1, 0]), .float64([1, 0])),
        (.int64([9_007_199_254_740_993]), .float64([9_007_199_254_740_992])),  // safe by numpy's rule
    ])
    func losslessConversionIsAccepted(_ value: TypedValues, _ expected: TypedValues) throws {
        let x = Tensor.vector("x", dtype: expected.dtype)
        let result = try x.eval(["x": value.array])
        #expect(expected.matches(result), "\(value) → \(result)")
    }

    @Test func ambiguousNamesMustBeKeyedByVariable() throws {
        let first = Tensor.vector("x")
        let second = Tensor.vector("x")
        let y = first - second
        let error = expectCotangentError { _ = try y.eval(["x": [1.0]]) }
        #expect(error?.kind == .unknownInput)
        #expect(error?.message.contains("'x'") == true)
        #expect(error?.message.contains("several") == true)
        let value = try y.eval([first: NDArray([5.0]), second: NDArray([3.0])])
        #expect(value.asArray(Double.self) == [2])
    }

    @Test func constantGraphsNeedNoInputs() throws {
        let c = Variable.constant(NDArray([1.0, 2.0]))
        #expect(try c.eval().asArray(Double.self) == [1, 2])
        let y = exp(c * 0) + 2
        #expect(try y.eval().asArray(Double.self) == [3, 3])
        #expect(try y.eval(strict: true).asArray(Double.self) == [3, 3])
        let unknown = expectCotangentError { _ = try y.eval(["x": [1.0]], strict: true) }
        #expect(unknown?.kind == .unknownInput)
    }

    @Test func anOutputThatIsAnInput() throws {
        let x = Tensor.vector("x")
        #expect(try x.eval(["x": [1.0, 2.0]]).asArray(Double.self) == [1, 2])
        let converted = try x.eval(["x": [1, 2]])  // int64 array, lossless for float64
        #expect(converted.dtype == .float64 && converted.asArray(Double.self) == [1, 2])
        let outputs = try evaluate([x, x * 3], [.name("x"): NDArray([2.0])])
        #expect(outputs.map { $0.asArray(Double.self) } == [[2], [6]])
    }

    @Test func runtimeErrorsPropagateFromOps() {
        let x = Tensor.vector("x")
        let y = Tensor.vector("y")
        let error = expectCotangentError { _ = try (x / y).eval(["x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]]) }
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.message.contains("True_div") == true)
    }
}
