import CotangentArrays
import CotangentGraph

/// Tensors concatenated along an axis: PyTensor's `Join`, printed `Join`.
///
/// Inputs are `(axis, tensor0, tensor1, …)`; the axis is an integer 0-d constant (a negative one
/// is rebuilt as its positive equivalent). All tensors have the same rank and the same lengths
/// in every other dimension; the output dtype is their upcast (numpy's `concatenate`).
public struct Join: Op {
    /// The op (it has no properties; the axis is its first input).
    public init() {}
    public var description: String { "Join" }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        guard inputs.count >= 2 else {
            throw CotangentError(.invalidGraph, 
                "Join: expects an axis and at least one tensor, got \(inputs.count) input(s) "
                    + "(\(describeTypes(inputs)))")
        }
        var axis = asTensor(inputs[0])
        let tensors = inputs.dropFirst().map(asTensor)
        guard axis.ndim == 0, axis.dtype.isInteger, let value = axis.constantValue else {
            throw CotangentError(.invalidGraph, 
                "Join: the axis must be an integer 0-d constant, got \(axis) of type \(axis.type); "
                    + "input types: \(describeTypes(inputs))")
        }
        let position = value.item(Int64.self)
        if position < 0, let rank = tensors.first?.ndim {
            // Rebuilt positive, so equal joins compare equal; an invalid axis is reported below.
            let normalized = position + Int64(rank)
            if normalized >= 0 {
                axis = Variable(constant: NDArray.full([], value: Double(normalized), dtype: axis.dtype))
            }
        }
        let checked = [axis] + tensors
        return Apply(op: self, inputs: checked, outputTypes: try outputTypes(for: checked))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let tensors = Array(inputs.dropFirst())
        let context = { "input types: \(describeTypes(inputs))" }  // formatted only for an error
        guard let axisValue = inputs.first?.constantValue, !tensors.isEmpty else {
            throw CotangentError(.invalidGraph, "Join: expects a constant axis and at least one tensor; \(context())")
        }
        guard tensors.allSatisfy({ $0.ndim > 0 }) else {
            throw CotangentError(.invalidGraph, 
                "Join: cannot join 0-d tensors; use stack to join scalar values; \(context())")
        }
        let rank = tensors[0].ndim
        guard tensors.allSatisfy({ $0.ndim == rank }) else {
            throw CotangentError(.invalidGraph, 
                "Join: only tensors with the same number of dimensions can be joined, got ranks "
                    + "\(tensors.map(\.ndim)); \(context())")
        }
        let axis = axisValue.item(Int64.self)
        guard (0..<Int64(rank)).contains(axis) else {
            throw CotangentError(.invalidGraph, 
                "Join: axis \(axis) is out of bounds for tensors of \(rank) dimensions; \(context())")
        }
        var shape: [Int?] = []
        for dimension in 0..<rank {
            let lengths = tensors.map { $0.type.shape[dimension] }
            if dimension == Int(axis) {
                let known = lengths.compactMap { $0 }
                shape.append(known.count == lengths.count ? exactSum(known) : nil)
                continue
            }
            let distinct = Set(lengths.compactMap { $0 })
            guard distinct.count <= 1 else {
                throw CotangentError(.invalidGraph, 
                    "Join: all dimensions other than the axis (\(axis)) must match, but dimension "
                        + "\(dimension) has static lengths "
                        + lengths.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "; "
                        + context())
            }
            shape.append(distinct.first)
        }
        return [TensorType(dtype: DType.promote(tensors.map(\.dtype)), shape: shape)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let arrays = Array(inputs.dropFirst())
        let rank = arrays[0].ndim
        let axis = Int(inputs[0].item(Int64.self))
        let dtype = node.outputTypes[0].dtype
        var shape = arrays[0].shape
        for array in arrays.dropFirst() {
            for dimension in 0..<rank where dimension != axis && array.shape[dimension] != shape[dimension] {
                throw CotangentError(.shapeMismatch, 
                    "Join: all the input array dimensions except for the concatenation axis (\(axis)) "
                        + "must match exactly, got shapes "
                        + arrays.map { formatShape($0.shape) }.joined(separator: ", ")
                        + "; input types: \(describeTypes(node.inputs))")
            }
        }
        // Zero-size inputs can have lengths whose sum overflows.
        var total = 0
        for array in arrays {
            let (sum, overflow) = total.addingReportingOverflow(array.shape[axis])
            guard !overflow else {
                throw CotangentError(.invalidValue,
                    "Join: the joined length of shapes " + arrays.map { formatShape($0.shape) }.joined(separator: ", ")
                        + " along axis \(axis) is too big; input types: \(describeTypes(node.inputs))")
            }
            total = sum
        }
        shape[axis] = total
        try checkAllocation(shape, dtype: dtype, op: self, context: "input types: \(describeTypes(node.inputs))")
        let result = NDArray.uninitialized(dtype: dtype, shape: shape)
        var start = 0
        for array in arrays {
            let length = array.shape[axis]
            let region = result.sliced(axis: axis, start: start, step: 1, count: length)
            dtype.dispatch(CopyElements(source: array.converted(to: dtype), target: region))
            start += length
        }
        return [result]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        guard let axisValue = node.inputs[0].constantValue else { return nil }
        let axis = Int(axisValue.item(Int64.self))
        let shapes = inputShapes.dropFirst()
        var dims = shapes.first!
        dims[axis] = shapeSum(shapes.map { $0[axis] })
        // The kernel checks that the other dimensions match; so does the shape.
        for dimension in dims.indices where dimension != axis {
            dims[dimension] = checkedLength(shapes.map { $0[dimension] },
                message: "Join: dimension \(dimension) differs between the inputs")
        }
        return [dims]
    }
}

/// The sum of static lengths, or nil when absurd lengths overflow.
private func exactSum(_ lengths: [Int]) -> Int? {
    var total = 0
    for length in lengths {
        let (sum, overflow) = total.addingReportingOverflow(length)
        if overflow { return nil }
        total = sum
    }
    return total
}

/// Copies `source` into `target`, a view of a fresh array the kernel owns, of the same shape.
private struct CopyElements: DTypeVisitor {
    package let source: NDArray
    package let target: NDArray

    package func visit<T: ArrayElement>(_: T.Type) {
        let loop = StridedLoop(
            shape: source.shape,
            operands: [(source.strides, source.offset), (target.strides, target.offset)])
        let from = source.basePointer(as: T.self)
        let to = target.basePointer(as: T.self)
        let (step, targetStep) = (loop.rowStride(0), loop.rowStride(1))
        let length = loop.rowLength
        loop.forEachRow { starts in
            var (i, o) = (starts[0], starts[1])
            for _ in 0..<length {
                to[o] = from[i]
                i += step
                o += targetStep
            }
        }
    }
}

/// The tensors concatenated along `axis` (numpy's `concatenate`, PyTensor's `join`); a single
/// tensor is returned as is. A negative axis counts from the end.
///
/// ```swift
/// let both = concatenate([a, b], axis: 1)   // Join(1, a, b)
/// ```
public func concatenate(_ tensors: [Variable], axis: Int = 0) -> Variable {
    if tensors.count == 1 { return tensors[0] }
    guard !tensors.isEmpty else {
        reportBuildError(CotangentError(.invalidGraph, "Join: cannot join an empty list of tensors"))
        return placeholderVariable()
    }
    return build(Join(), [Variable(constant: Variable.autocastScalar(Int64(axis)))] + tensors)
}

/// The tensors stacked along a new dimension at `axis` (numpy's `stack`): each gains a length-1
/// dimension there and they are joined. 0-d tensors are gathered by a `MakeVector` instead.
///
/// ```swift
/// let rows = stack([a, b])            // Join(0, ExpandDims{axis=0}(a), ExpandDims{axis=0}(b))
/// let vector = stack([x.sum(), 1])    // MakeVector{dtype='float64'}
/// ```
public func stack(_ tensors: [Variable], axis: Int = 0) -> Variable {
    guard let first = tensors.first else {
        reportBuildError(CotangentError(.invalidGraph, "stack: no tensors given"))
        return placeholderVariable()
    }
    if tensors.allSatisfy({ $0.ndim == 0 }) {
        if tensors.count == 1 { return asTensor(first).expandingDims([0]) }
        return makeVector(tensors)
    }
    let rank = first.ndim + 1
    guard (-rank..<rank).contains(axis) else {
        reportBuildError(
            CotangentError(.invalidGraph, 
                "stack: axis \(axis) is out of bounds [-\(rank), \(rank)) for tensors of types "
                    + describeTypes(tensors)))
        return placeholderVariable()
    }
    let position = axis < 0 ? axis + rank : axis
    return concatenate(tensors.map { $0.expandingDims([position]) }, axis: axis)
}

// MARK: - Derivatives

extension Join {
    /// The axis is disconnected; float tensors are connected when the result is float.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let floatOutput = node.outputTypes[0].dtype.isFloat
        return [[false]] + node.inputs.dropFirst().map { [floatOutput && $0.dtype.isFloat] }
    }

    /// The cotangent split back along the axis: tensor `k` gets the slice between the
    /// cumulative lengths of the tensors before it and through it (`Subtensor` with 0-d int64
    /// bounds, static where the lengths are), its static shape restored with `SpecifyShape`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let tensors = Array(node.inputs.dropFirst())
        guard let g = cotangents[0], node.outputTypes[0].dtype.isFloat,
            let axisValue = node.inputs[0].constantValue
        else {
            return node.inputs.map { _ in .disconnected }
        }
        let axis = Int(axisValue.item(Int64.self))
        var gradients: [InputGradient] = [.disconnected]
        var start: Variable? = nil
        for (k, tensor) in tensors.enumerated() {
            let length = tensor.type.shape[axis].map(shapeConstant) ?? tensor.length(ofDimension: axis)
            let stop = start.map { Join.add($0, length) } ?? length
            defer { start = stop }
            guard tensor.dtype.isFloat else {
                gradients.append(.disconnected)
                continue
            }
            guard tensors.count > 1 else {
                gradients.append(.value(g))
                continue
            }
            let bounds = TensorIndex.slice(start: start, stop: k == tensors.count - 1 ? nil : stop)
            var piece = g[basicIndices: Array(repeating: TensorIndex.all, count: axis) + [bounds]]
            let restored = zip(piece.type.shape, tensor.type.shape).map { $0 ?? $1 }
            if restored != piece.type.shape { piece = piece.specifyingShape(restored) }
            gradients.append(.value(piece))
        }
        return gradients
    }

    /// `a + b` for int64 lengths, folded when both are constants.
    private static func add(_ a: Variable, _ b: Variable) -> Variable {
        if let x = StaticFolding.integer(a), let y = StaticFolding.integer(b), a.isConstant, b.isConstant {
            return shapeConstant(Int(x + y))
        }
        return a + b
    }

    /// Linear: the tangents joined the same way, zeros for tensors without one.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let dtype = node.outputTypes[0].dtype
        guard dtype.isFloat, tangents.dropFirst().contains(where: { $0 != nil }) else { return [nil] }
        let pieces = zip(node.inputs.dropFirst(), tangents.dropFirst()).map { tensor, tangent in
            (tangent ?? zerosLike(tensor)).cast(to: dtype)
        }
        return [build(self, [node.inputs[0]] + pieces)]
    }
}

// MARK: - Batching

extension Join {
    /// The axis shifted past the batch dims; unbatched tensors are padded and every tensor is
    /// broadcast to the common batch shape first, since Join does not broadcast.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        guard batchedInputs[0] === node.inputs[0], let axisValue = node.inputs[0].constantValue else { return nil }
        let batch = batchRank(node, batchedInputs)
        let padded = zip(batchedInputs.dropFirst(), node.inputs.dropFirst()).map {
            padBatch($0, original: $1, to: batch)
        }
        let axis = Int(axisValue.item(Int64.self)) + batch
        let tensors = broadcastingBatchDims(padded, batch: batch)
        let axisInput = Variable(constant: Variable.autocastScalar(Int64(axis)))
        return [build(self, [axisInput] + tensors)]
    }
}

/// Tensors with `batch` leading batch dims broadcast to their common batch shape: a tensor whose
/// batch dim is statically 1 where another's is not is allocated to the full lengths (ops such
/// as Join and stacking do not broadcast). Tensors that need no broadcasting are kept.
package func broadcastingBatchDims(_ tensors: [Variable], batch: Int) -> [Variable] {
    guard batch > 0 else { return tensors }
    let target: [Variable?] = (0..<batch).map { axis in
        tensors.first { $0.type.shape[axis] != 1 }.map { $0.symbolicShape[axis] }
    }
    return tensors.map { tensor in
        let needsBroadcast = (0..<batch).contains { tensor.type.shape[$0] == 1 && target[$0] != nil }
        guard needsBroadcast else { return tensor }
        let dims = tensor.symbolicShape
        let lengths = (0..<tensor.ndim).map { axis in axis < batch ? (target[axis] ?? dims[axis]) : dims[axis] }
        return alloc(tensor, shape: lengths)
    }
}

// MARK: - StableHLO

extension Join {
    /// `stablehlo.concatenate` along the (constant) axis, the tensors converted to the output
    /// dtype.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        let axis = try context.staticIntegers(node.inputs[0], for: "Join's axis")[0]
        return [b.concatenate(operands.dropFirst().map { b.convert($0, to: type.dtype) }, dimension: axis)]
    }
}

// MARK: - Sparsity

extension Join {
    /// Sparsity: each output element copies one element of one joined tensor (traced on flat
    /// indices; the axis is a constant).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(
            of: node, output: output, inputShapes: inputShapes, inputs: Array(1..<inputShapes.count))
    }
}
