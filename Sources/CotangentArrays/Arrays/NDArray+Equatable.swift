extension NDArray: Equatable {
    /// Whether two arrays have the same dtype, shape and elements, as numpy's `array_equal` with
    /// equal dtypes: NaN differs from everything including NaN, and `-0.0 == 0.0`. Layout
    /// (strides, views) does not matter.
    ///
    /// ```swift
    /// NDArray([1.0, 2.0]) == NDArray([1.0, 2.0])          // true
    /// NDArray([1.0]) == NDArray([1] as [Float])           // false: the dtypes differ
    /// NDArray([Double.nan]) == NDArray([Double.nan])      // false
    /// ```
    public static func == (lhs: NDArray, rhs: NDArray) -> Bool {
        guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape else { return false }
        struct Compare: DTypeVisitor {
            let lhs: NDArray
            let rhs: NDArray
            func visit<T: ArrayElement>(_: T.Type) -> Bool {
                let (a, b) = (lhs.asArray(T.self), rhs.asArray(T.self))
                for k in a.indices where a[k] != b[k] { return false }
                return true
            }
        }
        return lhs.dtype.dispatch(Compare(lhs: lhs, rhs: rhs))
    }
}
