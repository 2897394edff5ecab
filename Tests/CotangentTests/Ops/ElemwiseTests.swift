import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

/// Elemwise structure: printed names, arity, static broadcasting with rank padding, static shape
/// inference, construction and runtime shape errors, non-contiguous inputs, `inferShape`.
@Suite("Elemwise")
struct ElemwiseTests {
    // MARK: - Names and arity

    /// PyTensor prints an Elemwise as `str(scalar_op).capitalize()`: the scalar op's `name` when
    /// it has one (`true_div` → `True_div`), else its class name (`RoundHalfToEven` →
    /// `Roundhalftoeven`, `IsNan` → `Isnan`, `LT` → `Lt`), and `Cast{int32}` for casts.
    static let printedNames: [(ScalarOp, String, Int)] = [
        (.add, "Add", 2), (.sub, "Sub", 2), (.mul, "Mul", 2), (.trueDiv, "True_div", 2),
        (.intDiv, "Int_div", 2), (.mod, "Mod", 2), (.neg, "Neg", 1), (.reciprocal, "Reciprocal", 1),
        (.pow, "Pow", 2), (.sqr, "Sqr", 1), (.sqrt, "Sqrt", 1), (.abs, "Abs", 1), (.sign, "Sign", 1),
        (.maximum, "Maximum", 2), (.minimum, "Minimum", 2), (.clip, "Clip", 3), (.exp, "Exp", 1),
        (.exp2, "Exp2", 1), (.expm1, "Expm1", 1), (.log, "Log", 1), (.log2, "Log2", 1),
        (.log10, "Log10", 1), (.log1p, "Log1p", 1), (.floor, "Floor", 1), (.ceil, "Ceil", 1),
        (.round, "Roundhalftoeven", 1), (.sin, "Sin", 1), (.cos, "Cos", 1), (.tan, "Tan", 1),
        (.arcsin, "Arcsin", 1), (.arccos, "Arccos", 1), (.arctan, "Arctan", 1),
        (.arctan2, "Arctan2", 2), (.sinh, "Sinh", 1), (.cosh, "Cosh", 1), (.tanh, "Tanh", 1),
        (.arcsinh, "Arcsinh", 1), (.arccosh, "Arccosh", 1), (.arctanh, "Arctanh", 1),
        (.sigmoid, "Sigmoid", 1), (.softplus, "Softplus", 1), (.erf, "Erf", 1), (.erfc, "Erfc", 1),
        (.gammaln, "Gammaln", 1), (.psi, "Psi", 1), (.eq, "Eq", 2), (.neq, "Neq", 2), (.lt, "Lt", 2),
        (.le, "Le", 2), (.gt, "Gt", 2), (.ge, "Ge", 2), (.and, "And", 2), (.or, "Or", 2),
        (.xor, "Xor", 2), (.invert, "Invert", 1), (.isnan, "Isnan", 1), (.isinf, "Isinf", 1),
        (.switch, "Switch", 3), (.second, "Second", 2), (.identity, "Identity", 1),
        (.cast(.int32), "Cast{int32}", 1), (.cast(.float64), "Cast{float64}", 1),
        (.cast(.bool), "Cast{bool}", 1), (.cast(.uint8), "Cast{uint8}", 1),
        (.cbrt, "Cbrt", 1), (.trunc, "Trunc", 1), (.isfinite, "Isfinite", 1), (.logaddexp, "Logaddexp", 2),
    ]

    @Test func printedNamesMatchPyTensor() {
        for (op, name, arity) in Self.printedNames {
            #expect(Elemwise(op).description == name)
            #expect(op.arity == arity, "\(op)")
        }
        // Every scalar op name of the API tables is covered above.
        #expect(Set(Self.printedNames.map { "\($0.0)" }).count == Self.printedNames.count)
    }

    @Test func scalarOpNamesAreThoseOfPyTensorsScalarOps() {
        #expect(ScalarOp.trueDiv.description == "true_div")
        #expect(ScalarOp.intDiv.description == "int_div")
        #expect(ScalarOp.cast(.float32).description == "Cast{float32}")
        #expect(ScalarOp.round.description == "RoundHalfToEven")
    }

    @Test func wrongArityIsAConstructionError() throws {
        let x = Tensor.vector("x")
        let error = expectCotangentError { _ = try checked { build(Elemwise(.exp), [x, x]) } }
        #expect(error?.kind == .invalidGraph)
        #expect(error?.message.contains("Exp") == true)
        #expect(error?.message.contains("Vector(float64, shape=(?,))") == true)
        let none = expectCotangentError { _ = try checked { build(Elemwise(.add), []) } }
        #expect(none?.kind == .invalidGraph)
    }

    /// PyTensor's add and mul take any number of inputs.
    @Test func variadicAddAndMulFold() throws {
        let inputs = (0..<5).map { Tensor.vector("v\($0)", shape: [3]) }
        let sum = build(Elemwise(.add), inputs)
        let product = build(Elemwise(.mul), inputs)
        #expect(sum.owner?.inputs.count == 5)
        var feed: [Variable: NDArray] = [:]
        for (k, input) in inputs.enumerated() {
            feed[input] = NDArray([Double(k + 1), -Double(k), 0.5])
        }
        #expect(try sum.eval(feed).asArray(Double.self) == [15, -10, 2.5])
        #expect(try product.eval(feed).asArray(Double.self) == [120, 0, 0.03125])
    }

    // MARK: - Static broadcasting

    @Test func columnPlusRowBroadcastsStatically() throws {
        let a = Tensor.matrix("a", shape: [3, 1])
        let b = Tensor.matrix("b", shape: [1, 4])
        let y = a + b
        #expect(y.type.shape == [3, 4])
        let value = try y.eval([
            "a": NDArray(shape: [3, 1], elements: [0.0, 10, 20]),
            "b": NDArray(shape: [1, 4], elements: [1.0, 2, 3, 4]),
        ])
        #expect(value.shape == [3, 4])
        #expect(value.asArray(Double.self) == [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24])
    }

    @Test func lengthOneVectorBroadcastsAgainstLengthFive() throws {
        let a = Tensor.vector("a", shape: [1])
        let b = Tensor.vector("b", shape: [5])
        let y = a * b
        #expect(y.type.shape == [5])
        let value = try y.eval(["a": NDArray([2.0]), "b": NDArray([1.0, 2, 3, 4, 5])])
        #expect(value.asArray(Double.self) == [2, 4, 6, 8, 10])
    }

    /// Lower-rank inputs are left-padded with ExpandDims nodes, as PyTensor does.
    @Test func lowerRankInputsArePaddedWithExpandDims() throws {
        let s = Tensor.scalar("s")
        let m = Tensor.matrix("m", shape: [2, nil])
        let y = s + m
        let node = try #require(y.owner)
        #expect(node.inputs[1] === m)
        let padded = try #require(node.inputs[0].owner)
        #expect(padded.op.description == "ExpandDims{axes=[0, 1]}")
        #expect(padded.inputs[0] === s)
        #expect(node.inputs[0].type.shape == [1, 1])
        #expect(y.type.shape == [2, nil])
        let value = try y.eval(["s": 10.0, "m": NDArray([[1.0, 2, 3], [4, 5, 6]])])
        #expect(value.asArray(Double.self) == [11, 12, 13, 14, 15, 16])

        let v = Tensor.vector("v", shape: [3])
        let t = Tensor.tensor3("t")
        let z = v * t
        #expect(z.owner?.inputs[0].owner?.op.description == "ExpandDims{axes=[0, 1]}")
        #expect(z.owner?.inputs[0].type.shape == [1, 1, 3])
        #expect(z.type.shape == [nil, nil, 3])
        let w = m - t
        #expect(w.owner?.inputs[0].owner?.op.description == "ExpandDims{axis=0}")
        #expect(w.owner?.inputs[1] === t)
        #expect(w.type.shape == [nil, 2, nil])
    }

    @Test(arguments: [
        ([[nil, 1], [1, nil]], [nil, nil]),
        ([[1, 1], [1, 1]], [1, 1]),
        ([[nil], [3]], [3]),
        ([[1], [nil]], [nil]),
        ([[2, 1, nil], [nil, 4, 1], [1, 1, 5]], [2, 4, 5]),
        ([[0], [1]], [0]),
        ([[], []], []),
    ] as [([[Int?]], [Int?])])
    func staticShapeOfBroadcast(_ shapes: [[Int?]], _ expected: [Int?]) {
        let inputs = shapes.enumerated().map { Tensor.tensor("x\($0.offset)", shape: $0.element) }
        let y = inputs.count == 3 ? clip(inputs[0], min: inputs[1], max: inputs[2]) : inputs[0] + inputs[1]
        #expect(y.type.shape == expected)
    }

    @Test func incompatibleStaticShapesAreAConstructionError() {
        let a = Tensor.matrix("a", shape: [2, 3])
        let b = Tensor.matrix("b", shape: [nil, 4])
        let error = expectCotangentError { _ = try checked { a * b } }
        #expect(error?.kind == .invalidGraph)
        let message = error?.message ?? ""
        #expect(message.contains("Mul"))
        #expect(message.contains("(2, 3) and (?, 4)"), "\(message)")
        #expect(message.contains("dimension 1: 3 vs 4"), "\(message)")
        #expect(message.contains("Matrix(float64, shape=(2, 3)), Matrix(float64, shape=(?, 4))"), "\(message)")
        // Without `checked` the same request stops the program; inside it a placeholder is returned
        // and the closure runs to its end.
        var ranToEnd = false
        _ = try? checked {
            _ = a * b
            ranToEnd = true
        }
        #expect(ranToEnd)
    }

    @Test func runtimeShapeMismatchThrows() {
        let a = Tensor.matrix("a")
        let b = Tensor.matrix("b")
        let error = expectCotangentError {
            _ = try (a + b).eval(["a": NDArray.zeros([2, 3]), "b": NDArray.zeros([2, 4])])
        }
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.message.contains("Add") == true)
        #expect(error?.message.contains("(2, 3), (2, 4)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("dimension 1") == true)
    }

    /// A runtime length 1 on a dimension that is not statically 1 does not broadcast.
    @Test func runtimeBroadcastingIsRejected() throws {
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        let error = expectCotangentError {
            _ = try (a + b).eval(["a": NDArray([1.0]), "b": NDArray([1.0, 2, 3])])
        }
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.message.contains("(1,), (3,)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("statically 1") == true)
        // Statically 1 is fine.
        let c = Tensor.vector("c", shape: [1])
        #expect(try (c + b).eval(["c": NDArray([1.0]), "b": NDArray([1.0, 2, 3])]).shape == [3])
    }

    @Test func emptyInputsGiveEmptyOutputs() throws {
        let a = Tensor.matrix("a", shape: [nil, 1])
        let b = Tensor.matrix("b")
        let value = try (a * b).eval(["a": NDArray.zeros([0, 1]), "b": NDArray.zeros([0, 3])])
        #expect(value.shape == [0, 3])
        #expect(value.count == 0)
        let scalar = try exp(Tensor.scalar("s")).eval(["s": 0.0])
        #expect(scalar.shape == [] && scalar.item(Double.self) == 1)
    }

    // MARK: - Non-contiguous inputs

    @Test func transposedInputsAreReadThroughTheirStrides() throws {
        let a = Tensor.matrix("a", shape: [2, 3])
        let b = Tensor.matrix("b", shape: [3, 2])
        let feed: [String: NDArray] = [
            "a": NDArray([[1.0, 2, 3], [4, 5, 6]]),
            "b": NDArray([[10.0, 20], [30, 40], [50, 60]]),
        ]
        #expect(try (a.T + b).eval(feed).asArray(Double.self) == [11, 24, 32, 45, 53, 66])
        #expect(try (a.T - a.T).eval(feed).asArray(Double.self) == [0, 0, 0, 0, 0, 0])
        #expect(try (a * b.T).eval(feed).asArray(Double.self) == [10, 60, 150, 80, 200, 360])
        let e = try exp(a.T).eval(feed).asArray(Double.self)
        // numpy: np.exp(np.array([[1., 2, 3], [4, 5, 6]]).T).ravel()
        let expected = [
            2.718281828459045, 54.598150033144236, 7.38905609893065, 148.4131591025766,
            20.085536923187668, 403.4287934927351,
        ]
        expectClose(e, expected, inputs: ["1", "4", "2", "5", "3", "6"], "exp(a.T)")
    }

    /// The kernel loop on views that no graph op makes yet: negative steps, offsets and zero
    /// strides (perform is called directly on the arrays).
    @Test func kernelReadsNegativeAndZeroStrides() throws {
        let base = NDArray(shape: [3, 4], elements: (0..<12).map(Double.init))
        let reversed = base.sliced(axis: 1, start: 3, step: -1, count: 4)  // [[3,2,1,0], …]
        let column = base.sliced(axis: 1, start: 2, step: 1, count: 1)  // [[2], [6], [10]]
        let row = NDArray([100.0, 200, 300, 400]).broadcast(to: [3, 4])!  // strides [0, 1]
        let a = Tensor.matrix("a", shape: [3, 4])
        let b = Tensor.matrix("b", shape: [3, 1])
        let c = Tensor.matrix("c", shape: [3, 4])
        let y = clip(a, min: b, max: c)
        let node = try #require(y.owner)
        let out = try node.op.perform([reversed, column, row], node: node)[0]
        // numpy: np.clip semantics of PyTensor on (np.arange(12.).reshape(3, 4)[:, ::-1],
        // [[2], [6], [10]], [[100, 200, 300, 400]] * 3)
        #expect(out.asArray(Double.self) == [3, 2, 2, 2, 7, 6, 6, 6, 11, 10, 10, 10])
        let sum = try #require((a + c).owner)
        #expect(
            try sum.op.perform([reversed, row], node: sum)[0].asArray(Double.self)
                == [103, 202, 301, 400, 107, 206, 305, 404, 111, 210, 309, 408])
    }

    // MARK: - Symbolic shapes

    @Test(arguments: [
        ([[nil, 1], [1, nil]], [[3, 1], [1, 4]]),
        ([[nil, nil], [nil]], [[2, 5], [5]]),
        ([[], [nil, nil, nil]], [[], [2, 3, 4]]),
        ([[1, nil], [nil, 1]], [[1, 0], [6, 1]]),
        ([[nil], [3]], [[3], [3]]),
    ] as [([[Int?]], [[Int]])])
    func inferShapeAgreesWithTheRealShape(_ shapes: [[Int?]], _ runtime: [[Int]]) throws {
        let inputs = shapes.enumerated().map { Tensor.tensor("x\($0.offset)", shape: $0.element) }
        let y = inputs[0] * inputs[1] + inputs[1]
        var feed: [Variable: NDArray] = [:]
        for (input, shape) in zip(inputs, runtime) { feed[input] = NDArray.zeros(shape) }
        let real = try y.eval(feed).shape
        let symbolic = try y.symbolicShape.map { try Int($0.eval(feed).item(Int64.self)) }
        #expect(symbolic == real)
        for (axis, length) in y.type.shape.enumerated() {
            if let length { #expect(real[axis] == length) }
        }
    }
}
