// The normal distribution restricted to an interval, by rejection from the proposal that fits
// the interval: the normal itself, a uniform, or Robert's translated exponential ("Simulation of
// truncated normal variables", 1995) in a tail.

import RealModule

/// The normal distribution N(μ, σ²) truncated to [lower, upper] (either end may be infinite).
package struct TruncatedNormal: ContinuousSampler {
    /// The mean μ of the untruncated normal.
    package var mean: RealParameter
    /// The standard deviation σ > 0 of the untruncated normal.
    package var standardDeviation: RealParameter
    /// The lower end (may be −∞).
    package var lower: RealParameter
    /// The upper end (may be +∞).
    package var upper: RealParameter

    /// N(mean, sd²) restricted to [lower, upper].
    package init(mean: RealParameter = 0, standardDeviation: RealParameter = 1, lower: RealParameter, upper: RealParameter) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.lower = lower
        self.upper = upper
    }

    /// μ + σ z with z standard normal truncated to [(lower − μ)/σ, (upper − μ)/σ].
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let (mu, sigma) = (mean[index], standardDeviation[index])
        let z = Self.standard(lower: (lower[index] - mu) / sigma, upper: (upper[index] - mu) / sigma, from: &stream)
        return min(max(mu + sigma * z, lower[index]), upper[index])
    }

    /// A standard normal truncated to [a, b], a ≤ b. Intervals beside 0 reflect to a ≥ 0.
    @inlinable
    package static func standard(lower a: Double, upper b: Double, from stream: inout RandomStream) -> Double {
        if a == b { return a }
        if b <= 0 { return -standard(lower: -b, upper: -a, from: &stream) }
        if a < 0 {
            // The interval holds 0: a narrow one by uniform proposals (acceptance ≥ e^-2), a wide
            // one by plain normals (acceptance ≥ 0.47).
            if b - a < 2 {
                while true {
                    let z = a + (b - a) * stream.nextUnit()
                    if stream.nextUnit() < Double.exp(-0.5 * z * z) { return z }
                }
            }
            while true {
                let z = StandardNormal.sample(from: &stream)
                if z >= a && z <= b { return z }
            }
        }
        // 0 ≤ a < b: a uniform proposal while the density varies by less than e across the
        // interval, else Robert's exponential tail proposal with its optimal rate.
        if b * b - a * a <= 2 {
            while true {
                let z = a + (b - a) * stream.nextUnit()
                if stream.nextUnit() < Double.exp(0.5 * (a * a - z * z)) { return z }
            }
        }
        if a < 0.3 {
            // Near 0 the normal itself is the better proposal (acceptance ≥ 0.38 · …).
            while true {
                let z = abs(StandardNormal.sample(from: &stream))
                if z >= a && z <= b { return z }
            }
        }
        let rate = 0.5 * (a + (a * a + 4).squareRoot())
        while true {
            let z = a + StandardExponential.sample(from: &stream) / rate
            let gap = z - rate
            if z <= b && stream.nextUnit() < Double.exp(-0.5 * gap * gap) { return z }
        }
    }

    /// nil when σ > 0 and lower < upper (lower may be −∞, upper +∞).
    package func validationFailure(count: Int) -> String? {
        if let failure = mean.failure(name: "mean", count: count, requirement: "finite", where: { $0.isFinite })
            ?? standardDeviation.failure(
                name: "standard deviation", count: count, requirement: "finite and > 0", where: { $0 > 0 && $0.isFinite })
            ?? lower.failure(name: "lower", count: count, requirement: "not NaN or +∞", where: { !$0.isNaN && $0 < .infinity })
            ?? upper.failure(name: "upper", count: count, requirement: "not NaN or −∞", where: { !$0.isNaN && $0 > -.infinity })
        {
            return failure
        }
        for i in 0..<max(lower.values.count, upper.values.count) where !(lower[i] < upper[i]) {
            return "lower must be below upper, got \(lower[i]) ≥ \(upper[i]) at element \(i)"
        }
        return nil
    }
}
