import CotangentArrays
import CotangentGraph

/// A vector from 0-d tensors: PyTensor's `MakeVector`, printed `MakeVector{dtype='int64'}`.
///
/// Its length is the number of inputs, so it is always static. Inputs are cast to the upcast of
/// `dtype` and their own dtypes, which must be `dtype` itself (an int64 MakeVector takes int8
/// and int32 inputs, not float ones). Symbolic shapes are usually MakeVectors of `Shape_i`.
public struct MakeVector: Op {
    /// The element dtype.
    public let dtype: DType

    /// A `MakeVector` producing a vector of `dtype`.
    public init(dtype: DType = .int64) { self.dtype = dtype }

    public var description: String { "MakeVector{dtype='\(dtype)'}" }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        var elements = inputs.map(asTensor)
        let nonScalar = elements.filter { $0.ndim != 0 }
        guard nonScalar.isEmpty else {
            throw CotangentError(.invalidGraph, 
                "\(self): all inputs must be 0-d, got types \(describeTypes(inputs))")
        }
        if elements.contains(where: { $0.dtype != dtype }) {
            let upcast = DType.promote([dtype] + elements.map(\.dtype))
            guard upcast == dtype else {
                throw CotangentError(.invalidGraph, 
                    "\(self): inputs of dtypes \(elements.map(\.dtype.rawValue).joined(separator: ", ")) "
                        + "cannot be upcast to \(dtype) (they upcast to \(upcast)); input types: "
                        + describeTypes(inputs))
            }
            elements = elements.map { $0.cast(to: dtype) }
        }
        return Apply(op: self, inputs: elements, outputTypes: try outputTypes(for: elements))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        [TensorType(dtype: dtype, shape: [inputs.count])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        for (position, input) in inputs.enumerated() where input.count != 1 {
            throw CotangentError(.shapeMismatch, 
                "\(self): input \(position) has shape \(formatShape(input.shape)) (dtype "
                    + "\(input.dtype)), expected a 0-d value")
        }
        struct Gather: DTypeVisitor {
            let inputs: [NDArray]
            func visit<T: ArrayElement>(_: T.Type) -> NDArray {
                let result = NDArray.uninitialized(dtype: T.dtype, shape: [inputs.count])
                let target = result.basePointer(as: T.self)
                for (position, input) in inputs.enumerated() {
                    // Inputs already have the output dtype (makeNode casts them).
                    let element = input.converted(to: T.dtype)
                    target[position] = element.basePointer(as: T.self)[element.offset]
                }
                return result
            }
        }
        return [dtype.dispatch(Gather(inputs: inputs))]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [[shapeConstant(node.inputs.count)]]
    }
}

/// A vector of 0-d tensors (PyTensor's `MakeVector`). `dtype` defaults to the upcast of the
/// elements' dtypes (int64 for no elements); the elements are cast to it.
///
/// ```swift
/// let shape = makeVector([x.length(ofDimension: 1), 2])   // MakeVector{dtype='int64'}
/// ```
public func makeVector(_ elements: [Variable], dtype: DType? = nil) -> Variable {
    // Numbers beside tensors take their dtype (`stack([x, 2.5])` is float32 for a float32 x).
    let elements = reporting(elements) {
        try WeakScalars.resolvedTogether(elements) { input, dtype in input.cast(to: dtype) }
    }
    let dtype = dtype ?? (elements.isEmpty ? .int64 : DType.promote(elements.map(\.dtype)))
    return build(MakeVector(dtype: dtype), elements)
}

// MARK: - Derivatives

extension MakeVector {
    /// Float vectors are connected to every entry; integer ones (shapes) to none.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        node.inputs.map { _ in [dtype.isFloat] }
    }

    /// Entry `i` gets `g[i]` (the inputs already have the vector's dtype: `makeNode` casts them).
    /// The index is a 0-d int64 tensor constant rather than a scalar-kind one, so the rule also
    /// vectorizes through the generic Blockwise fallback.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0], dtype.isFloat else { return node.inputs.map { _ in .disconnected } }
        return node.inputs.indices.map { i in .value(g[shapeConstant(i)]) }
    }

    /// Linear: the vector of the entries' tangents, zeros for entries without one.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard dtype.isFloat, tangents.contains(where: { $0 != nil }) else { return [nil] }
        let entries = zip(node.inputs, tangents).map { input, tangent in tangent ?? zerosLike(input) }
        return [build(self, entries)]
    }
}

// MARK: - Batching

extension MakeVector {
    /// PyTensor's `vectorize_make_vector`: the batched entries (unbatched ones padded and
    /// broadcast to the common batch shape) stacked along a new last axis.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        let padded = zip(batchedInputs, node.inputs).map { padBatch($0, original: $1, to: batch) }
        let entries = broadcastingBatchDims(padded, batch: batch).map { $0.cast(to: dtype) }
        return [stack(entries, axis: -1)]
    }
}

// MARK: - StableHLO

extension MakeVector {
    /// The scalars converted to the dtype, made length-1 vectors and concatenated.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        if operands.isEmpty { return [b.constant(NDArray.zeros([0], dtype: type.dtype))] }
        return [b.concatenate(operands.map { b.reshape(b.convert($0, to: type.dtype), [1]) }, dimension: 0)]
    }
}

// MARK: - Sparsity

extension MakeVector {
    /// Sparsity: element `k` is input `k`.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies(
            inputs: inputShapes.indices.map { k in .gather((0..<inputShapes.count).map { $0 == k ? 0 : -1 }) },
            interaction: .none)
    }
}
