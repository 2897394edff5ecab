import RealModule

extension SpecialMath {
    /// Γ(x) (scipy's `gamma`): +inf at +0, −inf at −0, NaN at the negative integers and −inf,
    /// +inf past 171.6 (overflow), signed zero far into the negative axis; ≤ 4 ulp (libm's
    /// `tgamma`).
    package static func gamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x == 0 { return x.sign == .minus ? -.infinity : .infinity }
        if x < 0 && x == x.rounded(.down) { return .nan }
        return Double.gamma(x)
    }

    /// log|Γ(x)| (scipy's `gammaln`): +inf at zero and the negative integers, ±inf at ±inf; ≤ 4 ulp away from
    /// the zeros of log|Γ| at 1 and 2, where the error is absolute (≤ 1e-16).
    package static func logGamma(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x }  // scipy: gammaln(−inf) = −inf
        if x <= 0 && x == x.rounded(.down) { return .infinity }
        return Double.logGamma(x)
    }

    /// log Γ(1 + x), accurate for small |x| where `1 + x` would round away x's low digits:
    /// Taylor series −γx + Σ (−1)ᵏ ζ(k) xᵏ / k for |x| ≤ ½ and log x + log Γ(x) up to 1.5.
    static func logGammaOnePlus(_ x: Double) -> Double {
        if abs(x) <= 0.5 {
            var power = -x
            var sum = -0.577_215_664_901_532_860_6 * x
            for k in 2..<zetaAtIntegers.count {
                power *= -x
                let term = zetaAtIntegers[k] * power / Double(k)
                sum += term
                if abs(term) <= 1e-17 * abs(sum) { break }
            }
            return sum
        }
        if x > 0.5 && x <= 1.5 { return Double.log(x) + logGammaOnePlus(x - 1) }
        return logGamma(1 + x)
    }

    /// ζ(k) for k = 0…80 (entries 0 and 1 unused), from the Hurwitz zeta function.
    private static let zetaAtIntegers: [Double] = [.nan, .infinity] + (2...80).map {
        hurwitzZeta(Double($0), 1)
    }

    /// The positive zero of ψ, x₀ = 1.46163…, as the unevaluated sum of two doubles.
    private static let digammaRootHigh = 1.461_632_144_968_362_2
    private static let digammaRootLow = 9.549_995_429_965_697e-17  // x₀ − high

    /// Taylor coefficients of ψ about its positive zero: ψ⁽ⁿ⁾(x₀)/n! = (−1)ⁿ⁺¹ ζ(n + 1, x₀).
    private static let digammaRootCoefficients: [Double] = (1...30).map { n in
        (n % 2 == 1 ? 1.0 : -1.0) * hurwitzZeta(Double(n + 1), digammaRootHigh)
    }

    /// The digamma function ψ(x) = d/dx log Γ(x) (scipy's `psi`/`digamma`): −inf at +0, +inf
    /// at −0, NaN at the negative integers and −inf. Near its positive zero it uses the Taylor
    /// series about that zero, so the relative error stays ≤ 1e-15 there too.
    package static func digamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x == .infinity { return .infinity }
        if x == 0 { return x.sign == .minus ? .infinity : -.infinity }
        if x < 0 {
            if x == x.rounded(.down) { return .nan }
            // Reflection ψ(1 − x) − ψ(x) = π cot(πx), with the argument reduced exactly.
            return digamma(1 - x) - Double.pi * cosPi(x) / sinPi(x)
        }
        if abs(x - digammaRootHigh) < 0.3 {
            let offset = (x - digammaRootHigh) - digammaRootLow
            var sum = 0.0
            var power = 1.0
            for coefficient in digammaRootCoefficients {
                power *= offset
                let term = coefficient * power
                sum += term
                if abs(term) <= 1e-17 * abs(sum) { break }
            }
            return sum
        }
        var value = 0.0
        var y = x
        while y < 10 {
            value -= 1 / y
            y += 1
        }
        let inverse2 = 1 / (y * y)
        // ln y − 1/(2y) − Σ B₂ₖ / (2k y²ᵏ), k = 1…7.
        let series =
            inverse2
            * (1.0 / 12 - inverse2
                * (1.0 / 120 - inverse2
                    * (1.0 / 252 - inverse2
                        * (1.0 / 240 - inverse2
                            * (1.0 / 132 - inverse2 * (691.0 / 32760 - inverse2 * (1.0 / 12)))))))
        return value + (Double.log(y) - 0.5 / y - series)
    }

    /// The polygamma function ψ⁽ⁿ⁾(x), the n-th derivative of ψ (scipy's `polygamma`): ψ for
    /// n = 0, and (−1)ⁿ⁺¹ n! ζ(n + 1, x) for n ≥ 1 (trigamma is n = 1). ±inf at the poles
    /// x = 0, −1, −2, …, with scipy's signs; NaN for n < 0. ≤ 1e-14 relative for x > 0 (for
    /// x < 0 the error grows with the cancellation between the terms around the poles).
    package static func polygamma(_ n: Int, _ x: Double) -> Double {
        if n < 0 || x.isNaN { return .nan }
        if n == 0 { return digamma(x) }
        if x == -.infinity { return .nan }
        let sign = n % 2 == 1 ? 1.0 : -1.0
        let factorial = gamma(Double(n + 1))
        return sign * factorial * hurwitzZeta(Double(n + 1), x)
    }

    /// The Hurwitz zeta function ζ(s, q) = Σₖ (q + k)⁻ˢ for s > 1 (scipy's `zeta(s, q)`):
    /// +inf at q = 0, −1, −2, …; for q < 0 only integer s is defined (NaN otherwise). Sums the
    /// leading terms directly until q + N ≥ max(10, s), then adds the Euler–Maclaurin tail
    /// with Bernoulli numbers through B₂₄; ≤ 1e-15 relative for q > 0.
    package static func hurwitzZeta(_ s: Double, _ q: Double) -> Double {
        if s.isNaN || q.isNaN { return .nan }
        if s == 1 { return .infinity }
        if s < 1 { return .nan }
        if q == .infinity { return 0 }
        if q <= 0 {
            if q == q.rounded(.down) { return .infinity }
            if s != s.rounded(.down) { return .nan }
        }
        var sum = 0.0
        var base = q
        let threshold = Swift.max(10, s)
        while base < threshold {
            // RealModule's real-exponent pow is NaN for negative bases; s is an integer there.
            sum += base < 0 ? Double.pow(base, -Int(s)) : Double.pow(base, -s)
            base += 1
        }
        // Tail Σ_{k≥0} (base + k)⁻ˢ ≈ base¹⁻ˢ/(s − 1) + base⁻ˢ/2
        //   + Σⱼ B₂ⱼ/(2j)! · s(s+1)…(s+2j−2) · base^{−s−2j+1}.
        let leading = Double.pow(base, -s)
        // base¹⁻ˢ separately: base · base⁻ˢ would underflow first for huge q.
        var tail = Double.pow(base, 1 - s) / (s - 1) + 0.5 * leading
        let inverse2 = 1 / (base * base)
        var factor = s * leading / base  // s · base^{−s−1}
        for j in 0..<bernoulliOverFactorial.count {
            let term = bernoulliOverFactorial[j] * factor
            tail += term
            if abs(term) <= 1e-17 * abs(tail + sum) { break }
            let m = Double(2 * j + 1)
            factor *= (s + m) * (s + m + 1) * inverse2
        }
        return sum + tail
    }

    /// B₂ⱼ / (2j)! for j = 1…12, the Euler–Maclaurin coefficients.
    private static let bernoulliOverFactorial: [Double] = [
        1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1_209_600, 1.0 / 47_900_160,
        -691.0 / 1_307_674_368_000, 1.0 / 74_724_249_600, -3617.0 / 10_670_622_842_880_000,
        43867.0 / 5_109_094_217_170_944_000, -174_611.0 / 802_857_662_698_291_200_000,
        77683.0 / 14_101_100_039_391_805_440_000, -236_364_091.0 / 1_693_824_136_731_743_669_452_800_000,
    ]

    /// log|B(a, b)| = log|Γ(a) Γ(b) / Γ(a + b)| (scipy's `betaln`): +inf at the poles (a or b
    /// a non-positive integer), −inf where B vanishes. For a, b > 0 Stirling's corrections
    /// cancel the large log-gammas analytically (≤ 1e-14 relative, absolute near B = 1); for
    /// negative arguments it is the plain sum of `logGamma`s.
    package static func betaln(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        let p = Swift.min(a, b)
        let q = Swift.max(a, b)
        if p > 0 {
            if q == .infinity { return p == .infinity ? .nan : -.infinity }
            let c = p + q
            if p >= 10 {
                let correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(c)
                return -0.5 * Double.log(q) + logSquareRootOfTwoPi + correction
                    + (p - 0.5) * Double.log(p / c) + q * Double.log(onePlus: -p / c)
            }
            if q >= 10 {
                let correction = stirlingCorrection(q) - stirlingCorrection(c)
                return logGamma(p) + correction + p - p * Double.log(c)
                    + (q - 0.5) * Double.log(onePlus: -p / c)
            }
            // Both below 10: Γ(q)/Γ(p + q) is a ratio of moderate numbers.
            return logGamma(p) + Double.log(gamma(q) / gamma(c))
        }
        if isNonPositiveInteger(a) || isNonPositiveInteger(b) { return .infinity }
        if isNonPositiveInteger(a + b) { return -.infinity }
        return logGamma(a) + logGamma(b) - logGamma(a + b)
    }

    /// The beta function B(a, b) = Γ(a) Γ(b) / Γ(a + b) (scipy's `beta`): +inf at the poles,
    /// 0 where Γ(a + b) has a pole; ≤ 1e-14 relative while B is not huge or tiny, and
    /// |log B|·ε relative where it is computed as exp(betaln).
    package static func beta(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        let p = Swift.min(a, b)
        let q = Swift.max(a, b)
        if p > 0 {
            if p + q < 170 && p > 1e-300 { return gamma(p) * (gamma(q) / gamma(p + q)) }
            return Double.exp(betaln(a, b))
        }
        if isNonPositiveInteger(a) || isNonPositiveInteger(b) { return .infinity }
        if isNonPositiveInteger(a + b) { return 0 }
        let sign = gammaSign(a) * gammaSign(b) * gammaSign(a + b)
        return sign * Double.exp(betaln(a, b))
    }

    /// Whether x is 0, −1, −2, … (a pole of Γ).
    static func isNonPositiveInteger(_ x: Double) -> Bool {
        x <= 0 && x == x.rounded(.down)
    }

    /// The sign of Γ(x) away from its poles: negative on (−2k − 1, −2k).
    static func gammaSign(_ x: Double) -> Double {
        if x > 0 { return 1 }
        return x.rounded(.down).truncatingRemainder(dividingBy: 2) == 0 ? 1 : -1
    }
}
