/// Which extra outputs ``NDArray/unique(returning:)`` computes.
package struct UniqueOutputs: OptionSet, Sendable {
    package let rawValue: Int
    package init(rawValue: Int) { self.rawValue = rawValue }

    /// The flat index of each unique value's first occurrence (`return_index`).
    package static let indices = UniqueOutputs(rawValue: 1)
    /// For each input element, the index of its value among the unique values (`return_inverse`).
    package static let inverse = UniqueOutputs(rawValue: 2)
    /// How many times each unique value occurs (`return_counts`).
    package static let counts = UniqueOutputs(rawValue: 4)
}

/// The outputs of ``NDArray/unique(returning:)``; the optional ones are nil unless requested.
package struct UniqueResult: Sendable {
    /// The sorted unique values (1-d, the input's dtype).
    package var values: NDArray
    /// int64, one per unique value: the flat index of its first occurrence.
    package var indices: NDArray?
    /// int64, the input's shape: `values[inverse]` rebuilds the input.
    package var inverse: NDArray?
    /// int64, one per unique value: its number of occurrences.
    package var counts: NDArray?
}

extension NDArray {
    /// numpy's `unique` of the flattened array: the sorted distinct values (numpy's order, NaNs
    /// last) and the requested extra outputs.
    ///
    /// As numpy ≥ 2 with `equal_nan=True`, all NaNs count as one value; `-0.0` and `+0.0` are one
    /// value too, represented by whichever occurs first in the input (as numpy's stable sort
    /// leaves it). `inverse` has the input's shape, as in numpy ≥ 2.0.1.
    package func unique(returning outputs: UniqueOutputs = []) -> UniqueResult {
        dtype.dispatchSortable(UniqueKernel(array: contiguous(), outputs: outputs))
    }
}

/// Groups equal keys of a stable sort to compute ``NDArray/unique(returning:)``.
private struct UniqueKernel: SortableVisitor {
    let array: NDArray  // contiguous
    let outputs: UniqueOutputs

    func visit<T: SortableElement>(_ type: T.Type) -> UniqueResult {
        SortScratch.withReused { scratch in unique(type, scratch: scratch) }
    }

    private func unique<T: SortableElement>(_: T.Type, scratch: SortScratch) -> UniqueResult {
        let count = array.count
        let source = array.basePointer(as: T.self) + array.offset
        if outputs.isEmpty {
            // Values only: sort the values themselves (cheaper than a permutation) and keep the
            // first of each run of equal keys.
            var sorted = [T](repeating: T(converting: false), count: count)
            sorted.withUnsafeMutableBufferPointer { buffer in
                if let base = buffer.baseAddress {
                    stableSort(from: source, step: 1, to: base, step: 1, count: count, scratch: scratch)
                }
            }
            var kept: [T] = []
            for value in sorted where kept.last?.sortKey != value.sortKey { kept.append(value) }
            return UniqueResult(values: NDArray(kept))
        }
        var order = [Int64](repeating: 0, count: count)
        order.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress {
                stableArgsort(
                    from: source, step: 1, order: .ascending, to: base, step: 1, count: count,
                    scratch: scratch)
            }
        }
        var values: [T] = []
        var firstIndices: [Int64] = []
        var counts: [Int64] = []
        var inverse = outputs.contains(.inverse) ? [Int64](repeating: 0, count: count) : []
        var lastKey: T.SortKey? = nil
        for position in 0..<count {
            let index = Int(order[position])
            let value = source[index]
            if value.sortKey != lastKey {
                // The stable sort puts each group's first occurrence first.
                values.append(value)
                firstIndices.append(Int64(index))
                counts.append(0)
                lastKey = value.sortKey
            }
            counts[counts.count - 1] += 1
            if outputs.contains(.inverse) { inverse[index] = Int64(values.count - 1) }
        }
        return UniqueResult(
            values: NDArray(values),
            indices: outputs.contains(.indices) ? NDArray(firstIndices) : nil,
            inverse: outputs.contains(.inverse) ? NDArray(shape: array.shape, elements: inverse) : nil,
            counts: outputs.contains(.counts) ? NDArray(counts) : nil)
    }
}
