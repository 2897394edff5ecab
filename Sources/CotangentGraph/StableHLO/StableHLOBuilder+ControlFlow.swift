import CotangentArrays

// Loops, branches, sorting and integer bit arithmetic: the StableHLO ops the loop, branch,
// sorting and random-number lowerings share.

extension StableHLOBuilder {
    /// `stablehlo.while` over the loop state `initial`: `condition` reads the state and returns
    /// a 0-d bool, `body` reads it and returns the next state (same types). Returns the final
    /// state.
    ///
    /// Everything the regions read goes through the state (loop-invariant values too), so each
    /// region only reads its own arguments, which every consumer of the module accepts.
    public func whileLoop(
        _ initial: [StableHLOValue],
        condition: (StableHLOBuilder, [StableHLOValue]) throws -> StableHLOValue,
        body: (StableHLOBuilder, [StableHLOValue]) throws -> [StableHLOValue]
    ) throws -> [StableHLOValue] {
        let types = initial.map(\.type)
        let test = try region(types) { b, state in [try condition(b, state)] }
        let step = try region(types) { b, state in
            let next = try body(b, state)
            precondition(next.map(\.type) == types, "whileLoop: the body changes the state's types")
            return next
        }
        return emit("stablehlo.while", initial, regions: [test, step], results: types)
    }

    /// `stablehlo.if`: the results of `then` when the 0-d bool `predicate` holds, else those of
    /// `otherwise`; both return values of `types`. The branches may read values defined before
    /// the op (they run in its scope).
    public func ifElse(
        _ predicate: StableHLOValue, types: [StableHLOType],
        then: (StableHLOBuilder) throws -> [StableHLOValue], otherwise: (StableHLOBuilder) throws -> [StableHLOValue]
    ) throws -> [StableHLOValue] {
        let first = try region([]) { b, _ in try then(b) }
        let second = try region([]) { b, _ in try otherwise(b) }
        return emit("stablehlo.if", [predicate], regions: [first, second], results: types)
    }

    /// `stablehlo.sort` of `operands` (one shape) along `dimension`, stable when asked:
    /// `less` receives the 0-d elements of each operand at two positions, `[a0, b0, a1, b1, …]`,
    /// and returns whether the first goes before the second.
    public func sort(
        _ operands: [StableHLOValue], dimension: Int, stable: Bool = true,
        less: (StableHLOBuilder, [StableHLOValue]) throws -> StableHLOValue
    ) rethrows -> [StableHLOValue] {
        let scalars = operands.flatMap { [$0.type.with(shape: []), $0.type.with(shape: [])] }
        let comparator = try region(scalars) { b, args in [try less(b, args)] }
        return emit(
            "stablehlo.sort", operands, regions: [comparator],
            attributes: ["dimension = \(dimension) : i64", "is_stable = \(stable)"], results: operands.map(\.type))
    }

    /// `a & b` (bitwise on integers, logical on bools).
    public func and(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue { binary("stablehlo.and", a, b) }
    /// `a | b`.
    public func or(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue { binary("stablehlo.or", a, b) }
    /// `a ^ b`.
    public func xor(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue { binary("stablehlo.xor", a, b) }
    /// `!a` (bitwise on integers, logical on bools).
    public func not(_ a: StableHLOValue) -> StableHLOValue { unary("stablehlo.not", a) }
    /// `a << bits` (zeros shifted in).
    public func shiftLeft(_ a: StableHLOValue, _ bits: Int) -> StableHLOValue {
        binary("stablehlo.shift_left", a, constant(Double(bits), like: a))
    }
    /// `a >> bits` with zeros shifted in (an unsigned shift, whatever the dtype).
    public func shiftRightLogical(_ a: StableHLOValue, _ bits: Int) -> StableHLOValue {
        binary("stablehlo.shift_right_logical", a, constant(Double(bits), like: a))
    }
    /// The index along `dimension` of each element of a value of `shape` (int64).
    public func indices(_ shape: [Int], dimension: Int) -> StableHLOValue { iota(.int64, shape: shape, dimension: dimension) }

    /// A 0-d int64 constant.
    public func index(_ value: Int) -> StableHLOValue { constant(Double(value), .int64) }

    /// Whether the elements of a float value are NaN (`x != x`).
    public func isNaN(_ x: StableHLOValue) -> StableHLOValue { compare("NE", x, x) }
}
