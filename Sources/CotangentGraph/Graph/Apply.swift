import Synchronization
import CotangentArrays

/// One application of an ``Op`` to input variables: a node of the graph.
///
/// An `Apply` holds its inputs strongly and its outputs weakly. An output that nobody holds any
/// more is rebuilt (same type, same position) the next time it is asked for; since nothing can
/// still refer to the old one, identity is preserved for every observer. This keeps graphs free
/// of retain cycles.
public final class Apply: Hashable, Sendable {
    /// The operation.
    public let op: any Op
    /// The input variables, in the op's order.
    @inlinable public var inputs: [Variable] { storedInputs }
    /// Never changed after `init`, except by `deinit` taking the inputs of nodes that die with
    /// this one (see there); a `let` could not be taken. Reads need no exclusivity check (the
    /// attribute holds only in this module, hence the inlinable accessor above).
    @usableFromInline @exclusivity(unchecked) nonisolated(unsafe) package var storedInputs: [Variable]
    /// The static types of the outputs.
    public let outputTypes: [TensorType]
    package let outputNames: [String?]
    private let liveOutputs: Mutex<[WeakVariable]>

    /// Creates the node and returns it with its outputs, which the caller must keep.
    package init(op: any Op, inputs: [Variable], outputTypes: [TensorType], outputNames: [String?]? = nil) {
        self.op = op
        self.storedInputs = inputs
        self.outputTypes = outputTypes
        self.outputNames = outputNames ?? Array(repeating: nil, count: outputTypes.count)
        self.liveOutputs = Mutex(Array(repeating: WeakVariable(), count: outputTypes.count))
    }

    /// Frees the nodes that die with this one iteratively.
    ///
    /// Released the ordinary way, a graph would be freed recursively (a node releases its
    /// inputs, each input its owner, …), several stack frames per node: dropping a chain of a
    /// few ten thousand nodes would overflow the stack. Instead this node's inputs go on an
    /// explicit stack; an input's owner that only that input kept alive is taken over, its own
    /// inputs moved onto the stack before it is released, so it frees nothing recursively.
    deinit {
        var pending = storedInputs
        storedInputs = []
        while !pending.isEmpty {
            // Hold the owner, then let the variable go: if that was its last reference, the
            // owner is now held by `owner` alone. (No other local may keep the variable.)
            var variable: Variable? = pending.removeLast()
            guard var owner = variable?.owner else { continue }
            variable = nil
            if isKnownUniquelyReferenced(&owner), !owner.storedInputs.isEmpty {
                pending.append(contentsOf: owner.storedInputs)
                owner.storedInputs = []
            }
        }
    }

    /// The output at `index`.
    public func output(_ index: Int) -> Variable {
        liveOutputs.locked { outputs in
            if let existing = outputs[index].variable { return existing }
            let created = Variable(
                owner: self, index: index, type: outputTypes[index], name: outputNames[index])
            outputs[index] = WeakVariable(created)
            return created
        }
    }

    /// All outputs, in order.
    public var outputs: [Variable] { outputTypes.indices.map(output) }

    /// The op as a `T` when it is one, else nil (`op as? T` without the runtime's general
    /// cast, the type compared first; see ``concreteOp(_:as:)``).
    @inlinable package func castOp<T: Op>(to _: T.Type) -> T? { isOp(T.self) ? concreteOp(op, as: T.self) : nil }

    /// Whether the op is a `T` (`op is T`, by comparing types).
    @inlinable package func isOp<T: Op>(_: T.Type) -> Bool { type(of: op) == T.self }

    /// The single output of a one-output node (the default output otherwise).
    public var defaultOutput: Variable { output(0) }

    public static func == (lhs: Apply, rhs: Apply) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

package struct WeakVariable: Sendable {
    weak var variable: Variable?
    package init(_ variable: Variable? = nil) { self.variable = variable }
}
