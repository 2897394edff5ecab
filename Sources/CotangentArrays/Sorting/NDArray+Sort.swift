extension NDArray {
    /// Each 1-d lane along `axis` sorted: a new contiguous array of the same shape and dtype.
    ///
    /// Ascending is numpy's order (`-0.0` equals `+0.0`, NaNs last); the sort is stable, so equal
    /// elements keep their input order as `jnp.sort` keeps them. Descending is the ascending
    /// result reversed (NaNs first), as `jnp.sort(x, descending=True)`.
    ///
    /// - Throws: ``SortingError/axisOutOfRange(axis:ndim:)`` unless `-ndim <= axis < ndim`.
    package func sorted(axis: Int = -1, order: SortOrder = .ascending) throws(SortingError) -> NDArray {
        let axis = try normalizedAxis(axis)
        return dtype.dispatchSortable(LaneSort(array: self, axis: axis, order: order))
    }

    /// The indices (int64) that sort each 1-d lane along `axis`, stably: equal elements keep
    /// index order in both directions, as numpy's `argsort(kind='stable')` and
    /// `jnp.argsort(x, descending=True, stable=True)`. NaNs are last ascending, first descending.
    ///
    /// - Throws: ``SortingError/axisOutOfRange(axis:ndim:)`` unless `-ndim <= axis < ndim`.
    package func argsort(axis: Int = -1, order: SortOrder = .ascending) throws(SortingError) -> NDArray {
        let axis = try normalizedAxis(axis)
        return dtype.dispatchSortable(LaneArgsort(array: self, axis: axis, order: order))
    }
}

/// Sorts every lane of an array into a fresh contiguous array.
private struct LaneSort: SortableVisitor {
    let array: NDArray
    let axis: Int
    let order: SortOrder

    func visit<T: SortableElement>(_: T.Type) -> NDArray {
        let result = NDArray.uninitialized(dtype: T.dtype, shape: array.shape)
        let source = array.basePointer(as: T.self)
        let target = result.basePointer(as: T.self)
        let count = array.shape[axis]
        let sourceStep = array.strides[axis]
        // Descending writes the ascending order backwards, from the lane's last slot.
        let targetStep = order == .ascending ? result.strides[axis] : -result.strides[axis]
        let targetEnd = order == .ascending ? 0 : (count - 1) * result.strides[axis]
        SortScratch.withReused { scratch in
            forEachLane(
                shape: array.shape, axis: axis,
                operands: [(array.strides, array.offset), (result.strides, 0)]
            ) { starts in
                stableSort(
                    from: source + starts[0], step: sourceStep,
                    to: target + starts[1] + targetEnd, step: targetStep, count: count, scratch: scratch)
            }
        }
        return result
    }
}

/// Argsorts every lane of an array into a fresh contiguous int64 array.
private struct LaneArgsort: SortableVisitor {
    let array: NDArray
    let axis: Int
    let order: SortOrder

    func visit<T: SortableElement>(_: T.Type) -> NDArray {
        let result = NDArray.uninitialized(dtype: .int64, shape: array.shape)
        let source = array.basePointer(as: T.self)
        let target = result.basePointer(as: Int64.self)
        let count = array.shape[axis]
        SortScratch.withReused { scratch in
            forEachLane(
                shape: array.shape, axis: axis,
                operands: [(array.strides, array.offset), (result.strides, 0)]
            ) { starts in
                stableArgsort(
                    from: source + starts[0], step: array.strides[axis], order: order,
                    to: target + starts[1], step: result.strides[axis], count: count, scratch: scratch)
            }
        }
        return result
    }
}
