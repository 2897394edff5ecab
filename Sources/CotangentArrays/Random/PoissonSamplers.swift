// Poisson, binomial and negative binomial counts.

import RealModule

/// Poisson variates: multiplication of uniforms for small rates, Hörmann's PTRS ("The
/// transformed rejection method for generating Poisson random variables", 1993) for rate ≥ 10.
package enum PoissonCount {
    /// One Poisson(rate) count (rate ≥ 0).
    @inlinable
    package static func sample(rate: Double, from stream: inout RandomStream) -> Int64 {
        if rate >= 10 { return transformedRejection(rate: rate, from: &stream) }
        if rate <= 0 { return 0 }
        // Count uniforms until their product drops below e^-rate (about rate + 1 uniforms).
        let limit = Double.exp(-rate)
        var product = stream.nextUnit()
        var count: Int64 = 0
        while product > limit {
            count += 1
            product *= stream.nextUnit()
        }
        return count
    }

    /// PTRS: a transformed uniform proposes k = ⌊(2a/u_s + b) U + λ + 0.43⌋; most proposals
    /// pass a squeeze, the rest the exact log-density test.
    @inlinable
    static func transformedRejection(rate: Double, from stream: inout RandomStream) -> Int64 {
        let root = rate.squareRoot()
        let logRate = Double.log(rate)
        let b = 0.931 + 2.53 * root
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let squeeze = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = stream.nextUnit() - 0.5
            let v = stream.nextUnit()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + rate + 0.43).rounded(.down)
            if us >= 0.07 && v <= squeeze { return Int64(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            let left = Double.log(v) + Double.log(inverseAlpha) - Double.log(a / (us * us) + b)
            if left <= -rate + k * logRate - Double.logGamma(k + 1) { return Int64(k) }
        }
    }
}

/// The Poisson distribution with per-element rate λ ≥ 0.
package struct Poisson: ElementwiseSampler {
    /// The mean λ.
    package var rate: RealParameter

    /// Poisson(λ).
    package init(rate: RealParameter) { self.rate = rate }

    /// One count.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        PoissonCount.sample(rate: rate[index], from: &stream)
    }

    /// nil when 0 ≤ λ ≤ 1e18 (larger rates overflow Int64 counts).
    package func validationFailure(count: Int) -> String? {
        rate.failure(name: "rate", count: count, requirement: "in [0, 1e18]") { $0 >= 0 && $0 <= 1e18 }
    }
}

/// Binomial variates: inversion (sequential search from 0) when n·min(p, 1−p) < 10, else
/// Hörmann's BTRS transformed rejection with squeeze ("The generation of binomial random
/// variates", 1993), which JAX and TensorFlow use; p > ½ draws n − Binomial(n, 1 − p).
package enum BinomialCount {
    /// One Binomial(trials, p) count.
    @inlinable
    package static func sample(trials: Int64, probability: Double, from stream: inout RandomStream) -> Int64 {
        if trials <= 0 || probability <= 0 { return 0 }
        if probability >= 1 { return trials }
        if probability > 0.5 {
            return trials - sample(trials: trials, probability: 1 - probability, from: &stream)
        }
        let n = Double(trials)
        if n * probability < 10 { return inversion(n: n, p: probability, from: &stream) }
        return transformedRejection(n: n, p: probability, from: &stream)
    }

    /// Walks the CDF from 0 with the ratio P(k+1)/P(k) = (n − k)/(k + 1) · p/q; restarts past a
    /// far bound, where only rounding could lead.
    @inlinable
    static func inversion(n: Double, p: Double, from stream: inout RandomStream) -> Int64 {
        let q = 1 - p
        let start = Double.exp(n * Double.log(onePlus: -p))
        let ratio = p / q
        let bound = min(n, n * p + 10 * (n * p * q + 1).squareRoot())
        while true {
            var u = stream.nextUnit()
            var k = 0.0
            var mass = start
            while u > mass {
                u -= mass
                k += 1
                if k > bound { break }
                mass *= ratio * (n - k + 1) / k
            }
            if k <= bound { return Int64(k) }
        }
    }

    /// BTRS for n·p ≥ 10 (p ≤ ½).
    @inlinable
    static func transformedRejection(n: Double, p: Double, from stream: inout RandomStream) -> Int64 {
        let q = 1 - p
        let spread = (n * p * q).squareRoot()
        let b = 1.15 + 2.53 * spread
        let a = -0.0873 + 0.0248 * b + 0.01 * p
        let c = n * p + 0.5
        let squeeze = 0.92 - 4.2 / b
        let alpha = (2.83 + 5.1 / b) * spread
        let logOdds = Double.log(p / q)
        let mode = ((n + 1) * p).rounded(.down)
        let logModeTerm = Double.logGamma(mode + 1) + Double.logGamma(n - mode + 1)
        while true {
            let u = stream.nextUnit() - 0.5
            let v = stream.nextUnit()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + c).rounded(.down)
            if k < 0 || k > n { continue }
            if us >= 0.07 && v <= squeeze { return Int64(k) }
            let left = Double.log(v * alpha / (a / (us * us) + b))
            let right = logModeTerm - Double.logGamma(k + 1) - Double.logGamma(n - k + 1) + (k - mode) * logOdds
            if left <= right { return Int64(k) }
        }
    }
}

/// The binomial distribution with per-element trials n ≥ 0 and probability p in [0, 1].
package struct Binomial: ElementwiseSampler {
    /// The number of trials.
    package var trials: IntegerParameter
    /// The success probability.
    package var probability: RealParameter

    /// Binomial(n, p).
    package init(trials: IntegerParameter, probability: RealParameter) {
        self.trials = trials
        self.probability = probability
    }

    /// One count in 0...n.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        BinomialCount.sample(trials: trials[index], probability: probability[index], from: &stream)
    }

    /// nil when n ≥ 0 and 0 ≤ p ≤ 1.
    package func validationFailure(count: Int) -> String? {
        trials.failure(name: "trials", count: count, requirement: "≥ 0") { $0 >= 0 }
            ?? probability.failure(name: "p", count: count, requirement: "in [0, 1]") { $0 >= 0 && $0 <= 1 }
    }
}

/// The negative binomial distribution: failures before the n-th success with per-element
/// success probability p, drawn as Poisson(Gamma(n, (1 − p)/p)) (the gamma–Poisson mixture).
package struct NegativeBinomial: ElementwiseSampler {
    /// The number of successes n > 0 (real-valued, as numpy allows).
    package var successes: RealParameter
    /// The success probability p in (0, 1].
    package var probability: RealParameter

    /// NegativeBinomial(n, p).
    package init(successes: RealParameter, probability: RealParameter) {
        self.successes = successes
        self.probability = probability
    }

    /// Poisson with a Gamma(n, (1 − p)/p) rate.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        let p = probability[index]
        let rate = StandardGamma.sample(shape: successes[index], from: &stream) * (1 - p) / p
        return PoissonCount.sample(rate: min(rate, 1e18), from: &stream)
    }

    /// nil when n > 0 and 0 < p ≤ 1.
    package func validationFailure(count: Int) -> String? {
        successes.failure(name: "n", count: count, requirement: "finite and > 0") { $0 > 0 && $0.isFinite }
            ?? probability.failure(name: "p", count: count, requirement: "in (0, 1]") { $0 > 0 && $0 <= 1 }
    }
}
