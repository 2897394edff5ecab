/// The insertion point of `value` in `count` sorted elements read from `sorted` (every `step`
/// elements), in numpy's order (``SortableElement/sortKey``: NaNs last, `-0.0 == +0.0`).
package func insertionIndex<T: SortableElement>(
    of value: T, in sorted: UnsafePointer<T>, step: Int, count: Int, side: SearchSide
) -> Int {
    let key = value.sortKey
    var low = 0
    var high = count
    // Invariant: elements before `low` go before `value`, those from `high` on after it.
    while low < high {
        let middle = low + (high - low) / 2
        let probe = sorted[middle * step].sortKey
        let goesBefore = side == .left ? probe < key : probe <= key
        if goesBefore { low = middle + 1 } else { high = middle }
    }
    return low
}

extension NDArray {
    /// numpy's `searchsorted`: for each element of `values`, the index (int64) at which inserting
    /// it into the sorted lanes of `self` keeps them sorted (`side` picks the end of a run of
    /// equal elements).
    ///
    /// A 1-d `self` is one sorted sequence and `values` may have any shape (the result has that
    /// shape). An N-d `self` (N ≥ 2) holds one sorted sequence per leading index, and `values`
    /// must have N dimensions with the same leading ones: result `[i…, j]` searches
    /// `values[i…, j]` in `self[i…, :]` (the batched form of `jnp.searchsorted` under `vmap`).
    /// The two arrays are compared in their promoted dtype (``DType/promote(_:_:)``). Lanes of
    /// `self` that are not sorted give unspecified (but in-range) indices, as in numpy.
    ///
    /// - Throws: ``SortingError/shapeMismatch(sorted:values:)`` when the leading dimensions
    ///   differ, or `self` is 0-d.
    package func searchSorted(_ values: NDArray, side: SearchSide = .left) throws(SortingError) -> NDArray {
        let batched = ndim >= 2
        guard ndim >= 1, !batched || (values.ndim == ndim && Array(values.shape.dropLast()) == Array(shape.dropLast()))
        else { throw .shapeMismatch(sorted: shape, values: values.shape) }
        let common = DType.promote(dtype, values.dtype)
        return common.dispatchSortable(
            Search(sorted: converted(to: common), values: values.converted(to: common).contiguous(), side: side))
    }
}

/// Runs the binary searches of ``NDArray/searchSorted(_:side:)`` for one element type.
private struct Search: SortableVisitor {
    let sorted: NDArray
    let values: NDArray  // contiguous
    let side: SearchSide

    func visit<T: SortableElement>(_: T.Type) -> NDArray {
        let result = NDArray.uninitialized(dtype: .int64, shape: values.shape)
        let target = result.basePointer(as: Int64.self)
        let needles = values.basePointer(as: T.self) + values.offset
        let haystack = sorted.basePointer(as: T.self)
        let length = sorted.shape[sorted.ndim - 1]
        let step = sorted.strides[sorted.ndim - 1]
        // Values per sorted lane: all of them for one 1-d sequence, else the last axis's length.
        let perLane = sorted.ndim == 1 ? values.count : values.shape.last ?? 1
        var lane = 0
        forEachLane(shape: sorted.shape, axis: sorted.ndim - 1, operands: [(sorted.strides, sorted.offset)]) { starts in
            let base = lane * perLane
            for j in 0..<perLane {
                let index = insertionIndex(
                    of: needles[base + j], in: haystack + starts[0], step: step, count: length, side: side)
                target[base + j] = Int64(index)
            }
            lane += 1
        }
        if length == 0 {
            // No lanes were visited: every value goes at index 0.
            if result.count > 0 { target.initialize(repeating: 0, count: result.count) }
        }
        return result
    }
}
