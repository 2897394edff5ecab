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
            throw CotangentError.invalidGraph("\(self): expects the tensor to index, got no inputs")
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
        [try BasicIndexing.region(of: inputs[0], entries: idxList, values: Array(inputs.dropFirst()), op: self)]
    }

    /// Sliced dims get numpy's slice length over the input's symbolic length (exactly the input
    /// length for `:`, `::1` and `::-1`).
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [BasicIndexing.symbolicShape(
            entries: idxList, inputShape: inputShapes[0], indexInputs: Array(node.inputs.dropFirst()))]
    }
}
