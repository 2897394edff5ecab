import CotangentArrays
import CotangentGraph

// numpy's advanced indexing shared by the four advanced-indexing ops: the index pattern they
// carry as a prop, their operand checks, the static and symbolic result shapes, and the run-time
// resolution of an index into gather tables (`GatherTables`), kept together so that the static
// shape, inferShape and the kernels follow one reading of numpy's rules:
//
// - every integer or boolean index array is an advanced index; integer scalars next to them are
//   0-d advanced indices (numpy's rule: `T[0, :, idx]` treats `0` like an array);
// - a boolean mask of rank k stands for the k integer arrays of its `nonzero()`;
// - the advanced indices broadcast together to one shape B;
// - B replaces the indexed dimensions in place when the advanced indices are adjacent in the
//   subscript, and goes first when a slice (or a new axis) separates them.

/// One entry of an advanced-indexing pattern (PyTensor's `idx_list` of `AdvancedSubtensor`): an
/// index array (integer of any rank, or a boolean mask) or a slice and which of its parts are
/// given. The arrays and the slice parts (0-d int64 tensors) are the node's inputs, in order.
public enum AdvancedIndexEntry: Hashable, Sendable {
    /// An integer index array or a boolean mask: an input tensor.
    case array
    /// A slice; absent parts take numpy's defaults.
    case slice(hasStart: Bool, hasStop: Bool, hasStep: Bool)

    /// `:`, the slice that keeps a whole dimension.
    public static let fullSlice = AdvancedIndexEntry.slice(hasStart: false, hasStop: false, hasStep: false)

    /// How many inputs this entry reads.
    package var inputCount: Int {
        switch self {
        case .array: 1
        case .slice(let hasStart, let hasStop, let hasStep):
            (hasStart ? 1 : 0) + (hasStop ? 1 : 0) + (hasStep ? 1 : 0)
        }
    }

    /// PyTensor's text of an `idx_list`: the index input each part reads, by position,
    /// `(0, slice(1, None, None))`.
    package static func format(_ entries: [AdvancedIndexEntry]) -> String {
        var next = 0
        func part(_ given: Bool) -> String {
            guard given else { return "None" }
            defer { next += 1 }
            return String(next)
        }
        let items = entries.map { entry -> String in
            switch entry {
            case .array: return part(true)
            case .slice(let hasStart, let hasStop, let hasStep):
                let (start, stop, step) = (part(hasStart), part(hasStop), part(hasStep))
                return "slice(\(start), \(stop), \(step))"
            }
        }
        return "(" + items.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    }
}

package enum AdvancedIndexing {
    /// The input each entry reads (arrays) or nil (slices), in entry order.
    package static func arrayInputs(_ entries: [AdvancedIndexEntry], _ indexInputs: [Variable]) -> [Variable?] {
        var next = indexInputs.makeIterator()
        return entries.map { entry in
            switch entry {
            case .array: return next.next()!
            case .slice:
                for _ in 0..<entry.inputCount { _ = next.next() }
                return nil
            }
        }
    }

    /// How many dimensions of the indexed tensor each entry consumes (a mask its rank).
    package static func consumed(_ entries: [AdvancedIndexEntry], _ indexInputs: [Variable]) -> [Int] {
        arrayInputs(entries, indexInputs).map { array in
            guard let array else { return 1 }
            return array.dtype == .bool ? array.ndim : 1
        }
    }

    /// numpy's placement rule: whether the advanced entries form one run in the subscript (then
    /// the broadcast index dims replace them in place; otherwise they go first).
    package static func isAdjacent(_ entries: [AdvancedIndexEntry]) -> Bool {
        let positions = entries.indices.filter { entries[$0] == .array }
        guard let first = positions.first else { return true }
        return positions.last! - first + 1 == positions.count
    }

    /// Checks the operands of an advanced-indexing op.
    package static func checkOperands(
        op: some Op, entries: [AdvancedIndexEntry], x: Variable, indexInputs: [Variable], inputs: [Variable]
    ) throws {
        guard !x.type.isScalarKind else {
            throw CotangentError(.invalidGraph, "\(op): cannot index a PyTensor scalar of type \(x.type)")
        }
        let expected = entries.reduce(0) { $0 + $1.inputCount }
        guard indexInputs.count == expected else {
            throw CotangentError(.invalidGraph,
                "\(op): the pattern \(AdvancedIndexEntry.format(entries)) needs \(expected) index inputs, got "
                    + "\(indexInputs.count); input types: \(describeTypes(inputs))")
        }
        let arrays = arrayInputs(entries, indexInputs)
        var sliceParts: [Variable] = []
        var next = indexInputs.makeIterator()
        for entry in entries {
            for _ in 0..<entry.inputCount {
                let input = next.next()!
                if entry != .array { sliceParts.append(input) }
            }
        }
        for array in arrays.compactMap({ $0 }) where !(array.dtype.isInteger || array.dtype == .bool) || array.type.isScalarKind {
            throw CotangentError(.invalidGraph,
                "\(op): index arrays must be integer or boolean tensors, got \(array.type) "
                    + "(input types: \(describeTypes(inputs)))")
        }
        for array in arrays.compactMap({ $0 }) where array.dtype == .bool && array.ndim == 0 {
            throw CotangentError(.unsupported,
                "\(op): a 0-d boolean index input is not supported (the subscript x[b] passes it as a new axis and "
                    + "the mask [b]); input types: \(describeTypes(inputs))")
        }
        for part in sliceParts where part.ndim != 0 || !part.dtype.isInteger {
            throw CotangentError(.invalidGraph,
                "\(op): slice bounds must be 0-d integer tensors, got \(part.type) (input types: "
                    + "\(describeTypes(inputs)))")
        }
        let used = consumed(entries, indexInputs).reduce(0, +)
        guard used <= x.ndim else {
            throw CotangentError(.invalidGraph,
                "\(op): too many indices for \(x.type): the tensor is \(x.ndim)-dimensional, but \(used) "
                    + "were indexed (input types: \(describeTypes(inputs)))")
        }
        var axis = 0
        for (entry, array) in zip(entries, arrays) {
            guard let array else { axis += 1; continue }
            if array.dtype == .bool {
                for (k, length) in array.type.shape.enumerated() {
                    if let length, let wanted = x.type.shape[axis + k], length != wanted {
                        throw CotangentError(.invalidGraph,
                            "\(op): boolean index did not match indexed array along axis \(axis + k); size of "
                                + "axis is \(wanted) but size of corresponding boolean axis is \(length)")
                    }
                }
                axis += array.ndim
            } else {
                axis += 1
            }
            _ = entry
        }
        _ = try broadcastIndexShape(arrays.compactMap { $0 }, op: op)
    }

    /// The static shape of the index arrays broadcast together (a mask contributes one dim of
    /// unknown length): known where some array has a known length other than 1.
    package static func broadcastIndexShape(_ arrays: [Variable], op: some Op) throws -> [Int?] {
        let shapes: [[Int?]] = arrays.map { $0.dtype == .bool ? [nil] : $0.type.shape }
        let rank = shapes.map(\.count).max() ?? 0
        var result: [Int?] = []
        for axis in 0..<rank {
            var known: Int? = nil
            var anyUnknown = false
            for shape in shapes {
                let k = axis - (rank - shape.count)
                guard k >= 0 else { continue }
                guard let length = shape[k] else { anyUnknown = true; continue }
                if length == 1 { continue }
                if let existing = known, existing != length {
                    throw CotangentError(.invalidGraph,
                        "\(op): shape mismatch: indexing arrays could not be broadcast together with shapes "
                            + shapes.map { TensorType.format($0) }.joined(separator: " "))
                }
                known = length
            }
            result.append(known ?? (anyUnknown ? nil : 1))
        }
        return result
    }

    /// The lengths of the dims the pattern keeps, before and after the first index array (in the
    /// input's order): `slice(parts, inputLength)` for sliced dims, the input's for the dims
    /// past the pattern.
    private static func keptDims<Length>(
        _ entries: [AdvancedIndexEntry], _ indexInputs: [Variable], _ inputShape: [Length],
        _ slice: ([Variable?], Length) -> Length
    ) -> (before: [Length], after: [Length]) {
        var (before, after) = ([Length](), [Length]())
        var seenArray = false
        var axis = 0
        var parts = indexInputs.makeIterator()
        for (entry, array) in zip(entries, arrayInputs(entries, indexInputs)) {
            if let array {
                seenArray = true
                _ = parts.next()
                axis += array.dtype == .bool ? array.ndim : 1
                continue
            }
            guard case .slice(let hasStart, let hasStop, let hasStep) = entry else { continue }
            let given = [hasStart, hasStop, hasStep].map { $0 ? parts.next()! : nil }
            let length = slice(given, inputShape[axis])
            if seenArray { after.append(length) } else { before.append(length) }
            axis += 1
        }
        return (before, after + inputShape[axis...])
    }

    /// The static shape of the result: the kept dims (slices resolved where constant) and the
    /// broadcast index shape, placed by numpy's rule.
    package static func staticShape(
        op: some Op, entries: [AdvancedIndexEntry], inputShape: [Int?], indexInputs: [Variable]
    ) throws -> [Int?] {
        let arrays = arrayInputs(entries, indexInputs)
        let indexShape = try broadcastIndexShape(arrays.compactMap { $0 }, op: op)
        let (before, after) = keptDims(entries, indexInputs, inputShape) { parts, length -> Int? in
            let values = parts.map { $0.map { BasicIndexing.constantInt($0) } }
            // A part that is given but symbolic makes the length unknown.
            guard let length, !values.contains(where: { $0 != nil && $0! == nil }) else { return nil }
            return SliceArithmetic.normalized(
                start: values[0] ?? nil, stop: values[1] ?? nil, step: values[2] ?? nil, length: length)?.count
        }
        return isAdjacent(entries) ? before + indexShape + after : indexShape + before + after
    }

    /// The symbolic result shape for inferShape.
    package static func symbolicShape(
        entries: [AdvancedIndexEntry], inputShape: [Variable], indexInputs: [Variable], staticShape: [Int?]
    ) -> [Variable] {
        let arrays = arrayInputs(entries, indexInputs)
        let (before, after) = keptDims(entries, indexInputs, inputShape) { parts, length in
            SliceArithmetic.symbolicCount(start: parts[0], stop: parts[1], step: parts[2], length: length)
        }
        // The broadcast index shape: per dim the length of an array that has it (the maximum
        // where several do, which is numpy's broadcast when lengths are 1 or equal).
        let indexShapes: [[Variable]] = arrays.compactMap { $0 }.map { array in
            array.dtype == .bool ? [array.cast(to: .int64).sum()] : array.symbolicShape
        }
        let rank = indexShapes.map(\.count).max() ?? 0
        let lead = isAdjacent(entries) ? before.count : 0
        let indexShape = (0..<rank).map { axis -> Variable in
            if let known = staticShape[lead + axis] { return shapeConstant(known) }
            let candidates = indexShapes.compactMap { shape -> Variable? in
                let k = axis - (rank - shape.count)
                return k >= 0 ? shape[k] : nil
            }
            return candidates.dropFirst().reduce(candidates[0]) { maximum($0, $1) }
        }
        return isAdjacent(entries) ? before + indexShape + after : indexShape + before + after
    }
}

// MARK: - Run time

extension AdvancedIndexing {
    /// An index resolved against an array: the gather tables, the result shape and how the
    /// result's dims split into the outer, index and inner blocks.
    package struct Access {
        /// The array with the slices applied: its offset is the tables' base.
        package var view: NDArray
        package var tables: GatherTables
        package var shape: [Int]
        package var outerRank: Int
        package var indexRank: Int

        /// Tables for a value broadcast to the result's shape, split like the result.
        package func valueTables(_ value: NDArray) -> GatherTables {
            let (shape, strides) = (value.shape, value.strides)
            let split = [0, outerRank, outerRank + indexRank, shape.count]
            func block(_ k: Int) -> [Int] {
                elementOffsets(shape: Array(shape[split[k]..<split[k + 1]]), strides: Array(strides[split[k]..<split[k + 1]]))
            }
            return GatherTables(outer: block(0), index: block(1), inner: block(2))
        }
    }

    /// Resolves a pattern with its run-time index values against `array` (whose `offset` is the
    /// base of the tables). Throws `.invalidValue` naming `op` for an index out of range (the
    /// axis, the index and the length), a zero step or a mask of the wrong shape, and
    /// `.shapeMismatch` for index arrays that do not broadcast.
    package static func access(
        of array: NDArray, entries: [AdvancedIndexEntry], values: ArraySlice<NDArray>, op: some Op
    ) throws -> Access {
        var view = array
        var next = values.startIndex
        func take() -> NDArray {
            defer { next += 1 }
            return values[next]
        }
        // (axis of the view, index values) per advanced index, masks expanded to coordinates.
        var advanced: [(axis: Int, shape: [Int], values: [Int])] = []
        var axis = 0
        for entry in entries {
            switch entry {
            case .slice(let hasStart, let hasStop, let hasStep):
                let parts = [hasStart, hasStop, hasStep].map { $0 ? Int(take().item(Int64.self)) : nil }
                guard axis < view.ndim else { throw tooManyIndices(op, array) }
                guard let slice = SliceArithmetic.normalized(
                    start: parts[0], stop: parts[1], step: parts[2], length: view.shape[axis])
                else {
                    throw CotangentError(.invalidValue,
                        "\(op): slice step cannot be zero (axis \(axis), input shape \(formatShape(array.shape)))")
                }
                view = view.sliced(axis: axis, start: slice.start, step: slice.step, count: slice.count)
                axis += 1
            case .array:
                let index = take()
                if index.dtype == .bool {
                    guard index.ndim >= 1, axis + index.ndim <= view.ndim else { throw tooManyIndices(op, array) }
                    for k in 0..<index.ndim where index.shape[k] != view.shape[axis + k] {
                        throw CotangentError(.invalidValue,
                            "\(op): boolean index did not match indexed array along axis \(axis + k); size of axis "
                                + "is \(view.shape[axis + k]) but size of corresponding boolean axis is \(index.shape[k])")
                    }
                    let coordinates = nonzeroCoordinates(index)
                    for k in 0..<index.ndim {
                        advanced.append((axis + k, [coordinates[k].count], coordinates[k]))
                    }
                    axis += index.ndim
                } else {
                    guard axis < view.ndim else { throw tooManyIndices(op, array) }
                    advanced.append((axis, index.shape, index.asArray(Int64.self).map { Int($0) }))
                    axis += 1
                }
            }
        }
        guard let indexShape = broadcastShapes(advanced.map(\.shape)) else {
            throw CotangentError(.shapeMismatch,
                "\(op): shape mismatch: indexing arrays could not be broadcast together with shapes "
                    + advanced.map { formatShape($0.shape) }.joined(separator: " "))
        }
        let indexCount = indexShape.reduce(1, *)
        var index = [Int](repeating: 0, count: indexCount)
        let contiguous = NDArray.contiguousStrides(indexShape)
        for entry in advanced {
            let length = view.shape[entry.axis]
            let stride = view.strides[entry.axis]
            // The entry's strides inside the broadcast shape (0 along broadcast dims).
            let lead = indexShape.count - entry.shape.count
            let own = NDArray.contiguousStrides(entry.shape)
            let strides = indexShape.indices.map { d -> Int in
                d < lead || entry.shape[d - lead] == 1 ? 0 : own[d - lead]
            }
            for b in 0..<indexCount {
                var rest = b
                var source = 0
                for d in 0..<indexShape.count {
                    let coordinate = rest / contiguous[d]
                    rest -= coordinate * contiguous[d]
                    source += coordinate * strides[d]
                }
                let value = entry.values[source]
                guard let position = SliceArithmetic.normalized(index: value, length: length) else {
                    throw CotangentError(.invalidValue,
                        "\(op): index \(value) is out of bounds for axis \(entry.axis) with size \(length) "
                            + "(input shape \(formatShape(array.shape)), dtype \(array.dtype))")
                }
                index[b] += position * stride
            }
        }
        let advancedAxes = Set(advanced.map(\.axis))
        let firstAdvanced = advanced.map(\.axis).min() ?? 0
        let adjacent = isAdjacent(entries)
        let kept = (0..<view.ndim).filter { !advancedAxes.contains($0) }
        let outerAxes = adjacent ? kept.filter { $0 < firstAdvanced } : []
        let innerAxes = adjacent ? kept.filter { $0 > firstAdvanced } : kept
        func table(_ axes: [Int]) -> [Int] {
            elementOffsets(shape: axes.map { view.shape[$0] }, strides: axes.map { view.strides[$0] })
        }
        let tables = GatherTables(outer: table(outerAxes), index: index, inner: table(innerAxes))
        return Access(
            view: view, tables: tables, shape: outerAxes.map { view.shape[$0] } + indexShape + innerAxes.map { view.shape[$0] },
            outerRank: outerAxes.count, indexRank: indexShape.count)
    }

    private static func tooManyIndices(_ op: some Op, _ array: NDArray) -> CotangentError {
        CotangentError(.invalidValue,
            "\(op): too many indices for an array of shape \(formatShape(array.shape)) (dtype \(array.dtype))")
    }

    /// numpy's `mask.nonzero()`: one coordinate list per dimension, in row-major order.
    package static func nonzeroCoordinates(_ mask: NDArray) -> [[Int]] {
        let flags = mask.asArray(Bool.self)
        let strides = NDArray.contiguousStrides(mask.shape)
        var coordinates = Array(repeating: [Int](), count: mask.ndim)
        for (position, flag) in flags.enumerated() where flag {
            var rest = position
            for d in 0..<mask.ndim {
                coordinates[d].append(rest / strides[d])
                rest %= strides[d]
            }
        }
        return coordinates
    }

    /// `x[idx]`: a fresh contiguous array.
    package static func gather(
        _ x: NDArray, entries: [AdvancedIndexEntry], values: ArraySlice<NDArray>, op: some Op
    ) throws -> NDArray {
        let access = try access(of: x, entries: entries, values: values, op: op)
        return access.view.gathered(access.tables, shape: access.shape)
    }

    /// `x[idx] += y` or `x[idx] = y` on a copy of `x` (or on `x` itself when handed over);
    /// `declared` is `y`'s type in the graph (only its static 1s broadcast).
    package static func scatter(
        _ x: NDArray, _ y: NDArray, declared: TensorType, entries: [AdvancedIndexEntry], values: ArraySlice<NDArray>,
        add: Bool, inPlace: Bool, op: some Op
    ) throws -> NDArray {
        let target = inPlace && x.isContiguous ? x : x.freshCopy()
        let access = try access(of: target, entries: entries, values: values, op: op)
        try IncSubtensor.checkStaticBroadcast(y, declared: declared, into: access.shape, x: x, op: op)
        guard let value = y.converted(to: x.dtype).broadcast(to: access.shape) else {
            throw CotangentError(.shapeMismatch,
                "\(op): cannot broadcast a value of shape \(formatShape(y.shape)) (dtype \(y.dtype)) to the indexed "
                    + "region of shape \(formatShape(access.shape)) (input shape \(formatShape(x.shape)), dtype \(x.dtype))")
        }
        access.view.scatter(value, tables: access.tables, valueTables: access.valueTables(value), add: add)
        return target
    }
}

// MARK: - StableHLO

/// An advanced index resolved for export, as StableHLO's gather and scatter see it: the axes
/// the index arrays select (`indexedAxes`, each with its array broadcast to the common index
/// shape), the axes kept whole or sliced, and where the kept axes land in the result.
///
/// Index arrays are wrapped from negative values; XLA clamps out-of-range gather indices and
/// drops out-of-range scatter updates where Cotangent's kernels throw. A boolean mask must be
/// known at export (its count of trues is the result's length); it becomes the coordinate
/// arrays of its trues.
package struct ExportedAdvancedIndex {
    /// The axes of `x` the index arrays select, in order.
    package var indexedAxes: [Int] = []
    /// The index arrays (int64, broadcast to ``indexShape``), one per indexed axis.
    package var indices: [StableHLOValue] = []
    /// The broadcast shape of the index arrays.
    package var indexShape: [Int] = []
    /// The axes of `x` not indexed by arrays, in order, with their static slices.
    package var keptAxes: [Int] = []
    package var slices: [SliceArithmetic.Resolved] = []
    /// Whether the index dims replace the indexed axes in place (numpy's adjacency rule) rather
    /// than going first.
    package var adjacent = true
    /// How many kept axes come before the index dims when they are adjacent.
    package var keptBefore = 0

    package init(
        entries: [AdvancedIndexEntry], x: StableHLOValue, indexOperands: [StableHLOValue], indexInputs: [Variable],
        context: any StableHLOContext
    ) throws {
        let b = context.builder
        var next = 0
        var axis = 0
        var arrays: [(axis: Int, value: StableHLOValue)] = []
        var firstArrayEntry: Int? = nil
        func takeStatic() throws -> Int {
            defer { next += 1 }
            guard let value = context.staticValue(of: indexInputs[next]) else {
                throw StableHLONotExportable("slice bounds computed at run time (the result's shape would depend on them)")
            }
            return Int(value.item(Int64.self))
        }
        for (position, entry) in entries.enumerated() {
            switch entry {
            case .array:
                let input = indexInputs[next]
                let operand = indexOperands[next]
                next += 1
                if firstArrayEntry == nil {
                    firstArrayEntry = position
                    keptBefore = keptAxes.count
                }
                if input.dtype == .bool {
                    guard let mask = context.staticValue(of: input) else {
                        throw StableHLONotExportable(
                            "a boolean mask computed at run time gives a result whose length depends on its values")
                    }
                    for coordinates in AdvancedIndexing.nonzeroCoordinates(mask) {
                        arrays.append((axis, b.constant(NDArray(coordinates.map { Int64($0) }))))
                        axis += 1
                    }
                } else {
                    arrays.append((axis, operand))
                    axis += 1
                }
            case .slice(let hasStart, let hasStop, let hasStep):
                let start = hasStart ? try takeStatic() : nil
                let stop = hasStop ? try takeStatic() : nil
                let step = hasStep ? try takeStatic() : nil
                guard let slice = SliceArithmetic.normalized(start: start, stop: stop, step: step, length: x.shape[axis])
                else { throw StableHLONotExportable("slice step is zero") }
                keptAxes.append(axis)
                slices.append(slice)
                axis += 1
            }
        }
        for rest in axis..<x.rank {
            keptAxes.append(rest)
            slices.append(SliceArithmetic.Resolved(start: 0, step: 1, count: x.shape[rest]))
        }
        adjacent = AdvancedIndexing.isAdjacent(entries)
        // numpy broadcasting of the index arrays, then negative indices wrapped.
        let rank = arrays.map(\.value.rank).max() ?? 0
        indexShape = (0..<rank).map { d in
            arrays.map { a -> Int in
                let offset = d - (rank - a.value.rank)
                return offset < 0 ? 1 : a.value.shape[offset]
            }.max() ?? 1
        }
        for (axis, value) in arrays {
            let index = b.convert(b.broadcast(value, to: indexShape), to: .int64)
            let length = b.constant(Double(x.shape[axis]), .int64, shape: indexShape)
            let negative = b.compare("LT", index, b.constant(0, .int64, shape: indexShape))
            indexedAxes.append(axis)
            indices.append(b.select(negative, b.add(index, length), index))
        }
    }

    /// Where each kept axis lands in the result (or in a scatter's update).
    package var keptPositions: [Int] {
        keptAxes.indices.map { k in
            adjacent && k >= keptBefore ? k + indexShape.count : (adjacent ? k : indexShape.count + k)
        }
    }

    /// The shape of the result (a gather's output, a scatter's update).
    package var resultShape: [Int] {
        var shape = Array(repeating: 0, count: indexShape.count + keptAxes.count)
        let positions = keptPositions
        for (k, position) in positions.enumerated() { shape[position] = slices[k].count }
        let indexPositions = shape.indices.filter { !positions.contains($0) }
        for (d, position) in indexPositions.enumerated() { shape[position] = indexShape[d] }
        return shape
    }

    /// The start-index tensor: `indexShape + [n]`, the columns being `axes`' starts.
    private func startIndices(_ columns: [StableHLOValue], builder b: StableHLOBuilder) -> StableHLOValue {
        let withVector = columns.map { b.reshape($0, indexShape + [1]) }
        return b.concatenate(withVector, dimension: indexShape.count)
    }

    /// `x[index]`: the kept axes sliced statically (with reverses), then one `stablehlo.gather`.
    package func gather(_ x: StableHLOValue, builder b: StableHLOBuilder) -> StableHLOValue {
        var sliced = x
        var start = Array(repeating: 0, count: x.rank)
        var limit = x.shape
        var strides = Array(repeating: 1, count: x.rank)
        var reversed: [Int] = []
        for (k, axis) in keptAxes.enumerated() {
            let slice = slices[k]
            if slice.count == 0 {
                (start[axis], limit[axis]) = (0, 0)
            } else if slice.step > 0 {
                (start[axis], limit[axis], strides[axis]) = (slice.start, slice.start + (slice.count - 1) * slice.step + 1, slice.step)
            } else {
                let low = slice.start + (slice.count - 1) * slice.step
                (start[axis], limit[axis], strides[axis]) = (low, slice.start + 1, -slice.step)
                reversed.append(axis)
            }
        }
        sliced = b.reverse(b.slice(sliced, start: start, limit: limit, strides: strides), dimensions: reversed)
        if indexedAxes.isEmpty { return sliced }
        let sizes = (0..<x.rank).map { indexedAxes.contains($0) ? 1 : sliced.shape[$0] }
        let numbers =
            "#stablehlo.gather<offset_dims = \(stableHLOList(keptPositions)), "
            + "collapsed_slice_dims = \(stableHLOList(indexedAxes)), start_index_map = \(stableHLOList(indexedAxes)), "
            + "index_vector_dim = \(indexShape.count)>"
        return b.emit1(
            "stablehlo.gather", [sliced, startIndices(indices, builder: b)],
            attributes: [
                "dimension_numbers = \(numbers)", "slice_sizes = \(stableHLOArray(sizes))", "indices_are_sorted = false",
            ],
            result: StableHLOType(x.dtype, resultShape))
    }

    /// `x[index] += update` or `x[index] = update` (update of ``resultShape``, x's dtype):
    /// one `stablehlo.scatter`. Repeated indices add up; for a set, XLA picks one of them.
    package func scatter(_ x: StableHLOValue, _ update: StableHLOValue, set: Bool, builder b: StableHLOBuilder) throws
        -> StableHLOValue
    {
        guard slices.allSatisfy({ $0.step == 1 || $0.count <= 1 }) else {
            throw StableHLONotExportable("a strided slice next to index arrays in an increment is not lowered")
        }
        if resultShape.contains(0) { return x }
        // Kept axes sliced from a nonzero start get that start as an extra index column.
        var columns = indices
        var startAxes = indexedAxes
        for (k, axis) in keptAxes.enumerated() where slices[k].start != 0 {
            columns.append(b.constant(Double(slices[k].start), .int64, shape: indexShape))
            startAxes.append(axis)
        }
        let scalar = StableHLOType(x.dtype, [])
        let body = b.region([scalar, scalar]) { r, a in [set ? a[1] : r.add(a[0], a[1])] }
        let numbers =
            "#stablehlo.scatter<update_window_dims = \(stableHLOList(keptPositions)), "
            + "inserted_window_dims = \(stableHLOList(indexedAxes)), "
            + "scatter_dims_to_operand_dims = \(stableHLOList(startAxes)), index_vector_dim = \(indexShape.count)>"
        return b.emit1(
            "stablehlo.scatter", [x, startIndices(columns, builder: b), update], regions: [body],
            attributes: ["scatter_dimension_numbers = \(numbers)", "indices_are_sorted = false", "unique_indices = false"],
            result: x.type)
    }
}
