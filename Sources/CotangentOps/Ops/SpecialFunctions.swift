import RealModule
import CotangentArrays
import CotangentGraph

/// Numerically careful special functions that libm does not provide.
package enum SpecialFunctions {
    /// `1 / (1 + exp(-x))` without overflow for large |x|.
    package static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Double.exp(-x)) }
        let e = Double.exp(x)
        return e / (1 + e)
    }

    /// `log(1 + exp(x))`, exact to double precision in both tails (PyTensor's piecewise form).
    package static func softplus(_ x: Double) -> Double {
        if x < -37 { return Double.exp(x) }
        if x < 18 { return Double.log(onePlus: Double.exp(x)) }
        if x < 33.3 { return x + Double.exp(-x) }
        return x
    }

    /// `log(eˣ + eʸ)`, as numpy's `npy_logaddexp`: the larger argument plus `log1p` of the
    /// smaller one's exponential relative to it, `x + ln 2` when equal (also for equal infinities).
    package static func logAddExp(_ x: Double, _ y: Double) -> Double {
        if x == y { return x + 0.6931471805599453 }
        let difference = x - y
        if difference > 0 { return x + Double.log(onePlus: Double.exp(-difference)) }
        if difference <= 0 { return y + Double.log(onePlus: Double.exp(difference)) }
        return difference  // NaN
    }

    /// `log|Γ(x)|`, as scipy's `gammaln`: +inf at zero and the negative integers, ±inf at ±inf.
    package static func logGamma(_ x: Double) -> Double {
        if x.isNaN || x.isInfinite { return x }
        if x <= 0 && x == x.rounded(.down) { return .infinity }
        return Double.logGamma(x)
    }

    /// The digamma function ψ(x) = d/dx log Γ(x), as scipy's `psi`: -inf at +0, +inf at -0,
    /// NaN at the negative integers and -inf. Reflection for x < 0, recurrence up to x ≥ 10,
    /// then the asymptotic series through the y⁻¹⁴ term (truncation error below 1e-17 there).
    package static func digamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x == .infinity { return .infinity }
        if x == 0 { return x.sign == .minus ? .infinity : -.infinity }
        if x < 0 {
            if x == x.rounded(.down) { return .nan }
            // ψ(1 − x) − ψ(x) = π cot(πx); reduce x exactly by its nearest integer first, since
            // π·x rounds badly near the poles.
            let reduced = x - x.rounded()
            return digamma(1 - x) - Double.pi / Double.tan(Double.pi * reduced)
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
        value += Double.log(y) - 0.5 / y - series
        return value
    }

    /// The trigamma function ψ₁(x) = d²/dx² log Γ(x): reflection for x < 0, recurrence up to
    /// x ≥ 6, then the asymptotic series.
    package static func trigamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x == .infinity { return 0 }
        if x <= 0 {
            if x == x.rounded(.down) { return .infinity }
            // ψ₁(1 − x) + ψ₁(x) = π² / sin²(πx)
            let s = Double.sin(Double.pi * x)
            return Double.pi * Double.pi / (s * s) - trigamma(1 - x)
        }
        var value = 0.0
        var y = x
        while y < 6 {
            value += 1 / (y * y)
            y += 1
        }
        let inverse = 1 / y
        let inverse2 = inverse * inverse
        // 1/y + 1/(2y²) + Σ B₂ₖ / y^{2k+1}
        let series =
            inverse
            * (1 + inverse * 0.5
                + inverse2
                * (1.0 / 6 - inverse2 * (1.0 / 30 - inverse2 * (1.0 / 42 - inverse2 * (1.0 / 30)))))
        return value + series
    }
}
