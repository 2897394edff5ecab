import CotangentArrays
import CotangentGraph
import CotangentOps

// Subtensor rewrites: indices into broadcastable or known-constant vectors, slices that do
// nothing, chains of slices merged into one, and indexing of batch dimensions.

/// The constant integer value of a scalar index input, if constant.
private func constantIndex(_ value: FunctionGraph.Value) -> Int? {
    uniformConstant(value).flatMap { $0.rounded() == $0 ? Int($0) : nil }
}

/// `x[0]` (or `x[-1]`) on a dimension that is statically 1 → dropping that dimension (a
/// squeeze), with the remaining entries kept. PyTensor's `local_subtensor_remove_broadcastable_index`;
/// in specialize too, for the `x[0]` that lifting a Subtensor there makes of a broadcast input.
package let localSubtensorRemoveBroadcastableIndex = NodeRewriter(
    "local_subtensor_remove_broadcastable_index", tracks: [Subtensor.self],
    placed: [.canonicalize(30), .specialize(226)]
) { context, node in
    let op = node.castOp(to: Subtensor.self)!
    let x = node.inputs[0]
    var inputPosition = 1
    var dropped: [Int] = []
    for (axis, entry) in op.idxList.enumerated() {
        switch entry {
        case .index:
            guard x.type.shape[axis] == 1, let index = constantIndex(node.inputs[inputPosition]),
                index == 0 || index == -1
            else { return nil }
            dropped.append(axis)
        case .slice:
            guard entry == .fullSlice else { return nil }
        }
        inputPosition += entry.inputCount
    }
    guard !dropped.isEmpty else { return nil }
    return [context.handle(x).squeezed(axes: dropped)]
}

/// `MakeVector(a, b, c)[i]` with a constant `i` → the i-th entry, and a constant slice
/// `MakeVector(a, b, c)[start:stop:step]` → `MakeVector` of the selected entries. PyTensor's
/// `local_subtensor_make_vector`.
package let localSubtensorMakeVector = NodeRewriter(
    "local_subtensor_make_vector", tracks: [Subtensor.self],
    placed: [.canonicalize(50), .specialize(30, fastCompile: true)]
) { context, node in
    let op = node.castOp(to: Subtensor.self)!
    guard op.idxList.count == 1, let vector = node.inputs[0].owner, let make = vector.castOp(to: MakeVector.self) else {
        return nil
    }
    let entries = vector.inputs
    let dtype = node.outputs[0].type.dtype
    switch op.idxList[0] {
    case .index:
        guard var index = constantIndex(node.inputs[1]) else { return nil }
        if index < 0 { index += entries.count }
        guard entries.indices.contains(index) else { return nil }
        let element = context.handle(entries[index])
        return [element.dtype == dtype ? element : element.cast(to: dtype)]
    case .slice(let hasStart, let hasStop, let hasStep):
        // Every present part must be a constant.
        var parts = node.inputs.dropFirst().makeIterator()
        func next(_ present: Bool) -> Int?? {
            guard present else { return .some(nil) }
            guard let value = parts.next(), let constant = constantIndex(value) else { return nil }
            return .some(constant)
        }
        guard let start = next(hasStart), let stop = next(hasStop), let step = next(hasStep) else { return nil }
        guard step != 0 else { return nil }
        let positions = sliceIndices(count: entries.count, start: start, stop: stop, step: step ?? 1)
        guard positions.count < entries.count || (step ?? 1) != 1 else { return nil }
        return [makeVector(positions.map { context.handle(entries[$0]) }, dtype: make.dtype)]
    }
}

/// The positions numpy's `slice(start, stop, step).indices(count)` selects.
package func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
    func clamp(_ value: Int?, default fallback: Int, low: Int, high: Int) -> Int {
        guard var value else { return fallback }
        if value < 0 { value += count }
        return Swift.min(Swift.max(value, low), high)
    }
    if step > 0 {
        let first = clamp(start, default: 0, low: 0, high: count)
        let last = clamp(stop, default: count, low: 0, high: count)
        return Array(stride(from: first, to: last, by: step))
    }
    let first = clamp(start, default: count - 1, low: -1, high: count - 1)
    let last = clamp(stop, default: -1, low: -1, high: count - 1)
    return Array(stride(from: first, to: last, by: step))
}

/// `elemwise(a, b)[idx]` → `elemwise(a[idx'], b[idx'])` where inputs broadcast along an indexed
/// dimension keep it whole (a full slice, or index 0 for an integer index): indexing first
/// computes less. PyTensor's `local_subtensor_of_batch_dims` (shape-unsafe), in canonicalize
/// and, as there, in specialize too: the elemwise's other readers of a gradient often go only
/// in stabilize or `local_second_to_alloc`, and a lift left for then would otherwise wait for
/// a second rewrite.
package let localSubtensorOfBatchDims = NodeRewriter(
    "local_subtensor_of_batch_dims", tracks: [Subtensor.self],
    placed: [.canonicalize(160), .specialize(225)]
) { context, node in
    let op = node.castOp(to: Subtensor.self)!
    let source = node.inputs[0]
    // The subtensor must be the elemwise's only reader of values (readers of its shape alone
    // do not count).
    guard let inner = source.owner, let scalarOp = inner.scalarOp, inner.outputs.count == 1,
        context.hasSingleValueReader(source)
    else { return nil }
    let indexInputs = node.inputs.dropFirst().map(context.handle)
    var lifted: [Variable] = []
    for input in inner.inputs {
        var entries: [IndexEntry] = []
        var values: [Variable] = []
        var position = 0
        for (axis, entry) in op.idxList.enumerated() {
            let parts = Array(indexInputs[position..<(position + entry.inputCount)])
            position += entry.inputCount
            let broadcast = input.type.shape[axis] == 1 && source.type.shape[axis] != 1
            switch (entry, broadcast) {
            case (.index, true):
                entries.append(.index)
                values.append(Variable.scalarConstant(0))
            case (.slice, true):
                entries.append(.fullSlice)
            default:
                entries.append(entry)
                values.append(contentsOf: parts)
            }
        }
        let handle = context.handle(input)
        let allFull = entries.allSatisfy { $0 == .fullSlice }
        lifted.append(allFull ? handle : build(Subtensor(idxList: entries), [handle] + values))
    }
    return [build(Elemwise(scalarOp), lifted)]
}

/// A slice with its parts as graph values (nil: absent).
private struct SliceParts {
    package var start: FunctionGraph.Value?
    package var stop: FunctionGraph.Value?
    package var step: FunctionGraph.Value?

    package var isFull: Bool { start == nil && stop == nil && step == nil }
}

/// A Subtensor's entries with their values: `.index(value)` or `.slice(parts)`.
private enum FilledEntry {
    case index(FunctionGraph.Value)
    case slice(SliceParts)
}

private func filledEntries(_ node: FunctionGraph.Node) -> [FilledEntry] {
    let op = node.castOp(to: Subtensor.self)!
    var values = node.inputs.dropFirst().makeIterator()
    return op.idxList.map { entry in
        switch entry {
        case .index: return .index(values.next()!)
        case .slice(let hasStart, let hasStop, let hasStep):
            let start = hasStart ? values.next()! : nil
            let stop = hasStop ? values.next()! : nil
            let step = hasStep ? values.next()! : nil
            return .slice(SliceParts(start: start, stop: stop, step: step))
        }
    }
}

/// A Subtensor node from filled entries (trailing full slices dropped), or `x` itself when
/// nothing is left.
private func subtensor(_ context: RewriteContext, _ x: FunctionGraph.Value, _ entries: [FilledEntry]) -> Variable {
    var entries = entries
    while case .slice(let parts)? = entries.last, parts.isFull { entries.removeLast() }
    if entries.isEmpty { return context.handle(x) }
    var pattern: [IndexEntry] = []
    var inputs = [context.handle(x)]
    for entry in entries {
        switch entry {
        case .index(let value):
            pattern.append(.index)
            inputs.append(context.handle(value))
        case .slice(let parts):
            pattern.append(.slice(hasStart: parts.start != nil, hasStop: parts.stop != nil, hasStep: parts.step != nil))
            inputs += [parts.start, parts.stop, parts.step].compactMap { $0.map(context.handle) }
        }
    }
    return build(Subtensor(idxList: pattern), inputs)
}

/// The integer value of a constant index part.
private func constantPart(_ value: FunctionGraph.Value?) -> Int? {
    guard let constant = value?.constantValue, constant.count == 1, constant.dtype.isInteger else { return nil }
    return Int(constant.converted(to: .int64).item(Int64.self))
}

/// Slice parts that change nothing dropped: a step of 1, a start at the first element, a stop
/// past the end (a constant at least the static length, the dim's own length, or `Int64.max`),
/// and the same for negative steps; then trailing full slices, and a Subtensor left with no
/// entries → `x`. PyTensor's `local_useless_slice` and `local_useless_subtensor`.
package let localUselessSlice = NodeRewriter(
    "local_useless_slice", tracks: [Subtensor.self],
    // Also after fusion: a fused composite can know a length its parts did not (a product
    // with a constant of length 3), and a slice over it may then be useless.
    placed: [.canonicalize(250), .specialize(230), .afterUnbatchedBlockwise(40)]
) { context, node in
    let x = node.inputs[0]
    var entries = filledEntries(node)
    if entries.isEmpty { return [context.handle(x)] }
    var changed = false
    for axis in entries.indices {
        guard case .slice(let before) = entries[axis] else { continue }
        var parts = before
        let length = x.type.shape[axis]
        var step = 1
        if let stepValue = parts.step {
            // A symbolic step's sign is unknown: nothing can be said about the bounds.
            guard let constant = constantPart(stepValue), constant != 0 else { continue }
            step = constant
            if constant == 1 { parts.step = nil }
        }
        if let start = constantPart(parts.start) {
            let first = step > 0
                ? start == 0 || (length.map { -start >= $0 } ?? false)
                : start == -1 || (length.map { start >= $0 - 1 } ?? false)
            if first { parts.start = nil }
        }
        if let stopValue = parts.stop {
            if let stop = constantPart(stopValue) {
                let pastEnd = step > 0
                    ? stop == Int(Int64.max) || (length.map { stop >= $0 } ?? false)
                    : (length.map { stop < -$0 } ?? false)
                if pastEnd { parts.stop = nil }
            } else if step > 0, context.isLength(stopValue, of: x, axis: axis) {
                parts.stop = nil
            }
        }
        if parts.start !== before.start || parts.stop !== before.stop || parts.step !== before.step {
            changed = true
            entries[axis] = .slice(parts)
        }
    }
    let trailingFull: Bool
    if case .slice(let parts)? = entries.last { trailingFull = parts.isFull } else { trailingFull = false }
    guard changed || trailingFull else { return nil }
    return [subtensor(context, x, entries)]
}

/// One slice with constant parts (nil: absent).
private struct ConstantSlice: Equatable {
    package var start: Int?
    package var stop: Int?
    package var step: Int?
}

/// `x[s1][s2]` → `x[s]` for one constant slice `s` selecting the same elements (numpy
/// semantics): with a static length, computed exactly from the resolved slices; without one,
/// when both slices have non-negative bounds and positive steps (the only case a single
/// constant slice covers for every length).
private func merged(_ first: ConstantSlice, _ second: ConstantSlice, length: Int?) -> ConstantSlice? {
    if let length {
        guard let r1 = SliceArithmetic.normalized(start: first.start, stop: first.stop, step: first.step, length: length),
            let r2 = SliceArithmetic.normalized(
                start: second.start, stop: second.stop, step: second.step, length: r1.count)
        else { return nil }
        guard r2.count > 0 else { return ConstantSlice(start: 0, stop: 0, step: nil) }
        let (step, stepOverflow) = r1.step.multipliedReportingOverflow(by: r2.step)
        guard !stepOverflow else { return nil }
        let start = r1.start + r1.step * r2.start
        let stop = start + step * r2.count
        // A backward slice that runs past index 0 must not stop at -1 (the last element).
        return ConstantSlice(start: start, stop: step < 0 && stop < 0 ? nil : stop, step: step == 1 ? nil : step)
    }
    let parts = [first.start, first.stop, second.start, second.stop].compactMap { $0 }
    guard parts.allSatisfy({ $0 >= 0 }), (first.step ?? 1) > 0, (second.step ?? 1) > 0 else { return nil }
    let (a, c, d, f) = (first.start ?? 0, first.step ?? 1, second.start ?? 0, second.step ?? 1)
    let (offset, o1) = c.multipliedReportingOverflow(by: d)
    let (step, o2) = c.multipliedReportingOverflow(by: f)
    guard !o1, !o2, offset <= Int(Int64.max) - a else { return nil }
    // Element a + c·j is kept while j < second.stop and a + c·j < first.stop.
    var stop = first.stop
    if let e = second.stop {
        let (span, o3) = c.multipliedReportingOverflow(by: e)
        guard !o3, span <= Int(Int64.max) - a else { return nil }
        stop = Swift.min(stop ?? Int(Int64.max), a + span)
    }
    return ConstantSlice(start: a + offset == 0 ? nil : a + offset, stop: stop, step: step == 1 ? nil : step)
}

/// `x[a:b:c][d:e:f]` (every index a slice, every part a constant) → one Subtensor with the
/// merged slices. PyTensor's `local_subtensor_merge_slice` for constant slices.
package let localSubtensorMergeSlice = NodeRewriter(
    "local_subtensor_merge_slice", tracks: [Subtensor.self],
    placed: [.canonicalize(260), .specialize(240)]
) { context, node in
    let middle = node.inputs[0]
    guard let innerNode = middle.owner, innerNode.isOp(Subtensor.self) else { return nil }
    let x = innerNode.inputs[0]
    func constantSlices(_ entries: [FilledEntry]) -> [ConstantSlice]? {
        var slices: [ConstantSlice] = []
        for entry in entries {
            guard case .slice(let parts) = entry else { return nil }
            let values = [parts.start, parts.stop, parts.step]
            let constants = values.map(constantPart)
            guard zip(values, constants).allSatisfy({ $0 == nil || $1 != nil }) else { return nil }
            slices.append(ConstantSlice(start: constants[0], stop: constants[1], step: constants[2]))
        }
        while slices.count < x.type.ndim { slices.append(ConstantSlice()) }
        return slices
    }
    guard let inner = constantSlices(filledEntries(innerNode)), let outer = constantSlices(filledEntries(node))
    else { return nil }
    var result: [FilledEntry] = []
    for axis in 0..<x.type.ndim {
        let slice: ConstantSlice
        switch (inner[axis] == ConstantSlice(), outer[axis] == ConstantSlice()) {
        case (true, _): slice = outer[axis]
        case (_, true): slice = inner[axis]
        default:
            guard let both = merged(inner[axis], outer[axis], length: x.type.shape[axis]) else { return nil }
            slice = both
        }
        func part(_ value: Int?) -> FunctionGraph.Value? {
            value.map { context.graph.importVariable(Variable.scalarConstant(Int64($0))) }
        }
        result.append(.slice(SliceParts(start: part(slice.start), stop: part(slice.stop), step: part(slice.step))))
    }
    return [subtensor(context, x, result)]
}

extension RewriteCatalog {
    /// The rewriters defined in this file.
    static let subtensor: [NodeRewriter] = [
        localSubtensorRemoveBroadcastableIndex,
        localSubtensorMakeVector,
        localSubtensorOfBatchDims,
        localUselessSlice,
        localSubtensorMergeSlice,
    ]
}
