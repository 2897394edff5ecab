import CotangentArrays

/// A symbolic value in a graph: a graph input, a constant, or an output of an ``Apply`` node.
///
/// Variables are immutable and compared by identity. A variable holds its owner strongly; an
/// `Apply` never holds its outputs strongly (see ``Apply``), so graphs form no retain cycles and
/// are freed as soon as the last variable of interest goes away.
///
/// `Tensor` is the same type under the name user code reads best:
/// ```swift
/// let x = Tensor.vector("x")
/// let y = log(x) * 2
/// ```
public final class Variable: Hashable, Sendable, CustomStringConvertible {
    /// The static type.
    public let type: TensorType
    /// The node that computes this variable; nil for graph inputs and constants.
    public let owner: Apply?
    /// Position of this variable among its owner's outputs.
    public let index: Int
    /// An optional name; graph inputs are usually named, and `eval` keys may use it.
    public let name: String?
    /// The value of a constant; nil for every other variable.
    public let constantValue: NDArray?
    /// The storage of a shared variable; nil for every other variable.
    public let sharedStorage: SharedStorage?
    /// Whether this is a weakly typed scalar constant: a number literal or a Swift number used as
    /// an operand (JAX's weak types). It takes the dtype of the tensors it meets in elementwise
    /// ops (`x * 0.1` stays float32 for a float32 `x`); alone it is float64 (or int64).
    public let isWeaklyTyped: Bool

    /// A graph input (a root the caller provides a value for).
    public init(type: TensorType, name: String? = nil) {
        self.type = type
        self.owner = nil
        self.index = 0
        self.name = name
        self.constantValue = nil
        self.sharedStorage = nil
        self.isWeaklyTyped = false
    }

    /// A shared variable: a graph input whose value lives in `shared`.
    package init(type: TensorType, name: String?, shared: SharedStorage) {
        self.type = type
        self.owner = nil
        self.index = 0
        self.name = name
        self.constantValue = nil
        self.sharedStorage = shared
        self.isWeaklyTyped = false
    }

    /// A constant holding `value`, of a tensor type with `value`'s exact static shape.
    public init(constant value: NDArray, name: String? = nil) {
        self.type = TensorType(dtype: value.dtype, shape: value.shape.map { $0 })
        self.owner = nil
        self.index = 0
        self.name = name
        self.constantValue = value
        self.sharedStorage = nil
        self.isWeaklyTyped = false
    }

    /// A constant of a given type (e.g. a PyTensor scalar-kind constant such as a slice step).
    package init(constant value: NDArray, type: TensorType, name: String? = nil) {
        self.type = type
        self.owner = nil
        self.index = 0
        self.name = name
        self.constantValue = value
        self.sharedStorage = nil
        self.isWeaklyTyped = false
    }

    /// A weakly typed scalar constant (see ``isWeaklyTyped``): `value` is a 0-d float64, int64
    /// or bool array.
    package init(weakScalar value: NDArray) {
        self.type = TensorType(dtype: value.dtype, shape: [])
        self.owner = nil
        self.index = 0
        self.name = nil
        self.constantValue = value
        self.sharedStorage = nil
        self.isWeaklyTyped = true
    }

    /// An output of `owner`.
    package init(owner: Apply, index: Int, type: TensorType, name: String?) {
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.constantValue = nil
        self.sharedStorage = nil
        self.isWeaklyTyped = false
    }

    /// The element dtype (from the static type).
    public var dtype: DType { type.dtype }
    /// The rank (from the static type).
    public var ndim: Int { type.ndim }
    /// Whether this is a constant (its value is known when the graph is built).
    public var isConstant: Bool { constantValue != nil }
    /// A graph input: neither a constant nor computed by a node.
    public var isGraphInput: Bool { owner == nil && constantValue == nil }

    public static func == (lhs: Variable, rhs: Variable) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// The name, the constant's value, or the op that computes it (`Log.0`).
    public var description: String {
        if let name { return name }
        if let constantValue { return constantValue.constantDescription }
        if let owner { return "\(owner.op).\(index)" }
        return "<\(type)>"
    }
}

/// The user-facing name of ``Variable``: a symbolic tensor.
public typealias Tensor = Variable
