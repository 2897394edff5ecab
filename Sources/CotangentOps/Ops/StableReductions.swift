import CotangentArrays
import CotangentGraph

// Reductions through exponentials that stay finite where the written-out forms overflow:
// `logsumexp`, `softmax` and `logSoftmax` are compositions around a max shift that carries no
// gradient (each is exactly independent of the shift, so their derivatives are those of the
// compositions: softmax, and its Jacobian for the second order), and `cumlogsumexp` is its own
// op, a running `logaddexp`, since one shift cannot keep every prefix of a lane in range.

// MARK: - Shared helpers

/// `axes` normalised for a reduction of `x` (non-negative, sorted; nil: every axis), or an
/// error naming `function`, the axes and `x`'s type.
package func normalizedReductionAxes(_ axes: [Int]?, of x: Variable, in function: String) throws -> [Int]? {
    switch Reduce.normalizedAxes(axes, ndim: x.ndim) {
    case .success(let normalized): return normalized
    case .failure(let error): throw CotangentError(.invalidGraph, "\(function): \(error.message) (\(x.type))")
    }
}

/// `x` itself when it is float, else converted to float64: numpy computes the statistics and
/// exponential reductions of bool and integer arrays in float64.
package func floatValued(_ x: Variable) -> Variable {
    x.dtype.isFloat ? x : x.cast(to: .float64)
}

/// The shift of the stable exponential reductions: the maximum of `x` over `axes` (length-1
/// dims kept with `keepDims`), replaced by 0 where it is infinite (every entry −inf, or a +inf
/// present) so that `x − shift` never computes `inf − inf`. With `stopsGradient` no derivative
/// flows through it: the reductions built on it do not depend on the shift's value (rewrites,
/// which run after differentiation, build it without).
package func maxShift(_ x: Variable, axes: [Int]?, keepDims: Bool, stopsGradient: Bool) -> Variable {
    let maximum = x.reduced(.max, axes: axes, keepDims: keepDims)
    let shift = select(isinf(maximum), Variable(constant: NDArray.full([], value: 0, dtype: maximum.dtype)), maximum)
    return stopsGradient ? disconnectedGrad(shift) : shift
}

/// `exp(a − b)`, and 0 (not `exp(nan)`) where `zero` holds, also in every derivative: the
/// difference is replaced before the exponential, so no NaN reaches a branch a select drops.
private func exponentialOfDifference(_ a: Variable, _ b: Variable, zeroWhere zero: Variable) -> Variable {
    exp(select(zero, -Double.infinity, a - b))
}

// MARK: - logsumexp, softmax, logSoftmax

/// The logarithm of the sum of the exponentials of `x` over `axis`, computed without overflow
/// (scipy's `logsumexp`).
///
/// The maximum `m` over the axis is subtracted before the exponentials and added back,
/// `m + log(sum(exp(x − m)))`, so entries of ±1000 give finite results; an axis whose entries
/// are all −inf gives −inf. The gradient is `softmax(x)` over the axis, finite for large
/// inputs and zero for a lane of −inf (a finite change leaves it at −inf); second derivatives
/// are the softmax's Jacobian. The shift carries no gradient, the result does not depend on it.
///
/// ```swift
/// let A = Tensor.matrix("A")
/// logsumexp(A, axis: 1)                    // one value per row
/// logsumexp(A, axis: 1, keepDims: true)    // shape (n, 1)
/// ```
///
/// - Parameters:
///   - x: any tensor; bool and integer tensors are computed in float64.
///   - axis: the reduced axis (negative counts from the end); nil reduces every axis.
///   - keepDims: keep the reduced axis as a length-1 dimension.
/// - Returns: a float tensor of `x`'s float dtype. Evaluating it over an axis of length 0
///   throws, as the maximum of an empty axis does.
public func logsumexp(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    stableLogSumExp(x, axes: axis.map { [$0] }, keepDims: keepDims)
}

/// The logarithm of the sum of the exponentials of `x` over several axes, computed without
/// overflow; see ``logsumexp(_:axis:keepDims:)``.
public func logsumexp(_ x: Variable, axes: [Int], keepDims: Bool = false) -> Variable {
    stableLogSumExp(x, axes: axes, keepDims: keepDims)
}

private func stableLogSumExp(_ x: Variable, axes: [Int]?, keepDims: Bool) -> Variable {
    let source = x
    let x = floatValued(x)
    return reporting(placeholderVariable(TensorType(dtype: x.dtype, shape: []))) {
        let axes = try normalizedReductionAxes(axes, of: source, in: "logsumexp")
        let shift = maxShift(x, axes: axes, keepDims: false, stopsGradient: true)
        let total = exp(x - shift.restoringDims(reducedFrom: x, axes: axes)).reduced(.sum, axes: axes, keepDims: false)
        // The total is 0 only when every entry is −inf (else the maximum's term is 1): the
        // log reads 1 there, so its derivative is finite, and the value is −inf.
        let empty = total .== 0
        let value = select(empty, -Double.infinity, log(select(empty, 1, total)) + shift)
        return keepDims ? value.restoringDims(reducedFrom: x, axes: axes) : value
    }
}

/// The softmax of `x` over `axis`: `exp(x) / sum(exp(x))`, computed with the maximum
/// subtracted first so that no exponential overflows (scipy's `softmax`).
///
/// Entries of −inf get 0; an axis whose entries are all −inf gives NaN, as in scipy. The
/// derivatives are those of the composition (the shift carries none): the pullback is
/// `p·(g − sum(g·p))`.
///
/// ```swift
/// softmax(A, axis: 1)    // each row sums to 1
/// ```
///
/// - Parameters:
///   - x: any tensor; bool and integer tensors are computed in float64.
///   - axis: the axis to normalise over (negative counts from the end); nil normalises over
///     every element.
/// - Returns: a tensor of `x`'s shape and float dtype. Evaluating it over an axis of length 0
///   throws, as the maximum of an empty axis does.
public func softmax(_ x: Variable, axis: Int? = nil) -> Variable {
    let source = x
    let x = floatValued(x)
    return reporting(placeholderVariable(x.type)) {
        let axes = try normalizedReductionAxes(axis.map { [$0] }, of: source, in: "softmax")
        let exponentials = exp(x - maxShift(x, axes: axes, keepDims: true, stopsGradient: true))
        return exponentials / exponentials.reduced(.sum, axes: axes, keepDims: true)
    }
}

/// The logarithm of ``softmax(_:axis:)``, computed as `(x − m) − log(sum(exp(x − m)))` with
/// `m` the maximum over `axis`: finite where the softmax underflows to 0 (scipy's
/// `log_softmax`).
///
/// Entries of −inf stay −inf; an axis whose entries are all −inf gives NaN, as in scipy. The
/// pullback is `g − p·sum(g)` with `p` the softmax.
///
/// - Parameters:
///   - x: any tensor; bool and integer tensors are computed in float64.
///   - axis: the axis to normalise over (negative counts from the end); nil normalises over
///     every element.
/// - Returns: a tensor of `x`'s shape and float dtype. Evaluating it over an axis of length 0
///   throws, as the maximum of an empty axis does.
public func logSoftmax(_ x: Variable, axis: Int? = nil) -> Variable {
    let source = x
    let x = floatValued(x)
    return reporting(placeholderVariable(x.type)) {
        let axes = try normalizedReductionAxes(axis.map { [$0] }, of: source, in: "logSoftmax")
        let shifted = x - maxShift(x, axes: axes, keepDims: true, stopsGradient: true)
        return shifted - log(exp(shifted).reduced(.sum, axes: axes, keepDims: true))
    }
}

// MARK: - cumlogsumexp

/// The running `log(sum(exp(x)))` along one axis, `y[i] = logaddexp(y[i-1], x[i])`: numpy's
/// `logaddexp.accumulate`, printed `CumLogSumExp{axis}`.
///
/// Each step is numpy's `logaddexp` (the larger argument plus `log1p` of the other's
/// exponential relative to it), so every prefix is exact however far apart its entries are;
/// one max shift for the whole lane would lose the prefixes far below the lane's maximum to
/// underflow. Float32 lanes accumulate in float64 and round each output once.
public struct CumLogSumExp: Op {
    /// The (non-negative) axis the running sum follows.
    public let axis: Int

    /// The op; build nodes with ``cumlogsumexp(_:axis:)``.
    public init(axis: Int) { self.axis = axis }

    /// `CumLogSumExp{0}`.
    public var description: String { "CumLogSumExp{\(axis)}" }

    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The input's type: one float tensor with the axis.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, inputs[0].dtype.isFloat, !inputs[0].type.isScalarKind else {
            throw CotangentError(.invalidGraph, "\(self): expects one float tensor, got \(describeTypes(inputs))")
        }
        guard axis >= 0, axis < inputs[0].ndim else {
            throw CotangentError(.invalidGraph, "\(self): axis \(axis) is out of range for \(inputs[0].type)")
        }
        return [inputs[0].type]
    }

    /// The running `logaddexp` over each lane (computed in float64).
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0]
        guard axis < x.ndim else {
            throw CotangentError(.shapeMismatch,
                "\(self): axis \(axis) is out of range for an input of shape \(formatShape(x.shape)) (dtype \(x.dtype))")
        }
        let values = x.asArray(Double.self)
        var result = values
        let n = x.shape[axis]
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let outer = x.shape[..<axis].reduce(1, *)
        if n > 1 {
            for o in 0..<outer {
                for i in 1..<n {
                    let row = (o * n + i) * inner
                    for k in row..<(row + inner) {
                        result[k] = SpecialFunctions.logAddExp(result[k - inner], values[k])
                    }
                }
            }
        }
        return [NDArray(shape: x.shape, elements: result).converted(to: node.outputTypes[0].dtype)]
    }

    /// The input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }
}

/// The running logarithm of the sum of exponentials of `x` along `axis`: `y[i] =
/// log(exp(x[0]) + … + exp(x[i]))`, numpy's `logaddexp.accumulate(x, axis)`.
///
/// Exact for entries far apart (each step is a `logaddexp`); leading −inf entries give −inf.
/// The derivative of `y[j]` in `x[i]` (i ≤ j) is `exp(x[i] − y[j])`, at most 1; the rules are
/// linear recurrences over those ratios, so they never overflow, and they are zero where a
/// prefix is all −inf.
///
/// - Parameters:
///   - x: any tensor; bool and integer tensors are computed in float64.
///   - axis: the axis to accumulate along (negative counts from the end); nil accumulates
///     over the flattened tensor and returns a vector of its size.
/// - Returns: a tensor of `x`'s shape (1-d when `axis` is nil) and float dtype.
public func cumlogsumexp(_ x: Variable, axis: Int? = nil) -> Variable {
    let source = x
    let x = floatValued(x)
    return reporting(placeholderVariable(x.type)) {
        guard let axis else { return build(CumLogSumExp(axis: 0), x.ndim == 1 ? x : x.flattened()) }
        return build(CumLogSumExp(axis: try normalizedAxis(axis, of: source, in: "cumlogsumexp")), x)
    }
}

// MARK: - Derivatives

extension CumLogSumExp {
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[true]] }

    /// `x̄[i] = Σ_{j≥i} ḡ[j]·exp(x[i] − y[j]) = exp(x[i] − y[i])·z[i]` with the reversed
    /// recurrence `z[i] = g[i] + exp(y[i] − y[i+1])·z[i+1]`: every factor is at most 1. Where
    /// `y` is −inf (a prefix of −inf entries) the factors are 0.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let (x, y) = (node.inputs[0], node.output(0))
        let backward = LinearRecurrence(axis: axis, reverse: true)
        let next = backward.shifted(y, towardStart: true, fill: .infinity)
        let ratio = exponentialOfDifference(y, next, zeroWhere: next .== -Double.infinity)
        let z = build(backward, ratio, g)
        return [.value(exponentialOfDifference(x, y, zeroWhere: y .== -Double.infinity) * z)]
    }

    /// `ẏ[j] = exp(y[j-1] − y[j])·ẏ[j-1] + exp(x[j] − y[j])·ẋ[j]`, a forward recurrence.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        let (x, y) = (node.inputs[0], node.output(0))
        let forward = LinearRecurrence(axis: axis, reverse: false)
        let empty = y .== -Double.infinity
        let previous = forward.shifted(y, towardStart: false, fill: -.infinity)
        let ratio = exponentialOfDifference(previous, y, zeroWhere: empty)
        return [build(forward, ratio, exponentialOfDifference(x, y, zeroWhere: empty) * t)]
    }
}

// MARK: - Batching

extension CumLogSumExp {
    /// Batch dims go in front: the axis moves by their count.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchedInputs[0].ndim - node.inputs[0].ndim
        return [build(CumLogSumExp(axis: axis + batch), batchedInputs[0])]
    }
}

// MARK: - StableHLO

extension CumLogSumExp {
    /// A `stablehlo.reduce_window` running `logaddexp` (the larger operand plus `log1p` of the
    /// other's exponential relative to it; −inf the identity), in float64 as the kernel
    /// computes, then rounded to the output dtype.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let x = b.convert(operands[0], to: .float64)
        let y = b.cumulative(x, axis: axis, identity: b.constant(-.infinity, .float64)) { b, l, r in
            let larger = b.binary("stablehlo.maximum", l, r)
            let smaller = b.binary("stablehlo.minimum", l, r)
            let sum = b.add(larger, b.unary("stablehlo.log_plus_one", b.unary("stablehlo.exponential", b.subtract(smaller, larger))))
            // Two infinities of one sign (−inf − −inf is NaN): the larger one.
            let infinite = b.compare("EQ", b.unary("stablehlo.abs", larger), b.constant(.infinity, .float64))
            return b.select(infinite, larger, sum)
        }
        return [b.convert(y, to: context.outputType(node).dtype)]
    }
}
