import CotangentArrays
import CotangentGraph
import CotangentOps

// Alloc rewrites: broadcasts sunk below dimshuffles, and allocs that do nothing.

/// `Alloc(x, 1, …, 1, *shape)` with leading length-1 dims that `x` does not have →
/// `ExpandDims(Alloc(x, *shape))`, and `Alloc(x, 1…)` whose result equals `x` up to new axes →
/// `ExpandDims(x)`. PyTensor's `local_alloc_sink_dimshuffle`.
package let localAllocSinkDimshuffle = NodeRewriter(
    "local_alloc_sink_dimshuffle", tracks: [Alloc.self],
    placed: [.canonicalize(140), .stabilize(20), .specialize(70, fastCompile: true)]
) { context, node in
    let value = node.inputs[0]
    let dims = Array(node.inputs.dropFirst())
    let output = node.outputs[0]
    let extra = output.type.ndim - value.type.ndim
    var leadingOnes = 0
    while leadingOnes < extra, uniformConstant(dims[leadingOnes]) == 1 { leadingOnes += 1 }
    guard leadingOnes > 0 else { return nil }
    let inner = Array(dims.dropFirst(leadingOnes))
    let x = context.handle(value)
    let core: Variable
    if inner.count == value.type.ndim,
        zip(inner, value.type.shape).allSatisfy({ dim, length in length != nil && uniformConstant(dim) == Double(length!) })
    {
        core = x  // the Alloc only adds the leading axes
    } else {
        core = alloc(x, shape: inner.map(context.handle))
    }
    return [core.expandingDims(Array(0..<leadingOnes))]
}

/// `Alloc(x, *shape)` with the output's dtype and broadcast pattern equal to `x`'s → `x`: the
/// only shape it can run with is `x`'s own. PyTensor's `local_useless_alloc` (shape-unsafe: an
/// Alloc that would fail is dropped too). Like PyTensor it runs in every phase: later phases
/// create Allocs too (`x != x` becomes `Alloc(False)` in specialize).
package let localUselessAlloc = NodeRewriter(
    "local_useless_alloc", tracks: [Alloc.self],
    placed: [.useless(50, shapeUnsafe: true), .canonicalize(155, shapeUnsafe: true),
             .specialize(55, fastCompile: true, shapeUnsafe: true)]
) { context, node in
    let (x, output) = (node.inputs[0], node.outputs[0])
    guard x.type.dtype == output.type.dtype, x.type.ndim == output.type.ndim, x.broadcastable == output.broadcastable
    else { return nil }
    // PyTensor keeps the runtime check the Alloc did: the value's shape must equal the dims.
    let dims = Array(node.inputs.dropFirst())
    let shape = context.shape(of: x)
    let unchecked = zip(shape, dims).filter { inferred, dim in !sameLength(context, inferred, dim) }
    let value = context.handle(x)
    guard !unchecked.isEmpty else { return [value] }
    let conditions = unchecked.map { inferred, dim in (inferred .== context.handle(dim)).all() }
    return [assert(value, conditions, message: "Shapes must be equal")]
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let alloc: [NodeRewriter] = [
        localAllocSinkDimshuffle,
        localUselessAlloc,
    ]
}
