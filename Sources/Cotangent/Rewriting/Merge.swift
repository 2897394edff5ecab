/// PyTensor's `MergeOptimizer`: common-subexpression elimination. Equal constants become one
/// variable, and nodes applying equal ops to the same inputs become one node.
let mergeRewriter = GraphRewriter("merge") { context in
    let graph = context.graph
    var constants: [ConstantKey: FunctionGraph.Value] = [:]
    var computations: [NodeKey: FunctionGraph.Node] = [:]
    var merged = 0
    // Constants first: every root value that is a constant, in first-use order.
    for node in graph.toposort() {
        for input in node.inputs where input.isConstant {
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
    for node in graph.toposort() where node.isAlive {
        let key = NodeKey(node)
        if let existing = computations[key], existing !== node, existing.isAlive {
            for (old, new) in zip(node.outputs, existing.outputs) { try graph.replace(old, with: new) }
            merged += 1
        } else {
            computations[key] = node
        }
    }
    if merged > 0 { context.report.applied["merge", default: 0] += merged }
}

/// Identity of a constant: type (incl. kind) and exact value bits.
struct ConstantKey: Hashable {
    let type: TensorType
    let bits: [UInt64]

    init(_ value: FunctionGraph.Value) {
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

/// Identity of a computation: the op and the exact input values.
struct NodeKey: Hashable {
    let op: AnyOp
    let inputs: [ObjectIdentifier]

    init(_ node: FunctionGraph.Node) {
        op = AnyOp(node.op)
        inputs = node.inputs.map { ObjectIdentifier($0) }
    }
}
