import CotangentArrays
import CotangentGraph

// vectorizeGraph: rebuild a graph for inputs that gained leading batch dimensions.


/// Rebuilds the graph of `outputs` with some of its variables replaced by batched versions
/// (the same dims plus leading batch dimensions), PyTensor's `vectorize_graph`.
///
/// Nodes are visited inputs first; a node none of whose inputs changed is kept. Each changed
/// node uses its op's batching rule (Elemwise re-broadcasts, DimShuffle and reductions shift
/// their axes, Subtensor prepends full slices, …) and falls back to `Blockwise` over the op's
/// gufunc signature, so every graph vectorizes.
public func vectorizeGraph(_ outputs: [Variable], replacing replacements: [Variable: Variable]) -> [Variable] {
    SymbolicShapeCache.sharing { vectorizedGraph(outputs, replacing: replacements) }
}

private func vectorizedGraph(_ outputs: [Variable], replacing replacements: [Variable: Variable]) -> [Variable] {
    var mapped = replacements
    for node in GraphTraversal.toposort(outputs) where !node.outputs.allSatisfy({ replacements[$0] != nil }) {
        let inputs = node.inputs.map { mapped[$0] ?? $0 }
        guard zip(inputs, node.inputs).contains(where: { $0 !== $1 }) else { continue }
        let results = vectorizeNode(node, batchedInputs: inputs)
        // A replaced variable keeps its replacement, whatever its inputs became.
        for (index, result) in results.enumerated() where replacements[node.output(index)] == nil {
            mapped[node.output(index)] = result
        }
    }
    return outputs.map { mapped[$0] ?? $0 }
}

/// Rebuilds a graph with some variables replaced by others of the same rank (PyTensor's
/// `graph_replace`/`clone_replace`).
public func replacing(_ outputs: [Variable], _ replacements: [Variable: Variable]) -> [Variable] {
    var mapped = replacements
    for node in GraphTraversal.toposort(outputs) where !node.outputs.allSatisfy({ replacements[$0] != nil }) {
        let inputs = node.inputs.map { mapped[$0] ?? $0 }
        guard zip(inputs, node.inputs).contains(where: { $0 !== $1 }) else { continue }
        let results = buildOutputs(node.op, inputs, outputCount: node.outputTypes.count)
        // A replaced variable keeps its replacement, whatever its inputs became.
        for (index, result) in results.enumerated() where replacements[node.output(index)] == nil {
            mapped[node.output(index)] = result
        }
    }
    return outputs.map { mapped[$0] ?? $0 }
}

/// One node with batched inputs: the op's rule, or Blockwise.
package func vectorizeNode(_ node: Apply, batchedInputs: [Variable]) -> [Variable] {
    if let rule = node.op.vectorize(node, batchedInputs: batchedInputs) { return rule }
    let signature = node.op.gufuncSignature ?? genericSignature(node)
    return buildOutputs(
        Blockwise(node.op, signature: signature), batchedInputs, outputCount: node.outputTypes.count)
}

/// `(i00,i01),(i10)->(o00)`: one named core dim per dimension of each input and output.
package func genericSignature(_ node: Apply) -> String {
    let inputs = node.inputs.enumerated().map { k, input in
        "(" + (0..<input.ndim).map { "i\(k)\($0)" }.joined(separator: ",") + ")"
    }
    let outputs = node.outputTypes.enumerated().map { k, type in
        "(" + (0..<type.ndim).map { "o\(k)\($0)" }.joined(separator: ",") + ")"
    }
    return inputs.joined(separator: ",") + "->" + outputs.joined(separator: ",")
}

/// How many leading batch dims a batched input has over the original.
package func batchRank(_ node: Apply, _ batchedInputs: [Variable]) -> Int {
    zip(batchedInputs, node.inputs).map { $0.ndim - $1.ndim }.max() ?? 0
}

/// Pads an input with leading length-1 dims up to `rank` batch dims (unbatched inputs of a
/// batched node).
package func padBatch(_ input: Variable, original: Variable, to batch: Int) -> Variable {
    let have = input.ndim - original.ndim
    guard have < batch else { return input }
    return input.expandingDims(Array(0..<(batch - have)))
}
