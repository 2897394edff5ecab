import CotangentArrays
import CotangentGraph
import CotangentOps

/// PyTensor's `constant_folding`: a node whose inputs are all constants is computed now and
/// replaced by constants of its outputs' types.
///
/// Like PyTensor's `Alloc.do_constant_folding`, an `Alloc` is kept when its result is a graph
/// output or feeds an op that would broadcast it anyway (folding would only materialise a large
/// constant); kernels that throw leave the node alone (the error surfaces at run time).
package let constantFolding = NodeRewriter(
    "constant_folding",
    placed: [.folding(after: .canonicalize), .folding(after: .stabilize), .folding(after: .specialize)]
) { context, node in
    guard !node.inputs.isEmpty, node.inputs.allSatisfy(\.isConstant) else { return nil }
    if node.isOp(Alloc.self), !allocMayFold(context, node) { return nil }
    // A scalar conversion of a constant is free at run time and is how a core op receives a
    // folded flag (the seed prints `ScalarFromTensor(False)`); folding it gains nothing and would
    // make the late unbatched-Blockwise removal change a graph on a second rewrite.
    if node.isOp(ScalarFromTensor.self) { return nil }
    let values = node.inputs.map { $0.constantValue! }
    let probe = Apply(op: node.op, inputs: node.inputs.map(context.handle), outputTypes: node.outputs.map(\.type))
    guard let results = try? node.op.perform(values, node: probe) else { return nil }
    return zip(results, node.outputs).map { result, output in
        let value = result.converted(to: output.type.dtype).contiguous()
        let type = output.type.isScalarKind
            ? output.type : TensorType(dtype: value.dtype, shape: value.shape.map { $0 })
        return Variable(constant: value, type: type)
    }
}

private func allocMayFold(_ context: RewriteContext, _ node: FunctionGraph.Node) -> Bool {
    let output = node.outputs[0]
    if context.isOutput(output) { return false }
    for client in context.clients(output) {
        switch client.op {
        case is Elemwise, is DimShuffle, is Alloc, is Join: return false
        // A batched Blockwise broadcasts the block itself; an unbatched one is its core op in
        // waiting (local_useless_unbatched_blockwise), so the core op's reading decides, as in
        // PyTensor (`batch_ndim`), and a second rewrite finds nothing left to fold.
        case let blockwise as Blockwise:
            guard let signature = try? blockwise.parsedSignature(),
                client.outputs[0].type.ndim == signature.outputs[0].count
            else { return false }
            continue
        default: continue
        }
    }
    return true
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let folding: [NodeRewriter] = [
        constantFolding,
    ]
}
