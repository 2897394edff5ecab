import CotangentArrays
import CotangentGraph

// The sorting ops' StableHLO forms: `stablehlo.sort` with comparators in the kernels' orders
// (numpy's for sort, argsort and searchsorted: NaNs last, -0.0 == +0.0; IEEE total order for
// top-k), stable as the kernels are.

extension SortOp {
    /// A stable `stablehlo.sort` in numpy's order; descending is the ascending result reversed,
    /// as the kernel computes it (equal elements such as -0.0 and +0.0 then come in reverse
    /// input order, NaNs first).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let sorted = b.sort([operands[0]], dimension: axis) { b, args in SortingOps.numpyLess(args[0], args[1], b) }[0]
        return [descending ? b.reverse(sorted, dimensions: [axis]) : sorted]
    }
}

extension ArgSortOp {
    /// A stable `stablehlo.sort` of the input with an iota along the axis, in numpy's order
    /// (descending compares the other way round, so equal elements keep index order and NaNs
    /// come first, as the kernel does); the permuted iota is the result.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let x = operands[0]
        let positions = b.indices(x.shape, dimension: axis)
        let descending = descending
        return [b.sort([x, positions], dimension: axis) { b, args in
            descending ? SortingOps.numpyLess(args[1], args[0], b) : SortingOps.numpyLess(args[0], args[1], b)
        }[1]]
    }
}

extension SearchsortedOp {
    /// Compare and count: the insertion point of `v` is the number of sorted elements that go
    /// before it (numpy's order: `s < v` for the left side, `!(v < s)` for the right), counted
    /// over a `values × n` comparison. No binary search, so the work is `n` per value, which
    /// XLA vectorizes; the results equal the kernel's on sorted input.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let common = DType.promote(operands[0].dtype, operands[1].dtype)
        let (sorted, values) = (b.convert(operands[0], to: common), b.convert(operands[1], to: common))
        let n = sorted.shape[0]
        let shape = values.shape + [n]
        let grid = b.broadcastInDim(sorted, shape: shape, dimensions: [values.rank])
        let probes = b.broadcastInDim(values, shape: shape, dimensions: Array(0..<values.rank))
        let before =
            right ? b.not(SortingOps.numpyLess(probes, grid, b)) : SortingOps.numpyLess(grid, probes, b)
        let counts = b.reduce(
            b.convert(before, to: .int64), initial: b.index(0), dimensions: [values.rank], combiner: "stablehlo.add")
        return [counts]
    }
}

extension TopKOp {
    /// A stable descending `stablehlo.sort` of the values with an iota in IEEE total order (the
    /// kernel's: +NaN above +inf, -NaN below -inf, +0.0 above -0.0; ties by lower index), the
    /// first `k` of each lane sliced off.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let x = operands[0]
        let last = x.rank - 1
        let positions = b.indices(x.shape, dimension: last)
        let sorted = b.sort([x, positions], dimension: last) { b, args in
            b.compare("GT", SortingOps.totalOrderKey(args[0], b), SortingOps.totalOrderKey(args[1], b))
        }
        var limit = x.shape
        limit[last] = k
        let start = Array(repeating: 0, count: x.rank)
        return sorted.map { b.slice($0, start: start, limit: limit) }
    }
}

extension UniqueOp {
    /// Not exportable: the number of distinct values, the length of the values (and of the
    /// first indices and counts), depends on the data, and StableHLO needs every length when
    /// compiling.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        throw StableHLONotExportable(
            "the number of distinct values (the length of its values output) depends on the data, "
                + "but StableHLO needs every length when compiling")
    }
}

extension SortingOps {
    /// numpy's `a < b` with NaNs last: `!isnan(a) && (isnan(b) || a < b)` for floats, `a < b`
    /// for integers and bools.
    static func numpyLess(_ a: StableHLOValue, _ b: StableHLOValue, _ builder: StableHLOBuilder) -> StableHLOValue {
        let less = builder.compare("LT", a, b)
        guard a.dtype.isFloat else { return less }
        return builder.and(builder.not(builder.isNaN(a)), builder.or(builder.isNaN(b), less))
    }

    /// A signed integer whose order is the IEEE total order of the float `x` (its bits, the
    /// magnitude bits flipped for negative values); integers and bools are their own keys.
    static func totalOrderKey(_ x: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
        guard x.dtype.isFloat else { return x }
        let bits = b.emit1("stablehlo.bitcast_convert", [x], result: x.type.with(dtype: x.dtype == .float32 ? .int32 : .int64))
        let magnitude = b.shiftRightLogical(b.constant(-1, like: bits), 1)
        let negative = b.compare("LT", bits, b.constant(0, like: bits))
        return b.select(negative, b.xor(bits, magnitude), bits)
    }
}
