import CotangentArrays

// Declaring graph inputs and constants.

extension Variable {
    /// A graph input of any rank: `Tensor.tensor("t", dtype: .float32, shape: [nil, 3, 3])`.
    public static func tensor(_ name: String? = nil, dtype: DType = .float64, shape: [Int?]) -> Variable {
        Variable(type: TensorType(dtype: dtype, shape: shape), name: name)
    }

    /// A 0-d graph input.
    public static func scalar(_ name: String? = nil, dtype: DType = .float64) -> Variable {
        tensor(name, dtype: dtype, shape: [])
    }

    /// A 1-d graph input; `shape` defaults to one unknown length.
    public static func vector(_ name: String? = nil, dtype: DType = .float64, shape: [Int?] = [nil]) -> Variable {
        precondition(shape.count == 1, "Tensor.vector(\(name ?? "")): shape \(shape) is not 1-d")
        return tensor(name, dtype: dtype, shape: shape)
    }

    /// A 2-d graph input; `shape` defaults to unknown lengths.
    public static func matrix(_ name: String? = nil, dtype: DType = .float64, shape: [Int?] = [nil, nil]) -> Variable {
        precondition(shape.count == 2, "Tensor.matrix(\(name ?? "")): shape \(shape) is not 2-d")
        return tensor(name, dtype: dtype, shape: shape)
    }

    /// A 3-d graph input.
    public static func tensor3(_ name: String? = nil, dtype: DType = .float64, shape: [Int?] = [nil, nil, nil]) -> Variable {
        precondition(shape.count == 3, "Tensor.tensor3(\(name ?? "")): shape \(shape) is not 3-d")
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
    /// A float constant (float32 when the literal is exactly representable, else float64, as
    /// PyTensor types Python floats).
    public convenience init(floatLiteral value: Double) {
        self.init(constant: Variable.autocastScalar(value))
    }

    /// An integer constant of the smallest integer dtype that holds it.
    public convenience init(integerLiteral value: Int64) {
        self.init(constant: Variable.autocastScalar(value))
    }

    /// A bool constant.
    public convenience init(booleanLiteral value: Bool) {
        self.init(constant: NDArray(scalar: value))
    }
}

extension Variable {
    /// A float64 constant from a runtime number.
    public convenience init(_ value: Double) {
        self.init(constant: NDArray(scalar: value))
    }
}
