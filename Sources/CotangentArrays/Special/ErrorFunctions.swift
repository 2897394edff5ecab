import RealModule

extension SpecialMath {
    /// `1 / √π`.
    static let inverseSquareRootOfPi = 0.564_189_583_547_756_286_9

    /// The scaled complementary error function `erfcx(x) = exp(x²) erfc(x)` (scipy's
    /// `erfcx`), stable for large x where erfc underflows: ~1/(x√π) as x → +∞, +inf for
    /// x < −26.7; ≤ 1e-15 relative.
    package static func erfcx(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x < 0 {
            if x < -26.7 { return .infinity }
            return 2 * expOfSquare(x) - erfcx(-x)
        }
        // erfc is accurate to a few ulp until it becomes subnormal near x = 26.5; the split
        // square keeps the rounding of x² out of exp(x²).
        if x < 26 { return Double.erfc(x) * expOfSquare(x) }
        // Asymptotic series (1/(x√π)) Σ (−1)ᵏ (2k − 1)!! / (2x²)ᵏ; at x ≥ 26 the ratio
        // 1/(2x²) < 7.4e-4 makes ten terms exact to double precision.
        let y = 1 / (2 * x * x)
        var term = 1.0
        var sum = 1.0
        for k in 1...10 {
            term *= -Double(2 * k - 1) * y
            sum += term
        }
        return inverseSquareRootOfPi / x * sum
    }

    /// The inverse error function on [−1, 1] (scipy's `erfinv`): ±inf at ±1, NaN outside;
    /// ≤ 1e-15 relative (limited by libm's `erf`).
    package static func erfinv(_ y: Double) -> Double {
        if y.isNaN || abs(y) > 1 { return .nan }
        if y == 0 { return y }
        if abs(y) > 0.5 {
            // 1 − |y| is exact here, and the complementary solver works in log space.
            let x = erfcinv(1 - abs(y))
            return y < 0 ? -x : x
        }
        // Maclaurin series of erfinv in z = (√π/2) y through z¹¹ (error < 1e-9 for |y| ≤ ½),
        // then one Halley step on erf(x) − y, which triples the number of correct digits.
        let z = 0.886_226_925_452_758_013_6 * y
        let z2 = z * z
        var x =
            z * (1 + z2 * (1.0 / 3 + z2 * (7.0 / 30 + z2 * (127.0 / 630 + z2 * (4369.0 / 22680
                + z2 * (34807.0 / 178_200))))))
        for _ in 0..<2 {
            let residual = Double.erf(x) - y
            let slope = 2 * inverseSquareRootOfPi * Double.exp(-x * x)
            let step = residual / slope
            x -= step / (1 + x * step)
        }
        return x
    }

    /// The inverse complementary error function on [0, 2] (scipy's `erfcinv`): +inf at 0,
    /// −inf at 2, NaN outside; ≤ 1e-15 relative, down to subnormal arguments.
    package static func erfcinv(_ q: Double) -> Double {
        if q.isNaN || q < 0 || q > 2 { return .nan }
        if q == 0 { return .infinity }
        if q == 2 { return -.infinity }
        if q > 1 { return -erfcinv(2 - q) }  // 2 − q is exact
        if q >= 0.5 { return erfinv(1 - q) }  // 1 − q is exact
        // Initial guess from the normal quantile approximation of Abramowitz & Stegun 26.2.23
        // (|error| < 4.5e-4) for p = q / 2, scaled by 1/√2.
        // log q − log 2 rather than log(q/2), which would flush the smallest subnormal to 0.
        let t = (-2 * (Double.log(q) - 0.693_147_180_559_945_3)).squareRoot()
        var x =
            (t - (2.515_517 + t * (0.802_853 + t * 0.010_328))
                / (1 + t * (1.432_788 + t * (0.189_269 + t * 0.001_308))))
            * 0.707_106_781_186_547_524_4
        // Halley on h(x) = log erfc(x) − log q = log erfcx(x) − x² − log q, which stays
        // representable where erfc(x) and q are subnormal: h' = −2 / (√π erfcx(x)) and
        // h'' = −h' (2x + h').
        let logQ = Double.log(q)
        for _ in 0..<6 {
            let scaled = erfcx(x)
            let square = x * x
            let squareError = (-square).addingProduct(x, x)
            let h = (Double.log(scaled) - logQ - square) - squareError
            let slope = -2 * inverseSquareRootOfPi / scaled
            let newton = h / slope
            let step = newton / (1 + 0.5 * newton * (2 * x + slope))
            x -= step
            if abs(step) <= 1e-16 * x { break }
        }
        return x
    }

    /// The upper normal tail Q(x) = 1 − Φ(x) for x ≥ 0, to full relative precision:
    /// ½ erfcx(x/√2) e^{−x²/2} with the exponent split exactly.
    static func normalUpperTail(_ x: Double) -> Double {
        0.5 * erfcx(x * 0.707_106_781_186_547_524_4) * expOfNegativeHalfSquare(x)
    }

    /// log Φ(x), the log of the standard normal CDF (scipy's `log_ndtr`): accurate in both
    /// tails, ≈ −x²/2 as x → −∞ (−inf once that overflows) and ≈ −Q(x) → −0 as x → +∞;
    /// ≤ 1e-15 relative (≤ 4e-16 absolute near the zero crossing at +∞).
    package static func logNormalCDF(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x == .infinity { return 0 }
        if x >= 1 { return Double.log(onePlus: -normalUpperTail(x)) }
        if x >= -1 { return Double.log(0.5 * Double.erfc(-x * 0.707_106_781_186_547_524_4)) }
        // log Φ(x) = log(½ erfcx(−x/√2)) − x²/2, with x² split exactly so the large exponent
        // carries no rounding.
        let square = x * x
        if !square.isFinite { return -.infinity }
        let squareError = (-square).addingProduct(x, x)
        let scaled = erfcx(-x * 0.707_106_781_186_547_524_4)
        return (Double.log(0.5 * scaled) - 0.5 * square) - 0.5 * squareError
    }

    /// log(1 − Φ(x)), the log of the standard normal survival function (scipy's `log_ndtr(−x)`),
    /// as accurate as `logNormalCDF`.
    package static func logNormalSF(_ x: Double) -> Double {
        logNormalCDF(-x)
    }
}
