import CotangentArrays

/// What an op's pullback returns for one of its inputs.
///
/// PyTensor distinguishes a gradient that is zero because the output does not depend on the
/// input (*disconnected*) from one that does not exist (*undefined*, PyTensor's `NullType`).
public enum InputGradient: Sendable {
    /// The vector-Jacobian product for this input.
    case value(Variable)
    /// The outputs do not depend on this input (no term).
    case disconnected
    /// No gradient exists (or none is implemented); the reason names the op.
    case undefined(String)
}

// Defaults: all inputs connected to all outputs, an undefined pullback (so `grad` through the op
// reports which op lacks a rule), and no native pushforward (so `pushforward` uses the
// double-pullback trick for that node).
extension Op {
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        node.inputs.map { _ in node.outputTypes.map { _ in true } }
    }

    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        node.inputs.map { _ in .undefined("\(self) has no pullback") }
    }

    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? { nil }

    // Batching defaults: no rule of its own, so the vectorizer wraps the op in `Blockwise` over a
    // signature derived from the node's ranks.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? { nil }
    public var gufuncSignature: String? { nil }
}
