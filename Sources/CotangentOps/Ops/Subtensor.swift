import CotangentArrays
import CotangentGraph

/// numpy's basic indexing, `x[i, start:stop:step, …]`: PyTensor's `Subtensor`.
///
/// The prop ``idxList`` is the index pattern; the index values are the node's inputs after the
/// indexed tensor (PyTensor scalar int64 constants for numbers, or symbolic integer scalars), so
/// `x[::-1]` is `Subtensor{::step}(x, -1)`. The output is a view of the input: integer-indexed
/// dimensions are removed, sliced ones keep the selected elements; dimensions past the pattern
/// are kept whole.
public struct Subtensor: Op {
    /// The index pattern, one entry per indexed dimension (at most the input's rank).
    public let idxList: [IndexEntry]

    /// The op for an index pattern; build nodes through the subscript, which also creates the
    /// index inputs.
    public init(idxList: [IndexEntry]) { self.idxList = idxList }

    /// `Subtensor{i, start:, ::step}`: slices by their placeholders, integer indices as `i`,
    /// `j`, `k`, `ii`, …
    public var description: String { "Subtensor{\(IndexEntry.format(idxList))}" }

    /// The static shape keeps a sliced dimension's length when the input's length and every
    /// given part of the slice are known (`x[::-1]` of a length-3 `x` has length 3).
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard let x = inputs.first else {
            throw CotangentError(.invalidGraph, "\(self): expects the tensor to index, got no inputs")
        }
        let indexInputs = inputs.dropFirst()
        try BasicIndexing.checkOperands(
            op: self, entries: idxList, x: x, indexInputs: indexInputs, inputs: inputs)
        let shape = BasicIndexing.staticShape(
            entries: idxList, inputShape: x.type.shape, indexInputs: Array(indexInputs))
        return [TensorType(dtype: x.dtype, shape: shape)]
    }

    /// A view of the input (no copy); an out-of-range index or a zero step throws
    /// `.invalidValue` naming the op, the index, the axis and the shape.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try BasicIndexing.region(of: inputs[0], entries: idxList, values: inputs.dropFirst(), op: self)]
    }

    /// Sliced dims get numpy's slice length over the input's symbolic length (exactly the input
    /// length for `:`, `::1` and `::-1`).
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [BasicIndexing.symbolicShape(
            entries: idxList, inputShape: inputShapes[0], indexInputs: Array(node.inputs.dropFirst()))]
    }
}

// MARK: - Prepared kernel

extension Subtensor {
    /// With constant indices, the view's layout depends on the input's layout only: the kernel
    /// keeps the last one it computed and reuses its shape and strides arrays while the input
    /// keeps its layout (a call then allocates nothing). Symbolic indices run `perform`.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        guard node.inputs.dropFirst().allSatisfy({ BasicIndexing.constantInt($0) != nil }) else { return nil }
        return PreparedSubtensor(op: self, node: node)
    }
}

/// A ``Subtensor`` node's kernel for constant indices.
final class PreparedSubtensor: SingleOutputKernel {
    private let op: Subtensor
    private let layout = LastViewLayout()

    init(op: Subtensor, node: Apply) { self.op = op }

    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        try layout.view(of: inputs[0]) { x in
            try BasicIndexing.region(of: x, entries: op.idxList, values: inputs.dropFirst(), op: op)
        }
    }
}

// MARK: - Derivatives

extension Subtensor {
    /// The indexed tensor is connected when it is float; index inputs never are.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        [[node.inputs[0].dtype.isFloat]] + node.inputs.dropFirst().map { _ in [false] }
    }

    /// PyTensor's rule: the cotangent added into zeros at the same indices,
    /// `IncSubtensor{…}(zeros_like(x), g, idx…)` (`zeros_like(x)[idx] += g`). An increment
    /// rather than a set, so that `local_IncSubtensor_serialize` can chain several of them;
    /// the index inputs are disconnected.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let indexGradients = node.inputs.dropFirst().map { _ in InputGradient.disconnected }
        let x = node.inputs[0]
        guard let g = cotangents[0], x.dtype.isFloat else { return [.disconnected] + indexGradients }
        let indexInputs = Array(node.inputs.dropFirst())
        let spread = build(IncSubtensor(idxList: idxList, setInstead: false), [zerosLike(x), g] + indexInputs)
        return [.value(spread)] + indexGradients
    }

    /// Linear in the indexed tensor: the same indexing of the tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [build(self, [t] + node.inputs.dropFirst())]
    }
}

// MARK: - Batching

extension Subtensor: TakesScalarKindInputs {
    /// The index inputs, which are PyTensor scalars (for the `Blockwise` fallback).
    public var scalarKindInputPositions: [Int] {
        Array(1..<(1 + idxList.reduce(0) { $0 + $1.inputCount }))
    }

    /// PyTensor's rule: one full slice per batch dimension in front of the pattern, so
    /// `Subtensor{::step}(x, -1)` becomes `Subtensor{:, ::step}(batched, -1)`. Batched index
    /// inputs (one index per batch entry) fall back to `Blockwise`.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        if BasicIndexing.hasBatchedIndex(node, batchedInputs, from: 1) {
            return BasicIndexing.blockwise(self, node: node, batchedInputs: batchedInputs)
        }
        let batch = batchedInputs[0].ndim - node.inputs[0].ndim
        let entries = Array(repeating: IndexEntry.fullSlice, count: batch) + idxList
        return [build(Subtensor(idxList: entries), batchedInputs)]
    }
}

// MARK: - StableHLO

extension Subtensor {
    /// A static `stablehlo.slice` (with a reverse for negative steps), a `dynamic_slice` for
    /// integer indices computed at run time (XLA clamps those into range), then a reshape that
    /// removes the integer-indexed axes.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let region = try ExportedRegion(
            entries: idxList, x: operands[0], indexOperands: Array(operands.dropFirst()),
            indexInputs: Array(node.inputs.dropFirst()), context: context, op: "\(self)")
        let b = context.builder
        return [b.reshape(region.select(from: operands[0], builder: b), context.outputType(node).shape)]
    }
}

// MARK: - Sparsity

extension Subtensor {
    /// Sparsity: each output element copies one input element, found by running the slice on
    /// the input's flat indices; needs constant index inputs (else no rule: dense fallback).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(of: node, output: output, inputShapes: inputShapes, inputs: [0])
    }
}
