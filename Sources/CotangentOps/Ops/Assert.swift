import CotangentArrays
import CotangentGraph

/// Passes its first input through after checking that every condition input is true, else
/// throws at run time with `message`: PyTensor's `Assert` (`CheckAndRaise`). Rewrites that drop
/// an op whose only effect was a runtime check (an `Alloc` to the shape the value already has)
/// leave one of these behind, so bad shapes still fail loudly.
public struct Assert: Op {
    /// The output type is the value's type.
    public var readsOnlyInputTypes: Bool { true }

    /// The text of the error thrown when a condition is false.
    public let message: String
    /// An assertion that throws `message` when a condition input is false.
    public init(_ message: String) { self.message = message }

    /// `Assert{msg='Shapes must be equal'}`, PyTensor's form.
    public var description: String { "Assert{msg='\(message)'}" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard let value = inputs.first else {
            throw CotangentError(.invalidGraph, "\(self): needs a value input")
        }
        for condition in inputs.dropFirst() where condition.ndim != 0 || condition.type.isScalarKind {
            throw CotangentError(.invalidGraph, "\(self): conditions must be 0-d tensors, got \(condition.type)")
        }
        return [value.type]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        for (position, condition) in inputs.dropFirst().enumerated() where !condition.item(Bool.self) {
            throw CotangentError(
                .shapeMismatch,
                "\(self): condition \(position) failed for a value of shape \(formatShape(inputs[0].shape)) "
                    + "(dtype \(inputs[0].dtype))")
        }
        return [inputs[0]]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }

    // MARK: - Derivatives

    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        [[true]] + node.inputs.dropFirst().map { _ in [false] }
    }

    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        [cotangents[0].map(InputGradient.value) ?? .disconnected]
            + node.inputs.dropFirst().map { _ in .disconnected }
    }

    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? { [tangents[0]] }
}

/// `value`, checked at run time: every condition must hold, else evaluation throws `message`.
public func assert(_ value: Variable, _ conditions: [Variable], message: String) -> Variable {
    build(Assert(message), [value] + conditions)
}

// MARK: - Checked symbolic lengths

/// Whether two symbolic lengths are provably equal: the same variable, equal constants, or
/// equal ops on provably equal inputs (`Shape_i{0}(x)` built twice), looking `depth` ops deep.
/// The depth bound keeps the comparison linear on shape graphs that share subexpressions
/// (derivatives of derivatives); past it the lengths count as not provably equal, which only
/// costs an extra check.
package func sameLength(_ a: Variable, _ b: Variable, depth: Int = 4) -> Bool {
    if a === b { return true }
    if let x = a.constantValue, let y = b.constantValue {
        return x.count == 1 && y.count == 1 && x.item(Int64.self) == y.item(Int64.self)
    }
    guard depth > 0, let p = a.owner, let q = b.owner, a.index == b.index, p.inputs.count == q.inputs.count,
        p.op.isEqual(to: q.op)
    else { return false }
    return zip(p.inputs, q.inputs).allSatisfy { sameLength($0, $1, depth: depth - 1) }
}

/// One symbolic length standing for several that must be equal at run time: the first, with
/// an ``Assert`` that the others equal it unless they provably do.
///
/// An op's `inferShape` uses this where its kernel would check lengths (an elementwise op's
/// non-broadcasting inputs, a matrix product's shared dimension), so shapes computed without
/// running the op (a gradient's `Alloc`, `x.shape`, a rewrite that drops the op) still fail
/// on lengths the op would reject.
package func checkedLength(_ lengths: [Variable], message: @autoclosure () -> String) -> Variable {
    let first = lengths[0]
    let others = lengths.dropFirst().filter { !sameLength(first, $0) }
    guard !others.isEmpty else { return first }
    return assert(first, others.map { first .== $0 }, message: message())
}

// MARK: - StableHLO

extension Assert {
    /// The value alone: XLA has no run-time assertion, so the exported module does not check
    /// the conditions (as PyTensor's JAX backend drops its asserts).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [operands[0]]
    }
}
