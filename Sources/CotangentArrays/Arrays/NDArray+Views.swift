/// Views: arrays that share storage with their source (transpose, slicing, broadcasting,
/// reshaping a contiguous array).
extension NDArray {
    /// The dimensions reordered: result dim `i` is source dim `axes[i]`.
    ///
    /// - Precondition: `axes` is a permutation of `0..<ndim`.
    public func transposed(_ axes: [Int]) -> NDArray {
        precondition(axes.sorted() == Array(0..<ndim), "transposed: \(axes) is not a permutation")
        return NDArray(
            dtype: dtype, shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] },
            offset: offset, storage: storage)
    }

    /// A view with a length-1 dimension inserted at each of `axes` (positions in the result).
    package func expandingDims(_ axes: [Int]) -> NDArray {
        var newShape = shape
        var newStrides = strides
        for axis in axes.sorted() {
            newShape.insert(1, at: axis)
            newStrides.insert(0, at: axis)
        }
        return NDArray(
            dtype: dtype, shape: newShape, strides: newStrides, offset: offset, storage: storage)
    }

    /// A view without the given length-1 dimensions.
    package func squeezingDims(_ axes: [Int]) -> NDArray {
        let dropped = Set(axes)
        let kept = shape.indices.filter { !dropped.contains($0) }
        return NDArray(
            dtype: dtype, shape: kept.map { shape[$0] }, strides: kept.map { strides[$0] },
            offset: offset, storage: storage)
    }

    /// A view broadcast to `target` (numpy rules: align right, length-1 dims stretch).
    ///
    /// Returns nil when the shapes are incompatible.
    public func broadcast(to target: [Int]) -> NDArray? {
        guard target.count >= ndim else { return nil }
        let lead = target.count - ndim
        var newStrides = [Int](repeating: 0, count: target.count)
        for axis in 0..<ndim {
            let length = shape[axis]
            let wanted = target[lead + axis]
            if length == wanted {
                newStrides[lead + axis] = length == 1 ? 0 : strides[axis]
            } else if length == 1 {
                newStrides[lead + axis] = 0
            } else {
                return nil
            }
        }
        return NDArray(
            dtype: dtype, shape: target, strides: newStrides, offset: offset, storage: storage)
    }

    /// The same elements in a new shape (row-major order). A view when the array is
    /// contiguous, else a copy.
    ///
    /// - Precondition: the element counts agree.
    public func reshaped(_ newShape: [Int]) -> NDArray {
        precondition(
            newShape.reduce(1, *) == count,
            "reshaped: cannot reshape array of shape \(formatShape(shape)) into \(formatShape(newShape))"
        )
        let source = contiguous()
        return NDArray(
            dtype: dtype, shape: newShape, strides: NDArray.contiguousStrides(newShape),
            offset: source.offset, storage: source.storage)
    }

    /// A view selecting `start, start+step, …` (`count` elements) along `axis`.
    package func sliced(axis: Int, start: Int, step: Int, count: Int) -> NDArray {
        var newShape = shape
        var newStrides = strides
        newShape[axis] = count
        newStrides[axis] = strides[axis] * step
        let newOffset = count > 0 ? offset + start * strides[axis] : offset
        return NDArray(
            dtype: dtype, shape: newShape, strides: newStrides, offset: newOffset,
            storage: storage)
    }

    /// A view of the sub-array at `index` along `axis` (that dimension removed).
    package func indexed(axis: Int, at index: Int) -> NDArray {
        // Built in one pass each (a loop takes a row of its sequences on every step).
        var newShape: [Int] = []
        var newStrides: [Int] = []
        newShape.reserveCapacity(shape.count - 1)
        newStrides.reserveCapacity(shape.count - 1)
        for position in shape.indices where position != axis {
            newShape.append(shape[position])
            newStrides.append(strides[position])
        }
        return NDArray(
            dtype: dtype, shape: newShape, strides: newStrides,
            offset: offset + index * strides[axis], storage: storage)
    }
}

/// numpy's broadcast of several shapes, or nil when they are incompatible.
package func broadcastShapes(_ shapes: [[Int]]) -> [Int]? {
    let rank = shapes.map(\.count).max() ?? 0
    var result = [Int](repeating: 1, count: rank)
    for shape in shapes {
        let lead = rank - shape.count
        for (axis, length) in shape.enumerated() {
            let current = result[lead + axis]
            if current == 1 {
                result[lead + axis] = length
            } else if length != 1 && length != current {
                return nil
            }
        }
    }
    return result
}

/// The rows of an array along its first axis, as views that share one shape array and one
/// strides array: a loop takes a row of each of its sequences on every step, and
/// ``NDArray/indexed(axis:at:)`` would build both arrays each time. (A class: the loop reads
/// it on every step, and copying a struct of four references retains each.)
package final class RowViews: Sendable {
    private let array: NDArray
    private let rowShape: [Int]
    private let rowStrides: [Int]
    private let step: Int

    /// The rows of `array`, which has at least one axis.
    package init(_ array: NDArray) {
        self.array = array
        rowShape = Array(array.shape.dropFirst())
        rowStrides = Array(array.strides.dropFirst())
        step = array.strides[0]
    }

    /// Row `index` (`array[index]`), a view of the array's memory.
    package func row(_ index: Int) -> NDArray {
        NDArray(
            dtype: array.dtype, shape: rowShape, strides: rowStrides, offset: array.offset + index * step,
            storage: array.storage)
    }
}
