import CotangentArrays
import CotangentGraph

// numpy's advanced indexing as PyTensor's four ops: `AdvancedSubtensor1` (`x[ivector]`, a gather
// along axis 0), `AdvancedSubtensor` (any mix of index arrays, masks and slices),
// `AdvancedIncSubtensor1` and `AdvancedIncSubtensor` (`x[idx] += y` / `x[idx] = y` on a copy,
// where repeated indices accumulate, numpy's `np.add.at`, or the last one is written). The rules
// they share (pattern, shapes, run-time resolution) are in AdvancedIndexing.swift.

/// `x[idx]` for a 1-d integer `idx`: rows of `x` gathered along axis 0 (PyTensor's
/// `AdvancedSubtensor1`). Negative indices count from the end; an index out of range throws.
public struct AdvancedSubtensor1: Op {
    /// The op; build nodes with `x[idx]`.
    public init() {}

    /// `AdvancedSubtensor1`.
    public var description: String { "AdvancedSubtensor1" }

    /// `(len(idx),) + x.shape[1:]`.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 2, inputs[1].ndim == 1, inputs[1].dtype.isInteger, inputs[0].ndim >= 1 else {
            throw CotangentError(.invalidGraph,
                "\(self): expects a tensor of rank ≥ 1 and a 1-d integer index, got \(describeTypes(inputs))")
        }
        return [TensorType(dtype: inputs[0].dtype, shape: [inputs[1].type.shape[0]] + inputs[0].type.shape.dropFirst())]
    }

    /// A fresh array of the gathered rows.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try AdvancedIndexing.gather(inputs[0], entries: [.array], values: inputs[1...], op: self)]
    }

    /// `[len(idx)] + x.shape[1:]`.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [[inputShapes[1][0]] + inputShapes[0].dropFirst()]
    }
}

/// numpy's advanced indexing, `x[idx…]` with integer arrays of any rank, boolean masks, integer
/// scalars (0-d advanced indices next to arrays) and slices (PyTensor's `AdvancedSubtensor`).
///
/// The index arrays broadcast together; their shape replaces the indexed dimensions where the
/// arrays are adjacent in the subscript and goes first when a slice separates them. A mask makes
/// the result's length along its dims known only at run time.
public struct AdvancedSubtensor: Op {
    /// The pattern: one entry per indexed dimension group (a mask covers its rank).
    public let idxList: [AdvancedIndexEntry]

    /// The op for a pattern; build nodes with the subscript.
    public init(idxList: [AdvancedIndexEntry]) { self.idxList = idxList }

    /// `AdvancedSubtensor{idx_list=(0, slice(1, None, None))}`.
    public var description: String { "AdvancedSubtensor{idx_list=\(AdvancedIndexEntry.format(idxList))}" }

    /// The kept dims and the broadcast index shape (unknown along masks).
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard let x = inputs.first else {
            throw CotangentError(.invalidGraph, "\(self): expects the tensor to index, got no inputs")
        }
        let indexInputs = Array(inputs.dropFirst())
        try AdvancedIndexing.checkOperands(op: self, entries: idxList, x: x, indexInputs: indexInputs, inputs: inputs)
        let shape = try AdvancedIndexing.staticShape(
            op: self, entries: idxList, inputShape: x.type.shape, indexInputs: indexInputs)
        return [TensorType(dtype: x.dtype, shape: shape)]
    }

    /// A fresh contiguous array; throws for an index out of range, a mask of the wrong shape or
    /// index arrays that do not broadcast.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try AdvancedIndexing.gather(inputs[0], entries: idxList, values: inputs[1...], op: self)]
    }

    /// Kept dims from the input's, index dims from the index arrays' (a mask's count of trues).
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [AdvancedIndexing.symbolicShape(
            entries: idxList, inputShape: inputShapes[0], indexInputs: Array(node.inputs.dropFirst()),
            staticShape: node.outputTypes[0].shape)]
    }
}

/// `x[idx] += y` (or `= y`) on a copy of `x`, for a 1-d integer `idx` along axis 0 (PyTensor's
/// `AdvancedIncSubtensor1`). Repeated indices add every contribution (numpy's `np.add.at`); a
/// set writes them in order, so the last one stays.
public struct AdvancedIncSubtensor1: Op {
    /// Writes instead of adding.
    public let setInstead: Bool

    /// The op; build nodes with `incremented(at:by:)` and `setting(at:to:)`.
    public init(setInstead: Bool) { self.setInstead = setInstead }

    /// `AdvancedIncSubtensor1{no_inplace,inc}` or `{no_inplace,set}` (in-place execution is the
    /// engine's decision, so the op itself is never the in-place variant).
    public var description: String { "AdvancedIncSubtensor1{no_inplace,\(setInstead ? "set" : "inc")}" }

    /// `x`'s type; `y` must broadcast to `(len(idx),) + x.shape[1:]`.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 3, inputs[2].ndim == 1, inputs[2].dtype.isInteger, inputs[0].ndim >= 1 else {
            throw CotangentError(.invalidGraph,
                "\(self): expects a tensor of rank ≥ 1, a value and a 1-d integer index, got \(describeTypes(inputs))")
        }
        let region = [inputs[2].type.shape[0]] + inputs[0].type.shape.dropFirst()
        try AdvancedIndexing.checkValue(op: self, inputs[1], region: region, x: inputs[0], set: setInstead, inputs: inputs)
        return [inputs[0].type]
    }

    /// Copies `x` and updates it (or updates `x` in place when it is handed over).
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try perform(inputs, node: node, destroying: .none)
    }

    /// x's memory can hold the output.
    public func destroyCandidates(_ node: Apply) -> [Int] { [0] }

    /// Updates `x` where it lies when it is handed over and contiguous.
    public func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        [try AdvancedIndexing.scatter(
            inputs[0], inputs[1], declared: node.inputs[1].type, entries: [.array], values: inputs[2...],
            add: !setInstead, inPlace: destroying.contains(0), op: self)]
    }

    /// The output has the input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }
}

/// `x[idx…] += y` (or `= y`) on a copy of `x` for any advanced index (PyTensor's
/// `AdvancedIncSubtensor`, printed `AdvancedSetSubtensor` for a set). Repeated index tuples
/// accumulate (numpy's `np.add.at`), or the last one is written.
public struct AdvancedIncSubtensor: Op {
    /// The pattern, as ``AdvancedSubtensor``'s.
    public let idxList: [AdvancedIndexEntry]
    /// Writes instead of adding.
    public let setInstead: Bool

    /// The op; build nodes with `incremented(at:by:)` and `setting(at:to:)`.
    public init(idxList: [AdvancedIndexEntry], setInstead: Bool) {
        self.idxList = idxList
        self.setInstead = setInstead
    }

    /// `AdvancedIncSubtensor` or `AdvancedSetSubtensor`, as PyTensor prints them.
    public var description: String { setInstead ? "AdvancedSetSubtensor" : "AdvancedIncSubtensor" }

    /// `x`'s type; `y` must broadcast to the indexed region.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count >= 2 else {
            throw CotangentError(.invalidGraph,
                "\(self): expects the tensor, the value and the index inputs, got \(describeTypes(inputs))")
        }
        let x = inputs[0]
        let indexInputs = Array(inputs.dropFirst(2))
        try AdvancedIndexing.checkOperands(op: self, entries: idxList, x: x, indexInputs: indexInputs, inputs: inputs)
        let region = try AdvancedIndexing.staticShape(
            op: self, entries: idxList, inputShape: x.type.shape, indexInputs: indexInputs)
        try AdvancedIndexing.checkValue(op: self, inputs[1], region: region, x: x, set: setInstead, inputs: inputs)
        return [x.type]
    }

    /// Copies `x` and updates it (or updates `x` in place when it is handed over).
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try perform(inputs, node: node, destroying: .none)
    }

    /// x's memory can hold the output.
    public func destroyCandidates(_ node: Apply) -> [Int] { [0] }

    /// Updates `x` where it lies when it is handed over and contiguous.
    public func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        [try AdvancedIndexing.scatter(
            inputs[0], inputs[1], declared: node.inputs[1].type, entries: idxList, values: inputs[2...],
            add: !setInstead, inPlace: destroying.contains(0), op: self)]
    }

    /// The output has the input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }
}

extension AdvancedIndexing {
    /// `y` may not have more dims than the region, must match its known lengths (or be 1), and
    /// an increment must stay within `x`'s dtype kind (numpy's `same_kind` rule).
    package static func checkValue(
        op: some Op, _ y: Variable, region: [Int?], x: Variable, set: Bool, inputs: [Variable]
    ) throws {
        guard y.ndim <= region.count else {
            throw CotangentError(.invalidGraph,
                "\(op): cannot \(set ? "set" : "increment") a \(region.count)-dimensional region of shape "
                    + "\(TensorType.format(region)) with a \(y.ndim)-dimensional value; input types: \(describeTypes(inputs))")
        }
        let lead = region.count - y.ndim
        for (axis, length) in y.type.shape.enumerated() {
            if let length, length != 1, let wanted = region[lead + axis], wanted != length {
                throw CotangentError(.invalidGraph,
                    "\(op): a value of static shape \(TensorType.format(y.type.shape)) cannot broadcast to the region "
                        + "of static shape \(TensorType.format(region)); input types: \(describeTypes(inputs))")
            }
        }
        if !set && !IncSubtensor.castsWithinKind(DType.promote(x.dtype, y.dtype), to: x.dtype) {
            throw CotangentError(.invalidGraph,
                "\(op): cannot add a \(y.dtype) value to a \(x.dtype) tensor (numpy's same_kind rule); input types: "
                    + describeTypes(inputs))
        }
    }
}

// MARK: - Derivatives

/// The gather and scatter rules of the four ops, in terms of their patterns.
private enum AdvancedRules {
    /// `x[idx]` for the pattern (`AdvancedSubtensor1` for `[.array]` with a vector index).
    static func gather(_ entries: [AdvancedIndexEntry], _ x: Variable, _ indexInputs: [Variable]) -> Variable {
        if entries == [.array], indexInputs[0].ndim == 1, indexInputs[0].dtype != .bool {
            return build(AdvancedSubtensor1(), [x, indexInputs[0]])
        }
        return build(AdvancedSubtensor(idxList: entries), [x] + indexInputs)
    }

    /// `x[idx] += y` or `x[idx] = y` for the pattern.
    static func scatter(
        _ entries: [AdvancedIndexEntry], _ x: Variable, _ y: Variable, _ indexInputs: [Variable], set: Bool
    ) -> Variable {
        if entries == [.array], indexInputs[0].ndim == 1, indexInputs[0].dtype != .bool {
            return build(AdvancedIncSubtensor1(setInstead: set), [x, y, indexInputs[0]])
        }
        return build(AdvancedIncSubtensor(idxList: entries, setInstead: set), [x, y] + indexInputs)
    }

    /// Gather: `x` gets the cotangent scatter-added into zeros (repeated indices accumulate).
    static func gatherPullback(_ entries: [AdvancedIndexEntry], _ node: Apply, _ cotangents: [Variable?]) -> [InputGradient] {
        let indexGradients = node.inputs.dropFirst().map { _ in InputGradient.disconnected }
        let x = node.inputs[0]
        guard let g = cotangents[0], x.dtype.isFloat else { return [.disconnected] + indexGradients }
        return [.value(scatter(entries, zerosLike(x), g, Array(node.inputs.dropFirst()), set: false))] + indexGradients
    }

    /// Scatter: an increment passes `g` to `x`, a set passes `g` with the written positions
    /// zeroed; `y` gets `g[idx]` summed over the dims it was broadcast along. With repeated
    /// indices a set keeps only the last write, so only that one gets `g` (see
    /// ``lastWrites(_:_:_:_:)``).
    static func scatterPullback(
        _ entries: [AdvancedIndexEntry], set: Bool, _ node: Apply, _ cotangents: [Variable?]
    ) -> [InputGradient] {
        let indexGradients = node.inputs.dropFirst(2).map { _ in InputGradient.disconnected }
        let (x, y) = (node.inputs[0], node.inputs[1])
        guard let g = cotangents[0], node.outputTypes[0].dtype.isFloat else {
            return [.disconnected, .disconnected] + indexGradients
        }
        let indexInputs = Array(node.inputs.dropFirst(2))
        let gx: InputGradient =
            x.dtype.isFloat ? .value(set ? scatter(entries, g, zerosLike(y), indexInputs, set: true) : g) : .disconnected
        var region = gather(entries, g, indexInputs)
        if set { region = select(lastWrites(entries, x, region, indexInputs), region, zerosLike(region)) }
        let gy: InputGradient =
            y.dtype.isFloat ? .value(IncSubtensor.reduced(region, toBroadcastPatternOf: y)) : .disconnected
        return [gx, gy] + indexGradients
    }

    /// Which elements of the region (shaped like `region`) a set writes last: each index tuple
    /// writes its ordinal (from 1) into int64 zeros shaped like `x`, and a tuple won where it
    /// reads its own ordinal back. A broadcast along the region's other dims.
    static func lastWrites(
        _ entries: [AdvancedIndexEntry], _ x: Variable, _ region: Variable, _ indexInputs: [Variable]
    ) -> Variable {
        let rank = AdvancedBatching.indexRank(entries, indexInputs)
        let lead = AdvancedIndexing.isAdjacent(entries) ? (entries.firstIndex(of: .array) ?? 0) : 0
        let dims = Array(region.symbolicShape[lead..<(lead + rank)])
        let count = dims.dropFirst().reduce(dims.first ?? shapeConstant(1)) { $0 * $1 }
        var ordinal = (arange(count, dtype: .int64) + Variable(constant: NDArray(scalar: Int64(1)))).reshaped(to: dims)
        let others = Array(0..<lead) + Array((lead + rank)..<region.ndim)
        if !others.isEmpty { ordinal = ordinal.expandingDims(others) }
        let marks = scatter(entries, zerosLike(x, dtype: .int64), ordinal, indexInputs, set: true)
        return gather(entries, marks, indexInputs) .== ordinal
    }

    /// Scatter: linear in `(x, y)` jointly; a missing tangent is zeros.
    static func scatterPushforward(
        _ entries: [AdvancedIndexEntry], set: Bool, _ node: Apply, _ tangents: [Variable?]
    ) -> [Variable?]? {
        guard tangents[0] != nil || tangents[1] != nil else { return [nil] }
        let (x, y) = (node.inputs[0], node.inputs[1])
        return [scatter(entries, tangents[0] ?? zerosLike(x), tangents[1] ?? zerosLike(y), Array(node.inputs.dropFirst(2)), set: set)]
    }
}

extension AdvancedSubtensor1 {
    /// `x` is connected when float; the index never is.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[node.inputs[0].dtype.isFloat], [false]] }

    /// A scatter-add of the cotangent into zeros (`AdvancedIncSubtensor1{no_inplace,inc}`).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        AdvancedRules.gatherPullback([.array], node, cotangents)
    }

    /// Linear in `x`: the same gather of the tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [build(self, [t, node.inputs[1]])]
    }

    /// See ``AdvancedSubtensor/vectorize(_:batchedInputs:)``.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        AdvancedBatching.gather(self, [.array], node, batchedInputs)
    }
}

extension AdvancedSubtensor {
    /// `x` is connected when float; index inputs never are.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        [[node.inputs[0].dtype.isFloat]] + node.inputs.dropFirst().map { _ in [false] }
    }

    /// A scatter-add of the cotangent into zeros (`AdvancedIncSubtensor`).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        AdvancedRules.gatherPullback(idxList, node, cotangents)
    }

    /// Linear in `x`: the same gather of the tangent.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [build(self, [t] + node.inputs.dropFirst())]
    }

    /// Batched `x`, fixed indices: one full slice per batch dim in front of the pattern; when
    /// numpy puts the index dims first (arrays separated by a slice), the batch dims are moved
    /// back in front. Batched index inputs fall back to `Blockwise`.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        AdvancedBatching.gather(self, idxList, node, batchedInputs)
    }
}

extension AdvancedIncSubtensor1 {
    /// `x` and `y` are connected when they and the output are float; the index never is.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let float = node.outputTypes[0].dtype.isFloat
        return [[float && node.inputs[0].dtype.isFloat], [float && node.inputs[1].dtype.isFloat], [false]]
    }

    /// `x` gets `g` (a set: zeroed where written); `y` gets the gather `g[idx]`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        AdvancedRules.scatterPullback([.array], set: setInstead, node, cotangents)
    }

    /// The same update of the tangents.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        AdvancedRules.scatterPushforward([.array], set: setInstead, node, tangents)
    }

    /// See ``AdvancedIncSubtensor/vectorize(_:batchedInputs:)``.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        AdvancedBatching.scatter(self, [.array], setInstead, node, batchedInputs)
    }
}

extension AdvancedIncSubtensor {
    /// `x` and `y` are connected when they and the output are float; index inputs never are.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let float = node.outputTypes[0].dtype.isFloat
        return [[float && node.inputs[0].dtype.isFloat], [float && node.inputs[1].dtype.isFloat]]
            + node.inputs.dropFirst(2).map { _ in [false] }
    }

    /// `x` gets `g` (a set: zeroed where written); `y` gets the gather `g[idx]`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        AdvancedRules.scatterPullback(idxList, set: setInstead, node, cotangents)
    }

    /// The same update of the tangents.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        AdvancedRules.scatterPushforward(idxList, set: setInstead, node, tangents)
    }

    /// Batched `x`/`y`, fixed indices: full slices for the batch dims in front of the pattern;
    /// `y` is aligned with the batched region (its batch dims moved behind the index dims when
    /// numpy puts those first) and an unbatched `x` is broadcast to the batch with `Alloc`.
    /// Batched index inputs fall back to `Blockwise`.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        AdvancedBatching.scatter(self, idxList, setInstead, node, batchedInputs)
    }
}

// MARK: - Batching

package enum AdvancedBatching {
    /// The rank of the broadcast index shape of a node's index inputs.
    static func indexRank(_ entries: [AdvancedIndexEntry], _ indexInputs: [Variable]) -> Int {
        AdvancedIndexing.arrayInputs(entries, indexInputs).compactMap { $0 }
            .map { $0.dtype == .bool ? 1 : $0.ndim }.max() ?? 0
    }

    /// Moves `count` dims at `from` to `to` (a transpose).
    static func moving(_ x: Variable, count: Int, from: Int, to: Int) -> Variable {
        guard count > 0, from != to else { return x }
        var order = Array(0..<x.ndim)
        let moved = Array(order[from..<(from + count)])
        order.removeSubrange(from..<(from + count))
        order.insert(contentsOf: moved, at: to)
        return x.transposed(axes: order)
    }

    static func gather(_ op: some Op, _ entries: [AdvancedIndexEntry], _ node: Apply, _ batched: [Variable]) -> [Variable] {
        if BasicIndexing.hasBatchedIndex(node, batched, from: 1) {
            return BasicIndexing.blockwise(op, node: node, batchedInputs: batched)
        }
        let batch = batched[0].ndim - node.inputs[0].ndim
        let indexInputs = Array(node.inputs.dropFirst())
        let pattern = Array(repeating: AdvancedIndexEntry.fullSlice, count: batch) + entries
        let result = build(AdvancedSubtensor(idxList: pattern), [batched[0]] + indexInputs)
        if AdvancedIndexing.isAdjacent(entries) { return [result] }
        // numpy put the index dims first, ahead of the batch dims.
        let rank = indexRank(entries, indexInputs)
        return [moving(result, count: batch, from: rank, to: 0)]
    }

    static func scatter(
        _ op: some Op, _ entries: [AdvancedIndexEntry], _ set: Bool, _ node: Apply, _ batched: [Variable]
    ) -> [Variable] {
        if BasicIndexing.hasBatchedIndex(node, batched, from: 2) {
            return BasicIndexing.blockwise(op, node: node, batchedInputs: batched)
        }
        let (x, y) = (node.inputs[0], node.inputs[1])
        var (bx, by) = (batched[0], batched[1])
        let (xBatch, yBatch) = (bx.ndim - x.ndim, by.ndim - y.ndim)
        let batch = Swift.max(xBatch, yBatch)
        let indexInputs = Array(node.inputs.dropFirst(2))
        let adjacent = AdvancedIndexing.isAdjacent(entries)
        let rank = indexRank(entries, indexInputs)
        let regionRank = (try? AdvancedIndexing.staticShape(
            op: op, entries: entries, inputShape: x.type.shape, indexInputs: indexInputs).count) ?? y.ndim
        let missing = regionRank - y.ndim
        if yBatch > 0 {
            by = padBatch(by, original: y, to: batch)
            if missing > 0 { by = by.expandingDims(Array(batch..<(batch + missing))) }
            // The batched region is [index dims, batch dims, rest] when numpy puts index dims first.
            if !adjacent { by = moving(by, count: batch, from: 0, to: rank) }
        } else if !adjacent && batch > 0 {
            if missing > 0 { by = by.expandingDims(Array(0..<missing)) }
            by = by.expandingDims(Array(rank..<(rank + batch)))
        }
        if xBatch < batch {
            // Every batch entry starts from the same x: broadcast it to y's batch dims.
            let dims = by.symbolicShape
            let batchDims = adjacent ? Array(dims[0..<batch]) : Array(dims[rank..<(rank + batch)])
            bx = alloc(padBatch(bx, original: x, to: batch), shape: batchDims + x.symbolicShape)
        }
        let pattern = Array(repeating: AdvancedIndexEntry.fullSlice, count: batch) + entries
        return [build(AdvancedIncSubtensor(idxList: pattern, setInstead: set), [bx, by] + indexInputs)]
    }
}

// MARK: - StableHLO

extension AdvancedSubtensor1 {
    /// One `stablehlo.gather` of rows along axis 0.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let index = try ExportedAdvancedIndex(
            entries: [.array], x: operands[0], indexOperands: [operands[1]], indexInputs: [node.inputs[1]], context: context)
        return [index.gather(operands[0], builder: context.builder)]
    }
}

extension AdvancedSubtensor {
    /// Static slices of the kept axes, then one `stablehlo.gather` (a mask must be known at
    /// export).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let index = try ExportedAdvancedIndex(
            entries: idxList, x: operands[0], indexOperands: Array(operands.dropFirst()),
            indexInputs: Array(node.inputs.dropFirst()), context: context)
        return [index.gather(operands[0], builder: context.builder)]
    }
}

extension AdvancedIncSubtensor1 {
    /// One `stablehlo.scatter` along axis 0 (adding, so repeated rows accumulate, or writing).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let index = try ExportedAdvancedIndex(
            entries: [.array], x: operands[0], indexOperands: [operands[2]], indexInputs: [node.inputs[2]], context: context)
        let update = b.broadcast(b.convert(operands[1], to: operands[0].dtype), to: index.resultShape)
        return [try index.scatter(operands[0], update, set: setInstead, builder: b)]
    }
}

extension AdvancedIncSubtensor {
    /// One `stablehlo.scatter` (adding, so repeated index tuples accumulate, or writing).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let index = try ExportedAdvancedIndex(
            entries: idxList, x: operands[0], indexOperands: Array(operands.dropFirst(2)),
            indexInputs: Array(node.inputs.dropFirst(2)), context: context)
        let update = b.broadcast(b.convert(operands[1], to: operands[0].dtype), to: index.resultShape)
        return [try index.scatter(operands[0], update, set: setInstead, builder: b)]
    }
}

// MARK: - Sparsity

extension AdvancedSubtensor1 {
    /// Sparsity: a gather with constant indices (traced on flat indices); non-constant indices
    /// have no rule (dense fallback).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(of: node, output: output, inputShapes: inputShapes, inputs: [0])
    }
}

extension AdvancedSubtensor {
    /// Sparsity: a gather with constant indices (traced on flat indices); non-constant indices
    /// have no rule (dense fallback).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(of: node, output: output, inputShapes: inputShapes, inputs: [0])
    }
}

extension AdvancedIncSubtensor1 {
    /// Sparsity, with constant indices: row `r` of the output reads row `r` of `x` (unless
    /// set) and the rows of `y` whose index is `r` (every one when adding, the last when
    /// setting), `y` broadcast to the written region. Non-constant indices have no rule (dense
    /// fallback).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        guard let indexArray = node.inputs[2].constantValue else { return nil }
        let indices = indexArray.converted(to: .int64).asArray(Int64.self)
        let rows = inputShapes[0][0]
        let rowSize = inputShapes[0].dropFirst().reduce(1, *)
        var writers = [[Int]](repeating: [], count: rows)
        for (k, index) in indices.enumerated() {
            let row = index < 0 ? Int(index) + rows : Int(index)
            guard (0..<rows).contains(row) else { return nil }
            if setInstead { writers[row] = [k] } else { writers[row].append(k) }
        }
        guard case .gather(let ySources) = ElementMap.broadcast(
            from: inputShapes[1], to: [indices.count] + Array(inputShapes[0].dropFirst()))
        else { return nil }
        var offsets = [0]
        var yElements: [Int] = []
        for row in 0..<rows {
            for position in 0..<rowSize {
                for k in writers[row] { yElements.append(ySources[k * rowSize + position]) }
                offsets.append(yElements.count)
            }
        }
        let xMap: ElementMap = setInstead
            ? .gather((0..<(rows * rowSize)).map { writers[$0 / Swift.max(rowSize, 1)].isEmpty ? $0 : -1 })
            : .identity(rows * rowSize)
        return ElementDependencies(inputs: [xMap, .lists(offsets: offsets, indices: yElements), nil], interaction: .none)
    }
}

extension AdvancedIncSubtensor {
    /// Sparsity: a scatter with constant indices (traced on flat indices); an element that
    /// several repeated indices add into reads all of `y` (conservative).
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        ElementDependencies.tracingMovement(
            of: node, output: output, inputShapes: inputShapes, inputs: [0, 1], summing: !setInstead)
    }
}

// MARK: - Prepared kernel

extension AdvancedSubtensor1 {
    /// A constant index into a float vector of static length (a sparse Jacobian reads its
    /// nonzeros out of the compressed product this way) resolves and checks the positions
    /// once, so a call is one gather loop; any other node runs `perform` on every call, and
    /// so does an index out of range (which `perform` reports).
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        let x = node.inputs[0]
        guard x.ndim == 1, x.dtype.isFloat, x.dtype == node.outputTypes[0].dtype, let length = x.type.shape[0],
            let index = node.inputs[1].constantValue, index.ndim == 1
        else { return nil }
        var positions: [Int] = []
        positions.reserveCapacity(index.count)
        for raw in index.converted(to: .int64).asArray(Int64.self) {
            let position = raw < 0 ? Int(raw) + length : Int(raw)
            guard (0..<length).contains(position) else { return nil }
            positions.append(position)
        }
        return PreparedVectorGather(op: self, node: node, positions: positions, length: length, dtype: x.dtype)
    }
}

/// An ``AdvancedSubtensor1`` node's kernel for a constant index into a float vector.
final class PreparedVectorGather: SingleOutputKernel {
    private let op: AdvancedSubtensor1
    private let node: Apply
    private let positions: [Int]
    private let length: Int
    private let dtype: DType

    init(op: AdvancedSubtensor1, node: Apply, positions: [Int], length: Int, dtype: DType) {
        self.op = op
        self.node = node
        self.positions = positions
        self.length = length
        self.dtype = dtype
    }

    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        // An unchecked call may pass another dtype or length: `perform` handles (or rejects) it.
        let x = inputs[0]
        guard x.ndim == 1, x.dtype == dtype, x.shape[0] == length, inputs[1].count == positions.count else {
            return try op.perform(inputs, node: node)[0]
        }
        return dtype == .float32 ? gather(x, Float.self) : gather(x, Double.self)
    }

    private func gather<T: ArrayElement>(_ x: NDArray, _: T.Type) -> NDArray {
        let result = NDArray.uninitialized(dtype: dtype, shape: [positions.count])
        let source = x.basePointer(as: T.self) + x.offset
        let target = result.basePointer(as: T.self)
        let stride = x.strides[0]
        positions.withUnsafeBufferPointer { positions in
            for (k, position) in positions.enumerated() { target[k] = source[position * stride] }
        }
        return result
    }
}
