import CotangentArrays
import CotangentGraph
import CotangentOps

// Powers and roots: `pow` with constant exponents becomes `sqr`, `sqrt`, `reciprocal` or a
// product of repeated squarings, and `sqrt(sqr(x))`-style pairs cancel.
//
// Operands moved into a new expression are first cast to the node's output dtype, so the new
// expression computes in the same dtype as the original.

/// `x ** 0` → 1, `1 ** x` → 1 (IEEE `pow` gives 1 even for nan), `x ** 1` → `x`, broadcast to
/// the output's shape. PyTensor's `local_pow_canonicalize`.
package let localPowCanonicalize = NodeRewriter(
    "local_pow_canonicalize", elemwise: [.pow],
    placed: [.canonicalize(210)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .pow else { return nil }
    let dtype = output.type.dtype
    let (base, exponent) = (exactConstant(node.inputs[0]), exactConstant(node.inputs[1]))
    guard base == nil || exponent == nil else { return nil }  // constant folding's case
    if base == 1 || exponent == 0 {
        return context.replacement(scalarConstant(1, dtype: dtype), for: output)
    }
    if exponent == 1 {
        return context.replacement(context.handle(node.inputs[0], as: dtype), for: output)
    }
    return nil
}

/// `sqrt(sqr(x))` → `|x|` (for a float `sqr`: an integer one wraps) and `sqr(sqrt(x))` → `x`
/// where `x ≥ 0`, nan elsewhere. PyTensor's `local_sqrt_sqr`.
package let localSqrtSqr = NodeRewriter(
    "local_sqrt_sqr", elemwise: [.sqrt, .sqr],
    placed: [.canonicalize(230), .specialize(210)]
) { context, node in
    let output = node.outputs[0]
    let dtype = output.type.dtype
    if output.elemwiseOp == .sqrt, let x = unaryOperand(node.inputs[0], .sqr), node.inputs[0].type.dtype.isFloat {
        return context.replacement(abs(context.handle(x, as: dtype)), for: output)
    }
    if output.elemwiseOp == .sqr, let x = unaryOperand(node.inputs[0], .sqrt) {
        let value = context.handle(x, as: dtype)
        return context.replacement(
            select(value .>= scalarConstant(0, dtype: dtype), value, scalarConstant(.nan, dtype: dtype)), for: output)
    }
    return nil
}

/// `x ** 2` → `sqr(x)`, `x ** 0.5` → `sqrt(x)`, `x ** 1` → `x`, `x ** 0` → 1, and for floats
/// `x ** -1` → `reciprocal(x)`, `x ** -2` → `reciprocal(sqr(x))`. PyTensor's
/// `local_pow_specialize`.
///
/// As in PyTensor, `(-inf) ** 0.5` is inf but `sqrt(-inf)` is nan; every other value agrees.
/// PyTensor's `x ** -0.5` → `reciprocal(sqrt(x))` is left out: it also turns `(-0.0) ** -0.5`
/// (inf) into -inf.
package let localPowSpecialize = NodeRewriter(
    "local_pow_specialize", elemwise: [.pow],
    placed: [.specialize(120)]
) { context, node in
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
package let localPowToNestedSquaring = NodeRewriter(
    "local_pow_to_nested_squaring", elemwise: [.pow],
    placed: [.specialize(130)]
) { context, node in
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

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let power: [NodeRewriter] = [
        localPowCanonicalize,
        localSqrtSqr,
        localPowSpecialize,
        localPowToNestedSquaring,
    ]
}
