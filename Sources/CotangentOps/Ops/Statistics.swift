import CotangentArrays
import CotangentGraph

// numpy's statistics as compositions of existing ops (reductions, sort, gathers, matrix
// products, elementwise selects), so their derivatives, pushforwards and batching rules are
// those of the parts: `variance`, `standardDeviation`, `median`, `quantile`, `ptp`, `cov`,
// `corrcoef`, the NaN-ignoring reductions and the closeness tests.

// MARK: - Variance and standard deviation

extension Variable {
    /// The variance over `axis`, `sum((x − mean)²) / (N − ddof)` with `N` the number of
    /// elements reduced (numpy's `var`).
    ///
    /// Computed in two passes, the mean first and then the squares of the centred values, so
    /// a large common offset does not cancel the result away. Float32 stays float32; bool and
    /// integer inputs are computed in float64.
    ///
    /// ```swift
    /// x.variance(axis: 0)            // population variance of each column
    /// x.variance(axis: 0, ddof: 1)   // sample variance
    /// ```
    ///
    /// - Parameters:
    ///   - axis: the reduced axis (negative counts from the end); nil reduces every axis.
    ///   - ddof: the delta degrees of freedom subtracted from `N`. A static `N` must exceed it
    ///     (else building stops, or `checked` throws); when `N` is known only at run time,
    ///   `N ≤ ddof` divides by zero as numpy does (inf or NaN).
    ///   - keepDims: keep the reduced axis as a length-1 dimension.
    public func variance(axis: Int? = nil, ddof: Int = 0, keepDims: Bool = false) -> Variable {
        centredSquares(axes: axis.map { [$0] }, ddof: ddof, keepDims: keepDims, function: "variance")
    }

    /// The variance over several axes (negative axes count from the end); see
    /// ``variance(axis:ddof:keepDims:)``.
    public func variance(axes: [Int], ddof: Int = 0, keepDims: Bool = false) -> Variable {
        centredSquares(axes: axes, ddof: ddof, keepDims: keepDims, function: "variance")
    }

    /// The standard deviation over `axis`, the square root of
    /// ``variance(axis:ddof:keepDims:)`` (numpy's `std`). Its derivative is NaN where the
    /// variance is 0, as the square root's is.
    public func standardDeviation(axis: Int? = nil, ddof: Int = 0, keepDims: Bool = false) -> Variable {
        sqrt(centredSquares(axes: axis.map { [$0] }, ddof: ddof, keepDims: keepDims, function: "standardDeviation"))
    }

    /// The standard deviation over several axes; see ``standardDeviation(axis:ddof:keepDims:)``.
    public func standardDeviation(axes: [Int], ddof: Int = 0, keepDims: Bool = false) -> Variable {
        sqrt(centredSquares(axes: axes, ddof: ddof, keepDims: keepDims, function: "standardDeviation"))
    }

    private func centredSquares(axes: [Int]?, ddof: Int, keepDims: Bool, function: String) -> Variable {
        let x = floatValued(self)
        return reporting(placeholderVariable(TensorType(dtype: x.dtype, shape: []))) {
            let axes = try normalizedReductionAxes(axes, of: self, in: function)
            let reduced = Reduce.reducedAxes(axes, ndim: x.ndim)
            let divisor = try degreesOfFreedom(x, along: reduced, ddof: ddof) {
                "\(function): ddof \(ddof) must be less than the \($0) elements reduced over axes \(reduced) of \(type)"
            }
            let centred = x - x.averaged(axes: axes, keepDims: true)
            return sqr(centred).reduced(.sum, axes: axes, keepDims: keepDims) / divisor
        }
    }
}

/// `N − ddof` as a 0-d tensor of `x`'s float dtype, `N` the number of elements of `x` along
/// `axes`: a constant when `N` is static (which must exceed `ddof`, else the error `message`
/// makes of `N` is thrown), else `max(N − ddof, 0)` at run time, numpy's divisor.
private func degreesOfFreedom(
    _ x: Variable, along axes: [Int], ddof: Int, message: (Int) -> String
) throws -> Variable {
    let lengths = axes.compactMap { x.type.shape[$0] }
    guard lengths.count == axes.count else {
        return maximum(x.elementCount(alongAxes: axes, dtype: x.dtype) - Double(ddof), 0)
    }
    // Lengths of a valid type multiply without overflow.
    let count = exactProduct(lengths) ?? Int.max
    guard ddof < count else { throw CotangentError(.invalidGraph, message(count)) }
    return Variable(constant: NDArray.full([], value: Double(count - ddof), dtype: x.dtype))
}

// MARK: - Median and quantiles

/// How `quantile(_:_:axis:method:keepDims:)` picks a value between the two sorted entries
/// around the quantile's position `q·(n − 1)`: numpy's methods of the same names.
public enum QuantileMethod: String, Sendable, Hashable, CaseIterable {
    /// Linear interpolation between the two entries (numpy's default).
    case linear
    /// The entry below the position.
    case lower
    /// The entry above the position.
    case higher
    /// The mean of the two entries (the entry itself at an integer position).
    case midpoint
    /// The entry nearest to the position (ties to the even index).
    case nearest
}

/// The median of `x` over `axis`: the middle entry of each sorted lane, or the mean of the
/// two middle entries when the lane has even length (numpy's `median`).
///
/// A lane containing NaN gives NaN. The derivative reaches the middle entries (half each when
/// two are averaged).
///
/// ```swift
/// median(x)              // over every element
/// median(A, axis: 1)     // one per row
/// ```
///
/// - Parameters:
///   - x: any tensor; bool and integer tensors are computed in float64.
///   - axis: the reduced axis (negative counts from the end); nil takes the median of the
///     flattened tensor. A statically empty axis is an error; one empty only at run time
///     throws when evaluated.
///   - keepDims: keep the reduced axes as length-1 dimensions.
/// - Returns: a float tensor of `x`'s float dtype.
public func median(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    let half = Variable(constant: NDArray.full([], value: 0.5, dtype: floatValued(x).dtype))
    return sortedQuantile(x, half, axis: axis, method: .linear, keepDims: keepDims, function: "median")
}

/// The `q`-th quantiles of `x` over `axis` (numpy's `quantile`): with the entries of a lane
/// sorted, the value at position `q·(n − 1)`, interpolated as `method` says.
///
/// The result has `q`'s dimensions first, then those of `x` that remain: `quantile(A,
/// [0.25, 0.75], axis: 1)` of an `(m, n)` matrix is `(2, m)`. A lane containing NaN gives NaN.
/// Derivatives reach the one or two sorted entries read; with `.linear` (and `.midpoint`
/// between positions) the derivative in `q` is the difference of those entries times
/// `n − 1`.
///
/// ```swift
/// quantile(x, 0.9)
/// quantile(A, [0.25, 0.5, 0.75], axis: 0)
/// ```
///
/// - Parameters:
///   - x: any tensor; bool and integer tensors are computed in float64.
///   - q: the quantiles, each in [0, 1], a tensor of any rank converted to `x`'s float dtype.
///     A constant outside [0, 1] is an error when building; other values are checked when
///     the graph runs.
///   - axis: the reduced axis (negative counts from the end); nil reads the flattened tensor.
///     A statically empty axis is an error; one empty only at run time throws when evaluated.
///   - method: how to pick between the two entries around the position.
///   - keepDims: keep the reduced axes as length-1 dimensions (after `q`'s dimensions).
/// - Returns: a float tensor of `x`'s float dtype.
public func quantile(
    _ x: Variable, _ q: Variable, axis: Int? = nil, method: QuantileMethod = .linear, keepDims: Bool = false
) -> Variable {
    sortedQuantile(x, q, axis: axis, method: method, keepDims: keepDims, function: "quantile")
}

/// The `q`-th quantile of `x` over `axis` for a Swift number `q`; see
/// ``quantile(_:_:axis:method:keepDims:)``.
@_disfavoredOverload
public func quantile(
    _ x: Variable, _ q: Double, axis: Int? = nil, method: QuantileMethod = .linear, keepDims: Bool = false
) -> Variable {
    quantile(x, Variable(floatLiteral: q), axis: axis, method: method, keepDims: keepDims)
}

/// The quantiles of `x` over `axis` for a list of Swift numbers, the quantiles' axis first;
/// see ``quantile(_:_:axis:method:keepDims:)``.
public func quantile(
    _ x: Variable, _ q: [Double], axis: Int? = nil, method: QuantileMethod = .linear, keepDims: Bool = false
) -> Variable {
    quantile(x, Variable(constant: NDArray(shape: [q.count], elements: q)), axis: axis, method: method, keepDims: keepDims)
}

/// The quantile graph of `median` and `quantile`: sort the lanes, gather the entries around
/// each position, interpolate, and give NaN to lanes holding a NaN (sorted last).
private func sortedQuantile(
    _ x: Variable, _ q: Variable, axis: Int?, method: QuantileMethod, keepDims: Bool, function: String
) -> Variable {
    let source = x
    let x = floatValued(x)
    let dtype = x.dtype
    return reporting(placeholderVariable(TensorType(dtype: dtype, shape: q.type.shape))) {
        let q = try checkedQuantiles(q, dtype: dtype, function: function, x: source)
        let laneAxis = try axis.map { try normalizedAxis($0, of: source, in: function) } ?? 0
        let lanes = axis == nil ? x.flattened() : x
        if lanes.type.shape[laneAxis] == 0 {
            throw CotangentError(.invalidGraph,
                "\(function): axis \(axis.map(String.init) ?? "None") of \(source.type) is empty; "
                    + "a quantile needs at least one entry")
        }
        let sorted = sort(lanes, axis: laneAxis)
        let last = lanes.elementCount(alongAxes: [laneAxis], dtype: dtype) - 1
        let position = q * last
        // Positions around `q·(n − 1)` and the weight of the upper one.
        let below = floor(position)
        let (lower, upper, weight): (Variable, Variable?, Variable?) = switch method {
        case .linear: (below, minimum(below + 1, last), position - below)
        case .midpoint: (below, minimum(below + 1, last), (position .!= below).cast(to: dtype) * 0.5)
        case .lower: (below, nil, nil)
        case .higher: (ceil(position), nil, nil)
        case .nearest: (round(position), nil, nil)
        }
        // `q`'s dims replace the lane axis in each gather; they move to the front.
        let rank = q.ndim, rest = lanes.ndim - 1
        let order = Array(laneAxis..<(laneAxis + rank)) + Array(0..<laneAxis) + Array((laneAxis + rank)..<(rest + rank))
        let gathered = { (position: Variable) in
            let entries = take(sorted, position.cast(to: .int64), axis: laneAxis)
            return order == Array(order.indices) ? entries : entries.transposed(axes: order)
        }
        var value = gathered(lower)
        if let upper, let weight {
            // numpy's `_lerp`: from the nearer end, so the weight 1 gives the upper entry exactly.
            let (a, b) = (value, gathered(upper))
            let t = weight.expandingDims(Array(rank..<(rank + rest)))
            let difference = b - a
            value = select(t .>= 0.5, b - difference * (1 - t), a + difference * t)
        }
        let lastIndex = lanes.length(ofDimension: laneAxis) - 1
        let hasNaN = isnan(take(sorted, lastIndex, axis: laneAxis)).expandingDims(Array(0..<rank))
        value = select(hasNaN, Double.nan, value)
        let kept = axis == nil ? Array(rank..<(rank + x.ndim)) : [rank + laneAxis]
        return keepDims && !kept.isEmpty ? value.expandingDims(kept) : value
    }
}

/// `q` converted to `dtype`, after checking that a constant lies in [0, 1] (or with a run-time
/// check of the values otherwise).
private func checkedQuantiles(_ q: Variable, dtype: DType, function: String, x: Variable) throws -> Variable {
    guard !q.type.isScalarKind, q.dtype != .bool else {
        throw CotangentError(.invalidGraph, "\(function): q must be a numeric tensor, got \(q.type)")
    }
    let converted = q.cast(to: dtype)
    if let values = q.constantValue?.asArray(Double.self) {
        if let bad = values.first(where: { !(0...1).contains($0) }) {
            throw CotangentError(.invalidGraph,
                "\(function): q must be in [0, 1], got \(bad) (q \(q.type), x \(x.type))")
        }
        return converted
    }
    let inside = ((converted .>= 0) & (converted .<= 1)).all()
    return assert(converted, [inside], message: "\(function): q must be in [0, 1] (x \(x.type))")
}

// MARK: - Peak to peak

/// The range of `x` over `axis`, `max − min` (numpy's `ptp`), in `x`'s dtype (integers wrap
/// as numpy's do). The derivative reaches every entry equal to the maximum or the minimum,
/// as the two reductions' do.
///
/// - Parameters:
///   - x: a numeric tensor (bool has no difference, as in numpy).
///   - axis: the reduced axis (negative counts from the end); nil reduces every axis.
///   - keepDims: keep the reduced axis as a length-1 dimension.
public func ptp(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    reporting(placeholderVariable(TensorType(dtype: x.dtype, shape: []))) {
        guard x.dtype != .bool else {
            throw CotangentError(.invalidGraph, "ptp: a bool tensor has no difference (\(x.type))")
        }
        let axes = try normalizedReductionAxes(axis.map { [$0] }, of: x, in: "ptp")
        return x.reduced(.max, axes: axes, keepDims: keepDims) - x.reduced(.min, axes: axes, keepDims: keepDims)
    }
}

// MARK: - Covariance and correlation

/// The covariance matrix of the variables in `x` (numpy's `cov`): with `rowVar`, each row is
/// a variable and each column an observation (else the reverse), and entry `(i, j)` is
/// `sum((xᵢ − mean xᵢ)(xⱼ − mean xⱼ)) / (N − ddof)` over the `N` observations.
///
/// As in numpy, a vector is one variable, and length-1 dimensions are squeezed from the
/// result, so one variable gives a 0-d variance; a number of variables known only at run
/// time keeps the matrix shape. Float32 stays float32 (numpy computes in float64); bool and
/// integer inputs are computed in float64.
///
/// - Parameters:
///   - x: a vector or a matrix.
///   - rowVar: whether rows (true) or columns (false) are the variables.
///   - ddof: the delta degrees of freedom (numpy's default 1: the unbiased estimate). A static
///     `N` must exceed it; when `N` is known only at run time, `N ≤ ddof` divides by zero.
public func cov(_ x: Variable, rowVar: Bool = true, ddof: Int = 1) -> Variable {
    covariance(x, rowVar: rowVar, ddof: ddof, function: "cov")
}

/// The correlation coefficients of the variables in `x` (numpy's `corrcoef`): the covariance
/// matrix divided by the outer product of the standard deviations, clipped to [-1, 1].
///
/// One variable gives 1 (NaN if its variance is 0, inf or NaN, as numpy's `c / c`); a
/// variable with zero variance gives NaN rows and columns. See ``cov(_:rowVar:ddof:)`` for
/// the shapes and dtypes.
///
/// - Parameters:
///   - x: a vector or a matrix.
///   - rowVar: whether rows (true) or columns (false) are the variables.
public func corrcoef(_ x: Variable, rowVar: Bool = true) -> Variable {
    let c = covariance(x, rowVar: rowVar, ddof: 1, function: "corrcoef")
    guard c.ndim == 2 else { return c / c }
    let deviations = sqrt(diagonal(c))
    return clip(c / deviations.expandingDims([1]) / deviations.expandingDims([0]), min: -1, max: 1)
}

private func covariance(_ x: Variable, rowVar: Bool, ddof: Int, function: String) -> Variable {
    let source = x
    let x = floatValued(x)
    return reporting(placeholderVariable(TensorType(dtype: x.dtype, shape: []))) {
        guard x.ndim <= 2 else {
            throw CotangentError(.invalidGraph, "\(function): expects a vector or a matrix, got \(source.type)")
        }
        let variables = !rowVar && x.ndim == 2 ? x.T : atLeast2d(x)
        let divisor = try degreesOfFreedom(variables, along: [1], ddof: ddof) {
            "\(function): ddof \(ddof) must be less than the \($0) observations of \(source.type)"
        }
        let centred = variables - variables.averaged(axes: [1], keepDims: true)
        let product = matmul(centred, centred.T) / divisor
        let ones = product.type.shape.indices.filter { product.type.shape[$0] == 1 }
        return ones.isEmpty ? product : product.squeezed(axes: ones)
    }
}

// MARK: - Reductions that ignore NaN

/// The sum over `axis` treating NaN as 0 (numpy's `nansum`): 0 for a lane of NaN. The
/// derivative is 0 at NaN entries and 1 elsewhere. Non-float tensors have no NaN: their sum.
public func nanSum(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    nanReduced(.sum, x, axes: axis.map { [$0] }, keepDims: keepDims)
}

/// The sum over several axes treating NaN as 0; see ``nanSum(_:axis:keepDims:)``.
public func nanSum(_ x: Variable, axes: [Int], keepDims: Bool = false) -> Variable {
    nanReduced(.sum, x, axes: axes, keepDims: keepDims)
}

/// The mean over `axis` of the entries that are not NaN (numpy's `nanmean`): NaN for a lane
/// of NaN. The derivative is 0 at NaN entries and `1/count` elsewhere. Bool and integer
/// tensors give their mean, in float64.
public func nanMean(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    nanReduced(.mean, x, axes: axis.map { [$0] }, keepDims: keepDims)
}

/// The mean over several axes of the entries that are not NaN; see ``nanMean(_:axis:keepDims:)``.
public func nanMean(_ x: Variable, axes: [Int], keepDims: Bool = false) -> Variable {
    nanReduced(.mean, x, axes: axes, keepDims: keepDims)
}

/// The maximum over `axis` ignoring NaN (numpy's `nanmax`): NaN for a lane of NaN. The
/// derivative is 0 at NaN entries and reaches the entries equal to the maximum, as `max`'s
/// does. Evaluating it over an axis of length 0 throws.
public func nanMax(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    nanReduced(.max, x, axes: axis.map { [$0] }, keepDims: keepDims)
}

/// The maximum over several axes ignoring NaN; see ``nanMax(_:axis:keepDims:)``.
public func nanMax(_ x: Variable, axes: [Int], keepDims: Bool = false) -> Variable {
    nanReduced(.max, x, axes: axes, keepDims: keepDims)
}

/// The minimum over `axis` ignoring NaN (numpy's `nanmin`); see ``nanMax(_:axis:keepDims:)``.
public func nanMin(_ x: Variable, axis: Int? = nil, keepDims: Bool = false) -> Variable {
    nanReduced(.min, x, axes: axis.map { [$0] }, keepDims: keepDims)
}

/// The minimum over several axes ignoring NaN; see ``nanMax(_:axis:keepDims:)``.
public func nanMin(_ x: Variable, axes: [Int], keepDims: Bool = false) -> Variable {
    nanReduced(.min, x, axes: axes, keepDims: keepDims)
}

/// The reductions `nanReduced` builds.
private enum NaNIgnoringReduction: String {
    case sum = "nanSum", mean = "nanMean", max = "nanMax", min = "nanMin"
}

private func nanReduced(_ kind: NaNIgnoringReduction, _ x: Variable, axes: [Int]?, keepDims: Bool) -> Variable {
    reporting(placeholderVariable(TensorType(dtype: x.dtype, shape: []))) {
        let axes = try normalizedReductionAxes(axes, of: x, in: kind.rawValue)
        let missing = x.dtype.isFloat ? isnan(x) : nil
        switch kind {
        case .sum, .mean:
            guard let missing else {
                return kind == .sum
                    ? x.reduced(.sum, axes: axes, keepDims: keepDims) : x.averaged(axes: axes, keepDims: keepDims)
            }
            let total = select(missing, 0, x).reduced(.sum, axes: axes, keepDims: keepDims)
            guard kind == .mean else { return total }
            return total / (~missing).cast(to: x.dtype).reduced(.sum, axes: axes, keepDims: keepDims)
        case .max, .min:
            let reduction: Reduce.Kind = kind == .max ? .max : .min
            guard let missing else { return x.reduced(reduction, axes: axes, keepDims: keepDims) }
            let ignored = select(missing, kind == .max ? -Double.infinity : Double.infinity, x)
            let extremum = ignored.reduced(reduction, axes: axes, keepDims: keepDims)
            return select(missing.reduced(.all, axes: axes, keepDims: keepDims), Double.nan, extremum)
        }
    }
}

// MARK: - Closeness

/// Whether each entry of `a` is close to the entry of `b` it broadcasts with (numpy's
/// `isclose`): `|a − b| ≤ atol + rtol·|b|` for finite `b`, and equal infinities are close.
/// NaN is close to NaN only with `equalNaN`.
///
/// Not differentiable: the output is bool. Float32 operands are compared in float32, as in
/// numpy; a non-float `b` is compared in float64.
///
/// - Parameters:
///   - a: a tensor.
///   - b: a tensor of a shape that broadcasts with `a`.
///   - rtol: the tolerance relative to `|b|`.
///   - atol: the absolute tolerance.
///   - equalNaN: whether NaN counts as close to NaN.
/// - Returns: a bool tensor of the broadcast shape.
public func isclose(
    _ a: Variable, _ b: Variable, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false
) -> Variable {
    reporting(placeholderVariable(TensorType(dtype: .bool, shape: []))) {
        try checkBroadcastable(a, b, in: "isclose")
        let b = floatValued(b)
        let close = ((abs(a - b) .<= atol + rtol * abs(b)) & isfinite(b)) | (a .== b)
        return equalNaN ? close | (isnan(a) & isnan(b)) : close
    }
}

/// Throws an error naming `function` when the static shapes of `a` and `b` cannot broadcast.
private func checkBroadcastable(_ a: Variable, _ b: Variable, in function: String) throws {
    let rank = max(a.ndim, b.ndim)
    let padded = [a, b].map { Array(repeating: 1, count: rank - $0.ndim) + $0.type.shape }
    for axis in 0..<rank {
        if let p = padded[0][axis], let q = padded[1][axis], p != q, p != 1, q != 1 {
            throw CotangentError(.invalidGraph,
                "\(function): shapes \(TensorType.format(a.type.shape)) and \(TensorType.format(b.type.shape)) do not "
                    + "broadcast (aligned dimension \(axis): \(p) vs \(q)); a \(a.type), b \(b.type)")
        }
    }
}

/// Whether every entry of `a` is close to its broadcast partner in `b` (numpy's `allclose`):
/// a 0-d bool, the `all` of ``isclose(_:_:rtol:atol:equalNaN:)``. Not differentiable.
public func allClose(
    _ a: Variable, _ b: Variable, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false
) -> Variable {
    isclose(a, b, rtol: rtol, atol: atol, equalNaN: equalNaN).all()
}
