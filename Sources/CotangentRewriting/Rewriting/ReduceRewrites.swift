import CotangentArrays
import CotangentGraph
import CotangentOps

// Reductions: chains of the same reduction merge, a reduction over every axis drops its axis
// list, and a reduction over broadcastable (length-1) axes becomes a dimshuffle.

/// `reduce(reduce(x, a), b)` of the same kind → one reduction over the union of the axes (the
/// outer axes renumbered to `x`'s), when no other node reads the inner one's elements.
/// PyTensor's `local_reduce_chain`.
package let localReduceChain = NodeRewriter(
    "local_reduce_chain", tracks: [Reduce.self],
    placed: [.canonicalize(270)]
) { context, node in
    let outer = node.castOp(to: Reduce.self)!
    let middle = node.inputs[0]
    guard let innerNode = middle.owner, let inner = innerNode.castOp(to: Reduce.self), inner.kind == outer.kind,
        context.hasSingleValueReader(middle)
    else { return nil }
    let x = innerNode.inputs[0]
    let innerAxes = inner.reducedAxes(ndim: x.type.ndim)
    var merged = innerAxes
    for axis in outer.reducedAxes(ndim: middle.type.ndim) {
        // The outer axis counts the dims the inner reduction kept: skip the reduced ones.
        var position = axis
        for reduced in innerAxes.sorted() where position >= reduced { position += 1 }
        merged.append(position)
    }
    let axes: [Int]? = merged.count == x.type.ndim ? nil : merged.sorted()
    let result = build(Reduce(outer.kind, axes: axes), context.handle(x))
    return [result.cast(to: node.outputs[0].type.dtype)]
}

/// `Sum{axes=[0, 1, …, n-1]}` → `Sum{axes=None}` (and for `Prod`): one spelling of a full
/// reduction, so equal reductions merge. PyTensor's `local_sum_prod_all_to_none`.
package let localSumProdAllToNone = NodeRewriter(
    "local_sum_prod_all_to_none", tracks: [Reduce.self],
    placed: [.canonicalize(280)]
) { context, node in
    let reduce = node.castOp(to: Reduce.self)!
    guard reduce.kind == .sum || reduce.kind == .prod, let axes = reduce.axes,
        Set(axes) == Set(0..<node.inputs[0].type.ndim)
    else { return nil }
    return [build(Reduce(reduce.kind, axes: nil), context.handle(node.inputs[0]))]
}

/// A reduction over dimensions that are statically 1 → dropping them (a squeeze).
/// PyTensor's `local_reduce_broadcastable`.
package let localReduceBroadcastable = NodeRewriter(
    "local_reduce_broadcastable", tracks: [Reduce.self],
    placed: [.canonicalize(100), .specialize(90, fastCompile: true)]
) { context, node in
    let reduce = node.castOp(to: Reduce.self)!
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

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let reduce: [NodeRewriter] = [
        localReduceChain,
        localSumProdAllToNone,
        localReduceBroadcastable,
    ]
}
