import CotangentArrays
import CotangentGraph

/// Converts a PyTensor scalar-kind value (`TensorType/scalar(_:)`, printed `<int64>`) into a
/// 0-d tensor of the same dtype: PyTensor's `TensorFromScalar`.
///
/// Both kinds hold a 0-d array at run time, so the kernel is the identity.
public struct TensorFromScalar: Op {
    /// The op (it has no properties).
    public init() {}
    public var description: String { "TensorFromScalar" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, inputs[0].type.isScalarKind else {
            throw CotangentError(.invalidGraph, 
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
    /// The op (it has no properties).
    public init() {}
    public var description: String { "ScalarFromTensor" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, !inputs[0].type.isScalarKind, inputs[0].ndim == 0 else {
            throw CotangentError(.invalidGraph, 
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
        throw CotangentError(.shapeMismatch, 
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
package func asTensor(_ variable: Variable) -> Variable {
    variable.type.isScalarKind ? tensorFromScalar(variable) : variable
}

// MARK: - Derivatives

// Both conversions are the identity on values, so each one's derivative is the other
// conversion (or nothing, when the value already has the wanted kind: cotangents summed by the
// accumulator or cast to another dtype are 0-d tensors even where the variable is scalar-kind).

extension TensorFromScalar {
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[node.inputs[0].dtype.isFloat]] }

    /// The 0-d cotangent back as a scalar-kind value.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0], node.inputs[0].dtype.isFloat else { return [.disconnected] }
        return [.value(asScalarKind(g))]
    }

    /// Linear: the same conversion of the tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        [tangents[0].map(asTensor)]
    }
}

extension ScalarFromTensor {
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[node.inputs[0].dtype.isFloat]] }

    /// The scalar-kind cotangent back as a 0-d tensor.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0], node.inputs[0].dtype.isFloat else { return [.disconnected] }
        return [.value(asTensor(g))]
    }

    /// Linear: the same conversion of the tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        [tangents[0].map(asScalarKind)]
    }
}

/// `variable` as a scalar-kind value: a 0-d tensor is wrapped in `ScalarFromTensor`.
package func asScalarKind(_ variable: Variable) -> Variable {
    variable.type.isScalarKind ? variable : scalarFromTensor(variable)
}

// MARK: - Batching

extension TensorFromScalar {
    /// A batched scalar is a tensor already (one value per batch index): it is its own
    /// conversion. Without batch dims the conversion is rebuilt.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        [asTensor(batchedInputs[0])]
    }
}

extension ScalarFromTensor {
    /// A scalar-kind value has no dims, so a batched 0-d tensor stays a tensor (its consumer
    /// batches over it, through `Blockwise` if need be). Without batch dims the conversion is
    /// rebuilt.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batched = batchedInputs[0]
        return [batched.ndim == 0 ? asScalarKind(batched) : batched]
    }
}

/// The value of a constant, seen through scalar/tensor conversions (`TensorFromScalar(True)`
/// holds a constant as much as `True` does); nil for anything computed.
package func constantThroughConversions(_ variable: Variable) -> NDArray? {
    // A loop, not recursion: a chain of conversions may be arbitrarily long.
    var current = variable
    while current.constantValue == nil {
        guard let owner = current.owner, owner.isOp(TensorFromScalar.self) || owner.isOp(ScalarFromTensor.self) else {
            return nil
        }
        current = owner.inputs[0]
    }
    return current.constantValue
}

// MARK: - StableHLO

extension TensorFromScalar {
    /// The identity: a 0-d tensor and a scalar are both `tensor<…>` in StableHLO.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [operands[0]]
    }
}

extension ScalarFromTensor {
    /// The identity: a 0-d tensor and a scalar are both `tensor<…>` in StableHLO.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [context.builder.reshape(operands[0], [])]
    }
}
