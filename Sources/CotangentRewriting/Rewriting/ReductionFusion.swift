import CotangentArrays
import CotangentGraph
import CotangentOps

// Reduction fusion: a full float `sum` of an elementwise output that nothing else reads becomes
// part of the elementwise node (``ElemwiseSum``), so the summed array is never written to memory
// and read back. Several such sums of one node's outputs (sibling reductions: a log-density's
// terms, a value and its gradient's totals) come from the same pass; the node's other outputs
// stay arrays. Runs after elementwise fusion, which makes the large composites these sums read.
//
// The fused sum is the unfused one bit for bit (same pairwise tree, same accumulator), so the
// rewrite changes no value. Partial sums (some axes) are left alone.

/// Fuses whole-array float sums into the elementwise nodes they read.
package let reductionFusion = GraphRewriter("reduction_fusion") { context in
    // The fusable sums of each elementwise node, by output position.
    var sums: [ObjectIdentifier: (node: FunctionGraph.Node, byOutput: [Int: FunctionGraph.Node])] = [:]
    for node in context.graph.toposort() {
        guard node.isAlive, let reduce = node.castOp(to: Reduce.self), reduce.kind == .sum, node.inputs.count == 1 else { continue }
        let input = node.inputs[0]
        guard let producer = input.owner, producer.isAlive, producer.scalarOp != nil,
            reduce.reducedAxes(ndim: input.type.ndim).count == input.type.ndim,
            input.type.dtype.isFloat, node.outputs[0].type.dtype == input.type.dtype,
            !context.isOutput(input), context.clients(input).count == 1,
            let position = producer.outputs.firstIndex(where: { $0 === input })
        else { continue }
        sums[ObjectIdentifier(producer), default: (producer, [:])].byOutput[position] = node
    }
    for (producer, byOutput) in sums.values {
        guard let scalarOp = producer.scalarOp else { continue }
        let summed = producer.outputs.indices.map { byOutput[$0] != nil }
        let op = ElemwiseSum(scalarOp, summed: summed)
        let apply: Apply
        do {
            apply = try op.makeNode(producer.inputs.map(context.handle))
        } catch {
            // A rewrite that cannot build its replacement is skipped (and said so).
            context.report.failures.append("reduction_fusion: \(error)")
            continue
        }
        for (k, value) in producer.outputs.enumerated() {
            if let sum = byOutput[k] {
                try context.graph.replace(sum.outputs[0], with: apply.outputs[k])
            } else if context.isOutput(value) || !context.clients(value).isEmpty {
                try context.graph.replace(value, with: apply.outputs[k])
            }
        }
        context.report.applied["reduction_fusion", default: 0] += 1
    }
}
