import CotangentArrays
import CotangentGraph
import CotangentOps

// Matching helpers shared by the stabilize, specialize and extra canonicalize rewrites.

/// The single value of a constant all of whose elements are equal, looking through
/// `DimShuffle`, `Alloc`, `second(_, c)` and casts, with each cast applied to the value (so
/// `Cast{int8}(0.5)` is 0, not 0.5, and `Cast{uint8}(256)` is 0).
///
package func exactConstant(_ value: FunctionGraph.Value) -> Double? {
    var current = value
    var casts: [DType] = []
    while current.constantValue == nil {
        guard let owner = current.owner else { return nil }
        // The node's cached op type and scalar op, not dynamic casts of its op.
        if let scalarOp = owner.scalarOp {
            if scalarOp == .second {
                current = owner.inputs[1]
            } else if let dtype = scalarOp.castTarget {
                casts.append(dtype)
                current = owner.inputs[0]
            } else {
                return nil
            }
        } else if owner.opType == ObjectIdentifier(DimShuffle.self) || owner.opType == ObjectIdentifier(Alloc.self) {
            current = owner.inputs[0]
        } else {
            return nil
        }
    }
    guard var scalar = uniformConstant(current) else { return nil }
    // A float64 value without casts converts to itself.
    if casts.isEmpty && current.type.dtype == .float64 { return scalar }
    // The source array's own dtype first, then the casts from the innermost outwards.
    var array = NDArray.full([], value: scalar, dtype: current.type.dtype)
    for dtype in casts.reversed() { array = array.converted(to: dtype) }
    scalar = array.converted(to: .float64).item(Double.self)
    return scalar
}

/// Whether `value` is a constant whose every element is exactly `number`.
package func isConstant(_ value: FunctionGraph.Value, equalTo number: Double) -> Bool {
    exactConstant(value) == number
}

/// The input of an elementwise `op` node computing `value` (its operands), if it is one.
package func elemwiseInputs(_ value: FunctionGraph.Value, _ op: ScalarOp) -> [FunctionGraph.Value]? {
    guard value.elemwiseOp == op, let owner = value.owner else { return nil }
    return owner.inputs
}

/// The single operand of a unary elementwise `op` node computing `value`.
package func unaryOperand(_ value: FunctionGraph.Value, _ op: ScalarOp) -> FunctionGraph.Value? {
    elemwiseInputs(value, op)?.first
}

extension RewriteContext {
    /// A variable for `value` converted to `dtype`: operands moved into a new expression are
    /// first brought to the dtype the original node computed in, so integer wrapping (`-x` of
    /// int8 -128, `1 + x` of int8 127) never happens where the original computed in float.
    package func handle(_ value: FunctionGraph.Value, as dtype: DType) -> Variable {
        handle(value).cast(to: dtype)
    }

    /// `result` cast and broadcast so it can replace `output` (``matching(_:to:shape:)`` with
    /// the output's inferred shape).
    package func replacement(_ result: Variable, for output: FunctionGraph.Value) -> [Variable?] {
        [matching(result, to: output, shape: shape(of: output))]
    }

    /// Whether a value is read only by one node and is not a graph output (so rewriting its
    /// reader removes it instead of computing it twice).
    package func hasSingleClient(_ value: FunctionGraph.Value) -> Bool {
        liveClientCount(value) == 1 && !isOutput(value)
    }

    /// The readers of `value`'s elements: every live reader except those that read only its
    /// shape (`Shape`, `Shape_i`, a gradient's fill `second(value, y)`, and a dimshuffle that
    /// only such readers read, as `local_dimshuffle_lift` leaves one in a fill). Later rewrites
    /// of the same pass sequence re-point those (shape lifting, `local_second_to_alloc`), so a
    /// rewrite that counted them would leave its work to a second rewrite.
    package func valueReaders(_ value: FunctionGraph.Value) -> [FunctionGraph.Node] {
        clients(value).filter { !readsOnlyShape($0, of: value, depth: 3) }
    }

    private func readsOnlyShape(_ reader: FunctionGraph.Node, of value: FunctionGraph.Value, depth: Int) -> Bool {
        if reader.isOp(ShapeOp.self) || reader.isOp(ShapeI.self) { return true }
        if reader.outputs[0].elemwiseOp == .second { return reader.inputs[0] === value && reader.inputs[1] !== value }
        guard depth > 0, reader.isOp(DimShuffle.self), !isOutput(reader.outputs[0]) else { return false }
        return clients(reader.outputs[0]).allSatisfy { readsOnlyShape($0, of: reader.outputs[0], depth: depth - 1) }
    }

    /// Whether one node reads `value`'s elements (``valueReaders(_:)``) and it is not a graph
    /// output: rewriting that reader then removes the value's computation instead of
    /// duplicating it.
    package func hasSingleValueReader(_ value: FunctionGraph.Value) -> Bool {
        !isOutput(value) && valueReaders(value).count == 1
    }

    /// Whether the scalar `dim` provably equals the length of dimension `axis` of `x`: the same
    /// constant as the static length, `Shape_i{axis}(x)`, or the dim the shape feature infers.
    package func isLength(_ dim: FunctionGraph.Value, of x: FunctionGraph.Value, axis: Int) -> Bool {
        // Index inputs are PyTensor scalars: `x[:x.shape[0]]` reads the length through a conversion.
        var dim = dim
        if let owner = dim.owner, owner.isOp(ScalarFromTensor.self) || owner.isOp(TensorFromScalar.self) { dim = owner.inputs[0] }
        if let length = x.type.shape[axis], let constant = exactConstant(dim) { return constant == Double(length) }
        if let owner = dim.owner, let shapeI = owner.castOp(to: ShapeI.self), shapeI.axis == axis, owner.inputs[0] === x {
            return true
        }
        guard hasShapeFeature else { return false }
        let inferred = shape(of: x)[axis]
        return graph.lookup(inferred) === dim
    }
}

/// Whether converting every value of `source` to `target` is exact (no rounding, no wrapping):
/// casting through such a `target` changes nothing.
package func isLosslessConversion(from source: DType, to target: DType) -> Bool {
    if source == target || source == .bool { return true }
    if target == .bool { return false }
    if source.isFloat { return target == .float64 }
    guard let range = source.integerRange else { return false }
    if let targetRange = target.integerRange {
        return targetRange.lowerBound <= range.lowerBound && range.upperBound <= targetRange.upperBound
    }
    // Floats hold every integer up to 2^24 (float32) or 2^53 (float64).
    let mantissaLimit: Int64 = target == .float32 ? 1 << 24 : 1 << 53
    return -mantissaLimit <= range.lowerBound && range.upperBound <= mantissaLimit
}
