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
