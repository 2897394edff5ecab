import CotangentArrays
import CotangentGraph

/// Identity ops that change only derivatives (PyTensor's `zero_grad`, `disconnected_grad`,
/// `undefined_grad`, `grad_clip`, `grad_scale`). Rewrites remove them before a graph runs
/// (`local_useless_gradient_control`), so they cost nothing at run time.
public struct GradientControl: Op {
    /// What the op does to the cotangent.
    public enum Kind: Hashable, Sendable {
        /// The gradient is zero (the input still counts as connected).
        case zero
        /// No gradient flows: the input is treated as a constant.
        case disconnected
        /// The gradient is undefined: `grad` through it reports an error.
        case undefined
        /// The cotangent is clipped to `[lower, upper]`.
        case clip(lower: Double, upper: Double)
        /// The cotangent is multiplied by `factor`.
        case scale(Double)
    }

    /// What the op does to the cotangent.
    public let kind: Kind
    /// A gradient control of `kind`.
    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .zero: "ZeroGrad"
        case .disconnected: "DisconnectedGrad"
        case .undefined: "UndefinedGrad"
        case .clip: "GradClip"
        case .scale: "GradScale"
        }
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "\(self): expects 1 input, got \(inputs.count)")
        }
        return [inputs[0].type]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] { inputs }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { inputShapes }

    // MARK: - Derivatives

    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[kind != .disconnected]] }

    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        switch kind {
        case .zero: return [.value(zerosLike(g))]
        case .disconnected: return [.disconnected]
        case .undefined: return [.undefined("undefinedGrad marks this gradient as undefined")]
        case .clip(let lower, let upper):
            return [.value(clip(g, min: Variable(constant: NDArray.full([], value: lower, dtype: g.dtype)),
                                max: Variable(constant: NDArray.full([], value: upper, dtype: g.dtype))))]
        case .scale(let factor):
            return [.value(g * Variable(constant: NDArray.full([], value: factor, dtype: g.dtype)))]
        }
    }

    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        switch kind {
        case .zero: return [zerosLike(t)]
        case .disconnected: return [nil]
        case .undefined, .clip: return nil
        case .scale(let factor): return [t * Variable(constant: NDArray.full([], value: factor, dtype: t.dtype))]
        }
    }

    // MARK: - Batching

    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        [build(self, batchedInputs[0])]
    }
}

/// `x`, with a zero gradient (PyTensor's `zero_grad`).
public func zeroGrad(_ x: Variable) -> Variable { build(GradientControl(.zero), x) }
/// `x`, treated as a constant by derivatives: a stop-gradient (PyTensor's `disconnected_grad`).
public func disconnectedGrad(_ x: Variable) -> Variable { build(GradientControl(.disconnected), x) }
/// `x`, whose gradient is undefined: `grad` through it reports an error (PyTensor's `undefined_grad`).
public func undefinedGrad(_ x: Variable) -> Variable { build(GradientControl(.undefined), x) }
/// `x`, whose cotangent is clipped to `[lower, upper]` on the way back (PyTensor's `grad_clip`).
public func gradClip(_ x: Variable, lower: Double, upper: Double) -> Variable {
    // numpy's clip (and PyTensor's grad_clip) need an interval; NaN bounds are none.
    guard lower <= upper else {
        reportBuildError(CotangentError(.invalidGraph,
            "gradClip: lower bound \(lower) must not exceed upper bound \(upper) (input \(x.type))"))
        return x
    }
    return build(GradientControl(.clip(lower: lower, upper: upper)), x)
}
/// `x`, whose cotangent is multiplied by `factor` on the way back (PyTensor's `grad_scale`).
public func gradScale(_ x: Variable, by factor: Double) -> Variable { build(GradientControl(.scale(factor)), x) }

// MARK: - StableHLO

extension GradientControl {
    /// The identity: gradient control changes derivatives only, and the exported graph's
    /// derivatives were taken before export.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [operands[0]]
    }
}
