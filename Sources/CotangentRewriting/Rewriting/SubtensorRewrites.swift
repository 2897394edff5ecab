import CotangentArrays
import CotangentGraph
import CotangentOps

// Subtensor rewrites.

/// The constant integer value of a scalar index input, if constant.
private func constantIndex(_ value: FunctionGraph.Value) -> Int? {
    uniformConstant(value).flatMap { $0.rounded() == $0 ? Int($0) : nil }
}

/// `x[0]` (or `x[-1]`) on a dimension that is statically 1 → dropping that dimension (a
/// squeeze), with the remaining entries kept. PyTensor's `local_subtensor_remove_broadcastable_index`.
package let localSubtensorRemoveBroadcastableIndex = NodeRewriter(
    "local_subtensor_remove_broadcastable_index", tracks: [Subtensor.self]
) { context, node in
    let op = node.op as! Subtensor
    let x = node.inputs[0]
    var inputPosition = 1
    var dropped: [Int] = []
    for (axis, entry) in op.idxList.enumerated() {
        switch entry {
        case .index:
            guard x.type.shape[axis] == 1, let index = constantIndex(node.inputs[inputPosition]),
                index == 0 || index == -1
            else { return nil }
            dropped.append(axis)
        case .slice:
            guard entry == .fullSlice else { return nil }
        }
        inputPosition += entry.inputCount
    }
    guard !dropped.isEmpty else { return nil }
    return [context.handle(x).squeezed(axes: dropped)]
}

/// `MakeVector(a, b, c)[i]` with a constant `i` → the i-th entry, and a constant slice
/// `MakeVector(a, b, c)[start:stop:step]` → `MakeVector` of the selected entries. PyTensor's
/// `local_subtensor_make_vector`.
package let localSubtensorMakeVector = NodeRewriter("local_subtensor_make_vector", tracks: [Subtensor.self]) { context, node in
    let op = node.op as! Subtensor
    guard op.idxList.count == 1, let vector = node.inputs[0].owner, let make = vector.op as? MakeVector else {
        return nil
    }
    let entries = vector.inputs
    let dtype = node.outputs[0].type.dtype
    switch op.idxList[0] {
    case .index:
        guard var index = constantIndex(node.inputs[1]) else { return nil }
        if index < 0 { index += entries.count }
        guard entries.indices.contains(index) else { return nil }
        let element = context.handle(entries[index])
        return [element.dtype == dtype ? element : element.cast(to: dtype)]
    case .slice(let hasStart, let hasStop, let hasStep):
        // Every present part must be a constant.
        var parts = node.inputs.dropFirst().makeIterator()
        func next(_ present: Bool) -> Int?? {
            guard present else { return .some(nil) }
            guard let value = parts.next(), let constant = constantIndex(value) else { return nil }
            return .some(constant)
        }
        guard let start = next(hasStart), let stop = next(hasStop), let step = next(hasStep) else { return nil }
        guard step != 0 else { return nil }
        let positions = sliceIndices(count: entries.count, start: start, stop: stop, step: step ?? 1)
        guard positions.count < entries.count || (step ?? 1) != 1 else { return nil }
        return [makeVector(positions.map { context.handle(entries[$0]) }, dtype: make.dtype)]
    }
}

/// The positions numpy's `slice(start, stop, step).indices(count)` selects.
package func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
    func clamp(_ value: Int?, default fallback: Int, low: Int, high: Int) -> Int {
        guard var value else { return fallback }
        if value < 0 { value += count }
        return Swift.min(Swift.max(value, low), high)
    }
    if step > 0 {
        let first = clamp(start, default: 0, low: 0, high: count)
        let last = clamp(stop, default: count, low: 0, high: count)
        return Array(stride(from: first, to: last, by: step))
    }
    let first = clamp(start, default: count - 1, low: -1, high: count - 1)
    let last = clamp(stop, default: -1, low: -1, high: count - 1)
    return Array(stride(from: first, to: last, by: step))
}

/// `elemwise(a, b)[idx]` → `elemwise(a[idx'], b[idx'])` where inputs broadcast along an indexed
/// dimension keep it whole (a full slice, or index 0 for an integer index): indexing first
/// computes less. PyTensor's `local_subtensor_of_batch_dims` (shape-unsafe).
package let localSubtensorOfBatchDims = NodeRewriter("local_subtensor_of_batch_dims", tracks: [Subtensor.self]) { context, node in
    let op = node.op as! Subtensor
    let source = node.inputs[0]
    guard let inner = source.owner, let elemwiseOp = inner.op as? Elemwise, inner.outputs.count == 1,
        liveClientCount(source) == 1, !context.isOutput(source)
    else { return nil }
    let indexInputs = node.inputs.dropFirst().map(context.handle)
    var lifted: [Variable] = []
    for input in inner.inputs {
        var entries: [IndexEntry] = []
        var values: [Variable] = []
        var position = 0
        for (axis, entry) in op.idxList.enumerated() {
            let parts = Array(indexInputs[position..<(position + entry.inputCount)])
            position += entry.inputCount
            let broadcast = input.type.shape[axis] == 1 && source.type.shape[axis] != 1
            switch (entry, broadcast) {
            case (.index, true):
                entries.append(.index)
                values.append(Variable.scalarConstant(0))
            case (.slice, true):
                entries.append(.fullSlice)
            default:
                entries.append(entry)
                values.append(contentsOf: parts)
            }
        }
        let handle = context.handle(input)
        let allFull = entries.allSatisfy { $0 == .fullSlice }
        lifted.append(allFull ? handle : build(Subtensor(idxList: entries), [handle] + values))
    }
    return [build(elemwiseOp, lifted)]
}
