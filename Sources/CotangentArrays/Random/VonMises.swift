// The von Mises distribution on the circle, by Best and Fisher's wrapped-Cauchy rejection
// ("Efficient simulation of the von Mises distribution", 1979).

import RealModule

/// The von Mises distribution with per-element mean direction μ and concentration κ ≥ 0;
/// samples lie in [−π, π).
package struct VonMises: ContinuousSampler {
    /// The mean direction μ (radians).
    package var mu: RealParameter
    /// The concentration κ.
    package var kappa: RealParameter

    /// VonMises(μ, κ).
    package init(mu: RealParameter, kappa: RealParameter) {
        self.mu = mu
        self.kappa = kappa
    }

    /// One angle: uniform for κ < 1e-8; a wrapped normal N(μ, 1/κ) beyond κ = 1e6 (where the
    /// two agree to double precision and Best–Fisher's constants lose digits); Best–Fisher between.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        let kappa = self.kappa[index]
        let angle: Double
        if kappa < 1e-8 {
            angle = Double.pi * (2 * stream.nextUnit() - 1)
        } else if kappa > 1e6 {
            angle = StandardNormal.sample(from: &stream) / kappa.squareRoot()
        } else {
            angle = bestFisher(kappa: kappa, from: &stream)
        }
        return Self.wrapped(angle + mu[index])
    }

    /// Best–Fisher: the wrapped-Cauchy envelope's parameter r = (1 + ρ²)/(2ρ), then f = cos of
    /// a uniform angle mapped through the Möbius transform, accepted by a squeeze or log test.
    @inlinable
    func bestFisher(kappa: Double, from stream: inout RandomStream) -> Double {
        let r: Double
        if kappa < 1e-5 {
            // ρ ≈ κ/2: the exact formula cancels catastrophically for tiny κ.
            r = 1 / kappa + kappa
        } else {
            let tau = 1 + (1 + 4 * kappa * kappa).squareRoot()
            let rho = (tau - (2 * tau).squareRoot()) / (2 * kappa)
            r = (1 + rho * rho) / (2 * rho)
        }
        while true {
            let z = Double.cos(Double.pi * stream.nextUnit())
            let f = (1 + r * z) / (r + z)
            let c = kappa * (r - f)
            let u = stream.nextOpenUnit()
            if c * (2 - c) - u > 0 || Double.log(c / u) + 1 - c >= 0 {
                let theta = Double.acos(max(-1, min(1, f)))
                return stream.nextUnit() < 0.5 ? -theta : theta
            }
        }
    }

    /// `angle` moved into [−π, π).
    @inlinable
    static func wrapped(_ angle: Double) -> Double {
        let turn = 2 * Double.pi
        var result = (angle + Double.pi).truncatingRemainder(dividingBy: turn)
        if result < 0 { result += turn }
        result -= Double.pi
        return result < Double.pi ? result : -Double.pi
    }

    /// nil when κ ≥ 0 (finite) and μ finite.
    package func validationFailure(count: Int) -> String? {
        mu.failure(name: "mu", count: count, requirement: "finite") { $0.isFinite }
            ?? kappa.failure(name: "kappa", count: count, requirement: "finite and ≥ 0") { $0 >= 0 && $0.isFinite }
    }
}
