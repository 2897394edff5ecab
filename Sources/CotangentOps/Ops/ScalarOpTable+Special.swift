import RealModule
import CotangentArrays
import CotangentGraph

// The scalar-op table, part 3: the special functions log-densities are written with (gamma and
// beta families, incomplete integrals, error-function inverses, logistic and log-exp forms,
// Bessel functions), each an entry with its derivative rule, followed by its user-facing
// function. The formulas live in `SpecialMath` (CotangentArrays), which follows scipy's
// conventions at boundaries and tails; float32 is computed in double and rounded once.

private let sqrtPiOverTwo = 0.886_226_925_452_758_013_6
private let logSquareRootOfTwoPi = 0.918_938_533_204_672_742

extension ScalarOp {
    // MARK: Gamma and beta families

    /// `Γ(x)`: PyTensor's `gamma`. `∂Γ/∂x = Γ(x) ψ(x)`.
    public static let gamma = ScalarOp(
        "gamma", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.gamma(x[0]) }, float: unary { SpecialMath.gamma($0) },
        partials: { g, x, z in [.value(g * z * CotangentOps.psi(x[0]))] })

    /// `ψ⁽ⁿ⁾(x)`, the n-th derivative of the digamma function: PyTensor's `polygamma`. The order
    /// is an integer, so the output has no derivative in it.
    public static let polygamma = ScalarOp(
        "polygamma", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.polygamma"),
        float: binary { n, x in n == n.rounded() ? SpecialMath.polygamma(Int(exactly: n) ?? -1, x) : .nan },
        partials: { g, x, _ in
            [.undefined("polygamma is not differentiable in its order n (an integer)"),
             .value(g * CotangentOps.polygamma(x[0] + 1, x[1]))]
        })

    /// `log|B(a, b)|`, accurate for large arguments (scipy's `betaln`):
    /// `∂/∂a = ψ(a) − ψ(a + b)`, and likewise for b.
    public static let betaln = ScalarOp(
        "betaln", arity: 2, commutative: true, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.subtract(b.add(b.unary("chlo.lgamma", x[0]), b.unary("chlo.lgamma", x[1])), b.unary("chlo.lgamma", b.add(x[0], x[1]))) }, float: binary { SpecialMath.betaln($0, $1) },
        partials: { g, x, _ in
            let both = CotangentOps.psi(x[0] + x[1])
            return [.value(g * (CotangentOps.psi(x[0]) - both)), .value(g * (CotangentOps.psi(x[1]) - both))]
        })

    /// `B(a, b) = Γ(a) Γ(b) / Γ(a + b)` (scipy's `beta`): `∂/∂a = B (ψ(a) − ψ(a + b))`.
    public static let beta = ScalarOp(
        "beta", arity: 2, commutative: true, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.divide(b.multiply(b.gamma(x[0]), b.gamma(x[1])), b.gamma(b.add(x[0], x[1]))) }, float: binary { SpecialMath.beta($0, $1) },
        partials: { g, x, z in
            let both = CotangentOps.psi(x[0] + x[1])
            return [.value(g * z * (CotangentOps.psi(x[0]) - both)), .value(g * z * (CotangentOps.psi(x[1]) - both))]
        })

    // MARK: Incomplete gamma and beta

    /// The regularized lower incomplete gamma function `P(a, x)`: PyTensor's `gammainc`.
    /// `∂P/∂x = xᵃ⁻¹ e⁻ˣ / Γ(a)` in closed form; `∂P/∂a` by series (`gammaincGradA`).
    public static let gammainc = ScalarOp(
        "gammainc", className: "GammaInc", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.incompleteGamma(x[0], x[1]).lower },
        float: binary { SpecialMath.gammainc($0, $1) },
        partials: { g, x, _ in
            [.value(g * elemwise(.gammaincGradA, x[0], x[1])), .value(g * gammaDensity(x[0], x[1]))]
        })

    /// The regularized upper incomplete gamma function `Q(a, x) = 1 − P(a, x)`: PyTensor's
    /// `gammaincc`.
    public static let gammaincc = ScalarOp(
        "gammaincc", className: "GammaIncC", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.incompleteGamma(x[0], x[1]).upper },
        float: binary { SpecialMath.gammaincc($0, $1) },
        partials: { g, x, _ in
            [.value(g * elemwise(.gammainccGradA, x[0], x[1])), .value(-g * gammaDensity(x[0], x[1]))]
        })

    /// `∂P(a, x)/∂a` (PyTensor's `GammaIncGrad`), for `gammainc`'s derivative rule.
    package static let gammaincGradA = ScalarOp(
        "gammainc_grad", swiftName: "gammaincGradA", className: "GammaIncGrad", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the incomplete gamma function's derivative series is not lowered"),
        float: binary { SpecialMath.gammaincDerivativeA($0, $1) },
        partials: { _, _, _ in
            let reason = "the second derivative of gammainc/gammaincc in a is not implemented"
            return [.undefined(reason), .undefined(reason)]
        })

    /// `∂Q(a, x)/∂a`, computed directly in Q's tail (PyTensor's `GammaIncCGrad`).
    package static let gammainccGradA = ScalarOp(
        "gammaincc_grad", swiftName: "gammainccGradA", className: "GammaIncCGrad", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the incomplete gamma function's derivative series is not lowered"),
        float: binary { SpecialMath.gammainccDerivativeA($0, $1) },
        partials: { _, _, _ in
            let reason = "the second derivative of gammainc/gammaincc in a is not implemented"
            return [.undefined(reason), .undefined(reason)]
        })

    /// `dx/dα` of a Gamma(α, 1) draw `x` with its uniform held fixed (implicit
    /// reparameterisation, JAX's `random_gamma_grad(a, x)`): `−(∂P/∂α)(α, x) / (∂P/∂x)(α, x)`,
    /// 0 where x is 0. The pathwise derivative of gamma, beta, chi-square and Dirichlet draws.
    public static let randomGammaGrad = ScalarOp(
        "random_gamma_grad", swiftName: "randomGammaGrad", className: "RandomGammaGrad", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the implicit derivative of gamma draws needs the incomplete gamma function, which is not lowered"),
        float: binary { StandardGamma.shapeDerivative(sample: $1, shape: $0) },
        partials: { _, _, _ in
            let reason = "the second derivative of a gamma draw in its shape (random_gamma_grad) is not implemented"
            return [.undefined(reason), .undefined(reason)]
        })

    /// The regularized incomplete beta function `I_x(a, b)`: PyTensor's `betainc`.
    /// `∂I/∂x = xᵃ⁻¹ (1 − x)ᵇ⁻¹ / B(a, b)`; `∂I/∂a`, `∂I/∂b` by series (`betaincGradA`).
    public static let betainc = ScalarOp(
        "betainc", className: "BetaInc", arity: 3, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.incompleteBeta(x[0], x[1], x[2]) },
        float: ternary { SpecialMath.betainc($0, $1, $2) },
        partials: { g, x, _ in
            let (a, b, t) = (x[0], x[1], x[2])
            let density = CotangentOps.exp(
                CotangentOps.xlogy(a - 1, t) + CotangentOps.xlog1py(b - 1, -t) - CotangentOps.betaln(a, b))
            return [
                .value(g * elemwise(.betaincGradA, a, b, t)), .value(g * elemwise(.betaincGradB, a, b, t)),
                .value(g * density),
            ]
        })

    /// `∂I_x(a, b)/∂a`, for `betainc`'s derivative rule (PyTensor's `BetaIncDer` in a).
    package static let betaincGradA = ScalarOp(
        "betainc_grad_a", swiftName: "betaincGradA", className: "BetaIncGradA", arity: 3, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the incomplete beta function's derivative series is not lowered"),
        float: ternary { SpecialMath.betaincDerivativeA($0, $1, $2) },
        partials: { _, _, _ in Array(repeating: .undefined(betaincSecondDerivative), count: 3) })

    /// `∂I_x(a, b)/∂b`, for `betainc`'s derivative rule (PyTensor's `BetaIncDer` in b).
    package static let betaincGradB = ScalarOp(
        "betainc_grad_b", swiftName: "betaincGradB", className: "BetaIncGradB", arity: 3, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the incomplete beta function's derivative series is not lowered"),
        float: ternary { SpecialMath.betaincDerivativeB($0, $1, $2) },
        partials: { _, _, _ in Array(repeating: .undefined(betaincSecondDerivative), count: 3) })

    /// The x with `P(a, x) = p` (scipy's `gammaincinv`; PyTensor's `gammaincinv`).
    /// `∂x/∂p = 1 / (∂P/∂x)`, `∂x/∂a = −(∂P/∂a) / (∂P/∂x)` at the solution.
    public static let gammaincinv = ScalarOp(
        "gammaincinv", className: "GammaIncInv", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the inverse incomplete gamma function (a Newton iteration on gammainc) is not lowered"),
        float: binary { SpecialMath.gammaincinv($0, $1) },
        partials: { g, x, z in
            let slope = gammaDensity(x[0], z)
            return [.value(-g * elemwise(.gammaincGradA, x[0], z) / slope), .value(g / slope)]
        })

    /// The x with `Q(a, x) = q` (scipy's `gammainccinv`; PyTensor's `gammainccinv`).
    public static let gammainccinv = ScalarOp(
        "gammainccinv", className: "GammaIncCInv", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("the inverse incomplete gamma function (a Newton iteration on gammainc) is not lowered"),
        float: binary { SpecialMath.gammainccinv($0, $1) },
        partials: { g, x, z in
            let slope = gammaDensity(x[0], z)
            return [.value(g * elemwise(.gammainccGradA, x[0], z) / slope), .value(-g / slope)]
        })

    // MARK: Error-function family

    /// The inverse error function: PyTensor's `erfinv`. `∂/∂y = (√π / 2) exp(erfinv(y)²)`.
    public static let erfinv = ScalarOp(
        "erfinv", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.erf_inv"), float: unary { SpecialMath.erfinv($0) },
        partials: { g, _, z in [.value(g * constant(sqrtPiOverTwo, like: z) * CotangentOps.exp(CotangentOps.sqr(z)))] })

    /// The inverse complementary error function: PyTensor's `erfcinv`.
    /// `∂/∂q = −(√π / 2) exp(erfcinv(q)²)`.
    public static let erfcinv = ScalarOp(
        "erfcinv", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.unary("chlo.erf_inv", b.subtract(b.number(1, like: x[0]), x[0])) }, float: unary { SpecialMath.erfcinv($0) },
        partials: { g, _, z in [.value(-g * constant(sqrtPiOverTwo, like: z) * CotangentOps.exp(CotangentOps.sqr(z)))] })

    /// The scaled complementary error function `exp(x²) erfc(x)`: PyTensor's `erfcx`.
    /// `∂/∂x = 2x erfcx(x) − 2/√π`.
    public static let erfcx = ScalarOp(
        "erfcx", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.erfcx(x[0]) }, float: unary { SpecialMath.erfcx($0) },
        partials: { g, x, z in [.value(g * (2 * x[0] * z - constant(twoOverSqrtPi, like: z)))] })

    /// `log Φ(x)`, the log of the standard normal CDF, accurate in the lower tail (scipy's
    /// `log_ndtr`). `∂/∂x = φ(x) / Φ(x) = exp(−x²/2 − log √(2π) − log Φ(x))`.
    public static let logNormalCDF = ScalarOp(
        "log_ndtr", swiftName: "logNormalCDF", className: "LogNormalCDF", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.logNormalCDF(x[0]) },
        float: unary { SpecialMath.logNormalCDF($0) },
        partials: { g, x, z in [.value(g * normalDensityRatio(x[0], z))] })

    /// `log(1 − Φ(x))`, the log of the standard normal survival function, accurate in the upper
    /// tail. `∂/∂x = −φ(x) / (1 − Φ(x))`.
    public static let logNormalSF = ScalarOp(
        "log_ndtr_sf", swiftName: "logNormalSF", className: "LogNormalSF", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.logNormalCDF(b.unary("stablehlo.negate", x[0])) },
        float: unary { SpecialMath.logNormalSF($0) },
        partials: { g, x, z in [.value(-g * normalDensityRatio(x[0], z))] })

    // MARK: Bessel functions and Owen's T

    /// `I_v(x)`, the modified Bessel function of the first kind (scipy's `iv`; PyTensor's
    /// `iv`): real orders v ≥ 0 and integer orders. `∂/∂x = (I_{v−1} + I_{v+1}) / 2` for v ≥ 1,
    /// else `I_{v+1} + (v/x) I_v`; not differentiable in the order.
    public static let iv = ScalarOp(
        "iv", className: "Iv", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("XLA has no modified Bessel function of real order"),
        float: binary { SpecialMath.besselI($0, $1, scaled: false) },
        partials: { g, x, z in
            [.undefined(besselOrder), .value(g * besselSlope(x[0], x[1], z, scaled: false))]
        })

    /// `exp(−|x|) I_v(x)` (scipy's `ive`; PyTensor's `ive`): finite for large |x|.
    /// `∂/∂x` is the scaled `I_v′` minus `sign(x) ive(v, x)`.
    public static let ive = ScalarOp(
        "ive", className: "Ive", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("XLA has no modified Bessel function of real order"),
        float: binary { SpecialMath.besselI($0, $1, scaled: true) },
        partials: { g, x, z in
            [.undefined(besselOrder), .value(g * besselSlope(x[0], x[1], z, scaled: true))]
        })

    /// `I₀(x)` (scipy's `i0`; PyTensor's `i0`). `∂/∂x = I₁(x)`.
    public static let i0 = ScalarOp(
        "i0", className: "I0", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .notExportable("XLA has no modified Bessel function I0 (CHLO has only bessel_i1e)"), float: unary { SpecialMath.besselI(0, $0, scaled: false) },
        partials: { g, x, _ in [.value(g * CotangentOps.besselI1(x[0]))] })

    /// `I₁(x)` (scipy's `i1`; PyTensor's `i1`). `∂/∂x = (I₀(x) + I₂(x)) / 2`.
    public static let i1 = ScalarOp(
        "i1", className: "I1", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.multiply(b.unary("chlo.bessel_i1e", x[0]), b.unary("stablehlo.exponential", b.unary("stablehlo.abs", x[0]))) }, float: unary { SpecialMath.besselI(1, $0, scaled: false) },
        partials: { g, x, z in [.value(g * besselSlope(constant(1, like: z), x[0], z, scaled: false))] })

    /// `exp(−|x|) I₀(x)` (scipy's `i0e`). `∂/∂x = i1e(x) − sign(x) i0e(x)`.
    public static let i0e = ScalarOp(
        "i0e", className: "I0e", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .notExportable("XLA has no modified Bessel function I0 (CHLO has only bessel_i1e)"), float: unary { SpecialMath.besselI(0, $0, scaled: true) },
        partials: { g, x, z in [.value(g * besselSlope(constant(0, like: z), x[0], z, scaled: true))] })

    /// `exp(−|x|) I₁(x)` (scipy's `i1e`).
    public static let i1e = ScalarOp(
        "i1e", className: "I1e", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .op("chlo.bessel_i1e"), float: unary { SpecialMath.besselI(1, $0, scaled: true) },
        partials: { g, x, z in [.value(g * besselSlope(constant(1, like: z), x[0], z, scaled: true))] })

    /// Owen's T function `T(h, a)` (scipy's `owens_t`; PyTensor's `owens_t`), the bivariate
    /// normal's building block. `∂T/∂h = −φ(h) erf(ah/√2) / 2`,
    /// `∂T/∂a = exp(−h²(1 + a²)/2) / (2π (1 + a²))`.
    public static let owensT = ScalarOp(
        "owens_t", swiftName: "owensT", className: "Owens_t", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .notExportable("XLA has no Owen's T function, and its series are not lowered"),
        float: binary { SpecialMath.owensT($0, $1) },
        partials: { g, x, z in
            let (h, a) = (x[0], x[1])
            let halfSquare = 0.5 * CotangentOps.sqr(h)
            let dh = -0.5 * CotangentOps.exp(-halfSquare - constant(logSquareRootOfTwoPi, like: z))
                * CotangentOps.erf(a * h * constant(0.7071067811865476, like: z))
            let spread = 1 + CotangentOps.sqr(a)
            let da = CotangentOps.exp(-halfSquare * spread) / (constant(2 * Double.pi, like: z) * spread)
            return [.value(g * dh), .value(g * da)]
        })

    // MARK: Logistic and log-exp forms

    /// `log(p / (1 − p))`: PyTensor's `logit`. `∂/∂p = 1 / (p (1 − p))`.
    public static let logit = ScalarOp(
        "logit", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.unary("stablehlo.log", b.divide(x[0], b.subtract(b.number(1, like: x[0]), x[0]))) }, float: unary { SpecialMath.logit($0) },
        partials: { g, x, _ in [.value(g / (x[0] * (1 - x[0])))] })

    /// `log(1 − eˣ)` for x ≤ 0, accurate near 0 and for large −x: PyTensor's `log1mexp`.
    /// `∂/∂x = −1 / expm1(−x)`.
    public static let log1mexp = ScalarOp(
        "log1mexp", className: "Log1mexp", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.log1mexp(x[0]) }, float: unary { SpecialMath.log1mexp($0) },
        partials: { g, x, _ in [.value(-g / CotangentOps.expm1(-x[0]))] })

    /// `log(eᵃ − eᵇ)` for a ≥ b, without overflow (`a + log1mexp(b − a)`).
    /// `∂/∂a = −1 / expm1(b − a)`, `∂/∂b = −1 / expm1(a − b)`.
    public static let logdiffexp = ScalarOp(
        "logdiffexp", className: "LogDiffExp", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.add(x[0], b.log1mexp(b.subtract(x[1], x[0]))) },
        float: binary { SpecialMath.logdiffexp($0, $1) },
        partials: { g, x, _ in
            [.value(-g / CotangentOps.expm1(x[1] - x[0])), .value(-g / CotangentOps.expm1(x[0] - x[1]))]
        })

    /// `x log y`, 0 where x is 0 (even at y = 0): scipy's `xlogy`, PyTensor's `xlogy0`.
    /// `∂/∂x = log y`, `∂/∂y = x / y` (0 where x is 0, where the function is constant in y).
    public static let xlogy = ScalarOp(
        "xlogy", className: "XlogY", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.zeroWhereZero(x[0], times: b.unary("stablehlo.log", x[1])) }, float: binary { SpecialMath.xlogy($0, $1) },
        partials: { g, x, z in
            [.value(g * CotangentOps.log(x[1])), .value(g * zeroWhereZero(x[0], x[0] / x[1], like: z))]
        })

    /// `x log(1 + y)`, 0 where x is 0: scipy's `xlog1py`.
    /// `∂/∂x = log1p(y)`, `∂/∂y = x / (1 + y)` (0 where x is 0).
    public static let xlog1py = ScalarOp(
        "xlog1py", className: "Xlog1pY", arity: 2, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in b.zeroWhereZero(x[0], times: b.unary("stablehlo.log_plus_one", x[1])) }, float: binary { SpecialMath.xlog1py($0, $1) },
        partials: { g, x, z in
            [.value(g * CotangentOps.log1p(x[1])), .value(g * zeroWhereZero(x[0], x[0] / (x[1] + 1), like: z))]
        })

    // MARK: Elementary combinations

    /// The normalized sinc `sin(πx) / (πx)`, 1 at 0 (numpy's `sinc`).
    /// `∂/∂x = (cos(πx) − sinc(x)) / x`, 0 at 0.
    public static let sinc = ScalarOp(
        "sinc", arity: 1, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in let px = b.multiply(x[0], b.number(Double.pi, like: x[0])); return b.select(b.compare("EQ", x[0], b.number(0, like: x[0])), b.number(1, like: x[0]), b.divide(b.unary("stablehlo.sine", px), px)) }, float: unary { SpecialMath.sinc($0) },
        partials: { g, x, z in
            let slope = (CotangentOps.cos(constant(Double.pi, like: z) * x[0]) - z) / x[0]
            return [.value(g * zeroWhereZero(x[0], slope, like: z))]
        })

    /// `√(x² + y²)` without overflow or underflow: PyTensor's `hypot`.
    /// `∂/∂x = x / hypot`, `∂/∂y = y / hypot` (0 at the origin, a subgradient).
    public static let hypot = ScalarOp(
        "hypot", arity: 2, commutative: true, dtype: .upgradeToFloat,
        stablehlo: .formula { b, x in let ax = b.unary("stablehlo.abs", x[0]); let ay = b.unary("stablehlo.abs", x[1]); let big = b.binary("stablehlo.maximum", ax, ay); let small = b.binary("stablehlo.minimum", ax, ay); let safe = b.select(b.compare("EQ", big, b.number(0, like: big)), b.number(1, like: big), big); let r = b.divide(small, safe); let h = b.multiply(big, b.unary("stablehlo.sqrt", b.add(b.number(1, like: r), b.multiply(r, r)))); return b.select(b.compare("EQ", big, b.number(.infinity, like: big)), big, h) }, float: binary { SpecialMath.hypot($0, $1) },
        partials: { g, x, z in
            [.value(g * zeroWhereZero(z, x[0] / z, like: z)), .value(g * zeroWhereZero(z, x[1] / z, like: z))]
        })
}

private let besselOrder = "the Bessel functions are not differentiable in their order v (not implemented)"

/// `∂/∂x` of `I_v(x)`, or of `ive(v, x)` when `scaled` (`value` is the function's own output):
/// `(I_{v−1} + I_{v+1}) / 2` for v ≥ 1 (finite at x = 0), `I_{v+1} + (v/x) I_v` below, which
/// for v = 0 is `I₁` and needs no negative order.
private func besselSlope(_ v: Variable, _ x: Variable, _ value: Variable, scaled: Bool) -> Variable {
    let op: ScalarOp = scaled ? .ive : .iv
    let above = elemwise(op, v + 1, x)
    let low = above + select(v .== constant(0, like: v), constant(0, like: value), v / x * value)
    let high = 0.5 * (elemwise(op, v - 1, x) + above)
    let slope = select(v .>= constant(1, like: v), high, low)
    return scaled ? slope - sign(x) * value : slope
}

private let betaincSecondDerivative = "the second derivative of betainc in a or b is not implemented"

/// `xᵃ⁻¹ e⁻ˣ / Γ(a)`, the derivative of `P(a, x)` in x (`xlogy` keeps `x = 0, a = 1` finite).
private func gammaDensity(_ a: Variable, _ x: Variable) -> Variable {
    CotangentOps.exp(xlogy(a - 1, x) - x - gammaln(a))
}

/// `φ(x) / exp(logValue)`, from logs, so that it stays finite far in the tails.
private func normalDensityRatio(_ x: Variable, _ logValue: Variable) -> Variable {
    CotangentOps.exp(-0.5 * CotangentOps.sqr(x) - constant(logSquareRootOfTwoPi, like: logValue) - logValue)
}

/// `value`, with 0 where `condition` is 0 (the limit of a derivative written as a quotient).
private func zeroWhereZero(_ condition: Variable, _ value: Variable, like z: Variable) -> Variable {
    select(condition .== constant(0, like: condition), constant(0, like: z), value)
}

// MARK: - Functions

/// `Γ(x)`, as scipy's `gamma`: poles at 0 and the negative integers give ±inf or NaN as scipy.
public func gamma(_ x: Variable) -> Variable { elemwise(.gamma, x) }
/// The digamma function ψ(x) (scipy's `digamma`; also ``psi(_:)``).
public func digamma(_ x: Variable) -> Variable { elemwise(.psi, x) }
/// `ψ⁽ⁿ⁾(x)`, the n-th derivative of the digamma function (scipy's `polygamma`); `n` is an integer
/// order (an integer tensor or a whole-valued float).
public func polygamma(_ n: Variable, _ x: Variable) -> Variable { elemwise(.polygamma, n, x) }
/// `ψ⁽ⁿ⁾(x)` for a fixed order `n`.
public func polygamma(_ n: Int, _ x: Variable) -> Variable {
    elemwise(.polygamma, Variable.constant(NDArray(scalar: Int64(n))), x)
}
/// `log|B(a, b)|`, accurate for large arguments (scipy's `betaln`).
public func betaln(_ a: Variable, _ b: Variable) -> Variable { elemwise(.betaln, a, b) }
/// The beta function `B(a, b)` (scipy's `beta`).
public func beta(_ a: Variable, _ b: Variable) -> Variable { elemwise(.beta, a, b) }
/// The regularized lower incomplete gamma function `P(a, x)` (scipy's `gammainc`).
public func gammainc(_ a: Variable, _ x: Variable) -> Variable { elemwise(.gammainc, a, x) }
/// The regularized upper incomplete gamma function `Q(a, x) = 1 − P(a, x)` (scipy's `gammaincc`).
public func gammaincc(_ a: Variable, _ x: Variable) -> Variable { elemwise(.gammaincc, a, x) }
/// The regularized incomplete beta function `I_x(a, b)` (scipy's `betainc(a, b, x)`).
public func betainc(_ a: Variable, _ b: Variable, _ x: Variable) -> Variable { elemwise(.betainc, a, b, x) }
/// The inverse error function (scipy's `erfinv`): ±inf at ±1, NaN outside [−1, 1].
public func erfinv(_ x: Variable) -> Variable { elemwise(.erfinv, x) }
/// The inverse complementary error function (scipy's `erfcinv`): ±inf at 0 and 2.
public func erfcinv(_ x: Variable) -> Variable { elemwise(.erfcinv, x) }
/// The scaled complementary error function `exp(x²) erfc(x)` (scipy's `erfcx`).
public func erfcx(_ x: Variable) -> Variable { elemwise(.erfcx, x) }
/// `log Φ(x)`, the log of the standard normal CDF (scipy's `log_ndtr`), accurate for x ≪ 0.
public func logNormalCDF(_ x: Variable) -> Variable { elemwise(.logNormalCDF, x) }
/// `log(1 − Φ(x))`, the log of the standard normal survival function, accurate for x ≫ 0.
public func logNormalSF(_ x: Variable) -> Variable { elemwise(.logNormalSF, x) }
/// The x with `P(a, x) = p` (scipy's `gammaincinv`).
public func gammaincinv(_ a: Variable, _ p: Variable) -> Variable { elemwise(.gammaincinv, a, p) }
/// The x with `Q(a, x) = q` (scipy's `gammainccinv`).
public func gammainccinv(_ a: Variable, _ q: Variable) -> Variable { elemwise(.gammainccinv, a, q) }
/// `I_v(x)`, the modified Bessel function of the first kind (scipy's `iv`).
public func besselIv(_ v: Variable, _ x: Variable) -> Variable { elemwise(.iv, v, x) }
/// `exp(−|x|) I_v(x)` (scipy's `ive`).
public func besselIve(_ v: Variable, _ x: Variable) -> Variable { elemwise(.ive, v, x) }
/// `I₀(x)` (scipy's `i0`).
public func besselI0(_ x: Variable) -> Variable { elemwise(.i0, x) }
/// `I₁(x)` (scipy's `i1`).
public func besselI1(_ x: Variable) -> Variable { elemwise(.i1, x) }
/// `exp(−|x|) I₀(x)` (scipy's `i0e`).
public func besselI0e(_ x: Variable) -> Variable { elemwise(.i0e, x) }
/// `exp(−|x|) I₁(x)` (scipy's `i1e`).
public func besselI1e(_ x: Variable) -> Variable { elemwise(.i1e, x) }
/// Owen's T function `T(h, a)` (scipy's `owens_t`).
public func owensT(_ h: Variable, _ a: Variable) -> Variable { elemwise(.owensT, h, a) }
/// `log(p / (1 − p))` (scipy's `logit`).
public func logit(_ p: Variable) -> Variable { elemwise(.logit, p) }
/// `1 / (1 + e⁻ˣ)` (scipy's `expit`; the same op as ``sigmoid(_:)``).
public func expit(_ x: Variable) -> Variable { elemwise(.sigmoid, x) }
/// `log(1 + eˣ)` (PyMC's `log1pexp`; the same op as ``softplus(_:)``).
public func log1pexp(_ x: Variable) -> Variable { elemwise(.softplus, x) }
/// `log(1 − eˣ)` for x ≤ 0, accurate across the range (PyTensor's `log1mexp`).
public func log1mexp(_ x: Variable) -> Variable { elemwise(.log1mexp, x) }
/// `log(eᵃ − eᵇ)` for a ≥ b, without overflow.
public func logdiffexp(_ a: Variable, _ b: Variable) -> Variable { elemwise(.logdiffexp, a, b) }
/// `x log y`, 0 where x is 0 (scipy's `xlogy`).
public func xlogy(_ x: Variable, _ y: Variable) -> Variable { elemwise(.xlogy, x, y) }
/// `x log(1 + y)`, 0 where x is 0 (scipy's `xlog1py`).
public func xlog1py(_ x: Variable, _ y: Variable) -> Variable { elemwise(.xlog1py, x, y) }
/// The normalized sinc `sin(πx) / (πx)` (numpy's `sinc`).
public func sinc(_ x: Variable) -> Variable { elemwise(.sinc, x) }
/// `√(x² + y²)` without overflow or underflow (numpy's `hypot`).
public func hypot(_ x: Variable, _ y: Variable) -> Variable { elemwise(.hypot, x, y) }
