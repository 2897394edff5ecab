import CotangentArrays
import CotangentGraph
import CotangentOps

// Reshapes that do nothing, and chains of reshapes that one reshape does.

/// One entry of a shape vector: a constant length or a scalar value of the graph.
private enum ShapeEntry {
    case constant(Int64)
    case value(FunctionGraph.Value)
}

/// The entries of a shape vector given as a constant or a `MakeVector` (looking through the
/// `SpecifyShape` Reshape adds to vectors of unknown length).
private func shapeEntries(_ shape: FunctionGraph.Value) -> [ShapeEntry]? {
    var current = shape
    while let owner = current.owner, owner.isOp(SpecifyShape.self) { current = owner.inputs[0] }
    if let constant = current.constantValue { return constant.asArray(Int64.self).map(ShapeEntry.constant) }
    guard let owner = current.owner, owner.isOp(MakeVector.self) else { return nil }
    return owner.inputs.map { input in
        exactConstant(input).map { .constant(Int64($0)) } ?? .value(input)
    }
}

/// A Reshape that keeps the input's shape → the input: 1-d to 1-d, `Reshape(x, Shape(x))`, or
/// every entry `x`'s own length (constant, `Shape_i`, or inferred) with at most one `-1`.
/// PyTensor's `local_useless_reshape`; a 1-d reshape whose length is not provably kept leaves
/// an `Assert` of it, so a reshape that would fail still fails. Also in the walk after the
/// late passes: a fused composite's outputs all take the group's broadcast shape, so a reshape
/// of one of them can become useless only after fusion.
package let localUselessReshape = NodeRewriter(
    "local_useless_reshape", tracks: [Reshape.self],
    placed: [.useless(60, shapeUnsafe: true), .canonicalize(290, shapeUnsafe: true), .specialize(270, shapeUnsafe: true),
             .afterUnbatchedBlockwise(30)]
) { context, node in
    let (x, shape) = (node.inputs[0], node.inputs[1])
    let output = node.outputs[0]
    guard x.type.ndim == output.type.ndim, x.type.dtype == output.type.dtype else { return nil }
    if x.type.ndim == 1 && x.broadcastable == output.broadcastable {
        // The one entry must be x's length or -1, as the kernel checks; keep that check unless
        // it provably holds.
        if let entries = shapeEntries(shape), case .constant(let length) = entries.first,
            length == -1 || x.type.shape[0] == Int(length)
        {
            return [context.handle(x)]
        }
        let entry = context.handle(shape)[0]
        let length = context.shape(of: x)[0]
        return [assert(context.handle(x), [(entry .== length) | (entry .== shapeConstant(-1))],
                       message: "\(node.op): the shape does not keep the length")]
    }
    var source = shape
    while let owner = source.owner, owner.isOp(SpecifyShape.self) { source = owner.inputs[0] }
    if let owner = source.owner, owner.isOp(ShapeOp.self), owner.inputs[0] === x { return [context.handle(x)] }
    guard let entries = shapeEntries(shape), entries.count == x.type.ndim else { return nil }
    var inferred = 0
    for (axis, entry) in entries.enumerated() {
        switch entry {
        case .constant(-1): inferred += 1
        case .constant(let length): guard x.type.shape[axis] == Int(length) else { return nil }
        case .value(let dim): guard context.isLength(dim, of: x, axis: axis) else { return nil }
        }
    }
    return inferred <= 1 ? [context.handle(x)] : nil
}

/// `Reshape(Reshape(x, s1), s2)` → `Reshape(x, s2)`: reshapes keep row-major order, so only
/// the last shape matters. PyTensor's `local_reshape_chain` (shape-unsafe: an invalid `s1` no
/// longer fails).
package let localReshapeChain = NodeRewriter(
    "local_reshape_chain", tracks: [Reshape.self],
    placed: [.canonicalize(300, shapeUnsafe: true), .specialize(280, shapeUnsafe: true)]
) { context, node in
    guard let inner = node.inputs[0].owner, inner.isOp(Reshape.self) else { return nil }
    return [build(node.castOp(to: Reshape.self)!, context.handle(inner.inputs[0]), context.handle(node.inputs[1]))]
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let reshape: [NodeRewriter] = [
        localUselessReshape,
        localReshapeChain,
    ]
}
