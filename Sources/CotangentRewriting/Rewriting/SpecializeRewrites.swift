import CotangentArrays
import CotangentGraph
import CotangentOps

// Specialization (PyTensor's `specialize` pass): general operations with special constant
// operands become cheaper dedicated ones (`x ** 2` → `sqr(x)`, `mul(-1, x)` → `neg(x)`).
//
// Operands moved into a new expression are first cast to the node's output dtype (a no-op when
// they have it already), so the new expression computes in the same dtype as the original.

/// `mul(-1, x)` → `neg(x)`, factors of 1 dropped, `neg` factors' signs collected, and a product
/// with a 0 factor → zeros. PyTensor's `local_mul_specialize`.
///
/// Unlike PyTensor, a float product with a 0 factor is left alone unless every other factor is
/// an integer or a finite constant: `0 · inf` and `0 · nan` are nan, not 0.
package let localMulSpecialize = NodeRewriter("local_mul_specialize", elemwise: [.mul]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .mul else { return nil }
    let dtype = output.type.dtype
    var negative = false
    var negNodes = 0
    var droppedConstants = 0
    var hasZero = false
    var kept: [FunctionGraph.Value] = []
    for input in node.inputs {
        var factor = input
        // −a · b = −(a · b) exactly, in floats and in wrapping integers of the output's width.
        while factor.type.dtype == dtype, let inner = unaryOperand(factor, .neg) {
            negative.toggle()
            negNodes += 1
            factor = inner
        }
        let constant = exactConstant(factor)
        if constant == 1 {
            droppedConstants += 1
        } else if constant == -1 {
            droppedConstants += 1
            negative.toggle()
        } else if constant == 0 {
            hasZero = true
        } else {
            kept.append(factor)
        }
    }
    if hasZero {
        let absorbs = node.inputs.allSatisfy { input in
            exactConstant(input).map(\.isFinite) ?? input.type.dtype.isDiscrete
        }
        guard absorbs else { return nil }
        return context.replacement(scalarConstant(0, dtype: dtype), for: output)
    }
    guard negNodes > 0 || droppedConstants > 0 else { return nil }
    var factors = kept.map { context.handle($0, as: dtype) }
    // A sign left over goes into a constant factor when there is one (exact): `-x * 2` is
    // `mul(-2, x)`, as PyTensor's canonizer folds it, not `mul(-1, 2, x)`.
    if negative, dtype.isFloat,
        let position = kept.firstIndex(where: { exactConstant($0).map { $0.isFinite && $0 != 0 } ?? false }),
        let value = exactConstant(kept[position])
    {
        factors[position] = scalarConstant(-value, dtype: dtype)
        negative = false
    }
    let result: Variable
    switch factors.count {
    case 0:
        result = scalarConstant(negative ? -1 : 1, dtype: dtype)
    case 1:
        guard !negative || dtype != .bool else { return nil }
        result = negative ? -factors[0] : factors[0]
    default:
        // `mul(-1, x, y)` is already the cheapest form (a neg would add a node).
        if negative && negNodes == 0 && droppedConstants == 1 { return nil }
        result = elemwise(.mul, negative ? [scalarConstant(-1, dtype: dtype)] + factors : factors)
    }
    return context.replacement(result, for: output)
}

/// `x + 0` → `x` (zero constants dropped from an add; an add of zeros → 0). PyTensor's
/// `local_add_remove_zeros`.
package let localAddRemoveZeros = NodeRewriter("local_add_remove_zeros", elemwise: [.add]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .add else { return nil }
    let dtype = output.type.dtype
    let kept = node.inputs.filter { exactConstant($0) != 0 }
    guard kept.count < node.inputs.count else { return nil }
    let terms = kept.map { context.handle($0, as: dtype) }
    let result: Variable
    switch terms.count {
    case 0: result = scalarConstant(0, dtype: dtype)
    case 1: result = terms[0]
    default: result = elemwise(.add, terms)
    }
    return context.replacement(result, for: output)
}

/// `x ** 2` → `sqr(x)`, `x ** 0.5` → `sqrt(x)`, `x ** 1` → `x`, `x ** 0` → 1, and for floats
/// `x ** -1` → `reciprocal(x)`, `x ** -2` → `reciprocal(sqr(x))`. PyTensor's
/// `local_pow_specialize`.
///
/// As in PyTensor, `(-inf) ** 0.5` is inf but `sqrt(-inf)` is nan; every other value agrees.
/// PyTensor's `x ** -0.5` → `reciprocal(sqrt(x))` is left out: it also turns `(-0.0) ** -0.5`
/// (inf) into -inf.
package let localPowSpecialize = NodeRewriter("local_pow_specialize", elemwise: [.pow]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .pow, let exponent = exactConstant(node.inputs[1]) else { return nil }
    let dtype = output.type.dtype
    guard dtype != .bool else { return nil }
    let base = context.handle(node.inputs[0], as: dtype)
    let result: Variable
    switch exponent {
    case 2: result = sqr(base)
    case 1: result = base
    case 0: result = scalarConstant(1, dtype: dtype)
    case 0.5 where dtype.isFloat: result = sqrt(base)
    case -1 where dtype.isFloat: result = reciprocal(base)
    case -2 where dtype.isFloat: result = reciprocal(sqr(base))
    default: return nil
    }
    return context.replacement(result, for: output)
}

/// The largest integer exponent `local_pow_to_nested_squaring` expands (PyTensor: 512; without
/// elementwise fusion every factor is a node of its own, so the expansion stays small).
package let nestedSquaringLimit = 16

/// `x ** n` for a constant integer 2 < |n| ≤ ``nestedSquaringLimit`` → a product of repeated
/// squarings (`x ** 5` → `sqr(sqr(x)) · x`), reciprocal for negative `n` (floats only).
/// PyTensor's `local_pow_to_nested_squaring`.
package let localPowToNestedSquaring = NodeRewriter("local_pow_to_nested_squaring", elemwise: [.pow]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .pow, let exponent = exactConstant(node.inputs[1]),
        exponent == exponent.rounded(), Swift.abs(exponent) > 2, Swift.abs(exponent) <= Double(nestedSquaringLimit)
    else { return nil }
    let dtype = output.type.dtype
    guard dtype != .bool, exponent > 0 || dtype.isFloat else { return nil }
    var remaining = Int(Swift.abs(exponent))
    // powers[k] = x ** (2 ** k)
    var powers = [context.handle(node.inputs[0], as: dtype)]
    while 1 << powers.count <= remaining { powers.append(sqr(powers[powers.count - 1])) }
    var factors: [Variable] = []
    for k in powers.indices.reversed() where remaining >= 1 << k {
        factors.append(powers[k])
        remaining -= 1 << k
    }
    let product = factors.count == 1 ? factors[0] : elemwise(.mul, factors)
    return context.replacement(exponent < 0 ? reciprocal(product) : product, for: output)
}

/// `1 / x` → `reciprocal(x)`. PyTensor's `local_div_to_reciprocal`.
package let localDivToReciprocal = NodeRewriter("local_div_to_reciprocal", elemwise: [.trueDiv]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .trueDiv, isConstant(node.inputs[0], equalTo: 1),
        exactConstant(node.inputs[1]) == nil
    else { return nil }
    return context.replacement(reciprocal(context.handle(node.inputs[1], as: output.type.dtype)), for: output)
}

/// `x · x` → `sqr(x)`. PyTensor's `local_mul_to_sqr`.
package let localMulToSqr = NodeRewriter("local_mul_to_sqr", elemwise: [.mul]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .mul, node.inputs.count == 2, node.inputs[0] === node.inputs[1],
        output.type.dtype != .bool
    else { return nil }
    return context.replacement(sqr(context.handle(node.inputs[0], as: output.type.dtype)), for: output)
}

/// `(−a) + b` → `b − a` (two inputs, either order): the neg that `local_mul_specialize` leaves
/// folds into a subtraction. PyTensor's `local_add_neg_to_sub`.
package let localAddNegToSub = NodeRewriter("local_add_neg_to_sub", elemwise: [.add]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .add, node.inputs.count == 2 else { return nil }
    for (first, second) in [(node.inputs[0], node.inputs[1]), (node.inputs[1], node.inputs[0])] {
        // A narrower neg wraps before the add (−(int8 −128) is −128): only at the output's dtype.
        guard second.type.dtype == output.type.dtype, let negated = unaryOperand(second, .neg) else { continue }
        let dtype = output.type.dtype
        return context.replacement(context.handle(first, as: dtype) - context.handle(negated, as: dtype), for: output)
    }
    return nil
}
