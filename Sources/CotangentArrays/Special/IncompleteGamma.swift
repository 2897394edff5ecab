import RealModule

extension SpecialMath {
    /// The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a) (scipy's
    /// `gammainc`), for a ≥ 0 and x ≥ 0: P(0, x > 0) = 1, P(a, ∞) = 1; NaN for negative
    /// arguments, P(0, 0), and P(∞, ∞).
    ///
    /// Power series where x ≤ a or x ≤ 1, else 1 − Q with Q's continued fraction (Legendre's);
    /// the prefactor xᵃe⁻ˣ/Γ(a + 1) goes through Stirling's correction for a ≥ 10 so that its
    /// large exponents cancel exactly. ≤ 1e-13 relative for a ≤ 1e6 (the series and continued
    /// fraction take O(√a) terms near x = a; cost, not accuracy, limits a).
    package static func gammainc(_ a: Double, _ x: Double) -> Double {
        if let special = incompleteGammaBoundary(a, x, upper: false) { return special }
        if x > 1 && x > a { return 1 - gammaincc(a, x) }
        return powerExpOverGammaOnePlus(a, x) * lowerGammaSeries(a, x)
    }

    /// The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x) (scipy's
    /// `gammaincc`), computed directly (not as 1 − P) wherever Q is small; same domain and
    /// accuracy as `gammainc`.
    package static func gammaincc(_ a: Double, _ x: Double) -> Double {
        if let special = incompleteGammaBoundary(a, x, upper: true) { return special }
        if x > 1.1 {
            if x < a { return 1 - gammainc(a, x) }
            return a * powerExpOverGammaOnePlus(a, x) * upperGammaContinuedFraction(a, x)
        }
        // Small x: Q is near 1 − xᵃ/Γ(a + 1) unless a is small, which the series below keeps
        // exact; when a is large enough P is tiny and 1 − P loses nothing.
        let useComplement = x <= 0.5 ? -0.4 / Double.log(x) < a : x * 1.1 < a
        if useComplement { return 1 - powerExpOverGammaOnePlus(a, x) * lowerGammaSeries(a, x) }
        return upperGammaSmallArgumentSeries(a, x)
    }

    /// ∂P(a, x)/∂x = x^{a−1} e⁻ˣ / Γ(a), the gamma density (−∂Q/∂x): at x = 0 it is +inf for
    /// a < 1, 1 for a = 1 and 0 for a > 1; NaN where `gammainc` is NaN.
    package static func gammaincDerivativeX(_ a: Double, _ x: Double) -> Double {
        if a.isNaN || x.isNaN || a < 0 || x < 0 { return .nan }
        if x == 0 { return a < 1 ? .infinity : (a == 1 ? 1 : 0) }
        if x == .infinity || a == .infinity { return 0 }
        if a == 0 { return 0 }
        return a * powerExpOverGammaOnePlus(a, x) / x
    }

    /// ∂P(a, x)/∂a (−∂Q/∂a), by forward differentiation of the same power series or continued
    /// fraction that computes P or Q (as PyTensor and JAX do): ≤ 1e-12 relative where it is not
    /// near a zero crossing.
    package static func gammaincDerivativeA(_ a: Double, _ x: Double) -> Double {
        if a.isNaN || x.isNaN || a < 0 || x < 0 { return .nan }
        if x == 0 || x == .infinity || a == .infinity { return 0 }
        if a == 0 { return .nan }
        let seeded = ParameterDual(a, derivatives: [1, 0])
        if x > 1.1 && x > a {
            // Q = a·pre·F with d log(a·pre)/da = log x − ψ(a).
            let fraction = upperGammaContinuedFraction(seeded, x)
            let prefactor = a * powerExpOverGammaOnePlus(a, x)
            let logSlope = Double.log(x) - digamma(a)
            return -prefactor * (fraction.derivatives.x + fraction.value * logSlope)
        }
        // P = pre·S with d log(pre)/da = log x − ψ(a + 1).
        let series = lowerGammaSeries(seeded, x)
        let prefactor = powerExpOverGammaOnePlus(a, x)
        let logSlope = Double.log(x) - digamma(a + 1)
        return prefactor * (series.derivatives.x + series.value * logSlope)
    }

    /// ∂Q(a, x)/∂a = −∂P(a, x)/∂a.
    package static func gammainccDerivativeA(_ a: Double, _ x: Double) -> Double {
        -gammaincDerivativeA(a, x)
    }

    /// scipy's values of P (or Q when `upper`) on the boundary of the domain, nil inside it.
    private static func incompleteGammaBoundary(_ a: Double, _ x: Double, upper: Bool) -> Double? {
        if a.isNaN || x.isNaN || a < 0 || x < 0 { return .nan }
        let lower: Double
        if a == 0 {
            if x == 0 { return .nan }
            lower = 1
        } else if x == 0 {
            lower = 0
        } else if a == .infinity {
            if x == .infinity { return .nan }
            lower = 0
        } else if x == .infinity {
            lower = 1
        } else {
            return nil
        }
        return upper ? 1 - lower : lower
    }

    /// xᵃ e⁻ˣ / Γ(a + 1) for a, x > 0.
    static func powerExpOverGammaOnePlus(_ a: Double, _ x: Double) -> Double {
        if a >= 10 {
            // Γ(a) = √(2π/a) aᵃ e⁻ᵃ e^{δ(a)} turns xᵃe⁻ˣ/Γ(a) into
            // √(a/2π) exp(a·[log(1 + u) − u] − δ(a)) with u = (x − a)/a: no large terms cancel.
            // Far from x = a the logarithm of the correctly rounded x/a is exact enough, while
            // u itself would have lost x's digits when x ≪ a.
            let u = (x - a) / a
            let logPart = u >= -0.5 && u <= 1 ? logOnePlusMinusIdentity(u) : Double.log(x / a) - u
            let exponent = a * logPart - stirlingCorrection(a)
            return (a / (2 * Double.pi)).squareRoot() * Double.exp(exponent) / a
        }
        if x < 700 { return Double.pow(x, a) * Double.exp(-x) / Double.gamma(a + 1) }
        return Double.exp(a * Double.log(x) - x - logGammaOnePlus(a))
    }

    /// Σₙ xⁿ / ((a + 1)(a + 2)…(a + n)), so that P(a, x) = xᵃe⁻ˣ/Γ(a + 1) times this sum.
    static func lowerGammaSeries<T: SeriesScalar>(_ a: T, _ x: Double) -> T {
        var sum = T(1)
        var term = T(1)
        var denominator = a
        let argument = T(x)
        for _ in 0..<maximumIterations {
            denominator = denominator + T(1)
            term = term * argument / denominator
            sum = sum + term
            if abs(term.value) <= 1e-17 * sum.value
                && term.derivativeMagnitude <= 1e-17 * sum.derivativeMagnitude
            {
                break
            }
        }
        return sum
    }

    /// Legendre's continued fraction F with Q(a, x) = (xᵃe⁻ˣ/Γ(a))·F, evaluated by the modified
    /// Lentz method: F = 1/(x + 1 − a − 1(1 − a)/(x + 3 − a − 2(2 − a)/(x + 5 − a − …))).
    static func upperGammaContinuedFraction<T: SeriesScalar>(_ a: T, _ x: Double) -> T {
        let tiny = 1e-300
        var f = T(x + 1) - a
        if f.value == 0 { f = T(tiny) }
        var c = f
        var d = T(0)
        for n in 1..<maximumIterations {
            let k = Double(n)
            let numerator = T(k) * (a - T(k))
            let denominator = T(x + 2 * k + 1) - a
            d = denominator + numerator * d
            if d.value == 0 { d = T(tiny) }
            c = denominator + numerator / c
            if c.value == 0 { c = T(tiny) }
            d = T(1) / d
            let delta = c * d
            f = f * delta
            if continuedFractionHasConverged(delta: delta, product: f) { break }
        }
        return T(1) / f
    }

    /// Q(a, x) for x ≤ 1.1 and small a: 1 − xᵃ/Γ(a + 1) + (xᵃ/Γ(a)) Σ_{n≥1} −(−x)ⁿ/(n!(a + n)),
    /// with the first part as −expm1(a log x − log Γ(1 + a)) so that tiny a keeps its digits.
    private static func upperGammaSmallArgumentSeries(_ a: Double, _ x: Double) -> Double {
        var sum = 0.0
        var power = 1.0
        for n in 1..<maximumIterations {
            let k = Double(n)
            power *= -x / k
            let term = power / (a + k)
            sum += term
            if abs(term) <= 1e-17 * abs(sum) { break }
        }
        let logLeading = a * Double.log(x) - logGammaOnePlus(a)
        return -Double.expMinusOne(logLeading) - a * Double.exp(logLeading) * sum
    }

    /// The iteration cap of the series and continued fractions (reached only for parameters
    /// beyond ~1e12, where the result then carries the truncation error).
    static let maximumIterations = 10_000_000
}
