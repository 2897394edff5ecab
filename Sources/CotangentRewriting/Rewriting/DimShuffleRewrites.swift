import CotangentArrays
import CotangentGraph
import CotangentOps

// DimShuffle rewrites: lift shuffles toward the inputs, merge chains, drop identities.

/// `DimShuffle(DimShuffle(x))` → one DimShuffle; an identity DimShuffle → `x`;
/// `DimShuffle(elemwise(a, b))` → `elemwise(DimShuffle(a), DimShuffle(b))` when the elementwise
/// node has no other client (so nothing is computed twice). PyTensor's `local_dimshuffle_lift`.
package let localDimshuffleLift = NodeRewriter("local_dimshuffle_lift", tracks: [DimShuffle.self]) { context, node in
    let shuffle = node.op as! DimShuffle
    let input = node.inputs[0]
    if shuffle.isIdentity { return [context.handle(input)] }
    guard let inner = input.owner else { return nil }
    if let first = inner.op as? DimShuffle {
        // Compose: output dim i reads first's output dim newOrder[i].
        let composed = shuffle.newOrder.map { axis in axis.flatMap { first.newOrder[$0] } }
        let source = context.handle(inner.inputs[0])
        let merged = DimShuffle(inputNdim: first.inputNdim, newOrder: composed)
        return [merged.isIdentity ? source : source.dimShuffled(composed)]
    }
    if let elemwiseOp = inner.op as? Elemwise, inner.outputs.count == 1, liveClientCount(input) == 1,
        !context.isOutput(input)
    {
        let lifted = inner.inputs.map { context.handle($0).dimShuffled(shuffle.newOrder) }
        return [build(elemwiseOp, lifted)]
    }
    return nil
}

/// A reduction over dimensions that are statically 1 → dropping them (a squeeze).
/// PyTensor's `local_reduce_broadcastable`.
package let localReduceBroadcastable = NodeRewriter("local_reduce_broadcastable", tracks: [Reduce.self]) { context, node in
    let reduce = node.op as! Reduce
    let input = node.inputs[0]
    let axes = (reduce.axes ?? Array(0..<input.type.ndim)).filter { $0 < input.type.ndim }
    guard !axes.isEmpty else { return nil }
    let unit = axes.filter { input.type.shape[$0] == 1 }
    guard !unit.isEmpty else { return nil }
    let remaining = axes.filter { !unit.contains($0) }
    var result = context.handle(input).squeezed(axes: unit)
    if !remaining.isEmpty {
        // Axes after the squeezed ones shift left.
        let shifted = remaining.map { axis in axis - unit.filter { $0 < axis }.count }
        result = build(Reduce(reduce.kind, axes: shifted), result)
    }
    let output = node.outputs[0]
    if result.dtype != output.type.dtype { result = result.cast(to: output.type.dtype) }
    return [result]
}
