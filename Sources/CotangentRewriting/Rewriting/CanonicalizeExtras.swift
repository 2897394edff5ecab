import CotangentArrays
import CotangentGraph
import CotangentOps

// Further canonicalizations (PyTensor's `canonicalize` rewrites beyond the algebraic
// canonizers): identities of elementwise ops and casts, and chains of reductions.

/// A product with a 0 factor → zeros of the product's type and shape. PyTensor's
/// `local_mul_zero`.
///
/// Unlike PyTensor, only when every other factor is an integer or a finite constant: a float
/// factor may be inf or nan at run time, and `0 · inf` is nan, not 0.
package let localMulZero = NodeRewriter("local_mul_zero", elemwise: [.mul]) { context, node in
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
package let localDivByOne = NodeRewriter("local_div_by_one", elemwise: [.trueDiv, .intDiv]) { context, node in
    let output = node.outputs[0]
    guard let op = output.elemwiseOp, op == .trueDiv || (op == .intDiv && node.inputs[0].type.dtype.isDiscrete),
        isConstant(node.inputs[1], equalTo: 1), exactConstant(node.inputs[0]) == nil
    else { return nil }
    return context.replacement(context.handle(node.inputs[0], as: output.type.dtype), for: output)
}

/// `0 // x` → 0 for integers (numpy's integer floor division by 0 is 0 too). PyTensor's
/// `local_zero_div`; a float `0 / x` is left alone, since it is nan where `x` is 0 or nan
/// (PyTensor replaces it and marks the nan difference as acceptable).
package let localZeroDiv = NodeRewriter("local_zero_div", elemwise: [.intDiv]) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .intDiv, output.type.dtype.isDiscrete, isConstant(node.inputs[0], equalTo: 0),
        exactConstant(node.inputs[1]) == nil
    else { return nil }
    return context.replacement(scalarConstant(0, dtype: output.type.dtype), for: output)
}

/// `x ** 0` → 1, `1 ** x` → 1 (IEEE `pow` gives 1 even for nan), `x ** 1` → `x`, broadcast to
/// the output's shape. PyTensor's `local_pow_canonicalize`.
package let localPowCanonicalize = NodeRewriter("local_pow_canonicalize", elemwise: [.pow]) { context, node in
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

/// `log(exp(x))` → `x`, `log1p(expm1(x))` → `x`, and `exp(log(x))` → `x` where `x ≥ 0` (nan
/// elsewhere, as the log gives), `expm1(log1p(x))` → `x` where `x ≥ −1`. PyTensor's
/// `local_exp_log`. The result is exact where the original loses `x` to overflow or rounding
/// (`log(exp(1000))` is inf).
package let localExpLog = NodeRewriter("local_exp_log", elemwise: [.log, .log1p, .exp, .expm1]) { context, node in
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

/// `sqrt(sqr(x))` → `|x|` (for a float `sqr`: an integer one wraps) and `sqr(sqrt(x))` → `x`
/// where `x ≥ 0`, nan elsewhere. PyTensor's `local_sqrt_sqr`.
package let localSqrtSqr = NodeRewriter("local_sqrt_sqr", elemwise: [.sqrt, .sqr]) { context, node in
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

/// `cast(cast(x, t1), t2)` → `cast(x, t2)` when the first cast is exact (a widening: every
/// value of `x` survives it), → `x` when `t2` is `x`'s dtype, and → `cast(x, t1)` when
/// `t1 == t2`. PyTensor's `local_cast_cast`.
package let localCastCast = NodeRewriter("local_cast_cast", elemwise: DType.allCases.map { .cast($0) }) { context, node in
    guard let second = node.outputs[0].elemwiseOp?.castTarget, let first = node.inputs[0].elemwiseOp?.castTarget
    else { return nil }
    if first == second { return [context.handle(node.inputs[0])] }
    let base = node.inputs[0].owner!.inputs[0]
    guard isLosslessConversion(from: base.type.dtype, to: first) else { return nil }
    return [context.handle(base, as: second)]
}

// MARK: - Reductions

/// `reduce(reduce(x, a), b)` of the same kind → one reduction over the union of the axes (the
/// outer axes renumbered to `x`'s), when the inner one has no other reader. PyTensor's
/// `local_reduce_chain`.
package let localReduceChain = NodeRewriter("local_reduce_chain", tracks: [Reduce.self]) { context, node in
    let outer = node.op as! Reduce
    let middle = node.inputs[0]
    guard let innerNode = middle.owner, let inner = innerNode.op as? Reduce, inner.kind == outer.kind,
        context.hasSingleClient(middle)
    else { return nil }
    let x = innerNode.inputs[0]
    let innerAxes = inner.reducedAxes(ndim: x.type.ndim)
    var merged = innerAxes
    for axis in outer.reducedAxes(ndim: middle.type.ndim) {
        // The outer axis counts the dims the inner reduction kept: skip the reduced ones.
        var position = axis
        for reduced in innerAxes.sorted() where position >= reduced { position += 1 }
        merged.append(position)
    }
    let axes: [Int]? = merged.count == x.type.ndim ? nil : merged.sorted()
    let result = build(Reduce(outer.kind, axes: axes), context.handle(x))
    return [result.cast(to: node.outputs[0].type.dtype)]
}

/// `Sum{axes=[0, 1, …, n-1]}` → `Sum{axes=None}` (and for `Prod`): one spelling of a full
/// reduction, so equal reductions merge. PyTensor's `local_sum_prod_all_to_none`.
package let localSumProdAllToNone = NodeRewriter("local_sum_prod_all_to_none", tracks: [Reduce.self]) { context, node in
    let reduce = node.op as! Reduce
    guard reduce.kind == .sum || reduce.kind == .prod, let axes = reduce.axes,
        Set(axes) == Set(0..<node.inputs[0].type.ndim)
    else { return nil }
    return [build(Reduce(reduce.kind, axes: nil), context.handle(node.inputs[0]))]
}
