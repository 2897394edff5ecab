import CotangentArrays

// Declaring graph inputs and constants.

extension Variable {
    /// A graph input of any rank: `Tensor.tensor("t", dtype: .float32, shape: [nil, 3, 3])`.
    /// Without a dtype it is the scope's default float (float64; see ``withDefaultFloat(_:_:)``).
    public static func tensor(_ name: String? = nil, dtype: DType? = nil, shape: [Int?]) -> Variable {
        Variable(type: TensorType(dtype: dtype ?? defaultFloatDType, shape: shape), name: name)
    }

    /// A 0-d graph input (of the default float dtype unless `dtype` is given).
    public static func scalar(_ name: String? = nil, dtype: DType? = nil) -> Variable {
        tensor(name, dtype: dtype, shape: [])
    }

    /// A 1-d graph input; `shape` defaults to one unknown length.
    public static func vector(_ name: String? = nil, dtype: DType? = nil, shape: [Int?] = [nil]) -> Variable {
        ranked("vector", 1, name, dtype, shape)
    }

    /// A 2-d graph input; `shape` defaults to unknown lengths.
    public static func matrix(_ name: String? = nil, dtype: DType? = nil, shape: [Int?] = [nil, nil]) -> Variable {
        ranked("matrix", 2, name, dtype, shape)
    }

    /// A 3-d graph input.
    public static func tensor3(_ name: String? = nil, dtype: DType? = nil, shape: [Int?] = [nil, nil, nil]) -> Variable {
        ranked("tensor3", 3, name, dtype, shape)
    }

    /// A graph input whose static shape must have `rank` entries; another count is reported
    /// like any building error (and the input keeps the given shape, inside `checked`).
    private static func ranked(_ factory: String, _ rank: Int, _ name: String?, _ dtype: DType?, _ shape: [Int?]) -> Variable {
        if shape.count != rank {
            reportBuildError(.invalidGraph(
                "Tensor.\(factory)(\(name.map { "\"\($0)\"" } ?? "")): shape \(TensorType.format(shape)) has "
                    + "\(shape.count) dimensions, not \(rank)"))
        }
        return tensor(name, dtype: dtype, shape: shape)
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
