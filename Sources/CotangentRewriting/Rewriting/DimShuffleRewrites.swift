import CotangentArrays
import CotangentGraph
import CotangentOps

// DimShuffle rewrites: lift shuffles toward the inputs, merge chains, drop identities.

/// `DimShuffle(DimShuffle(x))` → one DimShuffle; an identity DimShuffle → `x`;
/// `DimShuffle(elemwise(a, b))` → `elemwise(DimShuffle(a), DimShuffle(b))` when the elementwise
/// node has no other client (so nothing is computed twice). PyTensor's `local_dimshuffle_lift`.
package let localDimshuffleLift = NodeRewriter(
    "local_dimshuffle_lift", tracks: [DimShuffle.self],
    placed: [.canonicalize(110), .stabilize(10), .specialize(40, fastCompile: true)]
) { context, node in
    let shuffle = node.castOp(to: DimShuffle.self)!
    let input = node.inputs[0]
    if shuffle.isIdentity { return [context.handle(input)] }
    guard let inner = input.owner else { return nil }
    if let first = inner.castOp(to: DimShuffle.self) {
        // Compose: output dim i reads first's output dim newOrder[i].
        let composed = shuffle.newOrder.map { axis in axis.flatMap { first.newOrder[$0] } }
        let source = context.handle(inner.inputs[0])
        let merged = DimShuffle(inputNdim: first.inputNdim, newOrder: composed)
        return [merged.isIdentity ? source : source.dimShuffled(composed)]
    }
    if let scalarOp = inner.scalarOp, inner.outputs.count == 1, liveClientCount(input) == 1,
        !context.isOutput(input)
    {
        let lifted = inner.inputs.map { context.handle($0).dimShuffled(shuffle.newOrder) }
        return [build(Elemwise(scalarOp), lifted)]
    }
    return nil
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let dimShuffle: [NodeRewriter] = [
        localDimshuffleLift,
    ]
}
