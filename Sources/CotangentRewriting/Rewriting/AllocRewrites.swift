import CotangentArrays
import CotangentGraph
import CotangentOps

// Alloc rewrites.

/// `Alloc(x, 1, …, 1, *shape)` with leading length-1 dims that `x` does not have →
/// `ExpandDims(Alloc(x, *shape))`, and `Alloc(x, 1…)` whose result equals `x` up to new axes →
/// `ExpandDims(x)`. PyTensor's `local_alloc_sink_dimshuffle`.
package let localAllocSinkDimshuffle = NodeRewriter("local_alloc_sink_dimshuffle", tracks: [Alloc.self]) { context, node in
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
