import CotangentArrays
import CotangentGraph
import CotangentOps

// Random-variable lifts: a DimShuffle or a basic index of a draw moved onto the draw's
// parameters (and size), so that only the elements read are drawn.
//
// The lifted draw keeps the op (distribution, dtype, stream), so it is as reproducible as the
// draw it replaces and has the same distribution. Its values generally differ: element i of a
// draw reads element stream i, and the lifted draw numbers its fewer (or reordered) elements
// afresh, so a compiled graph and the graph as built draw different numbers. That
// is why both lifts need the draw's elements to be read by the lifted node alone (a second
// reader would see the old numbering, and the two would disagree), and why they leave alone a
// draw whose stream another draw of the same generator shares: a pathwise gradient's sibling
// draw (``PathwiseInputs``) reads the draw's element streams to recover its noise, and must
// keep seeing the noise of the elements the forward value shows.
//
// Opt-in, by the tag `random_lift` (`CompileMode(include: ["fast_run", "random_lift"])`): as in
// PyTensor, where they are not registered in the default pipeline, a compiled function draws
// the numbers of the graph as built unless asked otherwise.

/// A draw a lift may rewrite: its node and op, and how many of its dims are batch dims.
private struct LiftableDraw {
    let node: FunctionGraph.Node
    let op: RandomVariable
    let batchRank: Int

    /// The generator.
    var generator: FunctionGraph.Value { node.inputs[0] }
    /// The size, when the op has one.
    var size: FunctionGraph.Value? { op.hasSize ? node.inputs[1] : nil }
    /// The parameters, in the distribution's order.
    var parameters: [FunctionGraph.Value] { Array(node.inputs[op.firstParameter...]) }

    /// The number of batch dims of parameter `k` (its dims before its core).
    func batchRank(ofParameter k: Int) -> Int {
        parameters[k].type.ndim - op.distribution.coreRanks[k]
    }
}

/// The draw computing `value`, when its elements are read by one node only (readers of its
/// shape alone do not count), it is not a graph output, and no other draw on its generator
/// shares its stream.
private func liftableDraw(_ context: RewriteContext, _ value: FunctionGraph.Value) -> LiftableDraw? {
    guard let node = value.owner, let op = node.castOp(to: RandomVariable.self), context.hasSingleValueReader(value) else {
        return nil
    }
    let tied = context.clients(node.inputs[0]).contains { other in
        other !== node && other.castOp(to: RandomVariable.self)?.stream == op.stream
    }
    guard !tied else { return nil }
    return LiftableDraw(node: node, op: op, batchRank: value.type.ndim - op.distribution.eventRank)
}

/// An int64 size vector from its entries: a constant when every entry is one (so the draw's
/// static shape stays known), else a `MakeVector`.
private func sizeVector(_ entries: [Variable]) -> Variable {
    let constants = entries.compactMap { $0.constantValue?.converted(to: .int64).item(Int64.self) }
    if constants.count == entries.count {
        return Variable(constant: NDArray(shape: [constants.count], elements: constants))
    }
    return makeVector(entries.map { $0.dtype == .int64 ? $0 : $0.cast(to: .int64) }, dtype: .int64)
}

/// The entries of a size value as 0-d int64 tensors (constants when the size is one).
private func sizeEntries(_ context: RewriteContext, _ size: FunctionGraph.Value, count: Int) -> [Variable] {
    if let value = size.constantValue {
        return value.asArray(Int64.self).map { shapeConstant(Int($0)) }
    }
    let vector = context.handle(size)
    return (0..<count).map { axis in
        let entry = vector[axis]
        return entry.dtype == .int64 ? entry : entry.cast(to: .int64)
    }
}

/// `DimShuffle(rv(params, size))` → `rv(params', size')` when the shuffle transposes, inserts or
/// drops (statically length-1) batch dims only, leaving the event dims last and in order. Each
/// parameter gets the same shuffle of its batch dims (right-aligned with the draw's; a dim it
/// lacks becomes a new length-1 dim, or stays absent in front), its core dims kept last; the size
/// is permuted, with 1 for a new dim. PyTensor's `local_dimshuffle_rv_lift` (which does not drop
/// dims), in canonicalize and in specialize too, where a draw's other readers may be gone.
package let localDimshuffleRvLift = NodeRewriter(
    "local_dimshuffle_rv_lift", tracks: [DimShuffle.self],
    placed: [
        RewritePlacement(.canonicalize, position: 350, tags: ["random_lift"]),
        RewritePlacement(.specialize, position: 310, tags: ["random_lift"]),
    ]
) { context, node in
    let shuffle = node.castOp(to: DimShuffle.self)!
    guard !shuffle.isIdentity, let draw = liftableDraw(context, node.inputs[0]) else { return nil }
    let batchRank = draw.batchRank
    let eventRank = node.inputs[0].type.ndim - batchRank
    guard shuffle.newOrder.count >= eventRank,
        Array(shuffle.newOrder.suffix(eventRank)) == (batchRank..<(batchRank + eventRank)).map({ Optional($0) })
    else { return nil }
    let batchOrder = Array(shuffle.newOrder.dropLast(eventRank))
    guard batchOrder.allSatisfy({ $0.map { $0 < batchRank } ?? true }) else { return nil }

    // Each parameter's batch order over its own dims: a draw dim it lacks (in front of its
    // own) is a new axis there.
    var orders: [[Int?]] = []
    for k in draw.parameters.indices {
        let parameter = draw.parameters[k]
        let offset = batchRank - draw.batchRank(ofParameter: k)
        for axis in shuffle.drop where axis >= offset && parameter.type.shape[axis - offset] != 1 { return nil }
        orders.append(batchOrder.map { axis in axis.flatMap { $0 >= offset ? $0 - offset : nil } })
    }
    // New axes in front are implied by right-aligned broadcasting, so they are left out —
    // unless that would shrink the draw: without a size, the parameters' largest batch rank is
    // the draw's.
    let trimmed = orders.map { Array($0.drop(while: { $0 == nil })) }
    if draw.size != nil || trimmed.map(\.count).max() == batchOrder.count { orders = trimmed }

    var parameters: [Variable] = []
    for k in draw.parameters.indices {
        let own = draw.batchRank(ofParameter: k)
        let core = draw.op.distribution.coreRanks[k]
        let order = orders[k] + (own..<(own + core)).map { Optional($0) }
        let handle = context.handle(draw.parameters[k])
        let unchanged = order.count == handle.ndim && order.enumerated().allSatisfy { $0.element == $0.offset }
        parameters.append(unchanged ? handle : handle.dimShuffled(order))
    }
    var size: [Variable] = []
    if let oldSize = draw.size {
        let entries = sizeEntries(context, oldSize, count: batchRank)
        size = [sizeVector(batchOrder.map { axis in axis.map { entries[$0] } ?? shapeConstant(1) })]
    }
    let lifted = build(draw.op, [context.handle(draw.generator)] + size + parameters)
    return fits(lifted, for: node.outputs[0]) ? [lifted] : nil
}

/// Whether indexing with `entry` (its values `parts`) along a dim of static `length` can never
/// fail at run time: a slice with no step or a nonzero constant one, or a constant index in
/// range of a known length. When no parameter is indexed along a dim (each broadcasts there),
/// the lifted draw only computes the dim's new length, and must not drop the original's error.
private func indexCannotFail(_ entry: IndexEntry, _ parts: [FunctionGraph.Value], length: Int?) -> Bool {
    switch entry {
    case .index:
        guard let length, let index = constantIndexValue(parts[0]) else { return false }
        return SliceArithmetic.normalized(index: index, length: length) != nil
    case .slice(_, _, let hasStep):
        guard hasStep else { return true }
        return constantIndexValue(parts.last!).map { $0 != 0 } ?? false
    }
}

/// The integer value of a constant index input (scalar-kind or 0-d tensor).
private func constantIndexValue(_ value: FunctionGraph.Value) -> Int? {
    guard let constant = value.constantValue, constant.count == 1, constant.dtype.isInteger else { return nil }
    return Int(constant.converted(to: .int64).item(Int64.self))
}

/// `rv(params, size)[idx]` → `rv(params[idx'], size')` for basic indices (integers and slices)
/// on batch dims only (an event dim may only be a full slice). A parameter that broadcasts along
/// an indexed dim (statically 1 where the draw is not) keeps it whole (a full slice, or index 0
/// for an integer index), and a parameter without the dim is not indexed there; with a size, the
/// new size is the indexed batch shape. PyTensor's `local_subtensor_rv_lift` for `Subtensor`
/// (advanced indices, which may repeat elements, are not lifted), in canonicalize and in
/// specialize too, where a draw's other readers may be gone.
///
/// A parameter of unknown length along an indexed dim is indexed only when nothing else sets
/// the draw's length there (no size, and every other parameter is statically 1 or lacks the
/// dim): a draw broadcasts a parameter that is 1 only at run time, and indexing that one would
/// select nothing.
package let localSubtensorRvLift = NodeRewriter(
    "local_subtensor_rv_lift", tracks: [Subtensor.self],
    placed: [
        RewritePlacement(.canonicalize, position: 360, tags: ["random_lift"]),
        RewritePlacement(.specialize, position: 320, tags: ["random_lift"]),
    ]
) { context, node in
    let op = node.castOp(to: Subtensor.self)!
    let source = node.inputs[0]
    guard let draw = liftableDraw(context, source) else { return nil }
    let batchRank = draw.batchRank
    // Event dims may only be kept whole.
    guard op.idxList.dropFirst(batchRank).allSatisfy({ $0 == .fullSlice }) else { return nil }
    let entries = Array(op.idxList.prefix(batchRank))
    guard entries.contains(where: { $0 != .fullSlice }) else { return nil }
    var partsByAxis: [[FunctionGraph.Value]] = []
    var position = 1
    for entry in entries {
        partsByAxis.append(Array(node.inputs[position..<(position + entry.inputCount)]))
        position += entry.inputCount
    }

    let parameters = draw.parameters
    // Parameters' batch dims are right-aligned with the draw's: parameter k's dim j is draw
    // dim offsets[k] + j.
    let offsets = parameters.indices.map { batchRank - draw.batchRank(ofParameter: $0) }
    /// Whether parameter `k` has draw dim `axis` and it is not statically 1 (it is indexed there).
    func indexes(_ k: Int, _ axis: Int) -> Bool {
        axis >= offsets[k] && parameters[k].type.shape[axis - offsets[k]] != 1
    }
    /// Whether parameter `k` broadcasts along draw dim `axis` (keeps it whole).
    func broadcasts(_ k: Int, _ axis: Int) -> Bool {
        axis >= offsets[k] && parameters[k].type.shape[axis - offsets[k]] == 1 && source.type.shape[axis] != 1
    }

    for (axis, entry) in entries.enumerated() where entry != .fullSlice {
        let carriers = parameters.indices.filter { indexes($0, axis) }
        for k in carriers where parameters[k].type.shape[axis - offsets[k]] == nil {
            guard draw.size == nil, carriers.count == 1 else { return nil }
        }
        // Along a draw dim of static length 1, a parameter of static length 1 is indexed too.
        let indexed = parameters.indices.contains { axis >= offsets[$0] && !broadcasts($0, axis) }
        if !indexed, !indexCannotFail(entry, partsByAxis[axis], length: source.type.shape[axis]) { return nil }
    }

    var lifted: [Variable] = []
    for k in parameters.indices {
        var pattern: [IndexEntry] = []
        var values: [Variable] = []
        for axis in offsets[k]..<Swift.max(offsets[k], entries.count) {
            let entry = entries[axis]
            switch (entry, broadcasts(k, axis)) {
            case (.index, true):
                pattern.append(.index)
                values.append(Variable.scalarConstant(0))
            case (.slice, true):
                pattern.append(.fullSlice)
            default:
                pattern.append(entry)
                values += partsByAxis[axis].map(context.handle)
            }
        }
        while pattern.last == .fullSlice { pattern.removeLast() }
        let handle = context.handle(parameters[k])
        lifted.append(pattern.isEmpty ? handle : build(Subtensor(idxList: pattern), [handle] + values))
    }
    var size: [Variable] = []
    if let oldSize = draw.size {
        let dims = BasicIndexing.symbolicShape(
            entries: entries, inputShape: sizeEntries(context, oldSize, count: batchRank),
            indexInputs: partsByAxis.flatMap { $0.map(context.handle) })
        size = [sizeVector(dims)]
    }
    let result = build(draw.op, [context.handle(draw.generator)] + size + lifted)
    return fits(result, for: node.outputs[0]) ? [result] : nil
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let randomVariable: [NodeRewriter] = [
        localDimshuffleRvLift,
        localSubtensorRvLift,
    ]
}
