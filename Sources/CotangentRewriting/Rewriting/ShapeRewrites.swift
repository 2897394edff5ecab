import CotangentArrays
import CotangentGraph
import CotangentOps

// Shape rewrites: shapes are expressed through graph inputs so they never force computing the
// tensors they describe (PyTensor's ShapeFeature rewrites), and shape checks that always hold
// are dropped.

/// `Shape(x)` → `MakeVector(*shape_of(x))`, dims from the ops' `inferShape` (`Shape(Log(x))`
/// becomes `MakeVector(Shape_i{0}(x))`). PyTensor's `local_shape_to_shape_i`.
package let localShapeToShapeI = NodeRewriter(
    "local_shape_to_shape_i", tracks: [ShapeOp.self],
    placed: [.canonicalize(10), .specialize(10, fastCompile: true)]
) { context, node in
    guard context.hasShapeFeature else { return nil }
    let dims = context.shape(of: node.inputs[0])
    return [makeVector(dims.map { $0.dtype == .int64 ? $0 : $0.cast(to: .int64) }, dtype: .int64)]
}

/// `Shape_i{i}(x)` → the constant length when `x`'s dim `i` is static, or the inferred dim when
/// `x` is computed. PyTensor's `local_Shape_i_ground` and `local_track_shape_i`.
package let localShapeIGround = NodeRewriter(
    "local_Shape_i_ground", tracks: [ShapeI.self],
    placed: [.canonicalize(20), .specialize(20, fastCompile: true)]
) { context, node in
    let axis = node.castOp(to: ShapeI.self)!.axis
    let input = node.inputs[0]
    if let length = input.type.shape[axis] { return [shapeConstant(length)] }
    guard context.hasShapeFeature, input.owner != nil else { return nil }
    let dim = context.shape(of: input)[axis]
    // Only when the inferred dim does not just read this same Shape_i back.
    if let owner = dim.owner, owner.isOp(ShapeI.self), context.graph.lookup(owner.inputs[0]) === input { return nil }
    return [dim.dtype == .int64 ? dim : dim.cast(to: .int64)]
}

/// `Squeeze(MakeVector(a))` → `a`: a length-1 vector's only entry.
/// PyTensor's `local_useless_dimshuffle_makevector`.
package let localUselessDimshuffleMakevector = NodeRewriter(
    "local_useless_dimshuffle_makevector", tracks: [DimShuffle.self] ,
    placed: [.canonicalize(40)]
) { context, node in
    let shuffle = node.castOp(to: DimShuffle.self)!
    guard shuffle.newOrder.isEmpty, let vector = node.inputs[0].owner, vector.isOp(MakeVector.self),
        vector.inputs.count == 1, vector.inputs[0].type.ndim == 0
    else { return nil }
    let element = context.handle(vector.inputs[0])
    return [element.dtype == node.outputs[0].type.dtype ? element : element.cast(to: node.outputs[0].type.dtype)]
}

/// `TensorFromScalar(ScalarFromTensor(x))` → `x` and `ScalarFromTensor(TensorFromScalar(s))` →
/// `s`. PyTensor's `local_tensor_scalar_tensor` / `local_scalar_tensor_scalar`.
package let localTensorScalarTensor = NodeRewriter(
    "local_tensor_scalar_tensor", tracks: [TensorFromScalar.self, ScalarFromTensor.self] ,
    placed: [.canonicalize(60), .specialize(80, fastCompile: true)]
) { context, node in
    guard let inner = node.inputs[0].owner else { return nil }
    let roundTrip =
        (node.isOp(TensorFromScalar.self) && inner.isOp(ScalarFromTensor.self))
        || (node.isOp(ScalarFromTensor.self) && inner.isOp(TensorFromScalar.self))
    guard roundTrip, inner.inputs[0].type.dtype == node.outputs[0].type.dtype else { return nil }
    return [context.handle(inner.inputs[0])]
}

/// A SpecifyShape whose every given length is already the input's static length → the input.
/// PyTensor's `local_useless_specify_shape`. It also runs in canonicalize and right after the
/// unbatched-Blockwise removal, whose core ops often know lengths the Blockwise did not.
package let localUselessSpecifyShape = NodeRewriter(
    "local_useless_specify_shape", tracks: [SpecifyShape.self],
    placed: [.useless(40), .canonicalize(45), .afterUnbatchedBlockwise(20)]
) { context, node in
    let specify = node.castOp(to: SpecifyShape.self)!
    let x = node.inputs[0]
    guard zip(specify.shape, x.type.shape).allSatisfy({ wanted, known in wanted == nil || wanted == known })
    else { return nil }
    return [context.handle(x)]
}

/// Whether a symbolic length (from the shape feature) and a length value of the graph are
/// provably equal: the same value, equal constants, or `Shape_i{k}` of the same tensor.
package func sameLength(_ context: RewriteContext, _ inferred: Variable, _ dim: FunctionGraph.Value) -> Bool {
    if context.graph.lookup(inferred) === dim { return true }
    if let known = inferred.constantValue, let value = uniformConstant(dim) {
        return Double(known.item(Int64.self)) == value
    }
    if let owner = inferred.owner, let axis = owner.castOp(to: ShapeI.self)?.axis,
        let dimOwner = dim.owner, dimOwner.castOp(to: ShapeI.self)?.axis == axis
    {
        return context.graph.lookup(owner.inputs[0]) === dimOwner.inputs[0]
    }
    return false
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let shape: [NodeRewriter] = [
        localShapeToShapeI,
        localShapeIGround,
        localUselessDimshuffleMakevector,
        localTensorScalarTensor,
        localUselessSpecifyShape,
    ]
}
