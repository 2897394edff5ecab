import CotangentArrays
import CotangentGraph
import CotangentOps

// Rewrites of advanced indexing (gathers and scatter-adds), after PyTensor's.

/// The int64 values of a constant 1-d index.
private func constantIndices(_ value: FunctionGraph.Value) -> [Int]? {
    guard let array = value.constantValue, array.ndim == 1, array.dtype.isInteger else { return nil }
    return array.asArray(Int64.self).map { Int($0) }
}

/// `x[c]` with a constant index that is an arithmetic progression inside a statically known
/// length (`x[[0, 1, 2]]`, `x[arange(2, 8, 3)]`) → the basic slice `x[start:stop:step]`: a
/// view instead of a copy, and a gradient that is a slice increment instead of a scatter.
/// Out-of-range indices are left alone (the gather must report them).
package let localAdvancedSubtensor1ToSlice = NodeRewriter(
    "local_AdvancedSubtensor1_arange_to_slice", tracks: [AdvancedSubtensor1.self],
    placed: [.canonicalize(410), .specialize(410)]
) { context, node in
    let x = node.inputs[0]
    guard let indices = constantIndices(node.inputs[1]), let length = x.type.shape[0], !indices.isEmpty else { return nil }
    let positions = indices.map { $0 < 0 ? $0 + length : $0 }
    guard positions.allSatisfy({ (0..<length).contains($0) }) else { return nil }
    let step = positions.count > 1 ? positions[1] - positions[0] : 1
    guard step != 0, zip(positions, positions.dropFirst()).allSatisfy({ $1 - $0 == step }) else { return nil }
    let stop = positions.last! + step
    let slice = TensorIndex.slice(start: positions[0], stop: stop < 0 ? nil : stop, step: step == 1 ? nil : step)
    let result = context.handle(x).indexed(by: [slice])
    guard result.type.dtype == node.outputs[0].type.dtype, result.ndim == node.outputs[0].type.ndim else { return nil }
    return [result]
}

/// `x[i][j]` with two vector gathers → `x[i[j]]`: the index is gathered instead of the rows.
package let localAdvancedSubtensor1OfAdvancedSubtensor1 = NodeRewriter(
    "local_AdvancedSubtensor1_of_AdvancedSubtensor1", tracks: [AdvancedSubtensor1.self],
    placed: [.canonicalize(420)]
) { context, node in
    guard let inner = node.inputs[0].owner, inner.opType == ObjectIdentifier(AdvancedSubtensor1.self) else { return nil }
    let index = context.handle(inner.inputs[1])[context.handle(node.inputs[1])]
    return [build(AdvancedSubtensor1(), [context.handle(inner.inputs[0]), index])]
}

/// `inc(x, zeros, idx)` → `x`: adding zeros anywhere changes nothing. PyTensor's
/// `local_incsubtensor_of_zeros` for the advanced increments.
package let localAdvancedIncrementOfZeros = NodeRewriter(
    "local_advanced_incsubtensor_of_zeros", tracks: [AdvancedIncSubtensor1.self, AdvancedIncSubtensor.self],
    placed: [.canonicalize(430)]
) { context, node in
    let set = (node.op as? AdvancedIncSubtensor1)?.setInstead ?? (node.op as? AdvancedIncSubtensor)?.setInstead ?? true
    guard !set, exactConstant(node.inputs[1]) == 0, node.inputs[0].type == node.outputs[0].type else { return nil }
    return [context.handle(node.inputs[0])]
}

/// `inc(inc(zeros, a, idx), b, idx)` → `inc(zeros, a + b, idx)` for the same index: one
/// scatter-add instead of two (the sums of one position are reassociated, as for the basic
/// increments on zeros).
package let localAdvancedIncrementMergeOnZeros = NodeRewriter(
    "local_advanced_inc_subtensor_merge_on_zeros", tracks: [AdvancedIncSubtensor1.self, AdvancedIncSubtensor.self],
    placed: [.canonicalize(440), .specialize(440)]
) { context, node in
    let middle = node.inputs[0]
    guard let inner = middle.owner, AnyOp(inner.op) == AnyOp(node.op), context.hasSingleClient(middle),
        (node.op as? AdvancedIncSubtensor1)?.setInstead != true, (node.op as? AdvancedIncSubtensor)?.setInstead != true,
        inner.inputs.count == node.inputs.count,
        zip(inner.inputs.dropFirst(2), node.inputs.dropFirst(2)).allSatisfy({ $0 === $1 }),
        exactConstant(inner.inputs[0]) == 0
    else { return nil }
    let sum = elemwise(.add, [context.handle(inner.inputs[1]), context.handle(node.inputs[1])])
    let merged = build(node.op, [context.handle(inner.inputs[0]), sum] + node.inputs.dropFirst(2).map { context.handle($0) })
    guard merged.type == node.outputs[0].type else { return nil }
    return [merged]
}

/// `set(x, y, c)[c]` with a constant index without repeats → `y` broadcast to the region: the
/// values just written. (With repeats only the last write of a position survives.)
package let localAdvancedSubtensor1OfSet = NodeRewriter(
    "local_AdvancedSubtensor1_of_set_subtensor", tracks: [AdvancedSubtensor1.self],
    placed: [.canonicalize(450)]
) { context, node in
    guard let inner = node.inputs[0].owner, let op = inner.op as? AdvancedIncSubtensor1, op.setInstead,
        inner.inputs[2] === node.inputs[1], let indices = constantIndices(node.inputs[1]),
        let length = inner.inputs[0].type.shape[0]
    else { return nil }
    let positions = indices.map { $0 < 0 ? $0 + length : $0 }
    guard positions.allSatisfy({ (0..<length).contains($0) }), Set(positions).count == positions.count else { return nil }
    let output = node.outputs[0]
    var y = context.handle(inner.inputs[1])
    if y.dtype != output.type.dtype { y = y.cast(to: output.type.dtype) }
    let value: Variable
    if y.type.shape == output.type.shape {
        value = y
    } else {
        var shape = context.handle(node.inputs[0]).symbolicShape
        shape[0] = shapeConstant(indices.count)
        value = alloc(y, shape: shape)
    }
    guard value.type.dtype == output.type.dtype, value.ndim == output.type.ndim else { return nil }
    return [value]
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let advancedSubtensor: [NodeRewriter] = [
        localAdvancedSubtensor1ToSlice,
        localAdvancedSubtensor1OfAdvancedSubtensor1,
        localAdvancedIncrementOfZeros,
        localAdvancedIncrementMergeOnZeros,
        localAdvancedSubtensor1OfSet,
    ]
}
