import CotangentArrays
import CotangentGraph
import CotangentOps

// Exponentials and logarithms: inverse pairs cancel (`exp(log(x))` → `x`), and forms that lose
// precision or overflow are replaced by equal forms that do not (`log(1 + x)` → `log1p(x)`,
// `log(sigmoid(x))` → `-softplus(-x)`, max-shifted logsumexp, softmax and log-softmax,
// `logaddexp`), PyTensor's `stabilize` pass. The replacements are at least as accurate
// everywhere; where the original overflows or cancels (`log(1 + 1e-20)` is 0) they give the
// exact value instead.

/// `log(exp(x))` → `x`, `log1p(expm1(x))` → `x`, and `exp(log(x))` → `x` where `x ≥ 0` (nan
/// elsewhere, as the log gives), `expm1(log1p(x))` → `x` where `x ≥ −1`. PyTensor's
/// `local_exp_log`. The result is exact where the original loses `x` to overflow or rounding
/// (`log(exp(1000))` is inf).
package let localExpLog = NodeRewriter(
    "local_exp_log", elemwise: [.log, .log1p, .exp, .expm1],
    placed: [.canonicalize(220), .specialize(200)]
) { context, node in
    let output = node.outputs[0]
    guard let outer = output.elemwiseOp, let innerOp = node.inputs[0].elemwiseOp else { return nil }
    let dtype = output.type.dtype
    let x = { context.handle(node.inputs[0].owner!.inputs[0], as: dtype) }
    switch (outer, innerOp) {
    case (.log, .exp), (.log1p, .expm1):
        return context.replacement(x(), for: output)
    case (.exp, .log):
        let value = x()
        return context.replacement(
            select(value .>= scalarConstant(0, dtype: dtype), value, scalarConstant(.nan, dtype: dtype)), for: output)
    case (.expm1, .log1p):
        let value = x()
        return context.replacement(
            select(value .>= scalarConstant(-1, dtype: dtype), value, scalarConstant(.nan, dtype: dtype)), for: output)
    default:
        return nil
    }
}

/// `log(1 + x)` → `log1p(x)` (constants summing to exactly 1 in any position of an add, the
/// other terms added), `log(1 − x)` → `log1p(−x)`. Only for a float add/sub: an integer one
/// would wrap before the log. PyTensor's `local_log1p`.
package let localLog1p = NodeRewriter(
    "local_log1p", elemwise: [.log],
    placed: [.stabilize(50), .specialize(170)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .log else { return nil }
    let argument = node.inputs[0]
    let dtype = argument.type.dtype
    guard dtype.isFloat else { return nil }
    if let terms = elemwiseInputs(argument, .add) {
        var constantSum = 0.0
        var constants = 0
        var rest: [Variable] = []
        for term in terms {
            if let constant = exactConstant(term) {
                constantSum += constant
                constants += 1
            } else {
                rest.append(context.handle(term, as: dtype))
            }
        }
        guard constants > 0, constantSum == 1, !rest.isEmpty else { return nil }
        return context.replacement(log1p(rest.count == 1 ? rest[0] : elemwise(.add, rest)), for: output)
    }
    if let operands = elemwiseInputs(argument, .sub), isConstant(operands[0], equalTo: 1),
        exactConstant(operands[1]) == nil
    {
        return context.replacement(log1p(-context.handle(operands[1], as: dtype)), for: output)
    }
    return nil
}

/// The operand of `exp(x)`, also seen through a widening cast (the canonizers cast a float32
/// `exp` to a float64 sum's dtype).
private func expOperand(_ value: FunctionGraph.Value) -> FunctionGraph.Value? {
    if let x = unaryOperand(value, .exp) { return x }
    guard let dtype = value.elemwiseOp?.castTarget, let inner = value.owner?.inputs[0],
        isLosslessConversion(from: inner.type.dtype, to: dtype)
    else { return nil }
    return unaryOperand(inner, .exp)
}

/// `exp(x) − 1` → `expm1(x)`, also written `−1 + exp(x)` (the add canonizer's form). PyTensor's
/// `local_expm1`.
package let localExpm1 = NodeRewriter(
    "local_expm1", elemwise: [.sub, .add],
    placed: [.canonicalize(170), .stabilize(60), .specialize(180)]
) { context, node in
    let output = node.outputs[0]
    guard output.type.dtype.isFloat, node.inputs.count == 2 else { return nil }
    let x: FunctionGraph.Value
    switch output.elemwiseOp {
    case .sub?:
        guard let operand = expOperand(node.inputs[0]), isConstant(node.inputs[1], equalTo: 1) else { return nil }
        x = operand
    case .add?:
        guard let k = node.inputs.firstIndex(where: { expOperand($0) != nil }),
            isConstant(node.inputs[1 - k], equalTo: -1)
        else { return nil }
        x = expOperand(node.inputs[k])!
    default:
        return nil
    }
    return context.replacement(expm1(context.handle(x)), for: output)
}

/// `log(sigmoid(x))` → `−softplus(−x)`: exact where `sigmoid` underflows to 0 (x ≪ 0).
/// PyTensor's `logsigm_to_softplus`.
package let logsigmToSoftplus = NodeRewriter(
    "logsigm_to_softplus", elemwise: [.log],
    placed: [.stabilize(30)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .log, let x = unaryOperand(node.inputs[0], .sigmoid) else { return nil }
    let dtype = node.inputs[0].type.dtype
    return context.replacement(-softplus(-context.handle(x, as: dtype)), for: output)
}

/// `log(1 − sigmoid(x))` → `−softplus(x)`, also from `log(1 + (−sigmoid(x)))` and
/// `log1p(−sigmoid(x))` (what `local_log1p` makes of it). PyTensor's `log1msigm_to_softplus`
/// and `log1p_neg_sigmoid`.
package let log1msigmToSoftplus = NodeRewriter(
    "log1msigm_to_softplus", elemwise: [.log, .log1p],
    placed: [.stabilize(40), .specialize(160)]
) { context, node in
    let output = node.outputs[0]
    let argument = node.inputs.first
    var sigmoidValue: FunctionGraph.Value?
    switch output.elemwiseOp {
    case .log?:
        if let operands = elemwiseInputs(argument!, .sub), isConstant(operands[0], equalTo: 1) {
            sigmoidValue = operands[1]
        } else if let terms = elemwiseInputs(argument!, .add), terms.count == 2,
            let k = terms.firstIndex(where: { isConstant($0, equalTo: 1) })
        {
            sigmoidValue = unaryOperand(terms[1 - k], .neg)
        }
    case .log1p?:
        sigmoidValue = unaryOperand(argument!, .neg)
    default:
        return nil
    }
    guard let sigmoidValue, let x = unaryOperand(sigmoidValue, .sigmoid) else { return nil }
    let dtype = sigmoidValue.type.dtype
    return context.replacement(-softplus(context.handle(x, as: dtype)), for: output)
}

/// `log(1 − exp(x))` → `log1mexp(x)`, also from `log(1 + (−exp(x)))`, `log1p(−exp(x))` (what
/// `local_log1p` makes of it) and `log(−expm1(x))` (what `local_expm1` makes of it). The original
/// is 0 or −inf where `exp(x)` rounds to 0 or 1 (x < −37, −1e-17 < x < 0); log1mexp is exact.
package let localLog1mexp = NodeRewriter(
    "local_log1mexp", elemwise: [.log, .log1p],
    placed: [.stabilize(45), .specialize(165)]
) { context, node in
    let output = node.outputs[0]
    guard output.type.dtype.isFloat, let argument = node.inputs.first else { return nil }
    var x: FunctionGraph.Value?
    switch output.elemwiseOp {
    case .log?:
        if let operands = elemwiseInputs(argument, .sub), isConstant(operands[0], equalTo: 1) {
            x = expOperand(operands[1])
        } else if let terms = elemwiseInputs(argument, .add), terms.count == 2,
            let k = terms.firstIndex(where: { isConstant($0, equalTo: 1) }), let negated = unaryOperand(terms[1 - k], .neg)
        {
            x = expOperand(negated)
        } else if let negated = unaryOperand(argument, .neg) {
            x = unaryOperand(negated, .expm1)
        }
    case .log1p?:
        x = unaryOperand(argument, .neg).flatMap(expOperand)
    default:
        return nil
    }
    guard let x else { return nil }
    return context.replacement(log1mexp(context.handle(x, as: output.type.dtype)), for: output)
}

/// Whether `value` is `x − shift` for a shift built by `maxShift` (the max replaced by 0 where
/// infinite): the rewrites' own output, which they must not rewrite again, and what
/// `softmax`, `logSoftmax` and `logsumexp` build.
private func isShifted(_ value: FunctionGraph.Value) -> Bool {
    guard let operands = elemwiseInputs(value, .sub) else { return false }
    var shift = operands[1]
    while let owner = shift.owner, owner.isOp(DimShuffle.self) { shift = owner.inputs[0] }
    guard let choice = elemwiseInputs(shift, .switch) else { return false }
    return choice[0].elemwiseOp == .isinf
}

/// Whether `value` is `x − m` with `m` the maximum of `x` over exactly `axes` (kept as length-1
/// dims): a softmax written out with its max shift, already stable.
private func isMaxShifted(_ value: FunctionGraph.Value, axes: [Int]) -> Bool {
    guard let operands = elemwiseInputs(value, .sub) else { return false }
    var shift = operands[1]
    while let owner = shift.owner, owner.isOp(DimShuffle.self) { shift = owner.inputs[0] }
    guard let owner = shift.owner, let reduce = owner.castOp(to: Reduce.self), reduce.kind == .max,
        owner.inputs[0] === operands[0]
    else { return false }
    return Reduce.reducedAxes(reduce.axes, ndim: operands[0].type.ndim) == axes
}

/// The `Sum` node under `value`, looking through one `DimShuffle` that only adds length-1
/// dims (a keepDims sum), with that DimShuffle.
private func keptSum(_ value: FunctionGraph.Value) -> (sum: FunctionGraph.Node, expand: DimShuffle?)? {
    var current = value
    var expand: DimShuffle?
    if let owner = current.owner, let shuffle = owner.castOp(to: DimShuffle.self) {
        guard shuffle.isExpandDims else { return nil }
        expand = shuffle
        current = owner.inputs[0]
    }
    guard let owner = current.owner, let reduce = owner.castOp(to: Reduce.self), reduce.kind == .sum else { return nil }
    return (owner, expand)
}

/// `log(sum(exp(x), axes))` → `m + log(sum(exp(x − m), axes))` with `m` the max over the same
/// axes (0 where infinite), also under a keepDims `ExpandDims`: finite where `exp` overflows
/// (logsumexp of [1000, 1000] is 1000 + log 2). PyTensor's `local_log_sum_exp`. A sum divided
/// by `c` or multiplied by it (`log(mean(exp(x)))`, whose constant count the canonizers turn
/// into a factor) becomes the same minus or plus `log(c)`: equal everywhere, since the sum is
/// never negative.
///
/// Like PyTensor's `LogSumExp`, the result reads `max(x)`, which has no value over an empty
/// axis: summing over a length-0 axis then fails at run time instead of giving −inf.
package let localLogSumExp = NodeRewriter(
    "local_log_sum_exp", elemwise: [.log],
    placed: [.stabilize(70)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .log else { return nil }
    // The sum of exponentials, and the factor beside it: `sum / c` or `c · sum`.
    let argument = node.inputs[0]
    var sumValue = argument
    var factor: (value: FunctionGraph.Value, divides: Bool)?
    if let quotient = elemwiseInputs(argument, .trueDiv) {
        (sumValue, factor) = (quotient[0], (quotient[1], true))
    } else if let product = elemwiseInputs(argument, .mul), product.count == 2,
        let k = product.firstIndex(where: { keptSum($0).map { unaryOperand($0.sum.inputs[0], .exp) != nil } ?? false })
    {
        (sumValue, factor) = (product[k], (product[1 - k], false))
    }
    guard let (sum, expand) = keptSum(sumValue) else { return nil }
    let exponentiated = sum.inputs[0]
    guard let xValue = unaryOperand(exponentiated, .exp), !isShifted(xValue) else { return nil }
    let axes = sum.castOp(to: Reduce.self)!.axes
    let dtype = exponentiated.type.dtype
    let x = context.handle(xValue, as: dtype)
    let shift = maxShift(x, axes: axes, keepDims: true, stopsGradient: false)
    let reduced = Reduce.reducedAxes(axes, ndim: x.ndim)
    let logSum = log(exp(x - shift).reduced(.sum, axes: axes, keepDims: false))
    // The terms of one flat sum (as the add canonizer would leave it: a second rewrite must
    // find nothing to flatten), a constant factor's log first.
    var terms: [Variable]
    if let expand, expand.augment == reduced {
        // A keepDims sum: the shift already has the kept dims.
        terms = [build(expand, logSum), shift]
    } else {
        let squeezed = reduced.isEmpty ? shift : shift.squeezed(axes: reduced)
        terms = expand.map { [build($0, logSum + squeezed)] } ?? [logSum, squeezed]
    }
    if let factor {
        let argumentDType = argument.type.dtype
        terms = terms.map { $0.cast(to: argumentDType) }
        if let constant = exactConstant(factor.value) {
            let logFactor = log(scalarConstant(constant, dtype: argumentDType))
            terms.insert(factor.divides ? -logFactor : logFactor, at: 0)
        } else if factor.divides {
            let total = terms.count == 1 ? terms[0] : elemwise(.add, terms)
            return context.replacement(total - log(context.handle(factor.value, as: argumentDType)), for: output)
        } else {
            terms.append(log(context.handle(factor.value, as: argumentDType)))
        }
    }
    return context.replacement(terms.count == 1 ? terms[0] : elemwise(.add, terms), for: output)
}

/// `log(exp(x) / sum(exp(x), axes, keepDims))` (a softmax written out) →
/// `(x − m) − log(sum(exp(x − m), axes, keepDims))`: no overflow in `exp`, no `log(0)` where
/// the softmax underflows. PyTensor's `local_logsoftmax` (for the written-out softmax).
package let localLogSoftmax = NodeRewriter(
    "local_log_softmax", elemwise: [.log],
    placed: [.stabilize(80)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .log, let softmax = writtenSoftmax(node.inputs[0]) else { return nil }
    let x = context.handle(softmax.x, as: softmax.dtype)
    // A softmax shifted by its maximum (`softmax(_:axis:)`'s) keeps its shift.
    let shifted = isShifted(softmax.x) || isMaxShifted(softmax.x, axes: softmax.reduced)
        ? x : x - maxShift(x, axes: softmax.axes, keepDims: true, stopsGradient: false)
    let result = shifted - log(exp(shifted).reduced(.sum, axes: softmax.axes, keepDims: true))
    return context.replacement(result, for: output)
}

/// The parts of `exp(x) / sum(exp(x), axes, keepDims)` (the same `exp` node twice, the sum
/// coming back along exactly its reduced axes, so it broadcasts over them) of one float dtype:
/// `x`, the sum's axes, the axes they reduce and the dtype.
private func writtenSoftmax(
    _ value: FunctionGraph.Value
) -> (x: FunctionGraph.Value, axes: [Int]?, reduced: [Int], dtype: DType)? {
    guard let quotient = elemwiseInputs(value, .trueDiv), value.type.dtype.isFloat else { return nil }
    let (numerator, denominator) = (quotient[0], quotient[1])
    guard let x = unaryOperand(numerator, .exp), let (sum, expand) = keptSum(denominator),
        sum.inputs[0] === numerator, value.type.dtype == numerator.type.dtype
    else { return nil }
    let axes = sum.castOp(to: Reduce.self)!.axes
    let reduced = Reduce.reducedAxes(axes, ndim: numerator.type.ndim)
    guard (expand?.augment ?? []) == reduced else { return nil }
    return (x, axes, reduced, numerator.type.dtype)
}

/// `exp(x) / sum(exp(x), axes, keepDims)` (a softmax written out) → `exp(x − m) / sum(exp(x −
/// m), axes, keepDims)` with `m` the max over the same axes (0 where infinite), what
/// `softmax(_:axis:)` builds: finite where `exp(x)` overflows (the softmax of [1000, 1000] is
/// [0.5, 0.5], not NaN). A softmax already shifted by its maximum over the same axes is left
/// as it is. PyTensor's `local_softmax_stabilize` (which builds its `Softmax` op).
package let localSoftmaxStabilize = NodeRewriter(
    "local_softmax_stabilize", elemwise: [.trueDiv],
    placed: [.stabilize(90)]
) { context, node in
    let output = node.outputs[0]
    guard let softmax = writtenSoftmax(output), !isShifted(softmax.x), !isMaxShifted(softmax.x, axes: softmax.reduced)
    else { return nil }
    let x = context.handle(softmax.x, as: softmax.dtype)
    let exponentials = exp(x - maxShift(x, axes: softmax.axes, keepDims: true, stopsGradient: false))
    return context.replacement(exponentials / exponentials.reduced(.sum, axes: softmax.axes, keepDims: true), for: output)
}

/// `x − log(sum(exp(x), axes, keepDims))` (a log-softmax written out; the ExpandDims inside or
/// outside the log) → `(x − m) − log(sum(exp(x − m), axes, keepDims))` with `m` the max over the
/// same axes (0 where infinite), what `logSoftmax(_:axis:)` builds. `local_log_sum_exp` alone
/// makes the log finite but leaves `x − (m + log(…))`, which loses the small differences of
/// large entries to rounding (about 1e-6 at 1e10); this form subtracts the max from `x` first.
package let localSubLogSumExp = NodeRewriter(
    "local_sub_log_sum_exp", elemwise: [.sub],
    placed: [.stabilize(65)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .sub, output.type.dtype.isFloat else { return nil }
    let (xValue, subtrahend) = (node.inputs[0], node.inputs[1])
    var logValue = subtrahend
    var outer: DimShuffle?
    if let owner = subtrahend.owner, let shuffle = owner.castOp(to: DimShuffle.self) {
        guard shuffle.isExpandDims else { return nil }
        (outer, logValue) = (shuffle, owner.inputs[0])
    }
    guard let argument = unaryOperand(logValue, .log), let (sum, inner) = keptSum(argument),
        outer == nil || inner == nil, unaryOperand(sum.inputs[0], .exp) === xValue, !isShifted(xValue),
        sum.inputs[0].type.dtype == output.type.dtype
    else { return nil }
    let axes = sum.castOp(to: Reduce.self)!.axes
    // The log-sum must come back along exactly the reduced axes.
    guard ((outer ?? inner)?.augment ?? []) == Reduce.reducedAxes(axes, ndim: xValue.type.ndim) else { return nil }
    let x = context.handle(xValue, as: output.type.dtype)
    let shifted = x - maxShift(x, axes: axes, keepDims: true, stopsGradient: false)
    return context.replacement(shifted - log(exp(shifted).reduced(.sum, axes: axes, keepDims: true)), for: output)
}

/// `log(exp(a) + exp(b) + …)` → `logaddexp(logaddexp(a, b), …)`: each step is numpy's
/// `logaddexp` (the larger argument plus `log1p` of the other's exponential relative to it),
/// finite where the exponentials overflow and exact where one underflows beside the other.
/// PyTensor's `local_log_add_exp` (which shifts every term by their maximum instead).
package let localLogAddExp = NodeRewriter(
    "local_log_add_exp", elemwise: [.log],
    placed: [.stabilize(75)]
) { context, node in
    let output = node.outputs[0]
    let dtype = node.inputs[0].type.dtype
    guard output.elemwiseOp == .log, dtype.isFloat, let terms = elemwiseInputs(node.inputs[0], .add),
        terms.count >= 2
    else { return nil }
    let operands = terms.compactMap { unaryOperand($0, .exp) }
    guard operands.count == terms.count else { return nil }
    let arguments = operands.map { context.handle($0, as: dtype) }
    return context.replacement(arguments.dropFirst().reduce(arguments[0]) { logaddexp($0, $1) }, for: output)
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let expLog: [NodeRewriter] = [
        localExpLog,
        localLog1p,
        localExpm1,
        logsigmToSoftplus,
        log1msigmToSoftplus,
        localLog1mexp,
        localLogSumExp,
        localLogSoftmax,
        localSoftmaxStabilize,
        localSubLogSumExp,
        localLogAddExp,
    ]
}
