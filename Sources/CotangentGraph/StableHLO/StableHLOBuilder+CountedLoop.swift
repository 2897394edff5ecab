import CotangentArrays

// A `stablehlo.while` counting an index from 0 to a bound: the loop the linear-algebra
// lowerings (LU over the columns) and Blockwise's per-block path share.

extension StableHLOBuilder {
    /// `for i in 0..<count { carried = body(i, carried) }` as a `stablehlo.while`, the index a
    /// 0-d int64 that the body reads and the loop advances. Returns the carried values after
    /// the last step (the initial ones when `count` is 0 or less).
    ///
    /// - Parameters:
    ///   - count: the number of steps, a 0-d int64 value (it may be computed at run time).
    ///   - carried: the values threaded through the steps; the body returns new values of the
    ///     same types.
    ///   - body: one step, writing into the loop body's builder.
    public func countedLoop(
        count: StableHLOValue, carried: [StableHLOValue],
        _ body: (StableHLOBuilder, _ index: StableHLOValue, _ carried: [StableHLOValue]) throws -> [StableHLOValue]
    ) rethrows -> [StableHLOValue] {
        let index = StableHLOType(.int64, [])
        let types = [index] + carried.map(\.type)
        // The regions see the bound as an outer value (StableHLO regions may read values defined
        // above them).
        let condition = region(types) { b, args in [b.compare("LT", args[0], count)] }
        let step = try region(types) { b, args in
            let next = try body(b, args[0], Array(args.dropFirst()))
            precondition(next.map(\.type) == carried.map(\.type), "countedLoop: the body changed the carried types")
            return [b.add(args[0], b.constant(1, .int64))] + next
        }
        let results = emit(
            "stablehlo.while", [constant(0, .int64)] + carried, regions: [condition, step], results: types)
        return Array(results.dropFirst())
    }

    /// ``countedLoop(count:carried:_:)`` with a count known when exporting.
    public func countedLoop(
        count: Int, carried: [StableHLOValue],
        _ body: (StableHLOBuilder, _ index: StableHLOValue, _ carried: [StableHLOValue]) throws -> [StableHLOValue]
    ) rethrows -> [StableHLOValue] {
        try countedLoop(count: constant(Double(count), .int64), carried: carried, body)
    }
}
