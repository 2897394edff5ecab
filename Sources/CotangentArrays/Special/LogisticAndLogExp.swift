import RealModule

extension SpecialMath {
    /// The logistic sigmoid `1 / (1 + e⁻ˣ)` (scipy's `expit`), without overflow for large |x|;
    /// ≤ 2 ulp everywhere.
    package static func expit(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Double.exp(-x)) }
        let e = Double.exp(x)
        return e / (1 + e)
    }

    /// The log-odds `log(p / (1 − p))` (scipy's `logit`): −inf at 0, +inf at 1, NaN outside
    /// [0, 1]; ≤ 4 ulp, including near p = ½ where the result goes through zero.
    package static func logit(_ p: Double) -> Double {
        guard p >= 0 && p <= 1 else { return .nan }
        if p >= 0.25 && p <= 0.75 {
            // s = 2p − 1 is exact here; log1p(s) and log1p(−s) have opposite signs, so their
            // difference has no cancellation as p → ½.
            let s = 2 * p - 1
            return Double.log(onePlus: s) - Double.log(onePlus: -s)
        }
        // Away from ½ the result is at least log 3 in magnitude, so one rounding in the quotient
        // stays one rounding; for p > ¾, 1 − p is exact.
        return Double.log(p / (1 - p))
    }

    /// `log(1 + eˣ)` (softplus), exact to double precision in both tails; ≤ 2 ulp.
    package static func log1pexp(_ x: Double) -> Double {
        if x <= -37 { return Double.exp(x) }
        if x <= 18 { return Double.log(onePlus: Double.exp(x)) }
        if x <= 33.3 { return x + Double.exp(-x) }
        return x
    }

    /// `log(1 − eˣ)` for x ≤ 0: −inf at 0, NaN for x > 0; ≤ 2 ulp. Uses `log(−expm1(x))`
    /// near zero and `log1p(−eˣ)` below −log 2 (Mächler's split).
    package static func log1mexp(_ x: Double) -> Double {
        if x.isNaN || x > 0 { return .nan }
        if x > -0.693_147_180_559_945_3 { return Double.log(-Double.expMinusOne(x)) }
        return Double.log(onePlus: -Double.exp(x))
    }

    /// `log(eᵃ + eᵇ)` (numpy's `logaddexp`): exact for equal arguments, including infinities;
    /// ≤ 2 ulp.
    package static func logaddexp(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        // Equal arguments (also ±inf, where a − b would be NaN) add log 2.
        if a == b { return a + 0.693_147_180_559_945_3 }
        let larger = Swift.max(a, b)
        return larger + Double.log(onePlus: Double.exp(-abs(a - b)))
    }

    /// `log(eᵃ − eᵇ)` for a ≥ b: −inf when a = b (finite or −inf), NaN when a < b or
    /// a = b = +inf; ≤ 4 ulp.
    package static func logdiffexp(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN || a < b { return .nan }
        if a == b { return a == .infinity ? .nan : -.infinity }
        if a == .infinity { return .infinity }
        return a + log1mexp(b - a)
    }

    /// `x · log y` with the convention `xlogy(0, y) = 0` for every non-NaN y (scipy's `xlogy`).
    package static func xlogy(_ x: Double, _ y: Double) -> Double {
        if x == 0 && !y.isNaN { return 0 }
        return x * Double.log(y)
    }

    /// `x · log(1 + y)` with `xlog1py(0, y) = 0` for every non-NaN y (scipy's `xlog1py`).
    package static func xlog1py(_ x: Double, _ y: Double) -> Double {
        if x == 0 && !y.isNaN { return 0 }
        return x * Double.log(onePlus: y)
    }

    /// numpy's normalised `sinc(x) = sin(πx) / (πx)`, 1 at 0. The argument of the sine is
    /// reduced exactly, so zeros at the non-zero integers are exact and large |x| keeps full
    /// relative accuracy (numpy itself loses it there); ±inf gives NaN as numpy does.
    package static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        if !x.isFinite { return .nan }
        if abs(x) < 1e-8 { return 1 - Double.pi * Double.pi * x * x / 6 }
        return sinPi(x) / (Double.pi * x)
    }

    /// `√(x² + y²)` without intermediate overflow or underflow (libm's `hypot`: +inf if
    /// either argument is infinite, even when the other is NaN); ≤ 1 ulp.
    package static func hypot(_ x: Double, _ y: Double) -> Double {
        Double.hypot(x, y)
    }
}
