import CotangentArrays

// The StableHLO ops lowerings use most, with their attributes spelled once. Each helper writes
// one op (or none when it would be the identity: a convert to the same dtype, a reshape to the
// same shape).

/// `array<i64: 1, 2>`: a dense i64 array attribute.
public func stableHLOArray(_ values: [Int]) -> String {
    values.isEmpty ? "array<i64>" : "array<i64: " + values.map(String.init).joined(separator: ", ") + ">"
}

/// `[1, 2]`: a list inside StableHLO's structured attributes (`#stablehlo.dot<…>`).
public func stableHLOList(_ values: [Int]) -> String {
    "[" + values.map(String.init).joined(separator: ", ") + "]"
}

extension StableHLOBuilder {
    /// An array as a constant. Numbers are written as their bytes (`dense<"0x…">`), so every
    /// float round-trips exactly; bools go through an i8 constant.
    public func constant(_ array: NDArray) -> StableHLOValue {
        if array.dtype == .bool {
            return convert(constant(array.converted(to: .int8)), to: .bool)
        }
        let type = StableHLOType(array.dtype, array.shape)
        return emit1(
            "stablehlo.constant", [], attributes: ["value = dense<\"0x\(hexBytes(array))\"> : \(type)"], result: type)
    }

    /// The number `value` of `dtype`, broadcast to `shape`.
    public func constant(_ value: Double, _ dtype: DType, shape: [Int] = []) -> StableHLOValue {
        let scalar = constant(NDArray.full([], value: value, dtype: dtype))
        return shape.isEmpty ? scalar : broadcastInDim(scalar, shape: shape, dimensions: [])
    }

    /// A constant like `value` (same dtype and shape) filled with `number`.
    public func constant(_ number: Double, like value: StableHLOValue) -> StableHLOValue {
        constant(number, value.dtype, shape: value.shape)
    }

    /// `stablehlo.broadcast_in_dim`: `x`'s dimension `i` becomes dimension `dimensions[i]` of
    /// the result.
    public func broadcastInDim(_ x: StableHLOValue, shape: [Int], dimensions: [Int]) -> StableHLOValue {
        if x.shape == shape && dimensions == Array(0..<shape.count) { return x }
        return emit1(
            "stablehlo.broadcast_in_dim", [x], attributes: ["broadcast_dimensions = \(stableHLOArray(dimensions))"],
            result: x.type.with(shape: shape))
    }

    /// numpy broadcasting of `x` to `shape`: dims aligned on the right, length-1 dims stretched.
    public func broadcast(_ x: StableHLOValue, to shape: [Int]) -> StableHLOValue {
        if x.shape == shape { return x }
        let lead = shape.count - x.rank
        // A length-1 dim under a longer one is dropped first (broadcast_in_dim only stretches
        // dims that map one to one).
        var kept: [Int] = []
        var squeezed: [Int] = []
        for (axis, length) in x.shape.enumerated() where !(length == 1 && shape[lead + axis] != 1) {
            kept.append(lead + axis)
            squeezed.append(length)
        }
        let source = squeezed.count == x.rank ? x : reshape(x, squeezed)
        return broadcastInDim(source, shape: shape, dimensions: kept)
    }

    /// `stablehlo.convert` to `dtype` (nothing when it already has it). Floats to bool and
    /// integers to bool compare with zero, as numpy's `astype(bool)`.
    public func convert(_ x: StableHLOValue, to dtype: DType) -> StableHLOValue {
        if x.dtype == dtype { return x }
        return emit1("stablehlo.convert", [x], result: x.type.with(dtype: dtype))
    }

    /// `stablehlo.reshape` (nothing when the shape is unchanged).
    public func reshape(_ x: StableHLOValue, _ shape: [Int]) -> StableHLOValue {
        if x.shape == shape { return x }
        return emit1("stablehlo.reshape", [x], result: x.type.with(shape: shape))
    }

    /// `stablehlo.transpose`: result dimension `i` is `x`'s dimension `permutation[i]`.
    public func transpose(_ x: StableHLOValue, _ permutation: [Int]) -> StableHLOValue {
        if permutation == Array(0..<x.rank) { return x }
        return emit1(
            "stablehlo.transpose", [x], attributes: ["permutation = \(stableHLOArray(permutation))"],
            result: x.type.with(shape: permutation.map { x.shape[$0] }))
    }

    /// A one-operand elementwise op (`stablehlo.exponential`, `chlo.erf`) of the same type.
    public func unary(_ name: String, _ x: StableHLOValue) -> StableHLOValue {
        emit1(name, [x], result: x.type)
    }

    /// A two-operand elementwise op on operands of one type.
    public func binary(_ name: String, _ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        emit1(name, [a, b], result: a.type)
    }

    /// `a + b`.
    public func add(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue { binary("stablehlo.add", a, b) }
    /// `a - b`.
    public func subtract(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        binary("stablehlo.subtract", a, b)
    }
    /// `a * b`.
    public func multiply(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        binary("stablehlo.multiply", a, b)
    }
    /// `a / b`.
    public func divide(_ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue { binary("stablehlo.divide", a, b) }

    /// `stablehlo.compare` (`EQ`, `NE`, `LT`, `LE`, `GT`, `GE`), with the comparison type the
    /// operands' dtype calls for.
    public func compare(_ direction: String, _ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        let kind = a.dtype.isFloat ? "FLOAT" : (a.dtype.isSigned ? "SIGNED" : "UNSIGNED")
        return emit1(
            "stablehlo.compare", [a, b],
            attributes: [
                "comparison_direction = #stablehlo<comparison_direction \(direction)>",
                "compare_type = #stablehlo<comparison_type \(kind)>",
            ],
            result: a.type.with(dtype: .bool))
    }

    /// `condition ? a : b` elementwise (the condition may also be a 0-d bool).
    public func select(_ condition: StableHLOValue, _ a: StableHLOValue, _ b: StableHLOValue) -> StableHLOValue {
        emit1("stablehlo.select", [condition, a, b], result: a.type)
    }

    /// `stablehlo.slice` with static bounds.
    public func slice(_ x: StableHLOValue, start: [Int], limit: [Int], strides: [Int]? = nil) -> StableHLOValue {
        let steps = strides ?? Array(repeating: 1, count: x.rank)
        var shape: [Int] = []
        for axis in 0..<x.rank {
            let span: Int = limit[axis] - start[axis] + steps[axis] - 1
            shape.append(max(0, span / steps[axis]))
        }
        if shape == x.shape && steps.allSatisfy({ $0 == 1 }) { return x }
        return emit1(
            "stablehlo.slice", [x],
            attributes: [
                "start_indices = \(stableHLOArray(start))", "limit_indices = \(stableHLOArray(limit))",
                "strides = \(stableHLOArray(steps))",
            ],
            result: x.type.with(shape: shape))
    }

    /// `stablehlo.reverse` of the given dimensions.
    public func reverse(_ x: StableHLOValue, dimensions: [Int]) -> StableHLOValue {
        if dimensions.isEmpty { return x }
        return emit1("stablehlo.reverse", [x], attributes: ["dimensions = \(stableHLOArray(dimensions))"], result: x.type)
    }

    /// `stablehlo.concatenate` along `dimension`.
    public func concatenate(_ values: [StableHLOValue], dimension: Int) -> StableHLOValue {
        if values.count == 1 { return values[0] }
        var shape = values[0].shape
        shape[dimension] = values.map { $0.shape[dimension] }.reduce(0, +)
        return emit1(
            "stablehlo.concatenate", values, attributes: ["dimension = \(dimension) : i64"],
            result: values[0].type.with(shape: shape))
    }

    /// `stablehlo.iota`: the index along `dimension`, of `dtype` and `shape`.
    public func iota(_ dtype: DType, shape: [Int], dimension: Int) -> StableHLOValue {
        emit1("stablehlo.iota", [], attributes: ["iota_dimension = \(dimension) : i64"], result: StableHLOType(dtype, shape))
    }

    /// `stablehlo.pad` with `value` (a 0-d value of `x`'s dtype).
    public func pad(_ x: StableHLOValue, with value: StableHLOValue, low: [Int], high: [Int], interior: [Int]? = nil)
        -> StableHLOValue
    {
        let inner = interior ?? Array(repeating: 0, count: x.rank)
        var shape: [Int] = []
        for axis in 0..<x.rank {
            let gaps: Int = max(0, x.shape[axis] - 1) * inner[axis]
            shape.append(low[axis] + high[axis] + x.shape[axis] + gaps)
        }
        return emit1(
            "stablehlo.pad", [x, value],
            attributes: [
                "edge_padding_low = \(stableHLOArray(low))", "edge_padding_high = \(stableHLOArray(high))",
                "interior_padding = \(stableHLOArray(inner))",
            ],
            result: x.type.with(shape: shape))
    }

    /// `stablehlo.reduce` of `x` over `dimensions`, starting from `initial` (0-d, x's dtype),
    /// combining with the two-operand op `combiner` (`stablehlo.add`, `stablehlo.maximum`).
    public func reduce(_ x: StableHLOValue, initial: StableHLOValue, dimensions: [Int], combiner: String)
        -> StableHLOValue
    {
        if dimensions.isEmpty { return x }
        let scalar = StableHLOType(x.dtype, [])
        let body = region([scalar, scalar]) { b, args in [b.binary(combiner, args[0], args[1])] }
        let shape = x.shape.indices.filter { !dimensions.contains($0) }.map { x.shape[$0] }
        return emit1(
            "stablehlo.reduce", [x, initial], regions: [body],
            attributes: ["dimensions = \(stableHLOArray(dimensions.sorted()))"], result: x.type.with(shape: shape))
    }

    /// `stablehlo.dot_general`: batch dimensions first in the result, then `a`'s free
    /// dimensions, then `b`'s.
    public func dotGeneral(
        _ a: StableHLOValue, _ b: StableHLOValue, batchA: [Int] = [], batchB: [Int] = [], contractA: [Int],
        contractB: [Int]
    ) -> StableHLOValue {
        let freeA = a.shape.indices.filter { !batchA.contains($0) && !contractA.contains($0) }
        let freeB = b.shape.indices.filter { !batchB.contains($0) && !contractB.contains($0) }
        let shape = batchA.map { a.shape[$0] } + freeA.map { a.shape[$0] } + freeB.map { b.shape[$0] }
        let numbers =
            "#stablehlo.dot<lhs_batching_dimensions = \(stableHLOList(batchA)), "
            + "rhs_batching_dimensions = \(stableHLOList(batchB)), "
            + "lhs_contracting_dimensions = \(stableHLOList(contractA)), "
            + "rhs_contracting_dimensions = \(stableHLOList(contractB))>"
        return emit1(
            "stablehlo.dot_general", [a, b],
            // HIGHEST: TPUs otherwise multiply float32 in bfloat16 passes.
            attributes: [
                "dot_dimension_numbers = \(numbers)",
                "precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>]",
            ],
            result: StableHLOType(DType.promote(a.dtype, b.dtype), shape))
    }

    /// `stablehlo.dynamic_slice` of `sizes` at 0-d start indices (clamped into range by XLA).
    public func dynamicSlice(_ x: StableHLOValue, starts: [StableHLOValue], sizes: [Int]) -> StableHLOValue {
        emit1(
            "stablehlo.dynamic_slice", [x] + starts, attributes: ["slice_sizes = \(stableHLOArray(sizes))"],
            result: x.type.with(shape: sizes))
    }

    /// `stablehlo.dynamic_update_slice`: `update` written into `x` at 0-d start indices.
    public func dynamicUpdateSlice(_ x: StableHLOValue, _ update: StableHLOValue, starts: [StableHLOValue])
        -> StableHLOValue
    {
        emit1("stablehlo.dynamic_update_slice", [x, update] + starts, result: x.type)
    }
}

/// The little-endian bytes of an array's elements in row-major order, as hex digits.
private func hexBytes(_ array: NDArray) -> String {
    struct Bytes: DTypeVisitor {
        let array: NDArray
        func visit<T: ArrayElement>(_: T.Type) -> [UInt8] {
            array.asArray(T.self).withUnsafeBytes { Array($0) }
        }
    }
    let digits = Array("0123456789ABCDEF".utf8)
    var text: [UInt8] = []
    for byte in array.dtype.dispatch(Bytes(array: array)) {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 15)])
    }
    return String(decoding: text, as: UTF8.self)
}

extension StableHLOBuilder {
    /// The 0-d integer `value` of `dtype` (exact for every int64, unlike a `Double`).
    public func constant(integer value: Int64, _ dtype: DType) -> StableHLOValue {
        constant(NDArray(scalar: value).converted(to: dtype))
    }

    /// The 0-d lowest (`highest: false`) or highest value of `dtype`: ∓∞ for floats, the
    /// integer limits, false/true for bool. The identity of a max or min reduction.
    public func extreme(_ dtype: DType, highest: Bool) -> StableHLOValue {
        let value: NDArray =
            switch dtype {
            case .bool: NDArray(scalar: highest)
            case .int8: NDArray(scalar: highest ? Int8.max : Int8.min)
            case .int16: NDArray(scalar: highest ? Int16.max : Int16.min)
            case .int32: NDArray(scalar: highest ? Int32.max : Int32.min)
            case .int64: NDArray(scalar: highest ? Int64.max : Int64.min)
            case .uint8: NDArray(scalar: highest ? UInt8.max : UInt8.min)
            case .float32: NDArray(scalar: highest ? Float.infinity : -Float.infinity)
            case .float64: NDArray(scalar: highest ? Double.infinity : -Double.infinity)
            }
        return constant(value)
    }
}
