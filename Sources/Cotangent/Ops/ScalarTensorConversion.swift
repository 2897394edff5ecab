/// Converts a PyTensor scalar-kind value (``TensorType/scalar(_:)``, printed `<int64>`) into a
/// 0-d tensor of the same dtype: PyTensor's `TensorFromScalar`.
///
/// Both kinds hold a 0-d array at run time, so the kernel is the identity.
public struct TensorFromScalar: Op {
    public init() {}
    public var description: String { "TensorFromScalar" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, inputs[0].type.isScalarKind else {
            throw CotangentError.invalidGraph(
                "TensorFromScalar: expects one scalar-kind input (a PyTensor ScalarType), got "
                    + "\(inputs.count) input(s) of type(s) \(describeTypes(inputs))")
        }
        return [TensorType(dtype: inputs[0].dtype, shape: [])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireZeroD(inputs[0], op: self, node: node)
        return [inputs[0]]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [[]] }
}

/// Converts a 0-d tensor into a PyTensor scalar-kind value of the same dtype: PyTensor's
/// `ScalarFromTensor`. The identity at run time.
public struct ScalarFromTensor: Op {
    public init() {}
    public var description: String { "ScalarFromTensor" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, !inputs[0].type.isScalarKind, inputs[0].ndim == 0 else {
            throw CotangentError.invalidGraph(
                "ScalarFromTensor: expects one 0-d tensor input, got \(inputs.count) input(s) of "
                    + "type(s) \(describeTypes(inputs))")
        }
        return [.scalar(inputs[0].dtype)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireZeroD(inputs[0], op: self, node: node)
        return [inputs[0]]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [[]] }
}

/// Guards the identity kernels against a value that is not 0-d (which only a bug upstream
/// could produce, but a kernel must not pass it on silently).
private func requireZeroD(_ value: NDArray, op: some Op, node: Apply) throws {
    guard value.ndim == 0 else {
        throw CotangentError.shapeMismatch(
            "\(op): expects a 0-d value, got an array of shape \(formatShape(value.shape)) "
                + "(dtype \(value.dtype)); input type \(describeTypes(node.inputs))")
    }
}

/// The 0-d tensor holding a scalar-kind value (PyTensor's `tensor_from_scalar`).
public func tensorFromScalar(_ scalar: Variable) -> Variable {
    build(TensorFromScalar(), scalar)
}

/// The scalar-kind value held by a 0-d tensor (PyTensor's `scalar_from_tensor`).
public func scalarFromTensor(_ tensor: Variable) -> Variable {
    build(ScalarFromTensor(), tensor)
}

/// `variable` as a tensor: scalar-kind values are wrapped in `TensorFromScalar`, as PyTensor's
/// `as_tensor_variable` does before an op checks its inputs.
func asTensor(_ variable: Variable) -> Variable {
    variable.type.isScalarKind ? tensorFromScalar(variable) : variable
}
