// Continuous distributions drawn by inverting their CDF at one uniform.

import RealModule

/// The uniform distribution on [low, high).
package struct Uniform: ContinuousSampler {
    /// The included lower end.
    package var low: RealParameter
    /// The excluded upper end.
    package var high: RealParameter

    /// Uniform on [low, high).
    package init(low: RealParameter = 0, high: RealParameter = 1) {
        self.low = low
        self.high = high
    }

    /// low + (high − low) · u with u in [0, 1) (53 bits).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let a = low[index]
        return a + (high[index] - a) * stream.nextUnit()
    }

    /// Drawn in Float from 24 bits, so that the result cannot round up to `high`.
    @inlinable
    package func sampleFloat(at index: Int, from stream: inout RandomStream) -> Float {
        let a = Float(low[index])
        let value = a + (Float(high[index]) - a) * stream.nextUnitFloat()
        return value < Float(high[index]) || a == Float(high[index]) ? value : Float(high[index]).nextDown
    }

    /// nil when both ends are finite and low ≤ high.
    package func validationFailure(count: Int) -> String? {
        if let failure = low.failure(name: "low", count: count, requirement: "finite", where: { $0.isFinite })
            ?? high.failure(name: "high", count: count, requirement: "finite", where: { $0.isFinite })
        {
            return failure
        }
        for i in 0..<max(low.values.count, high.values.count) where low[i] > high[i] {
            return "low must not exceed high, got low \(low[i]) > high \(high[i]) at element \(i)"
        }
        return nil
    }
}

/// The exponential distribution with per-element `scale` (mean) β ≥ 0.
package struct Exponential: ContinuousSampler {
    /// The mean β = 1/rate.
    package var scale: RealParameter

    /// Exponential with mean `scale`.
    package init(scale: RealParameter = 1) { self.scale = scale }

    /// −β · log(1 − u).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        scale[index] * StandardExponential.sample(from: &stream)
    }

    /// nil when β ≥ 0.
    package func validationFailure(count: Int) -> String? {
        scale.failure(name: "scale", count: count, requirement: "≥ 0") { $0 >= 0 }
    }
}

/// The standard exponential distribution (rate 1), by inversion.
package enum StandardExponential {
    /// −log(1 − u) with u in [0, 1): finite, ≥ 0.
    @inlinable @inline(__always)
    package static func sample(from stream: inout RandomStream) -> Double {
        -Double.log(onePlus: -stream.nextUnit())
    }
}

/// The Cauchy distribution with per-element location and scale γ ≥ 0.
package struct Cauchy: ContinuousSampler {
    /// The median x₀.
    package var location: RealParameter
    /// The half width at half maximum γ.
    package var scale: RealParameter

    /// Cauchy(location, scale).
    package init(location: RealParameter = 0, scale: RealParameter = 1) {
        self.location = location
        self.scale = scale
    }

    /// x₀ + γ · tan(π (u − ½)) with u in (0, 1).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        location[index] + scale[index] * Double.tan(Double.pi * (stream.nextOpenUnit() - 0.5))
    }

    /// nil when γ ≥ 0 and x₀ finite.
    package func validationFailure(count: Int) -> String? {
        locationScaleFailure(location: location, scale: scale, count: count)
    }
}

/// The Laplace (double exponential) distribution with per-element location and scale b ≥ 0.
package struct Laplace: ContinuousSampler {
    /// The median μ.
    package var location: RealParameter
    /// The scale b (variance 2b²).
    package var scale: RealParameter

    /// Laplace(location, scale).
    package init(location: RealParameter = 0, scale: RealParameter = 1) {
        self.location = location
        self.scale = scale
    }

    /// The inverse CDF at u in (0, 1): μ + b log(2u) below ½, μ − b log(2(1 − u)) above.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let u = stream.nextOpenUnit()
        let tail = u < 0.5 ? Double.log(2 * u) : -Double.log(2 * (1 - u))
        return location[index] + scale[index] * tail
    }

    /// nil when b ≥ 0 and μ finite.
    package func validationFailure(count: Int) -> String? {
        locationScaleFailure(location: location, scale: scale, count: count)
    }
}

/// The logistic distribution with per-element location and scale s ≥ 0.
package struct Logistic: ContinuousSampler {
    /// The mean μ.
    package var location: RealParameter
    /// The scale s (variance π² s² / 3).
    package var scale: RealParameter

    /// Logistic(location, scale).
    package init(location: RealParameter = 0, scale: RealParameter = 1) {
        self.location = location
        self.scale = scale
    }

    /// μ + s · log(u / (1 − u)) with u in (0, 1).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let u = stream.nextOpenUnit()
        return location[index] + scale[index] * Double.log(u / (1 - u))
    }

    /// nil when s ≥ 0 and μ finite.
    package func validationFailure(count: Int) -> String? {
        locationScaleFailure(location: location, scale: scale, count: count)
    }
}

/// The Weibull distribution with per-element shape k ≥ 0 and scale λ ≥ 0 (numpy's `weibull`
/// is scale 1).
package struct Weibull: ContinuousSampler {
    /// The shape k.
    package var shape: RealParameter
    /// The scale λ.
    package var scale: RealParameter

    /// Weibull(shape, scale).
    package init(shape: RealParameter, scale: RealParameter = 1) {
        self.shape = shape
        self.scale = scale
    }

    /// λ · (−log(1 − u))^(1/k); shape 0 gives 0, as numpy does.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let k = shape[index]
        let e = StandardExponential.sample(from: &stream)
        return k == 0 ? 0 : scale[index] * Double.pow(e, 1 / k)
    }

    /// nil when k ≥ 0 and λ ≥ 0.
    package func validationFailure(count: Int) -> String? {
        shape.failure(name: "shape", count: count, requirement: "≥ 0") { $0 >= 0 }
            ?? scale.failure(name: "scale", count: count, requirement: "≥ 0") { $0 >= 0 }
    }
}

/// The log-normal distribution: exp of a normal with per-element `mean` and `sigma` ≥ 0.
package struct LogNormal: ContinuousSampler {
    /// The mean of the underlying normal.
    package var mean: RealParameter
    /// The standard deviation of the underlying normal.
    package var sigma: RealParameter

    /// exp(N(mean, sigma²)).
    package init(mean: RealParameter = 0, sigma: RealParameter = 1) {
        self.mean = mean
        self.sigma = sigma
    }

    /// exp(μ + σ z).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        Double.exp(mean[index] + sigma[index] * StandardNormal.sample(from: &stream))
    }

    /// nil when σ ≥ 0 and μ finite.
    package func validationFailure(count: Int) -> String? {
        mean.failure(name: "mean", count: count, requirement: "finite") { $0.isFinite }
            ?? sigma.failure(name: "sigma", count: count, requirement: "≥ 0") { $0 >= 0 }
    }
}

/// The shared check of location–scale families: a finite location and a scale ≥ 0.
func locationScaleFailure(location: RealParameter, scale: RealParameter, count: Int) -> String? {
    location.failure(name: "location", count: count, requirement: "finite") { $0.isFinite }
        ?? scale.failure(name: "scale", count: count, requirement: "≥ 0") { $0 >= 0 }
}
