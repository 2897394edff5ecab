import RealModule

extension SpecialMath {
    /// The modified Bessel function of the first kind `I_v(x)` (scipy's `iv`), or with
    /// `scaled`, `exp(−|x|) I_v(x)` (scipy's `ive`), which stays finite for large |x|.
    ///
    /// Real orders v ≥ 0 and integer orders of either sign (`I₋ₙ = Iₙ`); for x < 0 the order
    /// must be an integer (`Iₙ(−x) = (−1)ⁿ Iₙ(x)`), else the value is NaN, as scipy. Negative
    /// non-integer orders, which need `K_v`, are NaN here (scipy computes them).
    ///
    /// The power series `(x/2)^v Σ (x²/4)ᵏ / (k! Γ(v + k + 1))` (positive terms, summed with
    /// its scale kept apart so nothing overflows) where x ≤ 30 or v² ≥ x/2, else the large-x
    /// expansion `eˣ / √(2πx) Σ (−1)ᵏ aₖ(v) / xᵏ`, truncated at its smallest term.
    package static func besselI(_ v: Double, _ x: Double, scaled: Bool) -> Double {
        if v.isNaN || x.isNaN { return .nan }
        let isInteger = v == v.rounded()
        if v < 0 {
            // I₋ₙ = Iₙ for integers; other negative orders need K_v.
            return isInteger ? besselI(-v, x, scaled: scaled) : .nan
        }
        if x < 0 {
            guard isInteger else { return .nan }
            let value = besselI(v, -x, scaled: scaled)
            return v.truncatingRemainder(dividingBy: 2) == 0 ? value : -value
        }
        if x == 0 { return v == 0 ? 1 : 0 }
        if x == .infinity { return scaled ? 0 : .infinity }
        if v.isInfinite { return 0 }
        if x > 30 && v * v < x / 2 { return besselIAsymptotic(v, x, scaled: scaled) }
        return besselISeries(v, x, scaled: scaled)
    }

    /// The power series, its running sum rescaled by 1e-280 whenever it passes 1e280, so that
    /// large arguments (whose value may still be finite once scaled) never overflow.
    private static func besselISeries(_ v: Double, _ x: Double, scaled: Bool) -> Double {
        let quarterSquare = x * x / 4
        var term = 1.0
        var sum = 1.0
        var logScale = 0.0
        var k = 1.0
        while k < 100_000 {
            term *= quarterSquare / (k * (v + k))
            sum += term
            if term <= sum * 1e-17 { break }
            if sum > 1e280 {
                sum *= 1e-280
                term *= 1e-280
                logScale += 280 * 2.302_585_092_994_046
            }
            k += 1
        }
        // log of (x/2)^v / Γ(v + 1), minus x when scaled.
        let logPrefactor = (v == 0 ? 0 : v * Double.log(x / 2)) - logGamma(v + 1) - (scaled ? x : 0) + logScale
        if logPrefactor == 0 { return sum }
        return Double.exp(logPrefactor) * sum
    }

    /// The large-x expansion, summed while its terms decrease.
    private static func besselIAsymptotic(_ v: Double, _ x: Double, scaled: Bool) -> Double {
        let fourVSquared = 4 * v * v
        var term = 1.0
        var sum = 1.0
        var k = 1.0
        while k < 500 {
            let odd = 2 * k - 1
            let next = -term * (fourVSquared - odd * odd) / (k * 8 * x)
            if abs(next) >= abs(term) { break }
            term = next
            sum += term
            if abs(term) <= abs(sum) * 1e-17 { break }
            k += 1
        }
        let root = (2 * Double.pi * x).squareRoot()
        if scaled { return sum / root }
        // exp(x) alone overflows past 709.78 while the value is finite up to about 713.9.
        return x < 700 ? Double.exp(x) * (sum / root) : Double.exp(x - Double.log(root)) * sum
    }

    /// Owen's T function `T(h, a) = (1/2π) ∫₀ᵃ exp(−h²(1 + x²)/2) / (1 + x²) dx` (scipy's
    /// `owens_t`), odd in a and even in h.
    ///
    /// For |a| ≤ 1 the integral is taken by 20-point Gauss–Legendre panels of width at most 2/h
    /// (the integrand's scale), up to where it falls below e⁻⁸⁰⁰; for |a| > 1 through
    /// `T(h, a) = ½Q(h) + ½Q(ah) − Q(h)Q(ah) − T(ah, 1/a)` (Q the normal upper tail), which keeps
    /// the small value of T for large h free of cancellation.
    package static func owensT(_ h: Double, _ a: Double) -> Double {
        if h.isNaN || a.isNaN { return .nan }
        if a < 0 { return -owensT(h, -a) }
        if a == 0 { return 0 }
        let h = abs(h)
        if h == .infinity { return 0 }
        if a == .infinity { return normalUpperTail(h) / 2 }
        if a > 1 {
            let ah = a * h
            let (qh, qah) = (normalUpperTail(h), normalUpperTail(ah))
            return 0.5 * qh + 0.5 * qah - qh * qah - owensT(ah, 1 / a)
        }
        let upper = h == 0 ? a : Swift.min(a, 40 / h)
        let panels = h == 0 ? 1 : Swift.max(1, Int((upper * h / 2).rounded(.up)))
        let width = upper / Double(panels)
        let halfSquare = h * h / 2
        var integral = 0.0
        for panel in 0..<panels {
            let center = (Double(panel) + 0.5) * width
            var part = 0.0
            for (node, weight) in GaussLegendre.twenty {
                let t = center + node * width / 2
                let s = 1 + t * t
                part += weight * Double.exp(-halfSquare * s) / s
            }
            integral += part * width / 2
        }
        return integral / (2 * Double.pi)
    }
}

/// Gauss–Legendre quadrature rules, computed once by Newton's method on the Legendre
/// polynomials (the recurrence `(k+1) P_{k+1} = (2k+1) t P_k − k P_{k−1}`).
enum GaussLegendre {
    /// The 20-point rule on [−1, 1]: (node, weight) pairs.
    static let twenty: [(Double, Double)] = rule(points: 20)

    static func rule(points n: Int) -> [(Double, Double)] {
        (1...n).map { i in
            // Chebyshev-like first guess for the i-th largest root, then Newton.
            var t = Double.cos(Double.pi * (Double(i) - 0.25) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var (previous, current) = (1.0, t)
                for k in 1..<n {
                    (previous, current) = (current, ((2 * Double(k) + 1) * t * current - Double(k) * previous) / Double(k + 1))
                }
                derivative = Double(n) * (t * current - previous) / (t * t - 1)
                let step = current / derivative
                t -= step
                if abs(step) < 1e-16 { break }
            }
            return (t, 2 / ((1 - t * t) * derivative * derivative))
        }
    }
}
