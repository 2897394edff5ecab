import CotangentArrays
import CotangentGraph

// Real-valued distributions with scalar parameters. Each entry names the sampler it runs (the
// algorithms are described at the samplers in CotangentArrays/Random) and its pathwise rule.
// Location–scale families differentiate through their standard noise, redrawn from the same
// streams by a sibling draw (`PathwiseInputs.sibling`), so a scale of 0 still has a gradient;
// gamma-based ones use implicit reparameterisation (`random_gamma_grad`, `betainc`'s
// derivatives), as JAX does.

extension RandomDistribution {
    /// Uniform on [low, high): 53 random bits (24 in float32) scaled.
    public static let uniform: RandomDistribution = RandomDistribution(
        "uniform", parameters: ["low", "high"], signature: "(),()->()",
        kernel: { try $0.continuous(Uniform(low: $0.real(0), high: $0.real(1))) },
        derivative: .pathwise { d in
            let u = d.sibling(.uniform, [0.0, 1.0])
            return [.value(d.cotangent * (1 - u)), .value(d.cotangent * u)]
        })

    /// Normal N(mean, std²): the 256-layer Ziggurat.
    public static let normal: RandomDistribution = RandomDistribution(
        "normal", parameters: ["mean", "std"], signature: "(),()->()",
        kernel: { try $0.continuous(Normal(mean: $0.real(0), standardDeviation: $0.real(1))) },
        derivative: .pathwise { d in
            [.value(d.cotangent), .value(d.cotangent * d.sibling(.normal, [0.0, 1.0]))]
        })

    /// Log-normal: exp of a Ziggurat normal.
    public static let lognormal: RandomDistribution = RandomDistribution(
        "lognormal", parameters: ["mean", "sigma"], signature: "(),()->()",
        kernel: { try $0.continuous(LogNormal(mean: $0.real(0), sigma: $0.real(1))) },
        derivative: .pathwise { d in
            let gx = d.cotangent * d.value
            return [.value(gx), .value(gx * d.sibling(.normal, [0.0, 1.0]))]
        })

    /// Exponential with mean `scale`: −scale · log(1 − u).
    public static let exponential: RandomDistribution = RandomDistribution(
        "exponential", parameters: ["scale"], signature: "()->()",
        kernel: { try $0.continuous(Exponential(scale: $0.real(0))) },
        derivative: .pathwise { d in [.value(d.cotangent * d.sibling(.exponential, [1.0]))] })

    /// Cauchy: location + scale · tan(π(u − ½)).
    public static let cauchy: RandomDistribution = locationScale("cauchy") { Cauchy(location: $0.real(0), scale: $0.real(1)) }
    /// Laplace: the inverse CDF at u.
    public static let laplace: RandomDistribution = locationScale("laplace") { Laplace(location: $0.real(0), scale: $0.real(1)) }
    /// Logistic: location + scale · logit(u).
    public static let logistic: RandomDistribution = locationScale("logistic") { Logistic(location: $0.real(0), scale: $0.real(1)) }

    /// A location–scale family: `x = loc + scale · ε`, ε the standard member drawn from the
    /// same streams.
    private static func locationScale<S: ContinuousSampler>(
        _ name: String, _ sampler: @escaping @Sendable (RandomDraw) -> S
    ) -> RandomDistribution {
        RandomDistribution(
            name, parameters: ["loc", "scale"], signature: "(),()->()",
            kernel: { try $0.continuous(sampler($0)) },
            derivative: .pathwise { d in
                let standard = d.sibling(d.node.castOp(to: RandomVariable.self)!.distribution, [0.0, 1.0])
                return [.value(d.cotangent), .value(d.cotangent * standard)]
            })
    }

    /// Weibull with shape k and scale λ: λ · (−log(1 − u))^(1/k). numpy's has scale 1.
    public static let weibull: RandomDistribution = RandomDistribution(
        "weibull", parameters: ["shape", "scale"], signature: "(),()->()",
        kernel: { try $0.continuous(Weibull(shape: $0.real(0), scale: $0.real(1))) },
        derivative: .pathwise { d in
            // x = λ W with W = E^(1/k): ∂x/∂λ = W, ∂x/∂k = −x log(W) / k.
            let w = d.sibling(.weibull, [d.parameters[0], 1.0])
            return [.value(-d.cotangent * d.value * log(w) / d.parameters[0]), .value(d.cotangent * w)]
        })

    /// Gamma with shape α and rate β (mean α/β; numpy's scale is 1/β): Marsaglia–Tsang, with
    /// the U^(1/α) boost below shape 1.
    public static let gamma: RandomDistribution = RandomDistribution(
        "gamma", parameters: ["alpha", "beta"], signature: "(),()->()",
        kernel: { d in
            let rate = d.real(1)
            if let failure = rate.failure(name: "beta (a rate)", count: d.count, requirement: "> 0", where: { $0 > 0 }) {
                throw d.invalid(failure)
            }
            return try d.continuous(Gamma(shape: d.real(0), scale: RealParameter(rate.values.map { 1 / $0 })))
        },
        derivative: .pathwise { d in
            // x = G/β with G ~ Gamma(α, 1): ∂x/∂α = random_gamma_grad(α, G)/β, ∂x/∂β = −x/β.
            let (alpha, beta) = (d.parameters[0], d.parameters[1])
            let g = d.cotangent
            return [
                .value(g * elemwise(.randomGammaGrad, alpha, d.value * beta) / beta),
                .value(-g * d.value / beta),
            ]
        })

    /// Chi-square with k degrees of freedom: 2 · Gamma(k/2, 1).
    public static let chiSquare: RandomDistribution = RandomDistribution(
        "chisquare", parameters: ["df"], signature: "()->()",
        kernel: { try $0.continuous(ChiSquare(degreesOfFreedom: $0.real(0))) },
        derivative: .pathwise { d in
            // x = 2 G(k/2): ∂x/∂k = random_gamma_grad(k/2, x/2).
            [.value(d.cotangent * elemwise(.randomGammaGrad, d.parameters[0] / 2, d.value / 2))]
        })

    /// Beta(a, b): Jöhnk's method when both shapes are ≤ 1, else X/(X + Y) of two gammas.
    public static let beta: RandomDistribution = RandomDistribution(
        "beta", parameters: ["alpha", "beta"], signature: "(),()->()",
        kernel: { try $0.continuous(Beta(a: $0.real(0), b: $0.real(1))) },
        derivative: .pathwise { d in
            // Implicit reparameterisation: ∂x/∂a = −(∂I_x/∂a) / density, likewise for b.
            let (a, b, x) = (d.parameters[0], d.parameters[1], d.value)
            let density = exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))
            let g = d.cotangent / density
            return [
                .value(-g * elemwise(.betaincGradA, a, b, x)),
                .value(-g * elemwise(.betaincGradB, a, b, x)),
            ]
        })

    /// Student's t with ν degrees of freedom, location and scale: loc + scale · z/√(χ²(ν)/ν).
    public static let studentT: RandomDistribution = RandomDistribution(
        "t", parameters: ["df", "loc", "scale"], signature: "(),(),()->()",
        kernel: { d in
            let t = try d.continuous(StudentT(degreesOfFreedom: d.real(0)))
            return try locateAndScale(t, d, location: 1, scale: 2)
        },
        derivative: .pathwise { d in
            let standard = d.sibling(.studentT, [d.parameters[0], 0.0, 1.0])
            return [
                .undefined("t's degrees of freedom have no pathwise gradient (not reparameterised)"),
                .value(d.cotangent), .value(d.cotangent * standard),
            ]
        })

    /// The normal truncated to [lower, upper]: inversion of the normal CDF in the body, exponential
    /// rejection in far tails.
    public static let truncatedNormal: RandomDistribution = RandomDistribution(
        "truncated_normal", parameters: ["mean", "std", "lower", "upper"], signature: "(),(),(),()->()",
        kernel: {
            try $0.continuous(TruncatedNormal(
                mean: $0.real(0), standardDeviation: $0.real(1), lower: $0.real(2), upper: $0.real(3)))
        },
        derivative: .pathwise { d in
            // Implicit reparameterisation, x = F⁻¹(u) with F the truncated CDF. With ξ = (x − μ)/σ
            // and a, b the standardized bounds: ∂x/∂lower = (1 − F) φ(a)/φ(ξ), ∂x/∂upper =
            // F φ(b)/φ(ξ), ∂x/∂σ = ξ − a ∂x/∂lower − b ∂x/∂upper, ∂x/∂μ = 1 − ∂x/∂lower − ∂x/∂upper.
            let (mu, sigma, lower, upper) = (d.parameters[0], d.parameters[1], d.parameters[2], d.parameters[3])
            let xi = (d.value - mu) / sigma
            let (a, b) = ((lower - mu) / sigma, (upper - mu) / sigma)
            let f = truncatedNormalCDF(xi, a, b)
            // φ(t)/φ(ξ) = exp((ξ² − t²)/2), 0 at an infinite bound.
            let dLower = (1 - f) * exp((xi * xi - a * a) / 2)
            let dUpper = f * exp((xi * xi - b * b) / 2)
            let scaleTerm = xi - select(isinf(a), 0.0, a * dLower) - select(isinf(b), 0.0, b * dUpper)
            let g = d.cotangent
            return [
                .value(g * (1 - dLower - dUpper)), .value(g * scaleTerm), .value(g * dLower), .value(g * dUpper),
            ]
        })

    /// The von Mises distribution on the circle: Best and Fisher's rejection method.
    public static let vonMises: RandomDistribution = RandomDistribution(
        "vonmises", parameters: ["mu", "kappa"], signature: "(),()->()",
        kernel: { try $0.continuous(VonMises(mu: $0.real(0), kappa: $0.real(1))) },
        derivative: .none("a von Mises draw is not reparameterised (its implicit gradient is not implemented)"))
}

/// `loc + scale · standard` for a draw whose sampler has no location or scale of its own;
/// scale must be ≥ 0 and loc finite.
private func locateAndScale(_ standard: NDArray, _ d: RandomDraw, location: Int, scale: Int) throws -> NDArray {
    let loc = d.real(location)
    let sc = d.real(scale)
    if let failure = sc.failure(name: "scale", count: d.count, requirement: "≥ 0", where: { $0 >= 0 })
        ?? loc.failure(name: "loc", count: d.count, requirement: "finite", where: { $0.isFinite })
    {
        throw d.invalid(failure)
    }
    if d.dtype == .float32 {
        let p = standard.basePointer(as: Float.self)
        for i in 0..<d.count { p[i] = Float(loc[i]) + Float(sc[i]) * p[i] }
    } else {
        let p = standard.basePointer(as: Double.self)
        for i in 0..<d.count { p[i] = loc[i] + sc[i] * p[i] }
    }
    return standard
}

/// The standard normal CDF truncated to [a, b] at ξ, (Φ(ξ) − Φ(a))/(Φ(b) − Φ(a)), written with
/// upper tails when the interval lies right of 0, so that far-tail intervals keep their digits.
private func truncatedNormalCDF(_ xi: Variable, _ a: Variable, _ b: Variable) -> Variable {
    let root = 0.5.squareRoot()
    let lowerTail = { (t: Variable) in 0.5 * erfc(-t * root) }
    let upperTail = { (t: Variable) in 0.5 * erfc(t * root) }
    let left = (lowerTail(xi) - lowerTail(a)) / (lowerTail(b) - lowerTail(a))
    let right = (upperTail(a) - upperTail(xi)) / (upperTail(a) - upperTail(b))
    return select(a .> 0, right, left)
}
