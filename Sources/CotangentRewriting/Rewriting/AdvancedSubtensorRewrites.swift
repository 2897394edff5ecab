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
    let set = node.castOp(to: AdvancedIncSubtensor1.self)?.setInstead ?? node.castOp(to: AdvancedIncSubtensor.self)?.setInstead ?? true
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
        node.castOp(to: AdvancedIncSubtensor1.self)?.setInstead != true, node.castOp(to: AdvancedIncSubtensor.self)?.setInstead != true,
        inner.inputs.count == node.inputs.count,
        zip(inner.inputs.dropFirst(2), node.inputs.dropFirst(2)).allSatisfy({ $0 === $1 }),
        exactConstant(inner.inputs[0]) == 0
    else { return nil }
    let sum = elemwise(.add, [context.handle(inner.inputs[1]), context.handle(node.inputs[1])])
    let merged = build(node.op, [context.handle(inner.inputs[0]), sum] + node.inputs.dropFirst(2).map { context.handle($0) })
    guard merged.type == node.outputs[0].type else { return nil }
    return [merged]
}

/// `inc(zeros, y, idx)` → `set(zeros, y, idx)` for a constant all-zero base and a constant
/// index that writes each position once: adding to zero is then writing. PyTensor's
/// `local_incsubtensor_of_zeros_to_setsubtensor` takes only basic increments, whose positions
/// never repeat; an advanced index may repeat one, where the increment adds every contribution
/// and the set keeps the last, so here the index must provably not (see
/// ``writesEachPositionOnce(_:x:indexInputs:)``). As for the basic rewrite, a zero's sign
/// may differ (`0 + (-0.0)` is `+0.0`).
package let localAdvancedIncrementOfZerosToSet = NodeRewriter(
    "local_advanced_incsubtensor_of_zeros_to_setsubtensor", tracks: [AdvancedIncSubtensor1.self, AdvancedIncSubtensor.self],
    placed: [.canonicalize(460), .specialize(460)]
) { context, node in
    guard isConstantZeros(node.inputs[0]) else { return nil }
    let entries: [AdvancedIndexEntry]
    let set: any Op
    if let op = node.castOp(to: AdvancedIncSubtensor1.self), !op.setInstead {
        (entries, set) = ([.array], AdvancedIncSubtensor1(setInstead: true))
    } else if let op = node.castOp(to: AdvancedIncSubtensor.self), !op.setInstead {
        (entries, set) = (op.idxList, AdvancedIncSubtensor(idxList: op.idxList, setInstead: true))
    } else {
        return nil
    }
    guard writesEachPositionOnce(entries, x: node.inputs[0], indexInputs: Array(node.inputs.dropFirst(2))) else { return nil }
    return [build(set, node.inputs.map { context.handle($0) })]
}

/// Whether an advanced index writes each position of `x` at most once, provably: every index
/// array is a constant, and the coordinate tuples they broadcast to (a mask's coordinates,
/// distinct by construction, among them) are distinct once negative entries are resolved
/// against `x`'s static lengths. Where a length is unknown the entries must not mix signs
/// (`-1` and `n - 1` may be one position), as in PyTensor's `_constant_indices_jointly_unique`.
/// Slices never repeat a position. An index out of range is left to the kernel to report.
private func writesEachPositionOnce(
    _ entries: [AdvancedIndexEntry], x: FunctionGraph.Value, indexInputs: [FunctionGraph.Value]
) -> Bool {
    var components: [(values: NDArray, length: Int?)] = []
    var axis = 0
    var next = indexInputs.makeIterator()
    for entry in entries {
        guard entry == .array else {
            for _ in 0..<entry.inputCount { _ = next.next() }
            axis += 1
            continue
        }
        guard let array = next.next()?.constantValue, axis + Swift.max(array.ndim, 1) <= x.type.ndim else { return false }
        if array.dtype == .bool {
            guard array.ndim >= 1 else { return false }
            for (k, coordinates) in AdvancedIndexing.nonzeroCoordinates(array).enumerated() {
                let values = NDArray(shape: [coordinates.count], elements: coordinates.map { Int64($0) })
                components.append((values, x.type.shape[axis + k]))
            }
            axis += array.ndim
        } else {
            components.append((array.converted(to: .int64), x.type.shape[axis]))
            axis += 1
        }
    }
    // Deciding costs a pass over the index; very large constant indices are left alone.
    guard let shape = broadcastShapes(components.map(\.values.shape)) else { return false }
    let count = shape.reduce(1, *)
    guard count <= 1 << 20 else { return false }
    var columns: [[Int]] = []
    for (values, length) in components {
        guard let broadcast = values.broadcast(to: shape) else { return false }
        var column = broadcast.asArray(Int64.self).map { Int($0) }
        if let length {
            for i in column.indices {
                guard let position = SliceArithmetic.normalized(index: column[i], length: length) else { return false }
                column[i] = position
            }
        } else if column.contains(where: { $0 < 0 }) && column.contains(where: { $0 >= 0 }) {
            return false
        }
        columns.append(column)
    }
    var seen = Set<[Int]>()
    for i in 0..<count {
        guard seen.insert(columns.map { $0[i] }).inserted else { return false }
    }
    return true
}

/// `set(x, y, c)[c]` with a constant index without repeats → `y` broadcast to the region: the
/// values just written. (With repeats only the last write of a position survives.)
package let localAdvancedSubtensor1OfSet = NodeRewriter(
    "local_AdvancedSubtensor1_of_set_subtensor", tracks: [AdvancedSubtensor1.self],
    placed: [.canonicalize(450)]
) { context, node in
    guard let inner = node.inputs[0].owner, let op = inner.castOp(to: AdvancedIncSubtensor1.self), op.setInstead,
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
        localAdvancedIncrementOfZerosToSet,
    ]
}
