extension NDArray {
    /// The sub-array at leading indices, as numpy's `a[i, j]`: all indices give a 0-d array,
    /// fewer give the remaining dimensions (a view, nothing copied). Negative indices count from
    /// the end (`-1` is the last).
    ///
    /// ```swift
    /// let a: NDArray = [[1, 2, 3], [4, 5, 6]]
    /// try a[1, 2]     // array(6): 0-d
    /// try a[-1]       // array([4, 5, 6])
    /// ```
    ///
    /// - Throws: ``NDArrayError/indexOutOfRange(index:axis:length:)`` for an index outside
    ///   `-length..<length`, ``NDArrayError/wrongIndexCount(given:ndim:)`` for more indices than
    ///   dimensions.
    public subscript(_ indices: Int...) -> NDArray {
        get throws(NDArrayError) {
            guard indices.count <= ndim else { throw .wrongIndexCount(given: indices.count, ndim: ndim) }
            return NDArray(
                dtype: dtype, shape: Array(shape.dropFirst(indices.count)),
                strides: Array(strides.dropFirst(indices.count)), offset: try storageOffset(of: indices),
                storage: storage)
        }
    }

    /// The slice of the leading dimensions, one range per dimension, as numpy's `a[i:j, k:l]`:
    /// a view, nothing copied. As in numpy, a negative bound counts from the end and bounds past
    /// either end are clipped, so a slice is never out of range (it may be empty).
    ///
    /// ```swift
    /// let a: NDArray = [[1, 2, 3], [4, 5, 6]]
    /// try a[0..<1, 1..<3]   // array([[2, 3]])
    /// try a[-1..<2]         // array([[4, 5, 6]])
    /// ```
    ///
    /// - Throws: ``NDArrayError/wrongIndexCount(given:ndim:)`` for more ranges than dimensions.
    public subscript(_ ranges: Range<Int>...) -> NDArray {
        get throws(NDArrayError) {
            guard ranges.count <= ndim else { throw .wrongIndexCount(given: ranges.count, ndim: ndim) }
            var newShape = shape
            var newOffset = offset
            for (axis, range) in ranges.enumerated() {
                let length = shape[axis]
                func clipped(_ bound: Int) -> Int { min(max(bound < 0 ? bound + length : bound, 0), length) }
                let lower = clipped(range.lowerBound)
                let upper = max(clipped(range.upperBound), lower)
                newShape[axis] = upper - lower
                // An empty slice keeps the array's offset so that it never points past the storage.
                if upper > lower { newOffset += lower * strides[axis] }
            }
            return NDArray(dtype: dtype, shape: newShape, strides: strides, offset: newOffset, storage: storage)
        }
    }

    /// The element at one index per dimension, converted to `T` with numpy's `astype` rules.
    /// Negative indices count from the end.
    ///
    /// ```swift
    /// let a: NDArray = [[1.5, 2.5], [3.5, 4.5]]
    /// try a.element(Double.self, at: 1, 0)    // 3.5
    /// try a.element(Int64.self, at: -1, -1)   // 4
    /// ```
    ///
    /// - Throws: ``NDArrayError/wrongIndexCount(given:ndim:)`` unless there is exactly one index
    ///   per dimension, ``NDArrayError/indexOutOfRange(index:axis:length:)`` for an index outside
    ///   `-length..<length`.
    public func element<T: ArrayElement>(_ type: T.Type, at indices: Int...) throws(NDArrayError) -> T {
        guard indices.count == ndim else { throw .wrongIndexCount(given: indices.count, ndim: ndim) }
        let element = NDArray(dtype: dtype, shape: [], strides: [], offset: try storageOffset(of: indices), storage: storage)
        return element.item(T.self)
    }

    /// Where the element at leading `indices` (negative ones wrapped) sits in the storage.
    private func storageOffset(of indices: [Int]) throws(NDArrayError) -> Int {
        var result = offset
        for (axis, index) in indices.enumerated() {
            let length = shape[axis]
            guard index >= -length && index < length else {
                throw .indexOutOfRange(index: index, axis: axis, length: length)
            }
            result += (index < 0 ? index + length : index) * strides[axis]
        }
        return result
    }
}
