import CotangentArrays
import CotangentGraph
import CotangentOps

// OpFromGraph rewrites.

/// An `OpFromGraph` built with `inline: true` → its inner graph, rebuilt on the node's inputs
/// (PyTensor's `inline_ofg_expansion`). Runs first among the useless rewrites, so every later
/// phase rewrites across the former op boundary; derivatives were taken before compiling, so
/// they kept the op's own rules.
package let inlineOpFromGraph = NodeRewriter(
    "inline_ofg_expansion", tracks: [OpFromGraph.self],
    placed: [RewritePlacement(.useless, position: 0, tags: ["fast_run", "fast_compile", "inline_ofg"])]
) { context, node in
    let op = node.castOp(to: OpFromGraph.self)!
    guard op.isInlined else { return nil }
    let definition = op.definition
    let inputs = node.inputs.map(context.handle)
    let outputs = replacing(definition.outputs, Dictionary(uniqueKeysWithValues: zip(definition.inputs, inputs)))
    return zip(outputs, node.outputs).map { output, value in
        output.dtype == value.type.dtype ? output : output.cast(to: value.type.dtype)
    }
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let opFromGraph: [NodeRewriter] = [
        inlineOpFromGraph,
    ]
}
