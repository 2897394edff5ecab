import CVectorMath
import RealModule
import CotangentArrays
import CotangentGraph

// The scalar-op table, part 2: exponentials, logarithms, trigonometric, hyperbolic and special
// functions (see ScalarOpTable.swift). When `ElementwiseMath.usesVectorMath` is on, block kernels
// run Cotangent's own vector kernels for exp, tanh, sigmoid, softplus and erf (faster than
// libmvec's on AVX-512, or missing from libmvec) and libmvec's vector variants for the rest (its
// table-driven log and log1p beat ours); else libm lane by lane.

private let ln2 = 0.6931471805599453
private let ln10 = 2.302585092994046
/// `2/√π`, the error function's slope at 0 (also used by the special functions' rules).
let twoOverSqrtPi = 1.1283791670955126

extension ScalarOp {
    // MARK: Exponentials and logarithms

    /// `eˣ`: PyTensor's `exp`.
    public static let exp = ScalarOp(
        "exp", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.exponential"), float: unary { Double.exp($0) },
        floatBlock: { a, _, _, r, n in transcendentalMap(CotangentTranscendentalExp, a, r, n) { Double.exp($0) } },
        partials: { g, _, z in [.value(g * z)] })

    /// `2ˣ`: PyTensor's `exp2`.
    public static let exp2 = ScalarOp(
        "exp2", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.binary("stablehlo.power", b.number(2, like: x[0]), x[0]) }, float: unary { Double.exp2($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorExp2, a, r, n) { Double.exp2($0) } },
        partials: { g, _, z in [.value(g * z * constant(ln2, like: z))] })

    /// `eˣ - 1`, accurate near 0: PyTensor's `expm1`.
    public static let expm1 = ScalarOp(
        "expm1", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.exponential_minus_one"), float: unary { Double.expMinusOne($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorExpm1, a, r, n) { Double.expMinusOne($0) } },
        partials: { g, _, z in [.value(g * (z + 1))] })

    /// The natural logarithm: PyTensor's `log` (its rule `g / x` is what the seed prints).
    public static let log = ScalarOp(
        "log", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.log"), float: unary { Double.log($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorLog, a, r, n) { Double.log($0) } },
        partials: { g, x, _ in [.value(g / x[0])] })

    /// `log₂ x`: PyTensor's `log2`.
    public static let log2 = ScalarOp(
        "log2", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.divide(b.unary("stablehlo.log", x[0]), b.number(0.6931471805599453, like: x[0])) }, float: unary { Double.log2($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorLog2, a, r, n) { Double.log2($0) } },
        partials: { g, x, z in [.value(g / (x[0] * constant(ln2, like: z)))] })

    /// `log₁₀ x`: PyTensor's `log10`.
    public static let log10 = ScalarOp(
        "log10", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.divide(b.unary("stablehlo.log", x[0]), b.number(2.302585092994046, like: x[0])) }, float: unary { Double.log10($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorLog10, a, r, n) { Double.log10($0) } },
        partials: { g, x, z in [.value(g / (x[0] * constant(ln10, like: z)))] })

    /// `log(1 + x)`, accurate near 0: PyTensor's `log1p`.
    public static let log1p = ScalarOp(
        "log1p", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.log_plus_one"), float: unary { Double.log(onePlus: $0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorLog1p, a, r, n) { Double.log(onePlus: $0) } },
        partials: { g, x, _ in [.value(g / (x[0] + 1))] })

    /// `log(eˣ + eʸ)` without overflow (numpy's `logaddexp`; PyTensor builds it from log, add
    /// and exp, which overflows for x > 709).
    public static let logaddexp = ScalarOp(
        "logaddexp", className: "LogAddExp", arity: 2, commutative: true, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in let m = b.binary("stablehlo.maximum", x[0], x[1]); let d = b.unary("stablehlo.negate", b.unary("stablehlo.abs", b.subtract(x[0], x[1]))); let finite = b.emit1("stablehlo.is_finite", [d], result: d.type.with(dtype: .bool)); return b.select(finite, b.add(m, b.unary("stablehlo.log_plus_one", b.unary("stablehlo.exponential", d))), b.select(b.compare("EQ", x[0], x[1]), b.add(x[0], b.number(0.6931471805599453, like: x[0])), m)) },
        float: binary { SpecialFunctions.logAddExp($0, $1) },
        // ∂z/∂x = eˣ / (eˣ + eʸ) = exp(x − z), and likewise for y.
        partials: { g, x, z in [.value(g * CotangentOps.exp(x[0] - z)), .value(g * CotangentOps.exp(x[1] - z))] })

    // MARK: Trigonometric and hyperbolic

    /// PyTensor's `sin`.
    public static let sin = ScalarOp(
        "sin", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.sine"), float: unary { Double.sin($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorSin, a, r, n) { Double.sin($0) } },
        partials: { g, x, _ in [.value(g * CotangentOps.cos(x[0]))] })

    /// PyTensor's `cos`.
    public static let cos = ScalarOp(
        "cos", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.cosine"), float: unary { Double.cos($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorCos, a, r, n) { Double.cos($0) } },
        partials: { g, x, _ in [.value(-g * CotangentOps.sin(x[0]))] })

    /// PyTensor's `tan`.
    public static let tan = ScalarOp(
        "tan", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.tan"), float: unary { Double.tan($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorTan, a, r, n) { Double.tan($0) } },
        partials: { g, x, _ in [.value(g / CotangentOps.sqr(CotangentOps.cos(x[0])))] })

    /// PyTensor's `arcsin`.
    public static let arcsin = ScalarOp(
        "arcsin", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.asin"), float: unary { Double.asin($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorAsin, a, r, n) { Double.asin($0) } },
        partials: { g, x, _ in [.value(g / CotangentOps.sqrt(1 - CotangentOps.sqr(x[0])))] })

    /// PyTensor's `arccos`.
    public static let arccos = ScalarOp(
        "arccos", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.acos"), float: unary { Double.acos($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorAcos, a, r, n) { Double.acos($0) } },
        partials: { g, x, _ in [.value(-g / CotangentOps.sqrt(1 - CotangentOps.sqr(x[0])))] })

    /// PyTensor's `arctan`.
    public static let arctan = ScalarOp(
        "arctan", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.atan"), float: unary { Double.atan($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorAtan, a, r, n) { Double.atan($0) } },
        partials: { g, x, _ in [.value(g / (CotangentOps.sqr(x[0]) + 1))] })

    /// The angle of the point `(x, y)`, `arctan2(y, x)`: PyTensor's `arctan2`.
    public static let arctan2 = ScalarOp(
        "arctan2", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.atan2"), float: binary { Double.atan2(y: $0, x: $1) },
        partials: { g, x, _ in
            let r2 = CotangentOps.sqr(x[0]) + CotangentOps.sqr(x[1])
            return [.value(g * x[1] / r2), .value(-g * x[0] / r2)]
        })

    /// PyTensor's `sinh`.
    public static let sinh = ScalarOp(
        "sinh", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.sinh"), float: unary { Double.sinh($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorSinh, a, r, n) { Double.sinh($0) } },
        partials: { g, x, _ in [.value(g * CotangentOps.cosh(x[0]))] })

    /// PyTensor's `cosh`.
    public static let cosh = ScalarOp(
        "cosh", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.cosh"), float: unary { Double.cosh($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorCosh, a, r, n) { Double.cosh($0) } },
        partials: { g, x, _ in [.value(g * CotangentOps.sinh(x[0]))] })

    /// PyTensor's `tanh`.
    public static let tanh = ScalarOp(
        "tanh", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.tanh"), float: unary { Double.tanh($0) },
        floatBlock: { a, _, _, r, n in transcendentalMap(CotangentTranscendentalTanh, a, r, n) { Double.tanh($0) } },
        partials: { g, _, z in [.value(g * (1 - CotangentOps.sqr(z)))] })

    /// PyTensor's `arcsinh`.
    public static let arcsinh = ScalarOp(
        "arcsinh", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.asinh"), float: unary { Double.asinh($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorAsinh, a, r, n) { Double.asinh($0) } },
        partials: { g, x, _ in [.value(g / CotangentOps.sqrt(CotangentOps.sqr(x[0]) + 1))] })

    /// PyTensor's `arccosh`.
    public static let arccosh = ScalarOp(
        "arccosh", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.acosh"), float: unary { Double.acosh($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorAcosh, a, r, n) { Double.acosh($0) } },
        partials: { g, x, _ in [.value(g / CotangentOps.sqrt(CotangentOps.sqr(x[0]) - 1))] })

    /// PyTensor's `arctanh`.
    public static let arctanh = ScalarOp(
        "arctanh", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.atanh"), float: unary { Double.atanh($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorAtanh, a, r, n) { Double.atanh($0) } },
        partials: { g, x, _ in [.value(g / (1 - CotangentOps.sqr(x[0])))] })

    // MARK: Special functions (kernels in SpecialFunctions.swift)

    /// `1 / (1 + e⁻ˣ)`: PyTensor's `sigmoid`.
    public static let sigmoid = ScalarOp(
        "sigmoid", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("stablehlo.logistic"), float: unary { SpecialFunctions.sigmoid($0) },
        floatBlock: { a, _, _, r, n in transcendentalMap(CotangentTranscendentalSigmoid, a, r, n) { SpecialFunctions.sigmoid($0) } },
        partials: { g, _, z in [.value(g * z * (1 - z))] })

    /// `log(1 + eˣ)`, stable for large |x|: PyTensor's `softplus` (class `Softplus`).
    public static let softplus = ScalarOp(
        "softplus", className: "Softplus", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.softplus(x[0]) },
        float: unary { SpecialFunctions.softplus($0) },
        floatBlock: { a, _, _, r, n in transcendentalMap(CotangentTranscendentalSoftplus, a, r, n) { SpecialFunctions.softplus($0) } },
        partials: { g, x, _ in [.value(g * CotangentOps.sigmoid(x[0]))] })

    /// The error function: PyTensor's `erf`.
    public static let erf = ScalarOp(
        "erf", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.erf"), float: unary { Double.erf($0) },
        floatBlock: { a, _, _, r, n in transcendentalMap(CotangentTranscendentalErf, a, r, n) { Double.erf($0) } },
        partials: { g, x, z in
            [.value(g * constant(twoOverSqrtPi, like: z) * CotangentOps.exp(-CotangentOps.sqr(x[0])))]
        })

    /// `1 - erf(x)`: PyTensor's `erfc`.
    public static let erfc = ScalarOp(
        "erfc", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.erfc"), float: unary { Double.erfc($0) },
        floatBlock: { a, _, _, r, n in vectorMap(CotangentVectorErfc, a, r, n) { Double.erfc($0) } },
        partials: { g, x, z in
            [.value(-g * constant(twoOverSqrtPi, like: z) * CotangentOps.exp(-CotangentOps.sqr(x[0])))]
        })

    /// `log|Γ(x)|`: PyTensor's `gammaln`.
    public static let gammaln = ScalarOp(
        "gammaln", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.lgamma"), float: unary { SpecialMath.logGamma($0) },
        partials: { g, x, _ in [.value(g * CotangentOps.psi(x[0]))] })

    /// The digamma function ψ(x): PyTensor's `psi`.
    public static let psi = ScalarOp(
        "psi", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.digamma"), float: unary { SpecialMath.digamma($0) },
        partials: { g, x, _ in [.value(g * CotangentOps.trigamma(x[0]))] })

    /// The trigamma function ψ₁(x): PyTensor's `tri_gamma`.
    public static let trigamma = ScalarOp(
        "tri_gamma", swiftName: "trigamma", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.binary("chlo.polygamma", b.number(1, like: x[0]), x[0]) }, float: unary { SpecialMath.polygamma(1, $0) },
        partials: { g, x, _ in [.value(g * CotangentOps.polygamma(2, x[0]))] })
}
