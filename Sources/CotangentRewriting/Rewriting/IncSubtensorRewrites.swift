import CotangentArrays
import CotangentGraph
import CotangentOps

// Rewrites of increments, basic (`IncSubtensor`) and, where PyTensor's rewrites take them too,
// advanced: the shape gradients of sliced and gathered expressions take.

/// Whether `node` adds into its base (a basic or advanced increment, not a set).
private func isIncrement(_ node: FunctionGraph.Node) -> Bool {
    switch node.opType {
    case ObjectIdentifier(IncSubtensor.self): node.castOp(to: IncSubtensor.self)?.setInstead == false
    case ObjectIdentifier(AdvancedIncSubtensor1.self): node.castOp(to: AdvancedIncSubtensor1.self)?.setInstead == false
    case ObjectIdentifier(AdvancedIncSubtensor.self): node.castOp(to: AdvancedIncSubtensor.self)?.setInstead == false
    default: false
    }
}

/// `add(x, inc_subtensor(b, c, idx), inc_subtensor(d, e, idx2))` →
/// `inc_subtensor(inc_subtensor(add(x, b, d), c, idx), e, idx2)`, for basic and advanced
/// increments (PyTensor's `local_IncSubtensor_serialize`, which moves `IncSubtensor`,
/// `AdvancedIncSubtensor1` and `AdvancedIncSubtensor`). Exact for repeated advanced indices
/// too: an increment adds every contribution wherever its base comes from.
///
/// The gradient of `f(a[:-1], a[1:])` (or of `f(E[i], E[j])`) adds one full-size increment per
/// slice or gather; as a chain the increments write into one array (in place, once the engine
/// hands it over) instead of materialising and adding several. Only increments read by this
/// sum alone move; in specialize too, for increments whose other (gradient) reader goes only
/// in a later phase, and after fusion, which can give an increment's base the static shape of
/// the sum (a fused composite's outputs have the shape of all its inputs) that the types must
/// share.
package let localIncSubtensorSerialize = NodeRewriter(
    "local_IncSubtensor_serialize", elemwise: [.add],
    placed: [.canonicalize(320), .specialize(265), .afterUnbatchedBlockwise(50)]
) { context, node in
    let output = node.outputs[0]
    guard output.elemwiseOp == .add else { return nil }
    func movable(_ value: FunctionGraph.Value) -> Bool {
        guard let owner = value.owner, isIncrement(owner), value.type == output.type else { return false }
        return context.hasSingleClient(value) && node.inputs.lazy.filter({ $0 === value }).count == 1
    }
    let moving = node.inputs.filter(movable)
    guard !moving.isEmpty else { return nil }
    let staying = node.inputs.filter { input in !moving.contains { $0 === input } }
    let terms = (staying + moving.map { $0.owner!.inputs[0] }).map { context.handle($0) }
    var tip = terms.count == 1 ? terms[0] : elemwise(.add, terms)
    guard tip.type == output.type else { return nil }
    for value in moving {
        let owner = value.owner!
        tip = build(owner.op, [tip] + owner.inputs.dropFirst().map { context.handle($0) })
    }
    return [tip]
}

/// Whether two index inputs are the same value, or constants of the same value (equal
/// constants are merged only by the cleanup after a rewrite pass).
private func sameIndex(_ a: FunctionGraph.Value, _ b: FunctionGraph.Value) -> Bool {
    if a === b { return true }
    guard a.constantValue != nil, b.constantValue != nil, let u = exactConstant(a), let v = exactConstant(b) else {
        return false
    }
    return u == v
}

/// `inc_subtensor(inc_subtensor(zeros, a, idx), b, idx)` → `inc_subtensor(zeros, a + b, idx)`
/// for the same indices: one increment instead of two. Only on a zero base, where it is exact
/// (`(0 + a) + b` is `a + b`); elsewhere it would reassociate a sum.
package let localIncSubtensorMergeOnZeros = NodeRewriter(
    "local_inc_subtensor_merge_on_zeros", tracks: [IncSubtensor.self] ,
    placed: [.canonicalize(330), .specialize(260)]
) { context, node in
    let op = node.castOp(to: IncSubtensor.self)!
    let middle = node.inputs[0]
    guard !op.setInstead, let inner = middle.owner, let innerOp = inner.castOp(to: IncSubtensor.self), innerOp == op,
        context.hasSingleClient(middle), inner.inputs.count == node.inputs.count,
        zip(inner.inputs.dropFirst(2), node.inputs.dropFirst(2)).allSatisfy(sameIndex),
        exactConstant(inner.inputs[0]) == 0
    else { return nil }
    let sum = elemwise(.add, [context.handle(inner.inputs[1]), context.handle(node.inputs[1])])
    let merged = build(op, [context.handle(inner.inputs[0]), sum] + node.inputs.dropFirst(2).map { context.handle($0) })
    guard merged.type == node.outputs[0].type else { return nil }
    return [merged]
}

/// `inc_subtensor(zeros, y, idx)` → `set_subtensor(zeros, y, idx)` for a constant all-zero
/// base: a basic index writes each position once, so adding to zero is writing. PyTensor's
/// `local_incsubtensor_of_zeros_to_setsubtensor`, which likewise takes only a constant base
/// (an `Alloc` of zeros, as gradients build, stays an increment, so the serialization above
/// can still chain it into a sum). The one difference is the sign of a zero: `0 + (-0.0)` is
/// `+0.0`, the set writes `-0.0`.
package let localIncSubtensorOfZerosToSet = NodeRewriter(
    "local_incsubtensor_of_zeros_to_setsubtensor", tracks: [IncSubtensor.self],
    placed: [.canonicalize(340), .specialize(275)]
) { context, node in
    guard let op = node.castOp(to: IncSubtensor.self), !op.setInstead, isConstantZeros(node.inputs[0]) else { return nil }
    return [build(IncSubtensor(idxList: op.idxList, setInstead: true), node.inputs.map { context.handle($0) })]
}

/// Whether `value` is a constant whose entries are all zero (PyTensor's
/// `isinstance(x, Constant) and not np.any(x.data)`).
package func isConstantZeros(_ value: FunctionGraph.Value) -> Bool {
    value.constantValue != nil && uniformConstant(value) == 0
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let incSubtensor: [NodeRewriter] = [
        localIncSubtensorSerialize,
        localIncSubtensorMergeOnZeros,
        localIncSubtensorOfZerosToSet,
    ]
}
