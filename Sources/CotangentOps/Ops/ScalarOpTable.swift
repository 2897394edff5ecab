import CVectorMath
import RealModule
import CotangentArrays
import CotangentGraph

// The scalar-op table, part 1: arithmetic and rounding. One entry per op (see ScalarOp.swift):
// PyTensor's names, arity, dtype rule, formulas per dtype family, block kernels where a block
// loop beats a call per lane, and the derivative rule (PyTensor's forms where the seed prints
// them). Derivative rules call the free functions qualified (`CotangentOps.exp`), since inside
// `ScalarOp` the bare names are the table's entries.

extension ScalarOp {
    /// `x + y + …`: PyTensor's `add` (any number of inputs).
    public static let add = ScalarOp(
        "add", formulaSymbol: "+", arity: 2, variadic: true, commutative: true, dtype: .upcast,
        stablehlo: .op("stablehlo.add"),
        float: binary { $0 + $1 }, integer: binary { $0 &+ $1 },
        floatBlock: { a, b, _, r, n in
            if widens(n) { cotangent_wide_binary(CotangentWideAdd, a, b, r, n) } else { map2(a, b, r, n) { $0 + $1 } }
        },
        floatFold3: { a, b, c, r, n in
            if widens(n) { cotangent_wide_fold3(CotangentWideAdd, a, b, c, r, n) } else { for i in 0..<n { r[i] = a[i] + b[i] + c[i] } }
        },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 &+ $1 } },
        partials: { g, x, _ in x.map { _ in .value(g) } })

    /// `x - y`: PyTensor's `sub`.
    public static let sub = ScalarOp(
        "sub", formulaSymbol: "-", arity: 2, dtype: .upcastNoBool,
        stablehlo: .op("stablehlo.subtract"),
        float: binary { $0 - $1 }, integer: binary { $0 &- $1 },
        floatBlock: { a, b, _, r, n in
            if widens(n) { cotangent_wide_binary(CotangentWideSub, a, b, r, n) } else { map2(a, b, r, n) { $0 - $1 } }
        },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 &- $1 } },
        partials: { g, _, _ in [.value(g), .value(-g)] })

    /// `x * y * …`: PyTensor's `mul` (any number of inputs).
    public static let mul: ScalarOp = ScalarOp(
        "mul", formulaSymbol: "*", arity: 2, variadic: true, commutative: true, dtype: .upcast,
        stablehlo: .op("stablehlo.multiply"),
        float: binary { $0 * $1 }, integer: binary { $0 &* $1 },
        floatBlock: { a, b, _, r, n in
            if widens(n) { cotangent_wide_binary(CotangentWideMul, a, b, r, n) } else { map2(a, b, r, n) { $0 * $1 } }
        },
        floatFold3: { a, b, c, r, n in
            if widens(n) { cotangent_wide_fold3(CotangentWideMul, a, b, c, r, n) } else { for i in 0..<n { r[i] = a[i] * b[i] * c[i] } }
        },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { $0 &* $1 } },
        partials: { g, x, _ in
            x.indices.map { i in
                let others = x.indices.filter { $0 != i }.map { x[$0] }
                return .value(others.isEmpty ? g : elemwise(.mul, [g] + others))
            }
        })

    /// `x / y`, float for integer inputs: PyTensor's `true_div`.
    public static let trueDiv = ScalarOp(
        "true_div", swiftName: "trueDiv", formulaSymbol: "/", arity: 2, dtype: .trueDivision,
        stablehlo: .op("stablehlo.divide"),
        float: binary { $0 / $1 },
        floatBlock: { a, b, _, r, n in
            if widens(n) { cotangent_wide_binary(CotangentWideDiv, a, b, r, n) } else { map2(a, b, r, n) { $0 / $1 } }
        },
        partials: { g, x, _ in [.value(g / x[1]), .value(-(g * x[0]) / (x[1] * x[1]))] })

    /// Floor division (Python's `//`; integer division by zero gives 0): PyTensor's `int_div`.
    /// Piecewise constant, so its derivative is zero wherever it exists.
    public static let intDiv = ScalarOp(
        "int_div", swiftName: "intDiv", formulaSymbol: "//", arity: 2, dtype: .upcast,
        stablehlo: .formula { b, x in b.floorDivide(x[0], x[1]) },
        float: binary { Double.floorDivide($0, $1) }, integer: binary { Int64.floorDivide($0, $1) },
        partials: zeroPartials)

    /// Floor modulo (Python's `%`, the sign of the divisor): PyTensor's `mod`.
    public static let mod = ScalarOp(
        "mod", formulaSymbol: "%", arity: 2, dtype: .upcast,
        stablehlo: .formula { b, x in b.floorModulo(x[0], x[1]) },
        float: binary { Double.floorModulo($0, $1) }, integer: binary { Int64.floorModulo($0, $1) },
        partials: { g, x, _ in [.value(g), .value(-CotangentOps.intDiv(x[0], x[1]) * g)] })

    /// `-x`: PyTensor's `neg`.
    public static let neg = ScalarOp(
        "neg", formulaSymbol: "-", arity: 1, dtype: .upcastNoBool,
        stablehlo: .op("stablehlo.negate"),
        float: unary { -$0 }, integer: unary { 0 &- $0 },
        floatBlock: { a, _, _, r, n in
            if widens(n) { cotangent_wide_unary(CotangentWideNeg, a, r, n) } else { map1(a, r, n) { -$0 } }
        },
        partials: { g, _, _ in [.value(-g)] })

    /// `1 / x`: PyTensor's `reciprocal`.
    public static let reciprocal = ScalarOp(
        "reciprocal", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.divide(b.number(1, like: x[0]), x[0]) },
        float: unary { 1 / $0 },
        floatBlock: { a, _, _, r, n in map1(a, r, n) { 1 / $0 } },
        partials: { g, x, _ in [.value(-g / (x[0] * x[0]))] })

    /// `x ** y` (C's `pow`; integers wrap): PyTensor's `pow`.
    public static let pow = ScalarOp(
        "pow", formulaSymbol: "**", arity: 2, dtype: .upcastMinInt8,
        stablehlo: .op("stablehlo.power"),
        float: binary { Double.power($0, $1) }, integer: binary { Int64.integerPower($0, $1) },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { Double.power($0, $1) } },
        partials: { g, x, z in
            let base = g * x[1] * CotangentOps.pow(x[0], x[1] - 1)
            let exponent = CotangentOps.select(x[0] .== 0, 0, g * CotangentOps.log(x[0]) * z)
            return [.value(base), .value(exponent)]
        })

    /// `x * x`: PyTensor's `sqr`.
    public static let sqr = ScalarOp(
        "sqr", arity: 1, dtype: .upcast,
        stablehlo: .formula { b, x in b.multiply(x[0], x[0]) },
        float: unary { $0 * $0 }, integer: unary { $0 &* $0 },
        floatBlock: { a, _, _, r, n in
            if widens(n) { cotangent_wide_unary(CotangentWideSqr, a, r, n) } else { map1(a, r, n) { $0 * $0 } }
        },
        partials: { g, x, _ in [.value(g * x[0] * 2)] })

    /// `√x`: PyTensor's `sqrt`.
    public static let sqrt = ScalarOp(
        "sqrt", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.sqrt"),
        float: unary { $0.squareRoot() },
        floatBlock: { a, _, _, r, n in map1(a, r, n) { $0.squareRoot() } },
        partials: { g, _, z in [.value((g * 0.5) / z)] })

    /// `∛x`, real for negative x (numpy's `cbrt`; PyTensor has no scalar op for it).
    public static let cbrt = ScalarOp(
        "cbrt", className: "Cbrt", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.cbrt"),
        float: unary { Double.root($0, 3) },  // libm cbrt
        // d∛x/dx = 1 / (3 ∛x²): infinite at 0, as numpy's gradient of cbrt.
        partials: { g, _, z in [.value(g / (CotangentOps.sqr(z) * 3))] })

    /// `|x|`: PyTensor's `abs` (class `Abs`).
    public static let abs = ScalarOp(
        "abs", className: "Abs", arity: 1, dtype: .upcast,
        stablehlo: .op("stablehlo.abs"),
        float: unary { Swift.abs($0) }, integer: unary { $0 < 0 ? 0 &- $0 : $0 },
        floatBlock: { a, _, _, r, n in map1(a, r, n) { Swift.abs($0) } },
        partials: { g, x, _ in [.value(g * CotangentOps.sign(x[0]))] })

    /// -1, 0 or 1 (NaN for NaN): PyTensor's `sign`. Piecewise constant: zero derivative.
    public static let sign = ScalarOp(
        "sign", arity: 1, dtype: .upcastNoBool,
        stablehlo: .op("stablehlo.sign"),
        float: unary { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? .nan : 0)) }, integer: unary { $0.signum() },
        partials: zeroPartials)

    /// The larger value, NaN-propagating; numpy returns the second argument on ties (so
    /// `maximum(-0.0, 0.0)` is 0.0). PyTensor's `maximum` (class `Maximum`).
    public static let maximum = ScalarOp(
        "maximum", className: "Maximum", arity: 2, commutative: true, dtype: .upcast,
        stablehlo: .op("stablehlo.maximum"),
        float: binary { $0.isNaN || $1.isNaN ? .nan : ($0 > $1 ? $0 : $1) }, integer: binary { Swift.max($0, $1) },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0.isNaN || $1.isNaN ? .nan : ($0 > $1 ? $0 : $1) } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { Swift.max($0, $1) } },
        partials: extremumPartials)

    /// The smaller value, as ``maximum``. PyTensor's `minimum` (class `Minimum`).
    public static let minimum = ScalarOp(
        "minimum", className: "Minimum", arity: 2, commutative: true, dtype: .upcast,
        stablehlo: .op("stablehlo.minimum"),
        float: binary { $0.isNaN || $1.isNaN ? .nan : ($0 < $1 ? $0 : $1) }, integer: binary { Swift.min($0, $1) },
        floatBlock: { a, b, _, r, n in map2(a, b, r, n) { $0.isNaN || $1.isNaN ? .nan : ($0 < $1 ? $0 : $1) } },
        integerBlock: { a, b, _, r, n in map2(a, b, r, n) { Swift.min($0, $1) } },
        partials: extremumPartials)

    /// `x` limited to `[low, high]`: PyTensor's `clip` (not numpy's: the lower bound wins when
    /// low > high, NaN bounds are ignored).
    public static let clip = ScalarOp(
        "clip", arity: 3, dtype: .upcast,
        stablehlo: .formula { b, x in b.select(b.compare("LT", x[0], x[1]), x[1], b.select(b.compare("GT", x[0], x[2]), x[2], x[0])) },
        float: ternary { x, low, high in x < low ? low : (x > high ? high : x) },
        integer: ternary { x, low, high in x < low ? low : (x > high ? high : x) },
        partials: { g, x, _ in
            let inside = (x[0] .>= x[1]) & (x[0] .<= x[2])
            return [
                .value(CotangentOps.select(inside, g, 0)), .value(CotangentOps.select(x[0] .< x[1], g, 0)),
                .value(CotangentOps.select(x[0] .> x[2], g, 0)),
            ]
        })

    // MARK: Rounding (piecewise constant: zero derivative wherever one exists, as PyTensor's)

    /// Rounding toward -∞: PyTensor's `floor`.
    public static let floor = ScalarOp(
        "floor", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.floor"),
        float: unary { $0.rounded(.down) },
        floatBlock: { a, _, _, r, n in map1(a, r, n) { $0.rounded(.down) } },
        partials: zeroPartials)

    /// Rounding toward +∞: PyTensor's `ceil`.
    public static let ceil = ScalarOp(
        "ceil", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.ceil"),
        float: unary { $0.rounded(.up) },
        floatBlock: { a, _, _, r, n in map1(a, r, n) { $0.rounded(.up) } },
        partials: zeroPartials)

    /// Rounding toward zero: PyTensor's `trunc`. Its derivative is 0 between integers and does
    /// not exist at them; like PyTensor's `Trunc.grad` the rule is 0 (so gradients through it
    /// vanish rather than fail).
    public static let trunc = ScalarOp(
        "trunc", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.select(b.compare("LT", x[0], b.number(0, like: x[0])), b.unary("stablehlo.ceil", x[0]), b.unary("stablehlo.floor", x[0])) },
        float: unary { $0.rounded(.towardZero) },
        partials: zeroPartials)

    /// Round half to even (numpy's `round`). PyTensor's `RoundHalfToEven` has no name, so it
    /// prints its class name.
    public static let round = ScalarOp(
        "RoundHalfToEven", swiftName: "round", arity: 1, dtype: .floatOnly,
        stablehlo: .op("stablehlo.round_nearest_even"),
        float: unary { $0.rounded(.toNearestOrEven) },
        partials: zeroPartials)
}

/// Zero for every input: the rule of piecewise-constant ops.
private let zeroPartials: ScalarOpDefinition.Partials = { _, x, z in
    x.map { .value(zerosLike($0, dtype: z.dtype)) }
}

/// maximum and minimum: the cotangent goes to the input(s) equal to the result.
private let extremumPartials: ScalarOpDefinition.Partials = { g, x, z in
    [.value(g * (z .== x[0]).cast(to: z.dtype)), .value(g * (z .== x[1]).cast(to: z.dtype))]
}
