import CotangentArrays
import CotangentGraph
import CotangentOps

/// PyTensor's `MergeOptimizer`: common-subexpression elimination. Equal constants become one
/// variable, and nodes applying equal ops to the same inputs become one node.
package let mergeRewriter = GraphRewriter("merge") { context in
    let graph = context.graph
    var constants: [ConstantKey: FunctionGraph.Value] = [:]
    var seenConstants = Set<ObjectIdentifier>()
    var merged = 0
    // Replacing constants re-points inputs only (constants have no owner), so one order serves
    // both phases.
    let order = graph.toposort()
    // Constants first: every root value that is a constant, in first-use order. A constant seen
    // before is already its key's entry or was replaced (its readers re-pointed).
    for node in order {
        for input in node.inputs where input.isConstant && seenConstants.insert(ObjectIdentifier(input)).inserted {
            let key = ConstantKey(input)
            if let existing = constants[key] {
                if existing !== input {
                    try graph.replace(input, with: existing)
                    merged += 1
                }
            } else {
                constants[key] = input
            }
        }
    }
    // Then computations, inputs first. A node kept so far is marked; marked nodes never change
    // their inputs (only later nodes read a merged node's outputs), so at most one live marked
    // node has a given op and inputs, and it reads every input of a node equal to it: scanning
    // the readers of that node's least-read input finds it without hashing ops.
    let kept = graph.nextWalkMark()
    var leaves: [AnyOp: FunctionGraph.Node] = [:]
    for node in order where node.isAlive {
        let existing: FunctionGraph.Node?
        if node.inputs.isEmpty {
            let key = AnyOp(node.op)
            if let leaf = leaves[key], leaf.isAlive {
                existing = leaf
            } else {
                leaves[key] = node
                existing = nil
            }
        } else {
            existing = keptTwin(of: node, mark: kept)
        }
        if let existing {
            for (old, new) in zip(node.outputs, existing.outputs) { try graph.replace(old, with: new) }
            merged += 1
        } else {
            node.walkMark = kept
        }
    }
    if merged > 0 { context.report.applied["merge", default: 0] += merged }
}

/// The live node marked `mark` that applies an op equal to `node`'s to the same inputs.
private func keptTwin(of node: FunctionGraph.Node, mark: Int) -> FunctionGraph.Node? {
    let inputs = node.inputs
    var probe = inputs[0]
    for input in inputs.dropFirst() where input.liveClientCount < probe.liveClientCount { probe = input }
    for client in probe.clients {
        let candidate = client.node
        guard candidate.walkMark == mark, candidate !== node, candidate.isAlive, candidate.opType == node.opType,
            candidate.inputs.count == inputs.count
        else { continue }
        var same = true
        for k in inputs.indices where candidate.inputs[k] !== inputs[k] {
            same = false
            break
        }
        if same && candidate.op.isEqual(to: node.op) { return candidate }
    }
    return nil
}

/// Identity of a constant: type (incl. kind) and exact value bits.
package struct ConstantKey: Hashable {
    package let type: TensorType
    package let bits: [UInt64]

    package init(_ value: FunctionGraph.Value) {
        type = value.type
        let array = value.constantValue!
        // Bit patterns, so NaN equals NaN and -0.0 differs from 0.0 (as PyTensor's signature).
        switch array.dtype {
        case .float32: bits = array.asArray(Float.self).map { UInt64($0.bitPattern) }
        case .float64: bits = array.asArray(Double.self).map(\.bitPattern)
        default: bits = array.asArray(Int64.self).map { UInt64(bitPattern: $0) }
        }
    }
}
