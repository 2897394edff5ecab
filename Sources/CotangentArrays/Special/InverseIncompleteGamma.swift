import RealModule

extension SpecialMath {
    /// The x with `P(a, x) = p` (scipy's `gammaincinv`): 0 at p = 0, +inf at p = 1, NaN for p
    /// outside [0, 1] or a ≤ 0.
    package static func gammaincinv(_ a: Double, _ p: Double) -> Double {
        inverseIncompleteGamma(a, p: p, q: 1 - p)
    }

    /// The x with `Q(a, x) = q` (scipy's `gammainccinv`): +inf at q = 0, 0 at q = 1.
    package static func gammainccinv(_ a: Double, _ q: Double) -> Double {
        inverseIncompleteGamma(a, p: 1 - q, q: q)
    }

    /// Solves `P(a, x) = p`, equivalently `Q(a, x) = q`, on whichever of P and Q has the
    /// smaller target, so a target near 1 keeps its precision in the other tail. Starts: the
    /// small-x form `(p Γ(a + 1))^{1/a}` for a < 1 or where Wilson–Hilferty's cube of a normal
    /// quantile goes negative, the large-x form `x = −log q + (a − 1) log x − log Γ(a)` deep in
    /// the upper tail, else Wilson–Hilferty. Iterations: Newton on `log P` (or `log Q`) for
    /// targets below 1e-3, where the function is steep, Halley's method above.
    private static func inverseIncompleteGamma(_ a: Double, p: Double, q: Double) -> Double {
        if a.isNaN || p.isNaN || q.isNaN || !(a > 0) || a == .infinity { return .nan }
        if p < 0 || p > 1 || q < 0 || q > 1 { return .nan }
        if p == 0 { return 0 }
        if q == 0 { return .infinity }
        let onLower = p <= q
        let goal = onLower ? p : q
        let logGammaA = logGamma(a)
        let smallStart = Double.exp((Double.log(p) + logGamma(a + 1)) / a)
        // z = −√2 erfcinv(2p) = √2 erfcinv(2q), from the smaller target.
        let z = onLower
            ? -1.414_213_562_373_095_048_8 * erfcinv(2 * p) : 1.414_213_562_373_095_048_8 * erfcinv(2 * q)
        let cube = 1 - 1 / (9 * a) + z / (3 * a.squareRoot())
        let wilsonHilferty = cube > 0 ? a * cube * cube * cube : smallStart
        var x: Double
        if onLower {
            // Below the smallest subnormal the answer is 0 to double precision, as scipy's.
            if smallStart < 1e-300 { return smallStart }
            x = a < 1 ? smallStart : wilsonHilferty
        } else {
            var tail = Swift.max(1, -Double.log(q) - logGammaA)
            for _ in 0..<8 { tail = Swift.max(1e-3, -Double.log(q) + (a - 1) * Double.log(tail) - logGammaA) }
            x = q < 1e-3 && tail > 2 * a ? tail : wilsonHilferty
        }
        if !(x > 0) || !x.isFinite { x = a }
        let logGoal = Double.log(goal)
        for _ in 0..<200 {
            let value = onLower ? gammainc(a, x) : gammaincc(a, x)
            if value == goal { break }
            if value == 0 {
                // Past the representable tail: back towards the bulk.
                x = onLower ? 2 * x : x / 2
                continue
            }
            let logDensity = (a - 1) * Double.log(x) - x - logGammaA
            var step: Double
            if goal < 1e-3 {
                // d log P/dx = density / P (Q's is its negative).
                let slope = Double.exp(logDensity - Double.log(value))
                step = (Double.log(value) - logGoal) / (onLower ? slope : -slope)
            } else {
                let density = Double.exp(logDensity)
                if density == 0 || !density.isFinite { break }
                let newton = (value - goal) / (onLower ? density : -density)
                // Halley: f''/f' = (a − 1)/x − 1 for both P and Q.
                let denominator = 1 - 0.5 * newton * ((a - 1) / x - 1)
                step = denominator > 0.5 ? newton / denominator : newton
            }
            if !step.isFinite { break }
            if x - step <= 0 { step = x / 2 }
            x -= step
            if abs(step) <= 4e-16 * x { break }
        }
        return x
    }
}
