import RealModule

/// Scalar special functions in `Double` (with `Float` overloads that evaluate in `Double` and
/// round once), following `scipy.special`'s conventions for boundaries and invalid arguments:
/// bad input returns NaN or ±inf, never traps.
///
/// Names that would clash with libm or the standard library (`gamma`, `hypot`, …) live only
/// inside this namespace; call them qualified, `SpecialMath.gamma(x)`.
package enum SpecialMath {}

extension SpecialMath {
    /// `log(2π) / 2`.
    static let logSquareRootOfTwoPi = 0.918_938_533_204_672_742

    /// The error of Stirling's formula, `log Γ(x) − [(x − ½) log x − x + ½ log 2π]`, for x ≥ 10
    /// (its asymptotic series through the x⁻¹⁵ term; truncation below 1e-17 there).
    ///
    /// Formulas that take differences of log-gammas of large arguments use it so that the large
    /// parts cancel analytically instead of in floating point.
    static func stirlingCorrection(_ x: Double) -> Double {
        let inverse = 1 / x
        let inverse2 = inverse * inverse
        // Σ B₂ₖ / (2k (2k − 1) x^{2k−1}), k = 1…8.
        let series =
            1.0 / 12 + inverse2
            * (-1.0 / 360 + inverse2
                * (1.0 / 1260 + inverse2
                    * (-1.0 / 1680 + inverse2
                        * (1.0 / 1188 + inverse2
                            * (-691.0 / 360_360 + inverse2 * (1.0 / 156 + inverse2 * (-3617.0 / 122_400)))))))
        return series * inverse
    }

    /// `log(1 + u) − u` without cancellation for small |u| (u ≥ −1).
    static func logOnePlusMinusIdentity(_ u: Double) -> Double {
        guard u >= -0.5 && u <= 1 else { return Double.log(onePlus: u) - u }
        // log(1 + u) = 2 atanh(t) with t = u / (2 + u); subtracting u analytically leaves
        // −u² / (2 + u) + 2 (t³/3 + t⁵/5 + …), which has no cancellation.
        let t = u / (2 + u)
        let t2 = t * t
        var power = t2
        var odd = 3.0
        var sum = 0.0
        while true {
            let term = power / odd
            sum += term
            if term <= 1e-17 * sum { break }
            power *= t2
            odd += 2
        }
        return -u * u / (2 + u) + 2 * t * sum
    }

    /// sin(πx) with the argument reduced exactly, so it is exactly zero at the integers and
    /// accurate for large |x|.
    static func sinPi(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        // remainder is exact: r ∈ [−1, 1], and 1 − |r| is exact for |r| ≥ ½ (Sterbenz).
        var r = x.remainder(dividingBy: 2)
        if r > 0.5 { r = 1 - r } else if r < -0.5 { r = -1 - r }
        if r == 0 { return x.sign == .minus ? -0.0 : 0.0 }
        return Double.sin(Double.pi * r)
    }

    /// cos(πx) with the argument reduced exactly (exactly zero at the half-integers).
    static func cosPi(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        let r = abs(x.remainder(dividingBy: 2))  // in [0, 1]
        if r == 0.5 { return 0 }
        // cos(πr) = sin(π(½ − r)); ½ − r is exact for r in [0, 1].
        return Double.sin(Double.pi * (0.5 - r))
    }

    /// `exp(x²)` as the product `exp(hi)·(1 + lo)` of the exactly split square `hi + lo = x²`,
    /// so the rounding of `x·x` (worth x²·ε relative) does not reach the result.
    static func expOfSquare(_ x: Double) -> Double {
        let hi = x * x
        if !hi.isFinite { return .infinity }
        let low = (-hi).addingProduct(x, x)  // fma(x, x, −hi): the exact rounding error of x·x
        return Double.exp(hi) * (1 + low)
    }

    /// `exp(−x²/2)` from the exactly split square, as `expOfSquare`.
    static func expOfNegativeHalfSquare(_ x: Double) -> Double {
        let hi = x * x
        if !hi.isFinite { return 0 }
        let low = (-hi).addingProduct(x, x)
        return Double.exp(-0.5 * hi) * (1 - 0.5 * low)
    }
}
