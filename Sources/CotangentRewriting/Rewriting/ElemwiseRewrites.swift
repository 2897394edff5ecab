import CotangentArrays
import CotangentGraph
import CotangentOps

// Elementwise simplifications: useless ops, fills and switches, and gradient-control ops that
// have done their work once gradients are built.

/// `second(a, b)` → `b` when `b` already has the output's dtype and broadcast pattern (the fill
/// changes nothing). PyTensor's `local_useless_fill`.
package let localUselessFill = NodeRewriter(
    "local_useless_fill", elemwise: [.second],
    placed: [.useless(10, shapeUnsafe: true), .canonicalize(150)]
) { context, node in
    guard node.outputs[0].elemwiseOp == .second else { return nil }
    let (output, filled) = (node.outputs[0], node.inputs[1])
    guard filled.type.dtype == output.type.dtype, filled.type.ndim == output.type.ndim,
        filled.broadcastable == output.broadcastable
    else { return nil }
    return [context.handle(filled)]
}

/// `x + second(r, 0)` → `second(r, x)` and `x · second(r, 1)` → `second(r, x)`: a fill of the
/// operation's neutral element contributes only its reference's shape, which the fill keeps (and
/// with it the broadcast check). `local_useless_fill` then drops the fill where `r` broadcasts
/// like `x`, so gradients' `zerosLike(x) + x` becomes `x` in canonicalize, where what reads it
/// can still cancel (`x / (zerosLike(x) + x)` → `x / x` → ones).
///
/// A narrow form of PyTensor's `local_fill_sink`, which sinks every fill through every
/// elementwise op: that one, together with the canonizers that make fills to keep shapes, can
/// rewrite a graph without end. This one only removes operands, so it cannot cycle.
package let localNeutralFill = NodeRewriter(
    "local_neutral_fill", elemwise: [.add, .mul],
    placed: [.canonicalize(149)]
) { context, node in
    let output = node.outputs[0]
    guard let op = output.elemwiseOp, op == .add || op == .mul, node.inputs.count >= 2 else { return nil }
    let neutral: Double = op == .add ? 0 : 1
    var references: [FunctionGraph.Value] = []
    var kept: [FunctionGraph.Value] = []
    for input in node.inputs {
        if input.elemwiseOp == .second, let fill = input.owner, exactConstant(fill.inputs[1]) == neutral {
            references.append(fill.inputs[0])
        } else {
            kept.append(input)
        }
    }
    guard !references.isEmpty, !kept.isEmpty else { return nil }
    let dtype = output.type.dtype
    let terms = kept.map { context.handle($0, as: dtype) }
    var result = terms.count == 1 ? terms[0] : elemwise(op, terms)
    for reference in references { result = second(context.handle(reference), result) }
    return context.replacement(result, for: output)
}

/// `second(f(a, …), v)` → `second(a, v)` when `a` has the elemwise `f`'s shape: a fill reads
/// only its reference's shape, and `a` has it without computing `f`. Gradients fill
/// `zeros_like` of forward values; reading the forward value for its shape would keep it alive
/// and block rewrites that want it to have one reader (`local_subtensor_of_batch_dims`).
///
/// Only when `f`'s other inputs broadcast to `a` statically (a static 1 or `a`'s static length
/// in every dimension): `f` cannot fail then, so dropping it drops no shape check.
package let localFillReferenceThroughElemwise = NodeRewriter(
    "local_fill_reference_through_elemwise", elemwise: [.second],
    placed: [.canonicalize(151)]
) { context, node in
    guard node.outputs[0].elemwiseOp == .second else { return nil }
    let reference = node.inputs[0]
    guard let producer = reference.owner, producer.isOp(Elemwise.self), producer.outputs.count == 1 else { return nil }
    func fitsStatically(_ other: FunctionGraph.Value, into input: FunctionGraph.Value) -> Bool {
        other.type.ndim <= input.type.ndim
            && zip(other.type.shape.reversed(), input.type.shape.reversed()).allSatisfy { length, target in
                length == 1 || (length != nil && length == target)
            }
    }
    guard let position = producer.inputs.firstIndex(where: { input in
            input.type.ndim == reference.type.ndim && input.broadcastable == reference.broadcastable
                && zip(input.type.shape, reference.type.shape).allSatisfy { $0 == nil || $0 == $1 }
        }),
        producer.inputs.indices.allSatisfy({ $0 == position || fitsStatically(producer.inputs[$0], into: producer.inputs[position]) })
    else { return nil }
    return [second(context.handle(producer.inputs[position]), context.handle(node.inputs[1]))]
}

/// Elementwise ops that do nothing: one-input add/mul → x, identity → x, `eq(x, x)` → ones,
/// `neq(x, x)` → zeros (integer and bool `x` only), `and(x, 0)`/`or(x, 1)` with a constant operand → constant-filled.
/// PyTensor's `local_useless_elemwise`.
package let localUselessElemwise = NodeRewriter(
    "local_useless_elemwise", elemwise: [.add, .mul, .identity, .eq, .neq, .and, .or],
    placed: [.useless(20), .canonicalize(130), .specialize(50, fastCompile: true)]
) { context, node in
    guard let op = node.outputs[0].elemwiseOp else { return nil }
    let output = node.outputs[0]
    let inputs = node.inputs
    switch op {
    case .add where inputs.count == 1, .mul where inputs.count == 1:
        return fits(context.handle(inputs[0]), for: output) ? [context.handle(inputs[0])] : nil
    case .identity:
        return [context.handle(inputs[0])]
    // Not for floats: NaN != NaN, as numpy computes it.
    case .eq where inputs[0] === inputs[1] && !inputs[0].type.dtype.isFloat,
        .neq where inputs[0] === inputs[1] && !inputs[0].type.dtype.isFloat:
        let fill = scalarConstant(op == .eq ? 1 : 0, dtype: .bool)
        return [alloc(fill, shape: context.shape(of: output))]
    case .and, .or:
        // A constant operand decides (and with false, or with true) or drops out.
        for (k, input) in inputs.enumerated() {
            guard let c = uniformConstant(input), input.type.dtype == .bool || output.type.dtype == .bool else { continue }
            let other = inputs[1 - k]
            let decides = (op == .and && c == 0) || (op == .or && c != 0)
            if decides {
                let fill = scalarConstant(op == .and ? 0 : 1, dtype: output.type.dtype)
                return [matching(fill, to: output, shape: context.shape(of: output))]
            }
            if other.type.dtype == output.type.dtype && other.broadcastable == output.broadcastable {
                return [context.handle(other)]
            }
        }
        return nil
    default:
        return nil
    }
}

/// `switch(c, a, b)` with a constant condition → `a` or `b`; with equal branches → the branch.
/// PyTensor's `local_useless_switch`.
package let localUselessSwitch = NodeRewriter(
    "local_useless_switch", elemwise: [.switch],
    placed: [.canonicalize(120), .specialize(60, fastCompile: true)]
) { context, node in
    guard node.outputs[0].elemwiseOp == .switch else { return nil }
    let output = node.outputs[0]
    let chosen: FunctionGraph.Value
    if let condition = uniformConstant(node.inputs[0]) {
        chosen = condition != 0 ? node.inputs[1] : node.inputs[2]
    } else if node.inputs[1] === node.inputs[2] {
        chosen = node.inputs[1]
    } else {
        return nil
    }
    return [matching(context.handle(chosen), to: output, shape: context.shape(of: output))]
}

/// `second(a, b)` → `b` when `b` already has the output's broadcast pattern, or
/// `Alloc(b, *shape(a))` when `a` has it (the fill no longer reads `a`'s values). Otherwise the
/// output's shape comes from both and the fill stays. PyTensor's `local_second_to_alloc`
/// (shape-unsafe: it trusts that equal broadcast patterns mean equal shapes).
package let localSecondToAlloc = NodeRewriter(
    "local_second_to_alloc", elemwise: [.second],
    placed: [.secondToAlloc]
) { context, node in
    guard node.outputs[0].elemwiseOp == .second else { return nil }
    let output = node.outputs[0]
    let (reference, filled) = (node.inputs[0], node.inputs[1])
    let values = context.handle(filled)
    let cast = values.dtype == output.type.dtype ? values : values.cast(to: output.type.dtype)
    if filled.broadcastable == output.broadcastable && fits(cast, for: output) { return [cast] }
    guard reference.broadcastable == output.broadcastable else { return nil }
    return [alloc(cast, shape: context.shape(of: reference))]
}

/// Gradient-control ops (`zeroGrad`, `disconnectedGrad`, …) are the identity once derivatives
/// are built. PyTensor removes its `ViewOp` subclasses the same way.
package let localUselessGradientControl = NodeRewriter(
    "local_useless_gradient_control", tracks: [GradientControl.self] ,
    placed: [.useless(30)]
) { context, node in
    [context.handle(node.inputs[0])]
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let elemwise: [NodeRewriter] = [
        localUselessFill,
        localNeutralFill,
        localFillReferenceThroughElemwise,
        localUselessElemwise,
        localUselessSwitch,
        localSecondToAlloc,
        localUselessGradientControl,
    ]
}
