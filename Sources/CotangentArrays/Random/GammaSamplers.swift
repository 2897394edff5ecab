// The gamma distribution and those built from gammas: beta, chi-square, Student's t, Dirichlet.

import RealModule

/// Standard gamma variates (scale 1) by Marsaglia and Tsang ("A simple method for generating
/// gamma variables", 2000): a cubed, shifted normal with a squeeze and a log test; about one
/// normal and one uniform per draw for any shape ≥ 1.
package enum StandardGamma {
    /// One Gamma(shape, 1) variate. Shapes below 1 use the boost
    /// Gamma(α) = Gamma(α + 1) · U^(1/α); shape 0 gives 0.
    @inlinable
    package static func sample(shape: Double, from stream: inout RandomStream) -> Double {
        if shape >= 1 { return marsagliaTsang(shape: shape, from: &stream) }
        if shape <= 0 { return 0 }
        let boosted = marsagliaTsang(shape: shape + 1, from: &stream)
        return boosted * Double.exp(Double.log(stream.nextOpenUnit()) / shape)
    }

    /// log Gamma(shape, 1), accurate where the variate itself underflows (tiny shapes, whose
    /// samples are often below 1e-308): log Gamma(α + 1) + log(U) / α.
    @inlinable
    package static func logSample(shape: Double, from stream: inout RandomStream) -> Double {
        if shape >= 1 { return Double.log(marsagliaTsang(shape: shape, from: &stream)) }
        if shape <= 0 { return -.infinity }
        let boosted = marsagliaTsang(shape: shape + 1, from: &stream)
        return Double.log(boosted) + Double.log(stream.nextOpenUnit()) / shape
    }

    /// Marsaglia–Tsang for shape ≥ 1: d = α − ⅓, c = 1/√(9d), x normal, v = (1 + c x)³;
    /// accept d·v when u < 1 − 0.0331 x⁴ (the squeeze) or log u < x²/2 + d (1 − v + log v).
    @inlinable @inline(__always)
    static func marsagliaTsang(shape: Double, from stream: inout RandomStream) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = StandardNormal.sample(from: &stream)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = stream.nextUnit()
            let xx = x * x
            if u < 1 - 0.0331 * xx * xx { return d * v }
            if Double.log(u) < 0.5 * xx + d * (1 - v + Double.log(v)) { return d * v }
        }
    }
}

/// The gamma distribution with per-element shape α ≥ 0 and scale θ ≥ 0 (mean αθ).
package struct Gamma: ContinuousSampler {
    /// The shape α.
    package var shape: RealParameter
    /// The scale θ.
    package var scale: RealParameter

    /// Gamma(shape, scale).
    package init(shape: RealParameter, scale: RealParameter = 1) {
        self.shape = shape
        self.scale = scale
    }

    /// θ · Gamma(α, 1).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        scale[index] * StandardGamma.sample(shape: shape[index], from: &stream)
    }

    /// nil when α ≥ 0 and θ ≥ 0 (both finite).
    package func validationFailure(count: Int) -> String? {
        shape.failure(name: "shape", count: count, requirement: "finite and ≥ 0") { $0 >= 0 && $0.isFinite }
            ?? scale.failure(name: "scale", count: count, requirement: "finite and ≥ 0") { $0 >= 0 && $0.isFinite }
    }
}

/// The chi-square distribution with per-element degrees of freedom k > 0: 2 · Gamma(k/2, 1).
package struct ChiSquare: ContinuousSampler {
    /// The degrees of freedom k.
    package var degreesOfFreedom: RealParameter

    /// χ²(k).
    package init(degreesOfFreedom: RealParameter) { self.degreesOfFreedom = degreesOfFreedom }

    /// 2 · Gamma(k/2, 1).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        2 * StandardGamma.sample(shape: 0.5 * degreesOfFreedom[index], from: &stream)
    }

    /// nil when k > 0.
    package func validationFailure(count: Int) -> String? {
        degreesOfFreedom.failure(name: "degrees of freedom", count: count, requirement: "finite and > 0") {
            $0 > 0 && $0.isFinite
        }
    }
}

/// Student's t distribution with per-element degrees of freedom ν > 0: z / √(χ²(ν)/ν).
package struct StudentT: ContinuousSampler {
    /// The degrees of freedom ν.
    package var degreesOfFreedom: RealParameter

    /// t(ν).
    package init(degreesOfFreedom: RealParameter) { self.degreesOfFreedom = degreesOfFreedom }

    /// z · √(ν / (2 G)) with z normal and G ~ Gamma(ν/2, 1).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let nu = degreesOfFreedom[index]
        let z = StandardNormal.sample(from: &stream)
        let g = StandardGamma.sample(shape: 0.5 * nu, from: &stream)
        return z * (0.5 * nu / g).squareRoot()
    }

    /// nil when ν > 0.
    package func validationFailure(count: Int) -> String? {
        degreesOfFreedom.failure(name: "degrees of freedom", count: count, requirement: "> 0") { $0 > 0 }
    }
}

/// The beta distribution with per-element shapes a > 0 and b > 0.
///
/// Both shapes ≤ 1: Jöhnk's method (U^(1/a), V^(1/b) accepted when their sum ≤ 1), in logs so
/// that tiny shapes do not underflow to 0/0. Otherwise X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
package struct Beta: ContinuousSampler {
    /// The first shape a.
    package var a: RealParameter
    /// The second shape b.
    package var b: RealParameter

    /// Beta(a, b).
    package init(a: RealParameter, b: RealParameter) {
        self.a = a
        self.b = b
    }

    /// One Beta(a, b) variate.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let (a, b) = (self.a[index], self.b[index])
        if a <= 1 && b <= 1 {
            while true {
                let logX = Double.log(stream.nextOpenUnit()) / a
                let logY = Double.log(stream.nextOpenUnit()) / b
                let x = Double.exp(logX)
                let y = Double.exp(logY)
                guard x + y <= 1 else { continue }
                if x + y > 0 { return x / (x + y) }
                // Both underflowed: divide in logs, shifted by the larger.
                let top = max(logX, logY)
                return Double.exp(logX - top - Double.log(Double.exp(logX - top) + Double.exp(logY - top)))
            }
        }
        let x = StandardGamma.sample(shape: a, from: &stream)
        let y = StandardGamma.sample(shape: b, from: &stream)
        return x / (x + y)
    }

    /// nil when a > 0 and b > 0.
    package func validationFailure(count: Int) -> String? {
        a.failure(name: "a", count: count, requirement: "finite and > 0") { $0 > 0 && $0.isFinite }
            ?? b.failure(name: "b", count: count, requirement: "finite and > 0") { $0 > 0 && $0.isFinite }
    }
}
