import CotangentArrays
import CotangentGraph
import CotangentOps

// Identities and special cases of add, sub, mul and div: `x * 0`, `x / 1`, `0 // x` in
// canonicalize; `mul(-1, x)` → `neg(x)`, `x + 0` → `x`, `1 / x` → `reciprocal(x)`, `x * x` →
// `sqr(x)`, `x + -y` → `x - y` in specialize.
//
// Operands moved into a new expression are first cast to the node's output dtype (a no-op when
// they have it already), so the new expression computes in the same dtype as the original.

/// A product with a 0 factor → zeros of the product's type and shape. PyTensor's
/// `local_mul_zero`.
///
/// Unlike PyTensor, only when every other factor is an integer or a finite constant: a float
/// factor may be inf or nan at run time, and `0 · inf` is nan, not 0.
package let localMulZero = NodeRewriter(
    "local_mul_zero", elemwise: [.mul],
    placed: [.canonicalize(180)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .mul, node.inputs.contains(where: { exactConstant($0) == 0 }) else { return nil }
    let absorbs = node.inputs.allSatisfy { input in
        exactConstant(input).map(\.isFinite) ?? input.type.dtype.isDiscrete
    }
    guard absorbs else { return nil }
    return context.replacement(scalarConstant(0, dtype: output.type.dtype), for: output)
}

/// `x / 1` → `x`, and `x // 1` → `x` for an integer `x` (for a float `x`, `x // 1` is
/// `floor(x)`, so PyTensor's unconditional version would change values). PyTensor's
/// `local_div_by_one`.
package let localDivByOne = NodeRewriter(
    "local_div_by_one", elemwise: [.trueDiv, .intDiv],
    placed: [.canonicalize(190)]
) { context, node in
    let output = node.outputs[0]
    guard let op = output.elemwiseOp, op == .trueDiv || (op == .intDiv && node.inputs[0].type.dtype.isDiscrete),
        isConstant(node.inputs[1], equalTo: 1), exactConstant(node.inputs[0]) == nil
    else { return nil }
    return context.replacement(context.handle(node.inputs[0], as: output.type.dtype), for: output)
}

/// `0 // x` → 0 for integers (numpy's integer floor division by 0 is 0 too). PyTensor's
/// `local_zero_div`; a float `0 / x` is left alone, since it is nan where `x` is 0 or nan
/// (PyTensor replaces it and marks the nan difference as acceptable).
package let localZeroDiv = NodeRewriter(
    "local_zero_div", elemwise: [.intDiv],
    placed: [.canonicalize(200), .specialize(190)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .intDiv, output.type.dtype.isDiscrete, isConstant(node.inputs[0], equalTo: 0),
        exactConstant(node.inputs[1]) == nil
    else { return nil }
    return context.replacement(scalarConstant(0, dtype: output.type.dtype), for: output)
}

/// `mul(-1, x)` → `neg(x)`, factors of 1 dropped, `neg` factors' signs collected, and a product
/// with a 0 factor → zeros. PyTensor's `local_mul_specialize`.
///
/// Unlike PyTensor, a float product with a 0 factor is left alone unless every other factor is
/// an integer or a finite constant: `0 · inf` and `0 · nan` are nan, not 0.
package let localMulSpecialize = NodeRewriter(
    "local_mul_specialize", elemwise: [.mul],
    placed: [.specialize(100)]
) { context, node in
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
package let localAddRemoveZeros = NodeRewriter(
    "local_add_remove_zeros", elemwise: [.add],
    placed: [.specialize(110)]
) { context, node in
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

/// `1 / x` → `reciprocal(x)`. PyTensor's `local_div_to_reciprocal`.
package let localDivToReciprocal = NodeRewriter(
    "local_div_to_reciprocal", elemwise: [.trueDiv],
    placed: [.specialize(140)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .trueDiv, isConstant(node.inputs[0], equalTo: 1),
        exactConstant(node.inputs[1]) == nil
    else { return nil }
    return context.replacement(reciprocal(context.handle(node.inputs[1], as: output.type.dtype)), for: output)
}

/// `x · x` → `sqr(x)`. PyTensor's `local_mul_to_sqr`.
package let localMulToSqr = NodeRewriter(
    "local_mul_to_sqr", elemwise: [.mul],
    placed: [.specialize(150)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .mul, node.inputs.count == 2, node.inputs[0] === node.inputs[1],
        output.type.dtype != .bool
    else { return nil }
    return context.replacement(sqr(context.handle(node.inputs[0], as: output.type.dtype)), for: output)
}

/// `(−a) + b` → `b − a` (two inputs, either order): the neg that `local_mul_specialize` leaves
/// folds into a subtraction. PyTensor's `local_add_neg_to_sub`.
package let localAddNegToSub = NodeRewriter(
    "local_add_neg_to_sub", elemwise: [.add],
    placed: [.specialize(250)]
) { context, node in
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

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let arithmetic: [NodeRewriter] = [
        localMulZero,
        localDivByOne,
        localZeroDiv,
        localMulSpecialize,
        localAddRemoveZeros,
        localDivToReciprocal,
        localMulToSqr,
        localAddNegToSub,
    ]
}
