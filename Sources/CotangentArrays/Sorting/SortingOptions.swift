/// The direction of a sort.
package enum SortOrder: Sendable, Hashable {
    /// Smallest first, NaNs last (`numpy.sort`).
    case ascending
    /// Largest first, NaNs first: the reverse of the stable ascending sort, as
    /// `jnp.sort(x, descending=True)`. For indices (`argsort`) equal keys still keep index order,
    /// as `jnp.argsort(x, descending=True, stable=True)`.
    case descending
}

/// Which end of a run of equal elements `searchsorted` reports.
package enum SearchSide: Sendable, Hashable {
    /// The first index `i` with `sorted[i] >= value` (numpy's `side='left'`).
    case left
    /// The first index `i` with `sorted[i] > value` (numpy's `side='right'`).
    case right
}

/// Why a sorting kernel rejected its input.
package enum SortingError: Error, Equatable, CustomStringConvertible {
    /// `axis` is outside `-ndim..<ndim` (0-d arrays have no axis to sort along).
    case axisOutOfRange(axis: Int, ndim: Int)
    /// `k` is negative or larger than the length of the last axis (or the array is 0-d).
    case invalidK(k: Int, length: Int)
    /// The sorted sequences and the searched values do not line up.
    case shapeMismatch(sorted: [Int], values: [Int])

    /// A message in numpy's words.
    package var description: String {
        switch self {
        case .axisOutOfRange(let axis, let ndim):
            "axis \(axis) is out of bounds for array of dimension \(ndim)"
        case .invalidK(let k, let length):
            "k = \(k) must be between 0 and the last axis length \(length)"
        case .shapeMismatch(let sorted, let values):
            "cannot search values of shape \(formatShape(values)) in sorted arrays of shape "
                + "\(formatShape(sorted)): the leading dimensions must agree"
        }
    }
}

extension NDArray {
    /// `axis` made non-negative, or an error when it is out of range.
    func normalizedAxis(_ axis: Int) throws(SortingError) -> Int {
        guard axis >= -ndim, axis < ndim else { throw .axisOutOfRange(axis: axis, ndim: ndim) }
        return axis < 0 ? axis + ndim : axis
    }
}
