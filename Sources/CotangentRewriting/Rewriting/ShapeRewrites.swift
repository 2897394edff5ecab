import CotangentArrays
import CotangentGraph
import CotangentOps

// Shape rewrites: shapes are expressed through graph inputs so they never force computing the
// tensors they describe (PyTensor's ShapeFeature rewrites).

/// `Shape(x)` → `MakeVector(*shape_of(x))`, dims from the ops' `inferShape` (`Shape(Log(x))`
/// becomes `MakeVector(Shape_i{0}(x))`). PyTensor's `local_shape_to_shape_i`.
package let localShapeToShapeI = NodeRewriter("local_shape_to_shape_i", tracks: [ShapeOp.self]) { context, node in
    guard context.hasShapeFeature else { return nil }
    let dims = context.shape(of: node.inputs[0])
    return [makeVector(dims.map { $0.dtype == .int64 ? $0 : $0.cast(to: .int64) }, dtype: .int64)]
}

/// `Shape_i{i}(x)` → the constant length when `x`'s dim `i` is static, or the inferred dim when
/// `x` is computed. PyTensor's `local_Shape_i_ground` and `local_track_shape_i`.
package let localShapeIGround = NodeRewriter("local_Shape_i_ground", tracks: [ShapeI.self]) { context, node in
    let axis = (node.op as! ShapeI).axis
    let input = node.inputs[0]
    if let length = input.type.shape[axis] { return [shapeConstant(length)] }
    guard context.hasShapeFeature, input.owner != nil else { return nil }
    let dim = context.shape(of: input)[axis]
    // Only when the inferred dim does not just read this same Shape_i back.
    if let owner = dim.owner, owner.op is ShapeI, context.graph.lookup(owner.inputs[0]) === input { return nil }
    return [dim.dtype == .int64 ? dim : dim.cast(to: .int64)]
}

/// `Squeeze(MakeVector(a))` → `a`: a length-1 vector's only entry.
/// PyTensor's `local_useless_dimshuffle_makevector`.
package let localUselessDimshuffleMakevector = NodeRewriter(
    "local_useless_dimshuffle_makevector", tracks: [DimShuffle.self]
) { context, node in
    let shuffle = node.op as! DimShuffle
    guard shuffle.newOrder.isEmpty, let vector = node.inputs[0].owner, vector.op is MakeVector,
        vector.inputs.count == 1, vector.inputs[0].type.ndim == 0
    else { return nil }
    let element = context.handle(vector.inputs[0])
    return [element.dtype == node.outputs[0].type.dtype ? element : element.cast(to: node.outputs[0].type.dtype)]
}

/// `TensorFromScalar(ScalarFromTensor(x))` → `x` and `ScalarFromTensor(TensorFromScalar(s))` →
/// `s`. PyTensor's `local_tensor_scalar_tensor` / `local_scalar_tensor_scalar`.
package let localTensorScalarTensor = NodeRewriter(
    "local_tensor_scalar_tensor", tracks: [TensorFromScalar.self, ScalarFromTensor.self]
) { context, node in
    guard let inner = node.inputs[0].owner else { return nil }
    let roundTrip =
        (node.op is TensorFromScalar && inner.op is ScalarFromTensor)
        || (node.op is ScalarFromTensor && inner.op is TensorFromScalar)
    guard roundTrip, inner.inputs[0].type.dtype == node.outputs[0].type.dtype else { return nil }
    return [context.handle(inner.inputs[0])]
}
