import CotangentArrays

// Declaring graph inputs and constants.

extension Variable {
    /// A graph input of any rank: `Tensor.tensor("t", dtype: .float32, shape: [nil, 3, 3])`.
    /// Without a dtype it is the scope's default float (float64; see ``withDefaultFloat(_:_:)``).
    /// A negative length, or known lengths too big for any array, is reported like any invalid
    /// graph (a stop, or an error thrown by the enclosing `checked { … }`).
    public static func tensor(_ name: String? = nil, dtype: DType? = nil, shape: [Int?]) -> Variable {
        declared(name, dtype: dtype, shape: shape, rank: nil, factory: "tensor")
    }

    /// A graph input after checking its declaration: inside `checked` a bad one is recorded
    /// and replaced by an input of the right rank with unknown lengths.
    private static func declared(_ name: String?, dtype: DType?, shape: [Int?], rank: Int?, factory: String) -> Variable {
        let dtype = dtype ?? defaultFloatDType
        let type = TensorType(dtype: dtype, shape: shape)
        // Only an error reads it: no text is formatted for a good declaration.
        func label() -> String { "Tensor.\(factory)(\(name.map { "\"\($0)\"" } ?? "nil"), dtype: \(dtype))" }
        if let rank, shape.count != rank {
            reportBuildError(CotangentError(.invalidGraph,
                "\(label()): shape \(TensorType.format(shape)) has \(shape.count) dimensions, expected \(rank)"))
            return Variable(type: TensorType(dtype: dtype, shape: Array(repeating: nil, count: rank)), name: name)
        }
        if let problem = type.staticShapeProblem {
            reportBuildError(CotangentError(.invalidGraph, "\(label()): \(problem)"))
            return Variable(type: type.with(shape: shape.map { _ in nil }), name: name)
        }
        return Variable(type: type, name: name)
    }

    /// A 0-d graph input (of the default float dtype unless `dtype` is given).
    public static func scalar(_ name: String? = nil, dtype: DType? = nil) -> Variable {
        declared(name, dtype: dtype, shape: [], rank: 0, factory: "scalar")
    }

    /// A 1-d graph input; `shape` defaults to one unknown length.
    public static func vector(_ name: String? = nil, dtype: DType? = nil, shape: [Int?] = [nil]) -> Variable {
        declared(name, dtype: dtype, shape: shape, rank: 1, factory: "vector")
    }

    /// A 2-d graph input; `shape` defaults to unknown lengths.
    public static func matrix(_ name: String? = nil, dtype: DType? = nil, shape: [Int?] = [nil, nil]) -> Variable {
        declared(name, dtype: dtype, shape: shape, rank: 2, factory: "matrix")
    }

    /// A 3-d graph input.
    public static func tensor3(_ name: String? = nil, dtype: DType? = nil, shape: [Int?] = [nil, nil, nil]) -> Variable {
        declared(name, dtype: dtype, shape: shape, rank: 3, factory: "tensor3")
    }

    /// A constant tensor holding `value`.
    public static func constant(_ value: NDArray, name: String? = nil) -> Variable {
        Variable(constant: value, name: name)
    }

    /// A constant from a number, typed as PyTensor types Python numbers: integers get the
    /// smallest of int8…int64 that holds them, floats float32 when exactly representable,
    /// else float64.
    public static func constant(_ value: Double) -> Variable {
        Variable(constant: autocastScalar(value))
    }

    /// PyTensor's `autocast_int`/`autocast_float` for a Python number.
    package static func autocastScalar(_ value: Double) -> NDArray {
        if Float(value).doubleValue == value || value.isNaN { return NDArray(scalar: Float(value)) }
        return NDArray(scalar: value)
    }

    package static func autocastScalar(_ value: Int64) -> NDArray {
        if let v = Int8(exactly: value) { return NDArray(scalar: v) }
        if let v = Int16(exactly: value) { return NDArray(scalar: v) }
        if let v = Int32(exactly: value) { return NDArray(scalar: v) }
        return NDArray(scalar: value)
    }

    /// A PyTensor scalar-kind constant (used for index inputs, printed `<int64>` with types).
    package static func scalarConstant(_ value: Int64) -> Variable {
        Variable(constant: NDArray(scalar: value), type: .scalar(.int64))
    }
}

extension Variable: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    /// A weakly typed float constant (see ``isWeaklyTyped``): `x * 0.1` has `x`'s float dtype,
    /// `n * 2.5` (an integer `n`) the default float dtype, and the literal alone is float64.
    /// Arithmetic between literals (`8.0 / 3.0`) is done in float64 before any tensor sees it.
    public convenience init(floatLiteral value: Double) {
        self.init(weakScalar: NDArray(scalar: value))
    }

    /// A weakly typed integer constant: it takes the dtype of the tensor it meets (`x + 1` is
    /// `x`'s dtype); alone it is int64.
    public convenience init(integerLiteral value: Int64) {
        self.init(weakScalar: NDArray(scalar: value))
    }

    /// A bool constant.
    public convenience init(booleanLiteral value: Bool) {
        self.init(constant: NDArray(scalar: value))
    }
}

extension Variable {
    /// A strongly typed float64 constant from a runtime number: unlike a literal or a number
    /// used directly as an operand (`x * lr`), it keeps float64 and promotes a float32 tensor
    /// it meets to float64, as a float64 array would.
    public convenience init(_ value: Double) {
        self.init(constant: NDArray(scalar: value))
    }
}
