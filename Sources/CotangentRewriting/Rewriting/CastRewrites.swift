import CotangentArrays
import CotangentGraph
import CotangentOps

// Casts: chains of casts that change nothing collapse, and constant operands of arithmetic take
// the dtype of the result so no cast is computed at run time.

/// `cast(cast(x, t1), t2)` → `cast(x, t2)` when the first cast is exact (a widening: every
/// value of `x` survives it), → `x` when `t2` is `x`'s dtype, and → `cast(x, t1)` when
/// `t1 == t2`. PyTensor's `local_cast_cast`.
package let localCastCast = NodeRewriter(
    "local_cast_cast", elemwise: DType.allCases.map { .cast($0) },
    placed: [.canonicalize(240), .specialize(220)]
) { context, node in
    guard let second = node.outputs[0].elemwiseOp?.castTarget, let first = node.inputs[0].elemwiseOp?.castTarget
    else { return nil }
    if first == second { return [context.handle(node.inputs[0])] }
    let base = node.inputs[0].owner!.inputs[0]
    guard isLosslessConversion(from: base.type.dtype, to: first) else { return nil }
    return [context.handle(base, as: second)]
}

/// Constants feeding an elementwise op are cast to the output dtype, so `1` (int8) and the
/// same value as int64 merge. PyTensor's `local_upcast_elemwise_constant_inputs`.
package let localUpcastElemwiseConstantInputs = NodeRewriter(
    "local_upcast_elemwise_constant_inputs", elemwise: [.add, .sub, .mul, .trueDiv, .intDiv, .mod, .pow, .maximum, .minimum],
    placed: [.canonicalize(90)]
) { context, node in
    guard let op = node.outputs[0].elemwiseOp else { return nil }
    switch op {
    case .add, .sub, .mul, .trueDiv, .intDiv, .mod, .pow, .maximum, .minimum: break
    default: return nil
    }
    let dtype = node.outputs[0].type.dtype
    guard node.inputs.contains(where: { !$0.isConstant }) else { return nil }
    var changed = false
    let inputs = node.inputs.map { input -> Variable in
        guard let value = input.constantValue, input.type.dtype != dtype else { return context.handle(input) }
        changed = true
        return Variable(constant: value.converted(to: dtype))
    }
    return changed ? [elemwise(op, inputs)] : nil
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let cast: [NodeRewriter] = [
        localCastCast,
        localUpcastElemwiseConstantInputs,
    ]
}
