import RealModule

extension SpecialMath {
    /// The regularized incomplete beta function I_x(a, b) (scipy's `betainc`) for a, b ≥ 0 and
    /// 0 ≤ x ≤ 1: I_x(0, b) = 1 and I_x(a, 0) = 0 for 0 < x < 1; NaN for negative parameters,
    /// a = b = 0, or x outside [0, 1].
    ///
    /// The continued fraction of DLMF 8.17.22, on I_x(a, b) itself when x is below the mean
    /// (a + 1)/(a + b + 2) and on 1 − I_{1−x}(b, a) above it, times the prefactor
    /// xᵃ(1 − x)ᵇ/(a B(a, b)), which for a, b ≥ 10 goes through Stirling's corrections so that
    /// its large exponents cancel exactly. ≤ 1e-13 relative for a, b ≤ 1e5 (O(√max(a, b))
    /// iterations near the mean).
    package static func betainc(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if let special = incompleteBetaBoundary(a, b, x) { return special }
        return incompleteBeta(a, b, x).value
    }

    /// ∂I_x(a, b)/∂x = x^{a−1}(1 − x)^{b−1}/B(a, b), the beta density; at the endpoints its
    /// limits (+inf, the finite value, or 0); NaN where `betainc` is NaN.
    package static func betaincDerivativeX(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if a.isNaN || b.isNaN || x.isNaN || a < 0 || b < 0 || x < 0 || x > 1 { return .nan }
        if a == 0 || b == 0 || a.isInfinite || b.isInfinite { return x == 0 || x == 1 ? .nan : 0 }
        if x == 0 { return a < 1 ? .infinity : (a == 1 ? b : 0) }
        if x == 1 { return b < 1 ? .infinity : (b == 1 ? a : 0) }
        let xc = 1 - x
        let prefactor = incompleteBetaPrefactor(
            a, b, x, xc, logX: Double.log(x), logXc: Double.log(onePlus: -x), offset: betaMeanOffset(a, b, x))
        return prefactor * a / (x * xc)
    }

    /// ∂I_x(a, b)/∂a, by forward differentiation through the continued fraction and the
    /// prefactor (whose log-derivative is log x − 1/a − ψ(a) + ψ(a + b)); ≤ 1e-11 relative away
    /// from its zero crossings. 0 at x = 0 and x = 1.
    package static func betaincDerivativeA(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if let special = incompleteBetaBoundary(a, b, x) { return special.isNaN ? .nan : 0 }
        return incompleteBeta(a, b, x).derivatives.x
    }

    /// ∂I_x(a, b)/∂b, as `betaincDerivativeA`.
    package static func betaincDerivativeB(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if let special = incompleteBetaBoundary(a, b, x) { return special.isNaN ? .nan : 0 }
        return incompleteBeta(a, b, x).derivatives.y
    }

    /// scipy's values of I_x(a, b) on the boundary of the domain, nil inside it.
    private static func incompleteBetaBoundary(_ a: Double, _ b: Double, _ x: Double) -> Double? {
        if a.isNaN || b.isNaN || x.isNaN || a < 0 || b < 0 || x < 0 || x > 1 { return .nan }
        if a == 0 && b == 0 { return .nan }
        if a.isInfinite && b.isInfinite { return .nan }
        if x == 0 { return 0 }
        if x == 1 { return 1 }
        if a == 0 || b.isInfinite { return 1 }
        if b == 0 || a.isInfinite { return 0 }
        return nil
    }

    /// I_x(a, b) with its derivatives with respect to a and b, for 0 < x < 1 and finite
    /// a, b > 0.
    private static func incompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> ParameterDual {
        let xc = 1 - x
        let logX = Double.log(x)
        let logXc = Double.log(onePlus: -x)
        let offset = betaMeanOffset(a, b, x)
        let seededA = ParameterDual(a, derivatives: [1, 0])
        let seededB = ParameterDual(b, derivatives: [0, 1])
        let digammaSum = digamma(a + b)
        if x <= (a + 1) / (a + b + 2) {
            let prefactor = incompleteBetaPrefactor(a, b, x, xc, logX: logX, logXc: logXc, offset: offset)
            let fraction = incompleteBetaContinuedFraction(seededA, seededB, x)
            let logSlopes = SIMD2(logX - 1 / a - digamma(a) + digammaSum, logXc - digamma(b) + digammaSum)
            return ParameterDual(
                prefactor * fraction.value,
                derivatives: prefactor * (fraction.derivatives + fraction.value * logSlopes))
        }
        // Above the mean: 1 − I_{1−x}(b, a); x stays the exact argument of the prefactor.
        let prefactor = incompleteBetaPrefactor(b, a, xc, x, logX: logXc, logXc: logX, offset: -offset)
        let fraction = incompleteBetaContinuedFraction(seededB, seededA, xc)
        let logSlopes = SIMD2(logX - digamma(a) + digammaSum, logXc - 1 / b - digamma(b) + digammaSum)
        return ParameterDual(
            1 - prefactor * fraction.value,
            derivatives: -prefactor * (fraction.derivatives + fraction.value * logSlopes))
    }

    /// x(a + b) − a, the scaled distance of x from the mean a/(a + b), with the products split
    /// exactly so that it keeps its relative accuracy when x is near the mean.
    private static func betaMeanOffset(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let productB = x * b
        let errorB = (-productB).addingProduct(x, b)
        let productA = x * a
        let errorA = (-productA).addingProduct(x, a)
        // Two-sum of productA − a: high + low equals it exactly.
        let high = productA - a
        let virtualA = high - productA
        let low = (productA - (high - virtualA)) + (-a - virtualA)
        return (high + productB) + (low + errorA + errorB)
    }

    /// xᵃ xcᵇ / (a B(a, b)) where xc = 1 − x, given log x, log xc and the offset
    /// x(a + b) − a.
    private static func incompleteBetaPrefactor(
        _ a: Double, _ b: Double, _ x: Double, _ xc: Double, logX: Double, logXc: Double, offset: Double
    ) -> Double {
        let c = a + b
        if a >= 10 && b >= 10 {
            // 1/B(a, b) by Stirling: √(ab/(2πc)) cᶜ/(aᵃbᵇ) e^{δ(c)−δ(a)−δ(b)}, so the prefactor is
            // √(ab/(2πc)) exp(a[log(1 + u) − u] + b[log(1 + v) − v] + …)/a with
            // 1 + u = xc/a·… : u = offset/a, v = −offset/b (the linear terms cancel exactly).
            let u = offset / a
            let v = -offset / b
            let logU = u >= -0.5 && u <= 1 ? logOnePlusMinusIdentity(u) : logX + Double.log(c / a) - u
            let logV = v >= -0.5 && v <= 1 ? logOnePlusMinusIdentity(v) : logXc + Double.log(c / b) - v
            let corrections = stirlingCorrection(c) - stirlingCorrection(a) - stirlingCorrection(b)
            let scale = (a * b / (2 * Double.pi * c)).squareRoot() / a
            return scale * Double.exp(a * logU + b * logV + corrections)
        }
        if c < 169 {
            // Γ(c)/(Γ(a + 1)Γ(b)) = (b/c) Γ(c + 1)/(Γ(a + 1)Γ(b + 1)), all gammas moderate.
            let gammas = (b / c) * (Double.gamma(c + 1) / (Double.gamma(a + 1) * Double.gamma(b + 1)))
            let powers = (x < 0.5 ? Double.pow(x, a) : Double.exp(a * logX)) * Double.exp(b * logXc)
            return gammas * powers
        }
        if b >= 10 && a < 10 {
            // Γ(c)/Γ(b) = bᵃ exp((c − ½) log1p(a/b) − a + δ(c) − δ(b)): the large parts of
            // b·log(1 − x) and log Γ(c)/Γ(b) cancel analytically near the mean.
            let exponent =
                b * logXc + (c - 0.5) * Double.log(onePlus: a / b) - a
                + stirlingCorrection(c) - stirlingCorrection(b)
            return Double.pow(x * b, a) * Double.exp(exponent) / Double.gamma(a + 1)
        }
        if a >= 10 && b < 10 {
            // The mirror image: Γ(c)/Γ(a) = aᵇ exp((c − ½) log1p(b/a) − b + δ(c) − δ(a)).
            let exponent =
                a * logX + (c - 0.5) * Double.log(onePlus: b / a) - b
                + stirlingCorrection(c) - stirlingCorrection(a)
            return (b / a) * Double.pow(xc * a, b) * Double.exp(exponent) / Double.gamma(b + 1)
        }
        return Double.exp(a * logX + b * logXc - betaln(a, b) - Double.log(a))
    }

    /// The continued fraction F of DLMF 8.17.22 with I_x(a, b) = xᵃ(1 − x)ᵇ/(a B(a, b)) · F,
    /// by the modified Lentz method; converges quickly for x below the mean (a + 1)/(a + b + 2).
    static func incompleteBetaContinuedFraction<T: SeriesScalar>(_ a: T, _ b: T, _ x: Double) -> T {
        let tiny = 1e-300
        let one = T(1)
        let argument = T(x)
        let sum = a + b
        var c = one
        var d = one - sum * argument / (a + one)
        if d.value == 0 { d = T(tiny) }
        d = one / d
        var f = d
        for m in 1..<maximumIterations {
            let k = T(Double(m))
            let twiceK = T(Double(2 * m))
            // Even step: m(b − m)x / ((a + 2m − 1)(a + 2m)).
            var numerator = k * (b - k) * argument / ((a + twiceK - one) * (a + twiceK))
            d = one + numerator * d
            if d.value == 0 { d = T(tiny) }
            c = one + numerator / c
            if c.value == 0 { c = T(tiny) }
            d = one / d
            f = f * d * c
            // Odd step: −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            numerator = T(0) - (a + k) * (sum + k) * argument / ((a + twiceK) * (a + twiceK + one))
            d = one + numerator * d
            if d.value == 0 { d = T(tiny) }
            c = one + numerator / c
            if c.value == 0 { c = T(tiny) }
            d = one / d
            let delta = d * c
            f = f * delta
            if continuedFractionHasConverged(delta: delta, product: f) { break }
        }
        return f
    }
}
