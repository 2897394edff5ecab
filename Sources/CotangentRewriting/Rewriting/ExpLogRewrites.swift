import CotangentArrays
import CotangentGraph
import CotangentOps

// Exponentials and logarithms: inverse pairs cancel (`exp(log(x))` → `x`), and forms that lose
// precision or overflow are replaced by equal forms that do not (`log(1 + x)` → `log1p(x)`,
// `log(sigmoid(x))` → `-softplus(-x)`, max-shifted logsumexp), PyTensor's `stabilize` pass. The
// replacements are at least as accurate everywhere; where the original overflows or cancels
// (`log(1 + 1e-20)` is 0) they give the exact value instead.

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

/// The max-shift of the stable logsumexp: `m = max(x, axes, keepDims)`, replaced by 0 where
/// it is infinite (all −inf, or a +inf present) so `x − m` never computes `inf − inf`.
private func stableShift(_ x: Variable, axes: [Int]?) -> Variable {
    let maximum = x.reduced(.max, axes: axes, keepDims: true)
    return select(isinf(maximum), scalarConstant(0, dtype: x.dtype), maximum)
}

/// Whether `value` is `x − shift` for a shift built by ``stableShift(_:axes:)``: the rewrites'
/// own output, which they must not rewrite again.
private func isShifted(_ value: FunctionGraph.Value) -> Bool {
    guard let operands = elemwiseInputs(value, .sub) else { return false }
    var shift = operands[1]
    while let owner = shift.owner, owner.op is DimShuffle { shift = owner.inputs[0] }
    guard let choice = elemwiseInputs(shift, .switch) else { return false }
    return choice[0].elemwiseOp == .isinf
}

/// The `Sum` node under `value`, looking through one `DimShuffle` that only adds length-1
/// dims (a keepDims sum), with that DimShuffle.
private func keptSum(_ value: FunctionGraph.Value) -> (sum: FunctionGraph.Node, expand: DimShuffle?)? {
    var current = value
    var expand: DimShuffle?
    if let owner = current.owner, let shuffle = owner.op as? DimShuffle {
        guard shuffle.isExpandDims else { return nil }
        expand = shuffle
        current = owner.inputs[0]
    }
    guard let owner = current.owner, let reduce = owner.op as? Reduce, reduce.kind == .sum else { return nil }
    return (owner, expand)
}

/// `log(sum(exp(x), axes))` → `m + log(sum(exp(x − m), axes))` with `m` the max over the same
/// axes (0 where infinite), also under a keepDims `ExpandDims`: finite where `exp` overflows
/// (logsumexp of [1000, 1000] is 1000 + log 2). PyTensor's `local_log_sum_exp`.
///
/// Like PyTensor's `LogSumExp`, the result reads `max(x)`, which has no value over an empty
/// axis: summing over a length-0 axis then fails at run time instead of giving −inf.
package let localLogSumExp = NodeRewriter(
    "local_log_sum_exp", elemwise: [.log],
    placed: [.stabilize(70)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .log, let (sum, expand) = keptSum(node.inputs[0]) else { return nil }
    let exponentiated = sum.inputs[0]
    guard let xValue = unaryOperand(exponentiated, .exp), !isShifted(xValue) else { return nil }
    let axes = (sum.op as! Reduce).axes
    let dtype = exponentiated.type.dtype
    let x = context.handle(xValue, as: dtype)
    let shift = stableShift(x, axes: axes)
    let reduced = Reduce.reducedAxes(axes, ndim: x.ndim)
    let logSum = log(exp(x - shift).reduced(.sum, axes: axes, keepDims: false))
    let result: Variable
    if let expand, expand.augment == reduced {
        // A keepDims sum: the shift already has the kept dims.
        result = build(expand, logSum) + shift
    } else {
        let sum = logSum + (reduced.isEmpty ? shift : shift.squeezed(axes: reduced))
        result = expand.map { build($0, sum) } ?? sum
    }
    return context.replacement(result, for: output)
}

/// `log(exp(x) / sum(exp(x), axes, keepDims))` (a softmax written out) →
/// `(x − m) − log(sum(exp(x − m), axes, keepDims))`: no overflow in `exp`, no `log(0)` where
/// the softmax underflows. PyTensor's `local_logsoftmax` (for the written-out softmax).
package let localLogSoftmax = NodeRewriter(
    "local_log_softmax", elemwise: [.log],
    placed: [.stabilize(80)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .log, let quotient = elemwiseInputs(node.inputs[0], .trueDiv) else { return nil }
    let (numerator, denominator) = (quotient[0], quotient[1])
    guard let xValue = unaryOperand(numerator, .exp), let (sum, expand) = keptSum(denominator),
        sum.inputs[0] === numerator
    else { return nil }
    let axes = (sum.op as! Reduce).axes
    let reduced = Reduce.reducedAxes(axes, ndim: numerator.type.ndim)
    // The sum must come back along exactly the reduced axes, so it broadcasts over them.
    guard (expand?.augment ?? []) == reduced, output.type.dtype == numerator.type.dtype else { return nil }
    let x = context.handle(xValue, as: numerator.type.dtype)
    let shifted = x - stableShift(x, axes: axes)
    let result = shifted - log(exp(shifted).reduced(.sum, axes: axes, keepDims: true))
    return context.replacement(result, for: output)
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
    ]
}
