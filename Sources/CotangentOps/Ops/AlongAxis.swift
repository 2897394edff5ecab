import CotangentArrays
import CotangentGraph

// numpy's `take`, `take_along_axis` and `put_along_axis`, composed from advanced indexing (so
// their derivatives and batching rules are the gather's and the scatter's).

/// The advanced index that pairs `indices` (same rank as `x`) with every other dim's positions:
/// `arange(n_d)` shaped to broadcast along dim `d`, and `indices` at `axis`.
private func alongAxisIndex(_ x: Variable, _ indices: Variable, axis: Int) -> [any TensorIndexConvertible] {
    (0..<x.ndim).map { d -> any TensorIndexConvertible in
        if d == axis { return indices }
        let positions = arange(x.length(ofDimension: d), dtype: .int64)
        return positions.expandingDims((0..<x.ndim).filter { $0 != d })
    }
}

/// `axis` of `x` in `0..<x.ndim` (negative counts from the end), or a reported error naming
/// the function and `x`'s type.
package func normalizedAxis(_ axis: Int, of x: Variable, in function: String) throws -> Int {
    let resolved = axis < 0 ? axis + x.ndim : axis
    guard (0..<x.ndim).contains(resolved) else {
        throw CotangentError(.invalidGraph,
            "\(function): axis \(axis) is out of bounds for a tensor of rank \(x.ndim) (\(x.type))")
    }
    return resolved
}

/// numpy's `take_along_axis(x, indices, axis)`: `result[…, i, …] = x[…, indices[…, i, …], …]`
/// along `axis`; `indices` has `x`'s rank and broadcasts along the other dims (the result of
/// `argsort`, `argmax(keepDims: true)`, `topK` indices).
public func takeAlongAxis(_ x: Variable, _ indices: Variable, axis: Int) -> Variable {
    reporting(placeholderVariable(x.type)) {
        let axis = try normalizedAxis(axis, of: x, in: "takeAlongAxis")
        guard indices.ndim == x.ndim, indices.dtype.isInteger else {
            throw CotangentError(.invalidGraph,
                "takeAlongAxis: indices must be an integer tensor of the same rank as \(x.type), got \(indices.type)")
        }
        return x.indexed(by: alongAxisIndex(x, indices, axis: axis))
    }
}

/// numpy's `put_along_axis` on a copy: `x` with `values` written at the positions
/// `takeAlongAxis(x, indices, axis:)` reads (or added there, duplicates accumulating, when
/// `accumulate` is true).
public func putAlongAxis(_ x: Variable, _ indices: Variable, _ values: Variable, axis: Int, accumulate: Bool = false) -> Variable {
    reporting(placeholderVariable(x.type)) {
        let axis = try normalizedAxis(axis, of: x, in: "putAlongAxis")
        guard indices.ndim == x.ndim, indices.dtype.isInteger else {
            throw CotangentError(.invalidGraph,
                "putAlongAxis: indices must be an integer tensor of the same rank as \(x.type), got \(indices.type)")
        }
        let index = alongAxisIndex(x, indices, axis: axis)
        return accumulate ? x.incremented(at: index, by: values) : x.setting(at: index, to: values)
    }
}

/// numpy's `take(x, indices, axis)`: the entries at `indices` (an integer tensor of any rank)
/// along `axis`, whose dim is replaced by `indices`' shape. Without an axis, `x` is flattened.
public func take(_ x: Variable, _ indices: Variable, axis: Int? = nil) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard let axis else { return x.flattened()[indices] }
        let resolved = try normalizedAxis(axis, of: x, in: "take")
        return x.indexed(by: Array(repeating: TensorIndex.all, count: resolved) + [indices])
    }
}
