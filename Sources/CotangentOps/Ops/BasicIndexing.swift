import CotangentArrays
import CotangentGraph

// Basic (numpy) indexing shared by `Subtensor` and `IncSubtensor`: the index pattern both ops
// carry as a prop, the checks of their index operands, and numpy's slice arithmetic in its three
// forms (static lengths, runtime views, symbolic lengths for inferShape), kept together so the
// three can never disagree.

/// One entry of a basic-indexing pattern (PyTensor's `idx_list` element): an integer index or a
/// slice, and which parts of the slice are given.
///
/// The values are not part of the pattern: they are the node's index inputs, in entry order
/// (the integer index, or the slice's start, stop and step that are present), so one op serves
/// any constant or symbolic index values.
public enum IndexEntry: Hashable, Sendable {
    /// An integer index: the dimension is removed.
    case index
    /// A slice; absent parts take numpy's defaults (`:` is all three absent).
    case slice(hasStart: Bool, hasStop: Bool, hasStep: Bool)

    /// `:`, the slice that keeps a whole dimension.
    public static let fullSlice = IndexEntry.slice(hasStart: false, hasStop: false, hasStep: false)

    /// How many index inputs this entry reads.
    package var inputCount: Int {
        switch self {
        case .index: 1
        case .slice(let hasStart, let hasStop, let hasStep):
            (hasStart ? 1 : 0) + (hasStop ? 1 : 0) + (hasStep ? 1 : 0)
        }
    }

    /// PyTensor's placeholder text of a slice: `:`, `start:`, `:stop`, `start:stop`, `::step`,
    /// `start::step`, `:stop:step`, `start:stop:step`.
    package var sliceText: String {
        guard case .slice(let hasStart, let hasStop, let hasStep) = self else { return "" }
        let start = hasStart ? "start" : ""
        if hasStep { return "\(start):\(hasStop ? "stop" : ""):step" }
        if hasStop { return "\(start):stop" }
        return hasStart ? "start:" : ":"
    }

    /// The entries as PyTensor prints them inside an op's braces: slices by their placeholders,
    /// the n-th integer index as `i`, `j`, `k`, `ii`, `jj`, `kk`, `iii`, …
    package static func format(_ entries: [IndexEntry]) -> String {
        var letterIndex = 0
        return entries.map { entry -> String in
            guard entry == .index else { return entry.sliceText }
            let letter = ["i", "j", "k"][letterIndex % 3]
            defer { letterIndex += 1 }
            return String(repeating: letter, count: letterIndex / 3 + 1)
        }.joined(separator: ", ")
    }
}

/// An index entry with its values: an op's index inputs (symbolic), their runtime integers, or
/// their constant values when known.
package enum FilledIndex<Value> {
    case index(Value)
    case slice(start: Value?, stop: Value?, step: Value?)

    /// Pairs each entry of `entries` with its values taken in order from `values`; dimensions
    /// past the entries are full slices.
    package static func fill(_ entries: [IndexEntry], _ values: [Value], rank: Int) -> [FilledIndex] {
        var next = values.makeIterator()
        var filled = entries.map { entry -> FilledIndex in
            switch entry {
            case .index:
                return .index(next.next()!)
            case .slice(let hasStart, let hasStop, let hasStep):
                let start = hasStart ? next.next()! : nil
                let stop = hasStop ? next.next()! : nil
                let step = hasStep ? next.next()! : nil
                return .slice(start: start, stop: stop, step: step)
            }
        }
        while filled.count < rank { filled.append(.slice(start: nil, stop: nil, step: nil)) }
        return filled
    }
}

// MARK: - Operand checks and static shapes

package enum BasicIndexing {
    /// Checks the indexed tensor and the index inputs of a basic-indexing op; throws
    /// ``CotangentError`` naming the op, the types and the index pattern.
    package static func checkOperands(
        op: some Op, entries: [IndexEntry], x: Variable, indexInputs: ArraySlice<Variable>,
        inputs: [Variable]
    ) throws {
        guard !x.type.isScalarKind else {
            throw CotangentError(.invalidGraph, 
                "\(op): cannot index a PyTensor scalar of type \(x.type); input types: "
                    + describeTypes(inputs))
        }
        guard entries.count <= x.ndim else {
            throw CotangentError(.invalidGraph, 
                "\(op): too many indices for \(x.type): the tensor is \(x.ndim)-dimensional, but "
                    + "\(entries.count) were indexed")
        }
        let expected = entries.reduce(0) { $0 + $1.inputCount }
        guard indexInputs.count == expected else {
            throw CotangentError(.invalidGraph, 
                "\(op): the pattern needs \(expected) index inputs, got \(indexInputs.count); "
                    + "input types: \(describeTypes(inputs))")
        }
        for (k, index) in indexInputs.enumerated() where index.ndim != 0 || !index.dtype.isInteger {
            throw CotangentError(.invalidGraph, 
                "\(op): index input \(k) must be an integer scalar, got \(index.type) "
                    + "(basic indices are integers; input types: \(describeTypes(inputs)))")
        }
        let filled = FilledIndex.fill(entries, Array(indexInputs), rank: x.ndim)
        for (axis, entry) in filled.enumerated() {
            if case .slice(_, _, let step?) = entry, constantInt(step) == 0 {
                throw CotangentError(.invalidGraph, 
                    "\(op): slice step cannot be zero (axis \(axis) of \(x.type))")
            }
        }
    }

    /// The integer value of a constant index input (also behind `ScalarFromTensor`), nil for
    /// symbolic ones.
    package static func constantInt(_ variable: Variable) -> Int? {
        let source = scalarizedTensor(variable) ?? variable
        guard let value = source.constantValue, value.count == 1 else { return nil }
        return Int(value.item(Int64.self))
    }

    /// The 0-d tensor an index input was converted from by `ScalarFromTensor`, if it was.
    package static func scalarizedTensor(_ variable: Variable) -> Variable? {
        guard let owner = variable.owner, owner.isOp(ScalarFromTensor.self) else { return nil }
        return owner.inputs[0]
    }

    /// An index input as a 0-d tensor, PyTensor's `undo_scalarization`: the tensor behind a
    /// `ScalarFromTensor`, `TensorFromScalar` of another scalar-kind value, a tensor unchanged.
    /// Shape graphs then hold tensors only (`Shape_i{0}(x) - i`, not a scalar-kind `i`).
    package static func unscalarized(_ variable: Variable) -> Variable {
        guard variable.type.isScalarKind else { return variable }
        return scalarizedTensor(variable) ?? tensorFromScalar(variable)
    }

    /// The static shape of the indexed region: integer-indexed dims removed; a sliced dim known
    /// when the input length is known and every given part of the slice is a constant.
    package static func staticShape(entries: [IndexEntry], inputShape: [Int?], indexInputs: [Variable]) -> [Int?] {
        let filled = FilledIndex.fill(entries, indexInputs, rank: inputShape.count)
        return zip(filled, inputShape).compactMap { entry, length -> Int?? in
            guard case .slice(let start, let stop, let step) = entry else { return nil }
            guard let length else { return .some(nil) }
            let parts = [start, stop, step].map { part in part.map { constantInt($0) } }
            // A part that is given but symbolic makes the length unknown.
            if parts.contains(where: { $0 != nil && $0! == nil }) { return .some(nil) }
            let slice = SliceArithmetic.normalized(
                start: parts[0] ?? nil, stop: parts[1] ?? nil, step: parts[2] ?? nil, length: length)
            return .some(slice?.count)
        }
    }

    /// The sub-array that the pattern with runtime `values` selects: a view of `array`. Throws
    /// `.invalidValue` naming `op` for an out-of-range index or a zero step.
    package static func region(
        of array: NDArray, entries: [IndexEntry], values: ArraySlice<NDArray>, op: some Op
    ) throws -> NDArray {
        // Every index input is checked before any is applied, so a malformed one is reported
        // first whatever its position.
        for (k, value) in zip(0..., values) where value.count != 1 {
            throw CotangentError(.invalidValue, 
                "\(op): index input \(k) must hold one integer, got an array of shape "
                    + "\(formatShape(value.shape)) (dtype \(value.dtype))")
        }
        // The view's layout is edited in place: a dimension left as it was keeps sharing the
        // source's shape and strides buffers, so `x[::-1]` of a vector allocates one array.
        var shape = array.shape
        var strides = array.strides
        var offset = array.offset
        var nextValue = values.startIndex
        func integer() -> Int {
            defer { nextValue += 1 }
            return Int(values[nextValue].item(Int64.self))
        }
        var axis = 0
        for (sourceAxis, entry) in entries.enumerated() {
            let length = array.shape[sourceAxis]
            let stride = array.strides[sourceAxis]
            switch entry {
            case .index:
                let index = integer()
                guard let position = SliceArithmetic.normalized(index: index, length: length) else {
                    throw CotangentError(.invalidValue, 
                        "\(op): index \(index) is out of bounds for axis \(sourceAxis) with size "
                            + "\(length) (input shape \(formatShape(array.shape)), dtype \(array.dtype))")
                }
                offset += position * stride
                shape.remove(at: axis)
                strides.remove(at: axis)
            case .slice(let hasStart, let hasStop, let hasStep):
                let start = hasStart ? integer() : nil
                let stop = hasStop ? integer() : nil
                let step = hasStep ? integer() : nil
                guard let slice = SliceArithmetic.normalized(start: start, stop: stop, step: step, length: length)
                else {
                    throw CotangentError(.invalidValue, 
                        "\(op): slice step cannot be zero (axis \(sourceAxis), input shape "
                            + "\(formatShape(array.shape)), dtype \(array.dtype))")
                }
                if shape[axis] != slice.count { shape[axis] = slice.count }
                if slice.step != 1 { strides[axis] = stride * slice.step }
                if slice.count > 0 { offset += slice.start * stride }
                axis += 1
            }
        }
        return NDArray(dtype: array.dtype, shape: shape, strides: strides, offset: offset, storage: array.storage)
    }

    /// Symbolic lengths of the indexed region's dims from the input's symbolic dims.
    package static func symbolicShape(entries: [IndexEntry], inputShape: [Variable], indexInputs: [Variable]) -> [Variable] {
        let filled = FilledIndex.fill(entries, indexInputs, rank: inputShape.count)
        return zip(filled, inputShape).compactMap { entry, length in
            guard case .slice(let start, let stop, let step) = entry else { return nil }
            return SliceArithmetic.symbolicCount(start: start, stop: stop, step: step, length: length)
        }
    }
}

// MARK: - Batching helpers

extension BasicIndexing {
    /// Whether an index input (the node's inputs from position `first` on) gained batch dims.
    package static func hasBatchedIndex(_ node: Apply, _ batchedInputs: [Variable], from first: Int) -> Bool {
        zip(batchedInputs, node.inputs).dropFirst(first).contains { $0.ndim != $1.ndim }
    }

    /// The `Blockwise` fallback for batched index inputs (one index value per batch entry).
    ///
    /// `Blockwise` takes tensors only, so scalar-kind inputs enter as 0-d tensors (constants as
    /// tensor constants, conversions undone); the ops declare their index inputs scalar-kind
    /// (``TakesScalarKindInputs``) so each core node sees PyTensor scalars again.
    package static func blockwise(_ op: some Op, node: Apply, batchedInputs: [Variable]) -> [Variable] {
        let tensors = batchedInputs.map { input -> Variable in
            guard input.type.isScalarKind else { return input }
            if let value = input.constantValue { return Variable(constant: value) }
            return unscalarized(input)
        }
        return buildOutputs(
            Blockwise(op, signature: genericSignature(node)), tensors, outputCount: node.outputTypes.count)
    }
}

// MARK: - Slice arithmetic

/// numpy's normalisation of indices and slices (`slice.indices`), at run time and symbolically.
package enum SliceArithmetic {
    /// A slice resolved against a length: `count` elements `start, start+step, …`, all in range.
    package struct Resolved: Equatable {
        package let start: Int
        package let step: Int
        package let count: Int
    }

    /// The position `index` designates in a dimension of `length` (negative counts from the
    /// end), or nil when it is out of range.
    package static func normalized(index: Int, length: Int) -> Int? {
        let position = index < 0 ? index + length : index
        return (0..<length).contains(position) ? position : nil
    }

    /// numpy's `slice(start, stop, step).indices(length)` and the element count; nil when the
    /// step is zero. Out-of-range bounds clamp as in numpy.
    package static func normalized(start: Int?, stop: Int?, step: Int?, length: Int) -> Resolved? {
        var step = step ?? 1
        if step == 0 { return nil }
        // Python clamps the step so that negating it cannot overflow.
        if step < -Int.max { step = -Int.max }
        let backward = step < 0
        func clamp(_ bound: Int) -> Int {
            if bound < 0 {
                let shifted = bound + length
                return shifted < 0 ? (backward ? -1 : 0) : shifted
            }
            return bound >= length ? (backward ? length - 1 : length) : bound
        }
        let first = start.map(clamp) ?? (backward ? length - 1 : 0)
        let end = stop.map(clamp) ?? (backward ? -1 : length)
        let count: Int
        if backward {
            count = end < first ? (first - end - 1) / (-step) + 1 : 0
        } else {
            count = first < end ? (end - first - 1) / step + 1 : 0
        }
        return Resolved(start: first, step: step, count: count)
    }

    /// The symbolic element count of `start:stop:step` over a dimension of symbolic `length`,
    /// built from int64 Elemwise ops; constant parts fold where that is exact.
    package static func symbolicCount(start: Variable?, stop: Variable?, step: Variable?, length: Variable) -> Variable {
        let len = SymbolicInt(index: length)
        let stepTerm = step.map(SymbolicInt.init(index:)) ?? .constant(1)
        switch stepTerm {
        case .constant(let value):
            // `:`, `::1` and `::-1` keep the whole dimension.
            if start == nil && stop == nil && (value == 1 || value == -1) { return length }
            let backward = value < 0
            let magnitude = SymbolicInt.constant(backward ? -max(value, -Int.max) : value)
            return count(start: start, stop: stop, step: magnitude, backward: backward, length: len).variable
        case .symbol(let symbolicStep):
            // The sign is known only at run time: compute both counts and pick one.
            let negative = symbolicStep .< shapeConstant(0)
            let forward = count(
                start: start, stop: stop, step: .symbol(symbolicStep), backward: false, length: len)
            let backward = count(
                start: start, stop: stop, step: .symbol(-symbolicStep), backward: true, length: len)
            return select(negative, backward.variable, forward.variable)
        }
    }

    /// The count for a step of known direction whose magnitude is `step` (> 0 at run time).
    private static func count(
        start: Variable?, stop: Variable?, step: SymbolicInt, backward: Bool, length: SymbolicInt
    ) -> SymbolicInt {
        // Bounds clamp into [0, length] going forward and into [-1, length - 1] going backward.
        let low: SymbolicInt = backward ? .constant(-1) : .constant(0)
        let high = backward ? length - .constant(1) : length
        func clamped(_ bound: Variable?, default fallback: SymbolicInt) -> SymbolicInt {
            guard let bound else { return fallback }
            switch SymbolicInt(index: bound) {
            case .constant(let value):
                return value >= 0 ? .minimum(.constant(value), high) : .maximum(length + .constant(value), low)
            case .symbol(let variable):
                let shifted = select(variable .< shapeConstant(0), variable + length.variable, variable)
                return .minimum(.maximum(.symbol(shifted), low), high)
            }
        }
        let first = clamped(start, default: backward ? high : .constant(0))
        let end = clamped(stop, default: backward ? .constant(-1) : length)
        let span = backward ? first - end : end - first
        if step == .constant(1) { return .maximum(span, .constant(0)) }
        return .maximum(.floorDivide(span - .constant(1), step) + .constant(1), .constant(0))
    }
}

/// An int64 shape expression that is either a known integer or a graph variable, so constant
/// parts of slice arithmetic fold instead of growing the shape graph.
package enum SymbolicInt: Equatable {
    case constant(Int)
    case symbol(Variable)

    /// An index input as an int64 tensor term: scalar kinds seen through (or converted, see
    /// ``BasicIndexing/unscalarized(_:)``) and narrower integers cast.
    package init(index: Variable) {
        if let value = BasicIndexing.constantInt(index) {
            self = .constant(value)
        } else {
            let tensor = BasicIndexing.unscalarized(index)
            self = .symbol(tensor.dtype == .int64 ? tensor : tensor.cast(to: .int64))
        }
    }

    package var variable: Variable {
        switch self {
        case .constant(let value): shapeConstant(value)
        case .symbol(let variable): variable
        }
    }

    package static func == (lhs: SymbolicInt, rhs: SymbolicInt) -> Bool {
        switch (lhs, rhs) {
        case (.constant(let a), .constant(let b)): a == b
        case (.symbol(let a), .symbol(let b)): a === b
        default: false
        }
    }

    package static func + (lhs: SymbolicInt, rhs: SymbolicInt) -> SymbolicInt {
        switch (lhs, rhs) {
        case (.constant(let a), .constant(let b)): .constant(a &+ b)
        case (_, .constant(0)): lhs
        case (.constant(0), _): rhs
        default: .symbol(lhs.variable + rhs.variable)
        }
    }

    package static func - (lhs: SymbolicInt, rhs: SymbolicInt) -> SymbolicInt {
        switch (lhs, rhs) {
        case (.constant(let a), .constant(let b)): .constant(a &- b)
        case (_, .constant(0)): lhs
        default: .symbol(lhs.variable - rhs.variable)
        }
    }

    /// Python's `//` (the divisor is positive wherever the result is used).
    package static func floorDivide(_ lhs: SymbolicInt, _ rhs: SymbolicInt) -> SymbolicInt {
        switch (lhs, rhs) {
        case (_, .constant(1)): lhs
        case (.constant(let a), .constant(let b)) where b != 0:
            .constant(Int(Int64.floorDivide(Int64(a), Int64(b))))
        default: .symbol(intDiv(lhs.variable, rhs.variable))
        }
    }

    package static func maximum(_ lhs: SymbolicInt, _ rhs: SymbolicInt) -> SymbolicInt {
        if case .constant(let a) = lhs, case .constant(let b) = rhs { return .constant(Swift.max(a, b)) }
        return .symbol(CotangentOps.maximum(lhs.variable, rhs.variable))
    }

    package static func minimum(_ lhs: SymbolicInt, _ rhs: SymbolicInt) -> SymbolicInt {
        if case .constant(let a) = lhs, case .constant(let b) = rhs { return .constant(Swift.min(a, b)) }
        return .symbol(CotangentOps.minimum(lhs.variable, rhs.variable))
    }
}

// MARK: - StableHLO

/// The region a basic index selects in an exported array, resolved with the index values known
/// at export: per axis of the indexed array, the selected positions in ascending order (`first`,
/// `stride` > 0, `count`), whether they are taken in reverse (a negative step), whether the axis
/// is removed (an integer index), and a run-time start for an integer index computed in the
/// graph (a loop counter), already wrapped from negative values.
package struct ExportedRegion {
    package var first: [Int] = []
    package var stride: [Int] = []
    package var count: [Int] = []
    package var reversed: [Bool] = []
    package var removed: [Bool] = []
    package var dynamicStart: [StableHLOValue?] = []

    /// The region's shape with the removed axes kept as length 1.
    package var shape: [Int] { count }

    /// Whether some integer index is only known at run time.
    package var isDynamic: Bool { dynamicStart.contains { $0 != nil } }

    /// Resolves `entries` over `x` with the index operands (`indexInputs` are their variables).
    package init(
        entries: [IndexEntry], x: StableHLOValue, indexOperands: [StableHLOValue], indexInputs: [Variable],
        context: any StableHLOContext, op: String
    ) throws {
        let b = context.builder
        var next = 0
        func take() -> (Int?, StableHLOValue) {
            defer { next += 1 }
            let known = context.staticValue(of: indexInputs[next]).map { Int($0.item(Int64.self)) }
            return (known, indexOperands[next])
        }
        for axis in 0..<x.rank {
            let length = x.shape[axis]
            let entry = axis < entries.count ? entries[axis] : .fullSlice
            var (first, stride, count, reverse, remove) = (0, 1, length, false, false)
            var dynamic: StableHLOValue? = nil
            switch entry {
            case .index:
                let (known, operand) = take()
                remove = true
                count = 1
                if let known {
                    guard let position = SliceArithmetic.normalized(index: known, length: length) else {
                        throw StableHLONotExportable(
                            "index \(known) is out of bounds for axis \(axis) with size \(length)")
                    }
                    first = position
                } else {
                    // XLA clamps a start index into range where Cotangent's kernel throws.
                    let index = b.convert(b.reshape(operand, []), to: .int64)
                    let wrapped = b.add(index, b.constant(integer: Int64(length), .int64))
                    dynamic = b.select(b.compare("LT", index, b.constant(integer: 0, .int64)), wrapped, index)
                }
            case .slice(let hasStart, let hasStop, let hasStep):
                let start = hasStart ? take().0 : nil
                let stop = hasStop ? take().0 : nil
                let step = hasStep ? take().0 : nil
                let given = [hasStart ? start : 0, hasStop ? stop : 0, hasStep ? step : 0]
                guard given.allSatisfy({ $0 != nil }) else {
                    throw StableHLONotExportable("\(op): slice bounds computed at run time (the result's shape would depend on them)")
                }
                guard let slice = SliceArithmetic.normalized(start: start, stop: stop, step: step, length: length) else {
                    throw StableHLONotExportable("\(op): slice step is zero")
                }
                count = slice.count
                if slice.step > 0 {
                    (first, stride) = (slice.start, slice.step)
                } else {
                    (first, stride, reverse) = (slice.start + (slice.count - 1) * slice.step, -slice.step, true)
                }
                if count == 0 { first = 0 }
            }
            self.first.append(first)
            self.stride.append(stride)
            self.count.append(count)
            self.reversed.append(reverse)
            self.removed.append(remove)
            self.dynamicStart.append(dynamic)
        }
    }

    /// The elements of `x` in the region (removed axes still present with length 1).
    package func select(from x: StableHLOValue, builder b: StableHLOBuilder) -> StableHLOValue {
        let limit = x.shape.indices.map { count[$0] == 0 ? first[$0] : first[$0] + (count[$0] - 1) * stride[$0] + 1 }
        let staticFirst = x.shape.indices.map { dynamicStart[$0] == nil ? first[$0] : 0 }
        let staticLimit = x.shape.indices.map { dynamicStart[$0] == nil ? limit[$0] : x.shape[$0] }
        var value = b.slice(x, start: staticFirst, limit: staticLimit, strides: stride)
        value = b.reverse(value, dimensions: x.shape.indices.filter { reversed[$0] })
        if isDynamic {
            let zero = b.constant(integer: 0, .int64)
            value = b.dynamicSlice(
                value, starts: dynamicStart.map { $0 ?? zero },
                sizes: value.shape.indices.map { dynamicStart[$0] == nil ? value.shape[$0] : 1 })
        }
        return value
    }

    /// `x` with the region replaced by (`set`) or incremented by `update` (of the region's
    /// shape and `x`'s dtype).
    package func write(_ update: StableHLOValue, into x: StableHLOValue, set: Bool, builder b: StableHLOBuilder) throws
        -> StableHLOValue
    {
        if count.contains(0) { return x }
        if isDynamic {
            guard stride.allSatisfy({ $0 == 1 }), !reversed.contains(true) else {
                throw StableHLONotExportable(
                    "a strided slice next to an integer index computed at run time cannot be written in place")
            }
            let starts = x.shape.indices.map { dynamicStart[$0] ?? b.constant(integer: Int64(first[$0]), .int64) }
            let value = set ? update : b.add(b.dynamicSlice(x, starts: starts, sizes: count), update)
            return b.dynamicUpdateSlice(x, value, starts: starts)
        }
        // A static region: the update spread over x's shape by padding (interior padding for
        // strides), then added, or chosen where a mask padded the same way is true.
        let ordered = b.reverse(update, dimensions: x.shape.indices.filter { reversed[$0] })
        let high = x.shape.indices.map { x.shape[$0] - (first[$0] + (count[$0] - 1) * stride[$0] + 1) }
        let interior = stride.map { $0 - 1 }
        let spread = b.pad(ordered, with: b.constant(0, x.dtype), low: first, high: high, interior: interior)
        if !set { return b.add(x, spread) }
        let ones = b.constant(1, .bool, shape: count)
        let mask = b.pad(ones, with: b.constant(0, .bool), low: first, high: high, interior: interior)
        return b.select(mask, spread, x)
    }
}
