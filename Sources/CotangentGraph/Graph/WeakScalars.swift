import CotangentArrays

// Weakly typed scalars, as JAX defines them: a number literal or a Swift number used as an
// operand has a kind (bool, integer, float) but no width of its own. Next to tensors it takes
// their dtype; alone it is float64 or int64. PyTensor types a Python number by the smallest
// dtype that holds it exactly, which works in Python because arithmetic between numbers happens
// in Python first; in Swift, `(8.0 / 3.0) * x` reaches the graph as two literals, so that rule
// would divide two float32 constants. Weak scalars keep full precision until they meet a tensor.

/// A Swift value that can stand beside a tensor in arithmetic, comparisons and the binary math
/// functions (`x * lr`, `maximum(x, 0.5)`, `select(c, x, limit)`).
///
/// `Double`, `Float` and `Int` become weakly typed constants (see ``Variable/isWeaklyTyped``):
/// they take the dtype of the tensor they meet. `Bool` becomes a bool constant (bool is the
/// lowest kind, so it never changes another operand's dtype).
public protocol ScalarOperand: Sendable {
    /// The constant this value stands for in a graph.
    var scalarConstant: Variable { get }
}

extension Double: ScalarOperand {
    /// A weakly typed float constant.
    public var scalarConstant: Variable { Variable(weakScalar: NDArray(scalar: self)) }
}

extension Float: ScalarOperand {
    /// A weakly typed float constant (the `Float`'s exact value).
    public var scalarConstant: Variable { Variable(weakScalar: NDArray(scalar: Double(self))) }
}

extension Int: ScalarOperand {
    /// A weakly typed integer constant.
    public var scalarConstant: Variable { Variable(weakScalar: NDArray(scalar: Int64(self))) }
}

extension Bool: ScalarOperand {
    /// A bool constant.
    public var scalarConstant: Variable { Variable(constant: NDArray(scalar: self)) }
}

package enum WeakScalars {
    /// PyTensor's constant for a weak scalar's number (`Variable.autocastScalar`: int8…int64,
    /// float32 when exact, else float64); any other variable unchanged.
    package static func pyTensorTyped(_ input: Variable) -> Variable {
        guard input.isWeaklyTyped, let value = input.constantValue else { return input }
        return Variable(constant: narrowed(value))
    }

    /// Inputs of an op that promotes them together (`makeVector`, `arange`): weak scalars take
    /// the dtype of the tensors among them (see ``resolved(_:excluding:cast:)``), and numbers
    /// with no tensor beside them get PyTensor's dtype for the number.
    package static func resolvedTogether(_ inputs: [Variable], cast: (Variable, DType) -> Variable) throws -> [Variable] {
        try resolved(inputs, cast: cast).map(pyTensorTyped)
    }

    private static func narrowed(_ value: NDArray) -> NDArray {
        value.dtype.isFloat
            ? Variable.autocastScalar(value.item(Double.self)) : Variable.autocastScalar(value.item(Int64.self))
    }

    /// The dtype a weak scalar of `weakDType`'s kind (float64: float, int64: integer) takes next
    /// to strong operands whose promoted dtype is `strong`: JAX's weak-type lattice with float64
    /// (the scope's default float) and int64 as the default widths.
    package static func dtype(weak weakDType: DType, meeting strong: DType) -> DType {
        if strong.isFloat { return strong }
        if weakDType.isFloat { return DefaultDTypes.float }
        return strong == .bool ? .int64 : strong
    }

    /// `inputs` of an elementwise node with each weak scalar replaced by a constant that makes
    /// the node compute in the dtype the weak scalar takes beside the other inputs (those not in
    /// `excluding`, e.g. a `switch` condition). Only weak scalars are replaced; with no strong
    /// operand the inputs stay as they are (float64 and int64).
    ///
    /// The replacement keeps PyTensor's dtype for the number (the smallest that holds it
    /// exactly: `2` int8, `0.5` float32) whenever that computes the same dtype, so graphs print
    /// as PyTensor's; otherwise it has the target dtype itself (`0.1` beside float32 is a float32
    /// constant).
    ///
    /// A float number beside integer tensors makes the node compute in the default float dtype;
    /// when numpy's promotion of those integers would be wider (int32 with a float32 default),
    /// the integer inputs are converted with `cast` first, as JAX does.
    ///
    /// - Throws: ``CotangentError`` when an integer does not fit the integer dtype it meets
    ///   (`int8 tensor + 1000`), as numpy 2 refuses it.
    package static func resolved(
        _ inputs: [Variable], excluding: Set<Int> = [], cast: (Variable, DType) -> Variable
    ) throws -> [Variable] {
        guard inputs.contains(where: \.isWeaklyTyped) else { return inputs }
        let strong = inputs.indices.filter { !inputs[$0].isWeaklyTyped && !excluding.contains($0) }
        guard !strong.isEmpty else { return inputs }
        let promoted = DType.promote(strong.map { inputs[$0].dtype })
        let float = DefaultDTypes.float
        let castsStrong = !promoted.isFloat && DType.promote(promoted, float) != float
            && inputs.contains { $0.isWeaklyTyped && $0.dtype.isFloat }
        return try inputs.enumerated().map { k, input in
            if castsStrong && strong.contains(k) { return cast(input, float) }
            guard input.isWeaklyTyped, let value = input.constantValue else { return input }
            let target = dtype(weak: input.dtype, meeting: promoted)
            let narrow = narrowed(value)
            if DType.promote(promoted, narrow.dtype) == target { return Variable(constant: narrow) }
            if let range = target.integerRange {
                let integer = value.item(Int64.self)
                guard range.contains(integer) else {
                    throw CotangentError.invalidGraph(
                        "the integer \(integer) does not fit \(target), the dtype of the tensor it meets "
                            + "(write a constant of a wider dtype, or cast the tensor)")
                }
            }
            return Variable(constant: value.converted(to: target))
        }
    }
}
