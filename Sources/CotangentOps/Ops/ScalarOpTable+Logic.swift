import CotangentArrays
import CotangentGraph

// The scalar-op table, part 3: comparisons, classifications, bitwise logic and the structural
// ops (see ScalarOpTable.swift). Comparisons and classifications compute in their operands'
// domain and return bool; they and the bitwise ops have no derivative (their outputs are
// discrete), so their entries have no `partials`.

extension ScalarOp {
    // MARK: Comparisons

    /// `x == y`: PyTensor's `eq` (class `EQ`).
    public static let eq = ScalarOp(
        "eq", className: "EQ", arity: 2, commutative: true, dtype: .boolean,
        stablehlo: .formula { b, x in b.compare("EQ", x[0], x[1]) },
        float: binary { $0 == $1 ? 1 : 0 }, integer: binary { $0 == $1 ? 1 : 0 },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 == $1 ? 1 : 0 } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 == $1 ? 1 : 0 } })

    /// `x != y`: PyTensor's `neq` (class `NEQ`).
    public static let neq = ScalarOp(
        "neq", className: "NEQ", arity: 2, commutative: true, dtype: .boolean,
        stablehlo: .formula { b, x in b.compare("NE", x[0], x[1]) },
        float: binary { $0 != $1 ? 1 : 0 }, integer: binary { $0 != $1 ? 1 : 0 },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 != $1 ? 1 : 0 } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 != $1 ? 1 : 0 } })

    /// `x < y`: PyTensor's `lt` (class `LT`). Integers compare exactly in int64 (through
    /// double, 2**62 + 1 would equal 2**62).
    public static let lt = ScalarOp(
        "lt", className: "LT", arity: 2, dtype: .boolean,
        stablehlo: .formula { b, x in b.compare("LT", x[0], x[1]) },
        float: binary { $0 < $1 ? 1 : 0 }, integer: binary { $0 < $1 ? 1 : 0 },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 < $1 ? 1 : 0 } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 < $1 ? 1 : 0 } })

    /// `x <= y`: PyTensor's `le` (class `LE`).
    public static let le = ScalarOp(
        "le", className: "LE", arity: 2, dtype: .boolean,
        stablehlo: .formula { b, x in b.compare("LE", x[0], x[1]) },
        float: binary { $0 <= $1 ? 1 : 0 }, integer: binary { $0 <= $1 ? 1 : 0 },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 <= $1 ? 1 : 0 } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 <= $1 ? 1 : 0 } })

    /// `x > y`: PyTensor's `gt` (class `GT`).
    public static let gt = ScalarOp(
        "gt", className: "GT", arity: 2, dtype: .boolean,
        stablehlo: .formula { b, x in b.compare("GT", x[0], x[1]) },
        float: binary { $0 > $1 ? 1 : 0 }, integer: binary { $0 > $1 ? 1 : 0 },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 > $1 ? 1 : 0 } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 > $1 ? 1 : 0 } })

    /// `x >= y`: PyTensor's `ge` (class `GE`).
    public static let ge = ScalarOp(
        "ge", className: "GE", arity: 2, dtype: .boolean,
        stablehlo: .formula { b, x in b.compare("GE", x[0], x[1]) },
        float: binary { $0 >= $1 ? 1 : 0 }, integer: binary { $0 >= $1 ? 1 : 0 },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 >= $1 ? 1 : 0 } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 >= $1 ? 1 : 0 } })

    // MARK: Classifications (integers and bools are never NaN or infinite)

    /// Whether x is NaN: PyTensor's `isnan` (class `IsNan`).
    public static let isnan = ScalarOp(
        "isnan", className: "IsNan", arity: 1, dtype: .boolean,
        stablehlo: .formula { b, x in x[0].dtype.isFloat ? b.compare("NE", x[0], x[0]) : b.constant(0, .bool, shape: x[0].shape) },
        float: unary { $0.isNaN ? 1 : 0 }, integer: unary { _ in 0 })

    /// Whether x is ±∞: PyTensor's `isinf` (class `IsInf`).
    public static let isinf = ScalarOp(
        "isinf", className: "IsInf", arity: 1, dtype: .boolean,
        stablehlo: .formula { b, x in x[0].dtype.isFloat ? b.compare("EQ", b.unary("stablehlo.abs", x[0]), b.number(.infinity, like: x[0])) : b.constant(0, .bool, shape: x[0].shape) },
        float: unary { $0.isInfinite ? 1 : 0 }, integer: unary { _ in 0 })

    /// Whether x is neither NaN nor ±∞ (numpy's `isfinite`; PyTensor builds it as
    /// `~isnan(x) & ~isinf(x)`). No derivative: the output is a bool.
    public static let isfinite = ScalarOp(
        "isfinite", className: "IsFinite", arity: 1, dtype: .boolean,
        stablehlo: .formula { b, x in x[0].dtype.isFloat ? b.emit1("stablehlo.is_finite", x, result: x[0].type.with(dtype: .bool)) : b.constant(1, .bool, shape: x[0].shape) },
        float: unary { $0.isFinite ? 1 : 0 }, integer: unary { _ in 1 })

    // MARK: Bitwise (integers) and logical (bools)

    /// `x & y`: PyTensor's `and` (class `AND`).
    public static let and = ScalarOp(
        "and", className: "AND", arity: 2, commutative: true, dtype: .bitwise,
        stablehlo: .op("stablehlo.and"), integer: binary { $0 & $1 },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 & $1 } })

    /// `x | y`: PyTensor's `or` (class `OR`).
    public static let or = ScalarOp(
        "or", className: "OR", arity: 2, commutative: true, dtype: .bitwise,
        stablehlo: .op("stablehlo.or"), integer: binary { $0 | $1 },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 | $1 } })

    /// `x ^ y`: PyTensor's `xor` (class `XOR`).
    public static let xor = ScalarOp(
        "xor", className: "XOR", arity: 2, commutative: true, dtype: .bitwise,
        stablehlo: .op("stablehlo.xor"), integer: binary { $0 ^ $1 },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 ^ $1 } })

    /// `~x`: bitwise not on integers, logical not on bools. PyTensor's `invert` (class `Invert`).
    public static let invert = ScalarOp(
        "invert", className: "Invert", arity: 1, dtype: .bitwiseUnary,
        stablehlo: .op("stablehlo.not"), integer: unary { ~$0 },
        bool: unary { $0 == 0 ? 1 : 0 })

    // MARK: Structural

    /// `condition ? a : b`: PyTensor's `switch` (class `Switch`). The condition is not
    /// differentiable.
    public static let `switch` = ScalarOp(
        "switch", className: "Switch", arity: 3, dtype: .branches,
        stablehlo: .formula { b, x in b.select(x[0], x[1], x[2]) }, lowering: .select, connected: [false, true, true],
        float: ternary { $0 != 0 ? $1 : $2 }, integer: ternary { $0 != 0 ? $1 : $2 },
        partials: { g, x, _ in
            [.disconnected, .value(CotangentOps.select(x[0], g, 0)), .value(CotangentOps.select(x[0], 0, g))]
        })

    /// `b` broadcast to `a`'s shape (`fill`): PyTensor's `second`. Only `b`'s values matter.
    public static let second = ScalarOp(
        "second", arity: 2, dtype: .input(1),
        stablehlo: .formula { _, x in x[1] }, lowering: .operand(1), connected: [false, true],
        float: binary { $1 }, integer: binary { $1 },
        partials: { g, _, _ in [.disconnected, .value(g)] })

    /// The same value: PyTensor's `identity`.
    public static let identity = ScalarOp(
        "identity", arity: 1, dtype: .input(0),
        stablehlo: .formula { _, x in x[0] }, lowering: .operand(0), float: unary { $0 }, integer: unary { $0 },
        partials: { g, _, _ in [.value(g)] })

    /// The entry behind ``cast(_:)``: a conversion as numpy's `astype`. Only float inputs are
    /// differentiable (the cotangent is cast back).
    package static let castDefinition = ScalarOp(
        "Cast", swiftName: "cast", arity: 1, dtype: .parameter,
        stablehlo: .formula { _, x in x[0] }  /* the conversion itself is applied by ScalarOp.lowerToStableHLO */, lowering: .convert,
        float: unary { $0 }, integer: unary { $0 },
        partials: { g, x, _ in [x[0].dtype.isFloat ? .value(g.cast(to: x[0].dtype)) : .disconnected] }
    ).definition

    /// The entry behind ``composite(_:)``: Elemwise runs and differentiates a composite through
    /// its graph (Composite.swift), never through this entry's formulas or rule.
    package static let compositeDefinition = ScalarOp(
        "Composite", swiftName: "composite", arity: 0, dtype: .parameter,
        stablehlo: .formula { _, x in x[0] }  /* inlined by ScalarOp.lowerToStableHLO */, lowering: .inline
    ).definition
}
