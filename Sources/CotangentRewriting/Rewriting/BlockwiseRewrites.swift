import CotangentArrays
import CotangentGraph
import CotangentOps

// Blockwise rewrites.

/// A `Blockwise` whose inputs have no batch dimensions → its core op applied directly.
/// PyTensor's `local_useless_unbatched_blockwise` (late, at position 60, so the core op's
/// input conversions such as `ScalarFromTensor(False)` are not folded away afterwards).
/// The core node's type comes from the inputs as they are now, so it may know a length the
/// Blockwise, built before a flag was folded to a constant, did not (a static 1 included).
package let localUselessUnbatchedBlockwise = NodeRewriter(
    "local_useless_unbatched_blockwise", tracks: [Blockwise.self],
    placed: [.uselessUnbatchedBlockwise], refinesUnknownLengths: true
) { context, node in
    let blockwise = node.castOp(to: Blockwise.self)!
    guard let signature = try? blockwise.parsedSignature() else { return nil }
    let unbatched = zip(node.inputs, signature.inputs).allSatisfy { input, core in input.type.ndim == core.count }
    guard unbatched else { return nil }
    return buildOutputs(blockwise.core, node.inputs.map(context.handle), outputCount: node.outputs.count)
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let blockwise: [NodeRewriter] = [
        localUselessUnbatchedBlockwise,
    ]
}
