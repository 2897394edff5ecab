import CotangentArrays
import CotangentGraph
import CotangentOps

// Reshape, Subtensor, SpecifyShape and Alloc nodes that do nothing, and chains of them that
// one node does (canonicalize and useless rewrites).

// MARK: - Reshape

/// One entry of a shape vector: a constant length or a scalar value of the graph.
private enum ShapeEntry {
    case constant(Int64)
    case value(FunctionGraph.Value)
}

/// The entries of a shape vector given as a constant or a `MakeVector` (looking through the
/// `SpecifyShape` Reshape adds to vectors of unknown length).
private func shapeEntries(_ shape: FunctionGraph.Value) -> [ShapeEntry]? {
    var current = shape
    while let owner = current.owner, owner.op is SpecifyShape { current = owner.inputs[0] }
    if let constant = current.constantValue { return constant.asArray(Int64.self).map(ShapeEntry.constant) }
    guard let owner = current.owner, owner.op is MakeVector else { return nil }
    return owner.inputs.map { input in
        exactConstant(input).map { .constant(Int64($0)) } ?? .value(input)
    }
}

/// A Reshape that keeps the input's shape → the input: 1-d to 1-d, `Reshape(x, Shape(x))`, or
/// every entry `x`'s own length (constant, `Shape_i`, or inferred) with at most one `-1`.
/// PyTensor's `local_useless_reshape` (shape-unsafe: a reshape that would fail is dropped too).
package let localUselessReshape = NodeRewriter("local_useless_reshape", tracks: [Reshape.self]) { context, node in
    let (x, shape) = (node.inputs[0], node.inputs[1])
    let output = node.outputs[0]
    guard x.type.ndim == output.type.ndim, x.type.dtype == output.type.dtype else { return nil }
    if x.type.ndim == 1 && x.broadcastable == output.broadcastable { return [context.handle(x)] }
    var source = shape
    while let owner = source.owner, owner.op is SpecifyShape { source = owner.inputs[0] }
    if let owner = source.owner, owner.op is ShapeOp, owner.inputs[0] === x { return [context.handle(x)] }
    guard let entries = shapeEntries(shape), entries.count == x.type.ndim else { return nil }
    var inferred = 0
    for (axis, entry) in entries.enumerated() {
        switch entry {
        case .constant(-1): inferred += 1
        case .constant(let length): guard x.type.shape[axis] == Int(length) else { return nil }
        case .value(let dim): guard context.isLength(dim, of: x, axis: axis) else { return nil }
        }
    }
    return inferred <= 1 ? [context.handle(x)] : nil
}

/// `Reshape(Reshape(x, s1), s2)` → `Reshape(x, s2)`: reshapes keep row-major order, so only
/// the last shape matters. PyTensor's `local_reshape_chain` (shape-unsafe: an invalid `s1` no
/// longer fails).
package let localReshapeChain = NodeRewriter("local_reshape_chain", tracks: [Reshape.self]) { context, node in
    guard let inner = node.inputs[0].owner, inner.op is Reshape else { return nil }
    return [build(node.op as! Reshape, context.handle(inner.inputs[0]), context.handle(node.inputs[1]))]
}

// MARK: - Subtensor

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
    let op = node.op as! Subtensor
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
package let localUselessSlice = NodeRewriter("local_useless_slice", tracks: [Subtensor.self]) { context, node in
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
package let localSubtensorMergeSlice = NodeRewriter("local_subtensor_merge_slice", tracks: [Subtensor.self]) { context, node in
    let middle = node.inputs[0]
    guard let innerNode = middle.owner, innerNode.op is Subtensor else { return nil }
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

// MARK: - SpecifyShape and Alloc

/// A SpecifyShape whose every given length is already the input's static length → the input.
/// PyTensor's `local_useless_specify_shape`.
package let localUselessSpecifyShape = NodeRewriter("local_useless_specify_shape", tracks: [SpecifyShape.self]) { context, node in
    let specify = node.op as! SpecifyShape
    let x = node.inputs[0]
    guard zip(specify.shape, x.type.shape).allSatisfy({ wanted, known in wanted == nil || wanted == known })
    else { return nil }
    return [context.handle(x)]
}

/// `Alloc(x, *shape)` with the output's dtype and broadcast pattern equal to `x`'s → `x`: the
/// only shape it can run with is `x`'s own. PyTensor's `local_useless_alloc` (shape-unsafe: an
/// Alloc that would fail is dropped too).
package let localUselessAlloc = NodeRewriter("local_useless_alloc", tracks: [Alloc.self]) { context, node in
    let (x, output) = (node.inputs[0], node.outputs[0])
    guard x.type.dtype == output.type.dtype, x.type.ndim == output.type.ndim, x.broadcastable == output.broadcastable
    else { return nil }
    // PyTensor keeps the runtime check the Alloc did: the value's shape must equal the dims.
    let dims = Array(node.inputs.dropFirst())
    let shape = context.shape(of: x)
    let unchecked = zip(shape, dims).filter { inferred, dim in !sameLength(context, inferred, dim) }
    let value = context.handle(x)
    guard !unchecked.isEmpty else { return [value] }
    let conditions = unchecked.map { inferred, dim in (inferred .== context.handle(dim)).all() }
    return [assert(value, conditions, message: "Shapes must be equal")]
}

/// Whether a symbolic length (from the shape feature) and a length value of the graph are
/// provably equal: the same value, equal constants, or `Shape_i{k}` of the same tensor.
package func sameLength(_ context: RewriteContext, _ inferred: Variable, _ dim: FunctionGraph.Value) -> Bool {
    if context.graph.lookup(inferred) === dim { return true }
    if let known = inferred.constantValue, let value = uniformConstant(dim) {
        return Double(known.item(Int64.self)) == value
    }
    if let owner = inferred.owner, let axis = (owner.op as? ShapeI)?.axis,
        let dimOwner = dim.owner, (dimOwner.op as? ShapeI)?.axis == axis
    {
        return context.graph.lookup(owner.inputs[0]) === dimOwner.inputs[0]
    }
    return false
}
