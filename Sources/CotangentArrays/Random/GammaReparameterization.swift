// Implicit reparameterisation of gamma samples (Figurnov, Mohamed and Mnih, 2018; what JAX's
// `random.gamma` differentiates): for x = F⁻¹(u; α) with u held fixed,
//
//     dx/dα = −(∂F/∂α)(α, x) / (∂F/∂x)(α, x),
//
// F the regularised lower incomplete gamma P(α, x). ∂F/∂x is the density; ∂F/∂α comes from the
// series P(α, x) = e^{α log x − x} Σ_n x^n / Γ(α + n + 1), differentiated term by term.

import RealModule

/// The regularised lower incomplete gamma function and its derivatives, by its power series.
package enum IncompleteGammaSeries {
    /// The series' term count: enough that x^n/Γ(α+n+1) has fallen below 1e-17 of the sum
    /// (terms peak near n ≈ x − α and decay like a Poisson tail beyond it).
    static func termLimit(shape a: Double, x: Double) -> Int {
        Int(min(1e6, max(0, x - a) + 12 * x.squareRoot() + 60))
    }

    /// P(a, x) and ∂P/∂a for a > 0, x ≥ 0.
    package static func valueAndShapeDerivative(shape a: Double, x: Double) -> (value: Double, shapeDerivative: Double) {
        guard x > 0 else { return (0, 0) }
        // term_n = x^n / Γ(a + n + 1) relative to term_0 = 1/Γ(a + 1), kept in ratio form;
        // ψ(a + n + 1) = ψ(a + n) + 1/(a + n).
        var term = 1.0
        var digamma = Self.digamma(a + 1)
        var sum = 1.0
        var weighted = digamma
        let limit = termLimit(shape: a, x: x)
        var n = 0
        while n < limit {
            n += 1
            term *= x / (a + Double(n))
            digamma += 1 / (a + Double(n))
            sum += term
            weighted += term * digamma
            if term < 1e-17 * sum && Double(n) > x - a { break }
        }
        // Prefactor e^{a log x − x} / Γ(a + 1).
        let logPrefactor = a * Double.log(x) - x - Double.logGamma(a + 1)
        let prefactor = Double.exp(logPrefactor)
        let value = prefactor * sum
        let derivative = value * Double.log(x) - prefactor * weighted
        return (value, derivative)
    }

    /// The digamma function ψ(x) for x > 0: the recurrence up to x ≥ 6, then the asymptotic series.
    package static func digamma(_ x: Double) -> Double {
        var x = x
        var result = 0.0
        while x < 6 {
            result -= 1 / x
            x += 1
        }
        let inverse = 1 / (x * x)
        let tail = inverse * (1.0 / 12 - inverse * (1.0 / 120 - inverse * (1.0 / 252 - inverse * (1.0 / 240 - inverse / 132))))
        return result + Double.log(x) - 0.5 / x - tail
    }
}

extension StandardGamma {
    /// d sample / d shape of a Gamma(shape, 1) sample `x`, holding its uniform fixed:
    /// −(∂P/∂α)/(∂P/∂x). 0 where x is 0 (the sample cannot move below 0).
    package static func shapeDerivative(sample x: Double, shape a: Double) -> Double {
        guard x > 0, a > 0 else { return 0 }
        let (_, dPda) = IncompleteGammaSeries.valueAndShapeDerivative(shape: a, x: x)
        // The density x^{a−1} e^{−x} / Γ(a), in logs.
        let logDensity = (a - 1) * Double.log(x) - x - Double.logGamma(a)
        return -dPda / Double.exp(logDensity)
    }

    /// `shapeDerivative` for each element of `samples` (shapes broadcast).
    package static func shapeDerivatives(samples: [Double], shapes: RealParameter) -> [Double] {
        samples.indices.map { shapeDerivative(sample: samples[$0], shape: shapes[$0]) }
    }
}
