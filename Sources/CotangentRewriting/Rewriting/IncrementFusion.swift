import CotangentArrays
import CotangentGraph
import CotangentOps

// Increment fusion: `inc_subtensor(x, Elemwise(…)[k], idx)` (or a set), where nothing else reads
// the elementwise output, becomes one ``ElemwiseIncSubtensor`` node that computes the region's
// value into the region. A gradient of a slice (`zeros` with the slice's cotangent added) and a
// Hessian's bands (W8: two shifted blocks added into zeros) then write their values once, in the
// increment's memory, instead of materialising them and copying them in. The elementwise op's
// other outputs come from the same pass. Runs after elementwise and reduction fusion, which
// make the composites it takes.
//
// The fused node computes the unfused values bit for bit, so the rewrite changes no value.

/// Fuses increments with the elementwise nodes that compute their values.
package let incrementFusion = GraphRewriter("increment_fusion") { context in
    for node in context.graph.toposort() {
        guard node.isAlive, let increment = node.castOp(to: IncSubtensor.self) else { continue }
        let (x, value) = (node.inputs[0], node.inputs[1])
        guard let producer = value.owner, producer.isAlive, let scalarOp = producer.scalarOp,
            let position = producer.outputs.firstIndex(where: { $0 === value }),
            value.type.dtype == x.type.dtype, increment.setInstead || x.type.dtype.isFloat,
            !context.isOutput(value), context.clients(value).count == 1,
            // The value fills the region without broadcasting (else the pass would run over
            // the region's shape, not the value's).
            regionMatches(value, increment: increment, node: node, context: context),
            // The fused node reads x and the indices: they must not come from the producer.
            !(node.inputs.enumerated().contains { index, input in
                index != 1 && producer.outputs.contains { context.graph.depends(input, on: $0) }
            })
        else { continue }
        let op = ElemwiseIncSubtensor(
            increment, of: scalarOp, position: position, elementwiseInputCount: producer.inputs.count)
        let apply: Apply
        do {
            apply = try op.makeNode(
                [context.handle(x)] + producer.inputs.map(context.handle) + node.inputs.dropFirst(2).map(context.handle))
        } catch {
            // A rewrite that cannot build its replacement is skipped (and said so).
            context.report.failures.append("increment_fusion: \(error)")
            continue
        }
        try context.graph.replace(node.outputs[0], with: apply.outputs[0])
        var next = 1
        for (k, output) in producer.outputs.enumerated() where k != position {
            if context.isOutput(output) || !context.clients(output).isEmpty {
                try context.graph.replace(output, with: apply.outputs[next])
            }
            next += 1
        }
        context.report.applied["increment_fusion", default: 0] += 1
    }
}

/// Whether the value's static shape is the region's: the same rank, and along each axis the
/// same known length, or lengths unknown on both sides (checked again at run time, where a
/// mismatch takes the unfused path). A statically 1 dim of the value into a longer region is
/// a broadcast and does not match.
private func regionMatches(
    _ value: FunctionGraph.Value, increment: IncSubtensor, node: FunctionGraph.Node, context: RewriteContext
) -> Bool {
    let region = BasicIndexing.staticShape(
        entries: increment.idxList, inputShape: node.inputs[0].type.shape,
        indexInputs: node.inputs.dropFirst(2).map(context.handle))
    guard region.count == value.type.ndim else { return false }
    return zip(region, value.type.shape).allSatisfy { wanted, length in
        wanted == length || (length != 1 && (wanted == nil || length == nil))
    }
}
