import CotangentArrays
import CotangentGraph

// numpy's shape and creation helpers, composed from existing ops (basic and advanced indexing,
// Join, Alloc, DimShuffle, ARange, Elemwise): each gets its derivatives and batching rule from
// the ops it is made of. Index arithmetic is int64.

/// An int64 0-d constant.
private func int64(_ value: Int) -> Variable { Variable(constant: NDArray(scalar: Int64(value))) }

/// `axis` resolved against `x`'s rank, or the reported error.
private func resolvedAxis(_ axis: Int, _ x: Variable, _ function: String) throws -> Int {
    try normalizedAxis(axis, of: x, in: function)
}

/// Full slices up to `axis`, then `index`: the subscript that indexes one axis.
private func alongAxis(_ axis: Int, _ index: any TensorIndexConvertible) -> [any TensorIndexConvertible] {
    Array(repeating: TensorIndex.all, count: axis) + [index]
}

/// numpy's `repeat(x, count, axis)`: each entry along `axis` repeated `count` times (the
/// flattened `x` without an axis).
public func repeated(_ x: Variable, count: Int, axis: Int? = nil) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard count >= 0 else { throw CotangentError(.invalidGraph, "repeated: count must be ≥ 0, got \(count) (\(x.type))") }
        guard let axis else { return repeated(x.flattened(), count: count, axis: 0) }
        let resolved = try resolvedAxis(axis, x, "repeated")
        let positions = intDiv(arange(x.length(ofDimension: resolved) * int64(count), dtype: .int64), int64(Swift.max(count, 1)))
        return take(x, positions, axis: resolved)
    }
}

/// numpy's `tile(x, reps)`: `x` repeated `reps[d]` times along each dim (leading dims added when
/// `reps` is longer than `x`'s rank).
public func tile(_ x: Variable, _ reps: [Int]) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard reps.allSatisfy({ $0 >= 0 }) else { throw CotangentError(.invalidGraph, "tile: repetitions must be ≥ 0, got \(reps) (\(x.type))") }
        var result = reps.count > x.ndim ? x.expandingDims(Array(0..<(reps.count - x.ndim))) : x
        let reps = Array(repeating: 1, count: result.ndim - reps.count) + reps
        for (axis, count) in reps.enumerated() where count != 1 {
            let length = result.length(ofDimension: axis)
            let positions = arange(length * int64(count), dtype: .int64) % length
            result = take(result, positions, axis: axis)
        }
        return result
    }
}

/// numpy's `diff(x, n, axis)`: the `n`-th forward difference along `axis`.
public func diff(_ x: Variable, order: Int = 1, axis: Int = -1) -> Variable {
    reporting(placeholderVariable(x.type)) {
        let resolved = try resolvedAxis(axis, x, "diff")
        guard order >= 0 else { throw CotangentError(.invalidGraph, "diff: order must be ≥ 0, got \(order) (\(x.type))") }
        var result = x
        for _ in 0..<order {
            result = result.indexed(by: alongAxis(resolved, 1...)) - result.indexed(by: alongAxis(resolved, ..<(-1)))
        }
        return result
    }
}

/// numpy's `roll(x, shift, axis)`: entries shifted by `shift` along `axis`, wrapping around (the
/// flattened `x`, reshaped back, without an axis).
public func roll(_ x: Variable, _ shift: Int, axis: Int? = nil) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard let axis else { return roll(x.flattened(), shift, axis: 0).reshaped(to: x.shape) }
        let resolved = try resolvedAxis(axis, x, "roll")
        let length = x.length(ofDimension: resolved)
        return take(x, (arange(length, dtype: .int64) - int64(shift)) % length, axis: resolved)
    }
}

/// numpy's `flip(x, axis)`: the entries along `axis` reversed (all axes without one).
public func flip(_ x: Variable, axis: Int? = nil) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard let axis else { return x.indexed(by: (0..<x.ndim).map { _ in TensorIndex.stride(by: -1) }) }
        return x.indexed(by: alongAxis(try resolvedAxis(axis, x, "flip"), TensorIndex.stride(by: -1)))
    }
}

/// How ``pad(_:_:mode:)`` fills the new entries.
public enum PadMode: Sendable, Hashable {
    /// A constant value (numpy's `constant`, `constant_values`).
    case constant(Double)
    /// The edge entry repeated (numpy's `edge`).
    case edge
    /// The entries mirrored about the edge, the edge not repeated (numpy's `reflect`).
    case reflect
}

/// numpy's `pad(x, widths, mode)`: `widths[d] = (before, after)` entries added along dim `d`
/// (one pair for a vector; missing trailing dims are not padded).
public func pad(_ x: Variable, _ widths: [(Int, Int)], mode: PadMode = .constant(0)) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard widths.count <= x.ndim, widths.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else {
            throw CotangentError(.invalidGraph, "pad: expects at most \(x.ndim) non-negative (before, after) pairs for \(x.type)")
        }
        var result = x
        for (axis, (before, after)) in widths.enumerated() where before > 0 || after > 0 {
            let length = result.length(ofDimension: axis)
            // Source position of each padded entry: i in [-before, length + after).
            let i = arange(int64(-before), length + int64(after), dtype: .int64)
            switch mode {
            case .constant(let value):
                var shape = result.symbolicShape
                shape[axis] = length + int64(before + after)
                let filled = alloc(Variable(constant: NDArray(scalar: value).converted(to: x.dtype)), shape: shape)
                let end: any IndexScalarConvertible = after > 0 ? -after : Int.max
                result = filled.setting(
                    at: alongAxis(axis, after > 0 ? TensorIndex.slice(start: before, stop: end) : TensorIndex.slice(start: before)),
                    to: result)
            case .edge:
                result = take(result, clip(i, min: int64(0), max: length - int64(1)), axis: axis)
            case .reflect:
                // Mirror with period 2(n - 1): |i| mod period, folded back past the last entry.
                let period = maximum((length - int64(1)) * int64(2), int64(1))
                let folded = abs(i) % period
                result = take(result, select(folded .< length, folded, period - folded), axis: axis)
            }
        }
        return result
    }
}

/// numpy's `split(x, indices, axis)`: the pieces between the given positions along `axis`
/// (`split(x, [2, 5])` is `[x[:2], x[2:5], x[5:]]`).
public func split(_ x: Variable, _ indices: [Int], axis: Int = 0) -> [Variable] {
    reporting([placeholderVariable(x.type)]) {
        let resolved = try resolvedAxis(axis, x, "split")
        let bounds: [Int?] = [nil] + indices.map { $0 } + [nil]
        return zip(bounds, bounds.dropFirst()).map { start, stop in
            x.indexed(by: alongAxis(resolved, TensorIndex.slice(start: start, stop: stop)))
        }
    }
}

/// numpy's `hstack`: vectors joined end to end, higher ranks along axis 1.
public func hstack(_ tensors: [Variable]) -> Variable {
    let pieces = tensors.map(atLeast1d)
    return concatenate(pieces, axis: pieces.first.map { $0.ndim == 1 ? 0 : 1 } ?? 0)
}

/// numpy's `vstack`: the tensors (vectors as rows) joined along axis 0.
public func vstack(_ tensors: [Variable]) -> Variable {
    concatenate(tensors.map(atLeast2d), axis: 0)
}

/// numpy's `swapaxes(x, a, b)`.
public func swapAxes(_ x: Variable, _ a: Int, _ b: Int) -> Variable {
    reporting(placeholderVariable(x.type)) {
        let (a, b) = (try resolvedAxis(a, x, "swapAxes"), try resolvedAxis(b, x, "swapAxes"))
        var order = Array(0..<x.ndim)
        order.swapAt(a, b)
        return x.transposed(axes: order)
    }
}

/// numpy's `moveaxis(x, source, destination)`.
public func moveAxis(_ x: Variable, _ source: Int, _ destination: Int) -> Variable {
    reporting(placeholderVariable(x.type)) {
        let source = try resolvedAxis(source, x, "moveAxis")
        let destination = try resolvedAxis(destination, x, "moveAxis")
        var order = Array(0..<x.ndim)
        order.remove(at: source)
        order.insert(source, at: destination)
        return x.transposed(axes: order)
    }
}

/// numpy's `broadcast_to(x, shape)` (a copy: `Alloc`).
public func broadcastTo(_ x: Variable, _ shape: [Int]) -> Variable {
    alloc(x, shape: shape)
}

/// numpy's `broadcast_arrays`: each tensor broadcast to the tensors' common shape.
public func broadcastArrays(_ tensors: [Variable]) -> [Variable] {
    guard let first = tensors.first else { return [] }
    let common = tensors.dropFirst().reduce(zerosLike(first, dtype: .int8)) { $0 + zerosLike($1, dtype: .int8) }
    return tensors.map { alloc($0, shape: common.symbolicShape) }
}

/// numpy's `atleast_1d`: a 0-d tensor as a vector of length 1.
public func atLeast1d(_ x: Variable) -> Variable { x.ndim >= 1 ? x : x.expandingDims([0]) }

/// numpy's `atleast_2d`: leading length-1 dims up to rank 2.
public func atLeast2d(_ x: Variable) -> Variable { x.ndim >= 2 ? x : x.expandingDims(Array(0..<(2 - x.ndim))) }

/// numpy's `atleast_3d`: a vector `(n,)` as `(1, n, 1)`, a matrix `(m, n)` as `(m, n, 1)`.
public func atLeast3d(_ x: Variable) -> Variable {
    switch x.ndim {
    case 0: x.expandingDims([0, 1, 2])
    case 1: x.expandingDims([0, 2])
    case 2: x.expandingDims([2])
    default: x
    }
}

/// The mask of the last two dims where `column - row` compares with `offset`.
private func triangle(_ x: Variable, _ keep: (Variable, Variable) -> Variable, _ function: String) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard x.ndim >= 2 else { throw CotangentError(.invalidGraph, "\(function): expects a tensor of rank ≥ 2, got \(x.type)") }
        let rows = arange(x.length(ofDimension: x.ndim - 2), dtype: .int64).expandingDims([1])
        let columns = arange(x.length(ofDimension: x.ndim - 1), dtype: .int64).expandingDims([0])
        return select(keep(columns - rows, rows), x, zerosLike(x))
    }
}

/// numpy's `tril(x, k)`: entries on and below the `k`-th diagonal of the last two dims kept,
/// the others zero.
public func tril(_ x: Variable, offset: Int = 0) -> Variable {
    triangle(x, { difference, _ in difference .<= int64(offset) }, "tril")
}

/// numpy's `triu(x, k)`: entries on and above the `k`-th diagonal of the last two dims kept,
/// the others zero.
public func triu(_ x: Variable, offset: Int = 0) -> Variable {
    triangle(x, { difference, _ in difference .>= int64(offset) }, "triu")
}

/// numpy's `tril_indices(n, k, m)`: the int64 (rows, columns) of the lower triangle, row by row.
public func trilIndices(_ n: Int, offset: Int = 0, columns m: Int? = nil) -> (rows: Variable, columns: Variable) {
    triangleIndices(n, m ?? n) { $1 - $0 <= offset }
}

/// numpy's `triu_indices(n, k, m)`: the int64 (rows, columns) of the upper triangle, row by row.
public func triuIndices(_ n: Int, offset: Int = 0, columns m: Int? = nil) -> (rows: Variable, columns: Variable) {
    triangleIndices(n, m ?? n) { $1 - $0 >= offset }
}

private func triangleIndices(_ n: Int, _ m: Int, _ keep: (Int, Int) -> Bool) -> (rows: Variable, columns: Variable) {
    var (rows, columns) = ([Int64](), [Int64]())
    for i in 0..<Swift.max(n, 0) {
        for j in 0..<Swift.max(m, 0) where keep(i, j) {
            rows.append(Int64(i))
            columns.append(Int64(j))
        }
    }
    return (Variable(constant: NDArray(shape: [rows.count], elements: rows)),
            Variable(constant: NDArray(shape: [columns.count], elements: columns)))
}

/// numpy's `diagonal(x, offset, axis1, axis2)`: the `offset`-th diagonal of the dims `axis1`
/// and `axis2`, as the last dim of the result.
public func diagonal(_ x: Variable, offset: Int = 0, axis1: Int = 0, axis2: Int = 1) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard x.ndim >= 2 else { throw CotangentError(.invalidGraph, "diagonal: expects a tensor of rank ≥ 2, got \(x.type)") }
        let (a, b) = (try resolvedAxis(axis1, x, "diagonal"), try resolvedAxis(axis2, x, "diagonal"))
        guard a != b else { throw CotangentError(.invalidGraph, "diagonal: axis1 and axis2 cannot be the same (\(a)) (\(x.type))") }
        var order = (0..<x.ndim).filter { $0 != a && $0 != b }
        order += [a, b]
        let moved = x.transposed(axes: order)
        let (rowStart, columnStart) = (Swift.max(-offset, 0), Swift.max(offset, 0))
        let count = maximum(
            minimum(moved.length(ofDimension: x.ndim - 2) - int64(rowStart), moved.length(ofDimension: x.ndim - 1) - int64(columnStart)),
            int64(0))
        let positions = arange(count, dtype: .int64)
        return moved.indexed(by: [TensorIndex.ellipsis, positions + int64(rowStart), positions + int64(columnStart)])
    }
}

/// numpy's `diag(x, k)`: for a vector, the square matrix with `x` on its `k`-th diagonal; for a
/// matrix, its `k`-th diagonal.
public func diag(_ x: Variable, offset: Int = 0) -> Variable {
    reporting(placeholderVariable(x.type)) {
        switch x.ndim {
        case 2: return diagonal(x, offset: offset)
        case 1:
            let size = x.length(ofDimension: 0) + int64(Swift.abs(offset))
            let positions = arange(x.length(ofDimension: 0), dtype: .int64)
            let rows = positions + int64(Swift.max(-offset, 0))
            let columns = positions + int64(Swift.max(offset, 0))
            return zeros(shape: [size, size], dtype: x.dtype).setting(at: [rows, columns], to: x)
        default:
            throw CotangentError(.invalidGraph, "diag: expects a vector or a matrix, got \(x.type)")
        }
    }
}

/// numpy's `trace(x, offset)`: the sum of the `offset`-th diagonal of the first two dims.
public func trace(_ x: Variable, offset: Int = 0) -> Variable {
    diagonal(x, offset: offset).sum(axis: -1)
}

/// numpy's `linspace(start, stop, count)` (float64, endpoint included and exact).
public func linspace(_ start: Double, _ stop: Double, count: Int) -> Variable {
    reporting(placeholderVariable(TensorType(dtype: .float64, shape: [Swift.max(count, 0)]))) {
        guard count >= 0 else { throw CotangentError(.invalidGraph, "linspace: count must be ≥ 0, got \(count)") }
        let step = count > 1 ? (stop - start) / Double(count - 1) : 0
        var values = (0..<count).map { start + Double($0) * step }
        if count > 1 { values[count - 1] = stop }
        return Variable(constant: NDArray(shape: [count], elements: values))
    }
}

/// numpy's `full_like(x, value)`: `x`'s shape filled with `value` (in `x`'s dtype unless given).
public func fullLike(_ x: Variable, _ value: Double, dtype: DType? = nil) -> Variable {
    alloc(Variable(constant: NDArray(scalar: value).converted(to: dtype ?? x.dtype)), shape: x.symbolicShape)
}

/// The identity matrix with the shape of `x`'s last two dims (ones on the diagonal).
public func identityLike(_ x: Variable, dtype: DType? = nil) -> Variable {
    reporting(placeholderVariable(x.type)) {
        guard x.ndim == 2 else { throw CotangentError(.invalidGraph, "identityLike: expects a matrix, got \(x.type)") }
        return eye(x.length(ofDimension: 0), x.length(ofDimension: 1), dtype: dtype ?? x.dtype)
    }
}

/// numpy's `bincount(x, weights, minlength)`: how often each value of the non-negative int
/// vector `x` occurs (or the sum of its weights), length `max(x) + 1` or `minLength`.
public func bincount(_ x: Variable, weights: Variable? = nil, minLength: Int = 0) -> Variable {
    let length = maximum(x.max().cast(to: .int64) + int64(1), int64(minLength))
    let dtype = weights?.dtype ?? .int64
    return zeros(shape: [length], dtype: dtype).incremented(at: x, by: weights ?? Variable(constant: NDArray(scalar: Int64(1))))
}

/// numpy's `nonzero(x)`: for each dim, the int64 coordinates of the nonzero entries in
/// row-major order (lengths known at run time). A 0-d `x` is an error, as in numpy ≥ 2.
public func nonzero(_ x: Variable) -> [Variable] { nonzeroCoordinates(x, "nonzero") }

/// numpy's one-argument `where(condition)`: ``nonzero(_:)``. (Three arguments: `select`.)
public func `where`(_ condition: Variable) -> [Variable] { nonzeroCoordinates(condition, "where") }

/// Each dim's coordinate grid masked by `x != 0`.
private func nonzeroCoordinates(_ x: Variable, _ function: String) -> [Variable] {
    reporting([]) {
        guard x.ndim >= 1 else {
            throw CotangentError(.invalidGraph,
                "\(function): calling nonzero on a 0-d tensor is not allowed (\(x.type)); use atLeast1d(x) first")
        }
        let mask = x.dtype == .bool ? x : x .!= zerosLike(x)
        return (0..<x.ndim).map { d in
            let grid = arange(x.length(ofDimension: d), dtype: .int64).expandingDims((0..<x.ndim).filter { $0 != d })
            return alloc(grid, shape: x.symbolicShape)[mask]
        }
    }
}
