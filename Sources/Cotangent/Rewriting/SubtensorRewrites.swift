// Subtensor rewrites.

/// The constant integer value of a scalar index input, if constant.
private func constantIndex(_ value: FunctionGraph.Value) -> Int? {
    uniformConstant(value).flatMap { $0.rounded() == $0 ? Int($0) : nil }
}

/// `x[0]` (or `x[-1]`) on a dimension that is statically 1 → dropping that dimension (a
/// squeeze), with the remaining entries kept. PyTensor's `local_subtensor_remove_broadcastable_index`.
let localSubtensorRemoveBroadcastableIndex = NodeRewriter(
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

/// `MakeVector(a, b, c)[i]` with a constant `i` → the i-th entry. PyTensor's
/// `local_subtensor_make_vector`.
let localSubtensorMakeVector = NodeRewriter("local_subtensor_make_vector", tracks: [Subtensor.self]) { context, node in
    let op = node.op as! Subtensor
    guard op.idxList == [.index], let vector = node.inputs[0].owner, vector.op is MakeVector,
        var index = constantIndex(node.inputs[1])
    else { return nil }
    if index < 0 { index += vector.inputs.count }
    guard vector.inputs.indices.contains(index) else { return nil }
    let element = context.handle(vector.inputs[index])
    let dtype = node.outputs[0].type.dtype
    return [element.dtype == dtype ? element : element.cast(to: dtype)]
}

/// `elemwise(a, b)[idx]` → `elemwise(a[idx'], b[idx'])` where inputs broadcast along an indexed
/// dimension keep it whole (a full slice, or index 0 for an integer index): indexing first
/// computes less. PyTensor's `local_subtensor_of_batch_dims` (shape-unsafe).
let localSubtensorOfBatchDims = NodeRewriter("local_subtensor_of_batch_dims", tracks: [Subtensor.self]) { context, node in
    let op = node.op as! Subtensor
    let source = node.inputs[0]
    guard let inner = source.owner, let elemwiseOp = inner.op as? Elemwise,
        context.clients(source).count == 1, !context.isOutput(source)
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
