import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Pathwise derivatives of draws. With the generator held fixed, a reparameterised draw is a
/// smooth function of its parameters: location–scale families are checked against finite
/// differences (`verifyGrad`), against their pushforward, and as Jacobians built two ways;
/// gamma-based ones use implicit reparameterisation, which is not the derivative of the
/// sampler's own arithmetic, so they are checked against JAX's `random_gamma_grad` and by the
/// unbiasedness of the estimator: the mean pathwise derivative is the derivative of the mean.
@Suite struct RandomGradientTests {
    /// A generator constant (a fixed key), so a draw is a deterministic function of its parameters.
    static func key(_ seed: Int) -> Variable {
        Variable(constant: NDArray.randomKey(seed: seed), type: .randomGenerator)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let point: [NDArray]
        let draw: @Sendable ([Variable]) -> Variable
        var testDescription: String { name }
    }

    static let means = NDArray([0.5, -1.0, 2.0, 0.0])
    static let scales = NDArray([0.7, 1.3, 0.2, 2.0])
    static let cases: [Case] = [
        Case(name: "normal", point: [means, scales]) { normal(mean: $0[0], std: $0[1], rng: key(1)) },
        Case(name: "uniform", point: [means, NDArray([3.0, 0.0, 2.5, 1.0])]) { uniform(low: $0[0], high: $0[1], rng: key(2)) },
        Case(name: "lognormal", point: [means, scales]) { lognormal(mean: $0[0], sigma: $0[1], rng: key(3)) },
        Case(name: "exponential", point: [scales]) { exponential(scale: $0[0], rng: key(4)) },
        Case(name: "cauchy", point: [means, scales]) { cauchy(loc: $0[0], scale: $0[1], rng: key(5)) },
        Case(name: "laplace", point: [means, scales]) { laplace(loc: $0[0], scale: $0[1], rng: key(6)) },
        Case(name: "logistic", point: [means, scales]) { logistic(loc: $0[0], scale: $0[1], rng: key(7)) },
        Case(name: "weibull", point: [NDArray([1.5, 0.8, 3.0, 1.0]), scales]) { weibull(k: $0[0], scale: $0[1], rng: key(8)) },
        Case(name: "studentT loc, scale", point: [means, scales]) { studentT(df: 5, loc: $0[0], scale: $0[1], rng: key(9)) },
        Case(name: "normal with a size", point: [NDArray(0.5), NDArray(1.5)]) {
            normal(mean: $0[0], std: $0[1], shape: [3, 2], rng: key(10))
        },
        Case(name: "multivariateNormal", point: [NDArray([1.0, -1.0, 0.5]), NDArray([[1.0, 0.2, 0.0], [0.3, 1.1, 0.1], [0.0, -0.2, 0.9]])]) {
            // cov = A Aᵀ + I stays positive definite under any perturbation of A.
            let cov = matmul($0[1], $0[1].T) + eye(3)
            return multivariateNormal(mean: $0[0], cov: cov, shape: [2], rng: key(11))
        },
    ]

    @Test(arguments: cases) func pathwiseGradientsMatchFiniteDifferences(_ c: Case) throws {
        try verifyGrad(c.draw, at: c.point, differences: .central)
        try verifyPushforward(c.draw, at: c.point)
        _ = try AutodiffTesting.checkDerivativeTypes(c.draw, at: c.point)
    }

    @Test(arguments: cases.prefix(3)) func jacobiansVectorizedAndLoopedAgree(_ c: Case) throws {
        for wrt in c.point.indices {
            try AutodiffTesting.checkJacobians(c.draw, at: c.point, wrt: wrt, tolerance: 1e-10)
        }
    }

    @Test func aScaleOfZeroStillHasTheNoiseAsItsGradient() throws {
        let std = Tensor.scalar("std")
        let x = normal(mean: 1, std: std, shape: [5], rng: Self.key(12))
        let g = try grad(x.sum(), wrt: std).eval(["std": NDArray(0.0)])
        let z = try standardNormal(shape: [5], rng: Self.key(12)).eval().asArray(Double.self)
        #expect(abs(g.item(Double.self) - z.reduce(0, +)) < 1e-12)
    }

    @Test func secondDerivativesOfAReparameterisedDraw() throws {
        // ∂²/∂σ² Σ(μ + σz)² = 2 Σ z².
        try verifyGrad({ grad(pow(normal(mean: $0[0], std: $0[1], rng: Self.key(13)), 2).sum(), wrt: $0[1]) },
            at: [Self.means, Self.scales], differences: .central)
        let sigma = Tensor.vector("sigma", shape: [4])
        let h = try hessian(pow(normal(mean: 0.5, std: sigma, rng: Self.key(13)), 2).sum(), wrt: sigma).eval(["sigma": Self.scales])
        let z = try standardNormal(shape: [4], rng: Self.key(13)).eval().asArray(Double.self)
        #expect(h.shape == [4, 4])
        let values = h.asArray(Double.self)
        for i in 0..<4 { for j in 0..<4 { #expect(abs(values[i * 4 + j] - (i == j ? 2 * z[i] * z[i] : 0)) < 1e-12) } }
    }

    @Test func randomGammaGradMatchesJax() throws {
        // jax.lax.random_gamma_grad(a, x), float64.
        let a = NDArray([0.5, 2.5, 10.0, 0.1, 1.0])
        let x = NDArray([0.1, 3.0, 8.0, 1e-5, 2.0])
        let expected = [0.5097655670826974, 1.1692620067376658, 0.9075477177235474, 0.0011089279600203117, 1.6316914623496994]
        let got = try elemwise(.randomGammaGrad, Tensor(constant: a), Tensor(constant: x)).eval().asArray(Double.self)
        expectClose(got, expected, inputs: ["0.5,0.1", "2.5,3", "10,8", "0.1,1e-5", "1,2"], relative: 1e-10, "random_gamma_grad")
    }

    /// Per-element pathwise derivatives of `n` draws with respect to a vector parameter of `n`
    /// equal values (one per draw).
    static func derivatives(_ value: Double, _ draw: (Variable) -> Variable, of f: (Variable) -> Variable = { $0 }) throws -> [Double] {
        let theta = Tensor.vector("theta", shape: [n])
        return try grad(f(draw(theta)).sum(), wrt: theta).eval(["theta": NDArray(shape: [n], filledWith: value)]).asArray(Double.self)
    }
    static let n = 20_000

    /// Whether the mean of `values` is within 5 standard errors of `expected`.
    static func unbiased(_ values: [Double], _ expected: Double) -> Bool {
        RandomCheck.momentsMatch(values, mean: expected, variance: nil)
    }

    @Test func implicitReparameterisationIsUnbiased() throws {
        let rng = Self.key(14)
        // Gamma(α, rate β): E x = α/β, E x² = α(α + 1)/β².
        #expect(Self.unbiased(try Self.derivatives(2.5) { gamma(alpha: $0, beta: 2, rng: rng) }, 1.0 / 2))
        #expect(Self.unbiased(try Self.derivatives(0.4) { gamma(alpha: $0, beta: 2, rng: rng) }, 1.0 / 2))
        #expect(Self.unbiased(try Self.derivatives(2.5, { gamma(alpha: $0, beta: 2, rng: rng) }, of: { $0 * $0 }), 6.0 / 4))
        #expect(Self.unbiased(try Self.derivatives(2.0) { gamma(alpha: 2.5, beta: $0, rng: rng) }, -2.5 / 4))
        // χ²(k): E x = k.
        #expect(Self.unbiased(try Self.derivatives(3.0) { chiSquare(df: $0, rng: rng) }, 1))
        // Beta(a, b): E x = a/(a + b).
        #expect(Self.unbiased(try Self.derivatives(2.0) { beta(alpha: $0, beta: 5, rng: rng) }, 5.0 / 49))
        #expect(Self.unbiased(try Self.derivatives(5.0) { beta(alpha: 2, beta: $0, rng: rng) }, -2.0 / 49))
        #expect(Self.unbiased(try Self.derivatives(0.5) { beta(alpha: $0, beta: 0.7, rng: rng) }, 0.7 / 1.44))
    }

    @Test func dirichletPathwiseGradientIsUnbiased() throws {
        // E x_i = α_i/α₀: ∂E x₀/∂α₀ = (α₀ − α_0)/α₀², ∂E x₀/∂α₁ = −α_0/α₀².
        let alpha = Tensor.matrix("alpha", shape: [Self.n, 3])
        let x = dirichlet(alpha: alpha, rng: Self.key(15))
        let rows = NDArray(shape: [Self.n, 3], elements: (0..<Self.n).flatMap { _ in [1.0, 2.0, 3.0] })
        let g = try grad(x[0..., 0].sum(), wrt: alpha).eval(["alpha": rows]).asArray(Double.self)
        #expect(Self.unbiased(stride(from: 0, to: g.count, by: 3).map { g[$0] }, 5.0 / 36))
        #expect(Self.unbiased(stride(from: 1, to: g.count, by: 3).map { g[$0] }, -1.0 / 36))
        // The derivative of Σ_i x_i = 1 is zero for every row.
        let total = try grad(x.sum(), wrt: alpha).eval(["alpha": rows]).asArray(Double.self)
        #expect(total.allSatisfy { abs($0) < 1e-10 })
    }

    @Test func drawsWithoutAPathwiseGradientSayWhy() throws {
        let rng = Self.key(16)
        let df = Tensor.scalar("df")
        let t = expectCotangentError { _ = try checked { grad(studentT(df: df, rng: rng), wrt: df) } }
        #expect(t?.message.contains("degrees of freedom have no pathwise gradient") == true, "\(t?.message ?? "")")
        let mu = Tensor.scalar("mu")
        let vonMisesGrad = expectCotangentError { _ = try checked { grad(vonMises(mu: mu, kappa: 2, rng: rng), wrt: mu) } }
        #expect(vonMisesGrad?.message.contains("not reparameterised") == true)
        let rate = Tensor.scalar("rate")
        let poissonGrad = expectCotangentError { _ = try checked { grad(poisson(rate: rate, rng: rng).cast(to: .float64), wrt: rate) } }
        #expect(poissonGrad != nil)
        // The generator carries no gradient: the parameter's gradient is unaffected by it.
        let g = try grad(normal(mean: mu, rng: rng), wrt: mu).eval(["mu": NDArray(0.3)])
        #expect(g.item(Double.self) == 1)
    }

    @Test func batchingMovesTheBatchIntoTheDraw() throws {
        // vmap-style: a draw whose mean is batched becomes one draw of the batch's shape.
        let mu = Tensor.scalar("mu")
        let x = normal(mean: mu, std: 0.001, shape: [3], rng: Self.key(17))
        let batch = Tensor.vector("batch", shape: [4])
        let batched = vectorizeGraph([x], replacing: [mu: batch])[0]
        #expect(batched.type.shape == [4, 3])
        #expect(batched.owner?.op is RandomVariable)
        let values = try batched.eval(["batch": NDArray([0.0, 10.0, 20.0, 30.0])]).asArray(Double.self)
        for (i, v) in values.enumerated() { #expect(abs(v - Double(i / 3) * 10) < 0.01) }
        #expect(Set(values.map { $0 - (Double(Int($0 / 10 + 0.5)) * 10) }).count == 12)
    }

    /// The mean of N(μ, σ²) truncated to [l, u]: μ + σ (φ(a) − φ(b)) / (Φ(b) − Φ(a)).
    static func truncatedMean(_ mu: Double, _ sigma: Double, _ l: Double, _ u: Double) -> Double {
        let (a, b) = ((l - mu) / sigma, (u - mu) / sigma)
        let phi = { (t: Double) in t.isInfinite ? 0 : exp(-t * t / 2) / (2 * Double.pi).squareRoot() }
        let cdf = { (t: Double) in 0.5 * erfc(-t / 2.0.squareRoot()) }
        return mu + sigma * (phi(a) - phi(b)) / (cdf(b) - cdf(a))
    }

    @Test func truncatedNormalImplicitGradientIsUnbiased() throws {
        // ∂E x/∂θ by central differences of the closed-form mean, for each parameter, on a
        // finite interval and a half-infinite one.
        let rng = Self.key(18)
        for (mu, sigma, l, u) in [(1.0, 2.0, 0.0, 3.0), (0.5, 1.0, 1.0, Double.infinity)] {
            let h = 1e-5
            let point = [mu, sigma, l, u]
            for k in 0..<(u.isInfinite ? 3 : 4) {
                var up = point, down = point
                up[k] += h
                down[k] -= h
                let expected = (Self.truncatedMean(up[0], up[1], up[2], up[3]) - Self.truncatedMean(down[0], down[1], down[2], down[3])) / (2 * h)
                let values = try Self.derivatives(point[k]) { theta in
                    var parameters: [Variable] = point.map { Variable($0) }
                    parameters[k] = theta
                    return truncatedNormal(mean: parameters[0], std: parameters[1], lower: parameters[2], upper: parameters[3], rng: rng)
                }
                let finite = values.allSatisfy { $0.isFinite }
                #expect(finite, "parameter \(k) of \(point)")
                #expect(Self.unbiased(values, expected), "parameter \(k) of \(point): expected \(expected)")
            }
        }
    }
}

