import Foundation
import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// Every distribution through the graph: moments within 5σ at a fixed seed (exact values; scipy's
/// where no closed form), Kolmogorov–Smirnov against closed-form CDFs, shapes and dtypes, and
/// bad parameters.
@Suite struct RandomDistributionTests {
    static let n = 20_000

    /// `n` draws of `build(rng)` as doubles.
    static func sample(_ build: (Variable) -> Variable) throws -> [Double] {
        try build(Tensor.randomGenerator(seed: 2024)).eval().asArray(Double.self)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let mean: Double
        let variance: Double
        let draw: @Sendable (Variable) -> Variable
        var testDescription: String { name }
    }

    static let shape = [n]
    static let cases: [Case] = [
        Case(name: "uniform", mean: 2, variance: 4.0 / 3) { uniform(low: 0, high: 4, shape: shape, rng: $0) },
        Case(name: "normal", mean: 1, variance: 4) { normal(mean: 1, std: 2, shape: shape, rng: $0) },
        Case(name: "standardNormal", mean: 0, variance: 1) { standardNormal(shape: shape, rng: $0) },
        Case(name: "truncatedNormal", mean: 1.4132624361230661, variance: 0.6910930363459724) {
            truncatedNormal(mean: 1, std: 2, lower: 0, upper: 3, shape: shape, rng: $0)
        },
        Case(name: "lognormal", mean: exp(0.125), variance: (exp(0.25) - 1) * exp(0.25)) {
            lognormal(mean: 0, sigma: 0.5, shape: shape, rng: $0)
        },
        Case(name: "exponential", mean: 3, variance: 9) { exponential(scale: 3, shape: shape, rng: $0) },
        Case(name: "gamma (rate)", mean: 2.5 / 2, variance: 2.5 / 4) { gamma(alpha: 2.5, beta: 2, shape: shape, rng: $0) },
        Case(name: "gamma small shape", mean: 0.3, variance: 0.3) { gamma(alpha: 0.3, shape: shape, rng: $0) },
        Case(name: "beta", mean: 2.0 / 7, variance: 10.0 / (49 * 8)) { beta(alpha: 2, beta: 5, shape: shape, rng: $0) },
        Case(name: "chiSquare", mean: 3, variance: 6) { chiSquare(df: 3, shape: shape, rng: $0) },
        Case(name: "studentT", mean: 1, variance: 4 * 5.0 / 3) { studentT(df: 5, loc: 1, scale: 2, shape: shape, rng: $0) },
        Case(name: "laplace", mean: -1, variance: 2 * 0.25) { laplace(loc: -1, scale: 0.5, shape: shape, rng: $0) },
        Case(name: "logistic", mean: 1, variance: Double.pi * Double.pi / 3 * 4) { logistic(loc: 1, scale: 2, shape: shape, rng: $0) },
        Case(name: "weibull", mean: 2 * tgamma(1 + 1 / 1.5), variance: 4 * (tgamma(1 + 2 / 1.5) - pow(tgamma(1 + 1 / 1.5), 2))) {
            weibull(k: 1.5, scale: 2, shape: shape, rng: $0)
        },
        Case(name: "integers", mean: 4.5, variance: (100.0 - 1) / 12) { integers(low: 0, high: 10, shape: shape, rng: $0) },
        Case(name: "bernoulli", mean: 0.3, variance: 0.21) { bernoulli(p: 0.3, shape: shape, rng: $0) },
        Case(name: "binomial", mean: 12, variance: 12 * 0.6) { binomial(n: 30, p: 0.4, shape: shape, rng: $0) },
        Case(name: "binomial BTPE", mean: 400, variance: 240) { binomial(n: 1000, p: 0.4, shape: shape, rng: $0) },
        Case(name: "poisson", mean: 3.5, variance: 3.5) { poisson(rate: 3.5, shape: shape, rng: $0) },
        Case(name: "poisson PTRS", mean: 250, variance: 250) { poisson(rate: 250, shape: shape, rng: $0) },
        Case(name: "geometric", mean: 4, variance: 0.75 / (0.0625)) { geometric(p: 0.25, shape: shape, rng: $0) },
        Case(name: "negativeBinomial", mean: 5 * 0.6 / 0.4, variance: 5 * 0.6 / 0.16) {
            negativeBinomial(n: 5, p: 0.4, shape: shape, rng: $0)
        },
        Case(name: "categorical", mean: 1.3, variance: 0.2 + 1.2 - 1.69) {
            categorical(p: Tensor(constant: NDArray([0.2, 0.3, 0.5])), shape: shape, rng: $0)
        },
        // Circular: E[cos(x − μ)] = I₁(κ)/I₀(κ); here the mean of cos(x − 0.5).
        Case(name: "vonMises (mean resultant)", mean: 0.6977746579640083, variance: 0) {
            cos(vonMises(mu: 0.5, kappa: 2, shape: shape, rng: $0) - 0.5)
        },
    ]

    @Test(arguments: cases) func momentsMatch(_ c: Case) throws {
        let values = try Self.sample(c.draw)
        #expect(values.count == Self.n)
        let checkVariance = c.variance > 0
        #expect(RandomCheck.momentsMatch(values, mean: c.mean, variance: checkVariance ? c.variance : nil), "\(c.name)")
    }

    @Test func cauchyMedianAndQuartiles() throws {
        // No moments: its quartiles are loc ± scale.
        let values = try Self.sample { cauchy(loc: 1, scale: 2, shape: Self.shape, rng: $0) }.sorted()
        let q = { (p: Double) in values[Int(p * Double(values.count))] }
        #expect(abs(q(0.5) - 1) < 0.1 && abs(q(0.25) + 1) < 0.15 && abs(q(0.75) - 3) < 0.15)
        #expect(RandomCheck.ksPasses(values) { 0.5 + atan(($0 - 1) / 2) / Double.pi })
    }

    @Test func kolmogorovSmirnovAgainstClosedFormCDFs() throws {
        let normals = try Self.sample { normal(mean: 1, std: 2, shape: Self.shape, rng: $0) }
        #expect(RandomCheck.ksPasses(normals) { 0.5 * erfc(-($0 - 1) / (2 * 2.0.squareRoot())) })
        let exponentials = try Self.sample { exponential(scale: 3, shape: Self.shape, rng: $0) }
        #expect(RandomCheck.ksPasses(exponentials) { 1 - exp(-$0 / 3) })
        let uniforms = try Self.sample { uniform(low: -1, high: 3, shape: Self.shape, rng: $0) }
        #expect(RandomCheck.ksPasses(uniforms) { min(1, max(0, ($0 + 1) / 4)) })
        let logistics = try Self.sample { logistic(loc: 1, scale: 2, shape: Self.shape, rng: $0) }
        #expect(RandomCheck.ksPasses(logistics) { 1 / (1 + exp(-($0 - 1) / 2)) })
        let weibulls = try Self.sample { weibull(k: 1.5, scale: 2, shape: Self.shape, rng: $0) }
        #expect(RandomCheck.ksPasses(weibulls) { 1 - exp(-pow(max(0, $0) / 2, 1.5)) })
        let laplaces = try Self.sample { laplace(loc: -1, scale: 0.5, shape: Self.shape, rng: $0) }
        #expect(RandomCheck.ksPasses(laplaces) { $0 < -1 ? 0.5 * exp(($0 + 1) / 0.5) : 1 - 0.5 * exp(-($0 + 1) / 0.5) })
        // Gamma with rate 2: P(α, 2x) (the graph's own gammainc, checked against scipy elsewhere).
        let gammas = try Self.sample { gamma(alpha: 2.5, beta: 2, shape: Self.shape, rng: $0) }
        let cdf = try gammainc(Tensor(2.5), Tensor(constant: NDArray(gammas.map { 2 * $0 }))).eval().asArray(Double.self)
        let pairs = zip(gammas, cdf).sorted { $0.0 < $1.0 }
        var d = 0.0
        for (i, pair) in pairs.enumerated() {
            d = max(d, abs(pair.1 - Double(i) / Double(pairs.count)), abs(Double(i + 1) / Double(pairs.count) - pair.1))
        }
        #expect(d * Double(pairs.count).squareRoot() < 1.95)
    }

    @Test func vectorDistributionsHaveTheirMomentsAndEventShape() throws {
        let rng = Tensor.randomGenerator(seed: 99)
        let alpha = Tensor(constant: NDArray([1.0, 2.0, 3.0]))
        let d = dirichlet(alpha: alpha, shape: [Self.n], rng: rng)
        #expect(d.type.shape == [Self.n, 3])
        let dv = try d.eval()
        #expect(dv.shape == [Self.n, 3])
        let rows = dv.asArray(Double.self)
        for j in 0..<3 {
            let column = stride(from: j, to: rows.count, by: 3).map { rows[$0] }
            let a = [1.0, 2.0, 3.0][j]
            #expect(RandomCheck.momentsMatch(column, mean: a / 6, variance: a * (6 - a) / (36 * 7)))
        }
        let p = Tensor(constant: NDArray([0.2, 0.3, 0.5]))
        let m = try multinomial(n: 10, p: p, shape: [Self.n], rng: rng).eval()
        #expect(m.shape == [Self.n, 3] && m.dtype == .int64)
        let counts = m.asArray(Double.self)
        for j in 0..<3 {
            let column = stride(from: j, to: counts.count, by: 3).map { counts[$0] }
            let pj = [0.2, 0.3, 0.5][j]
            #expect(RandomCheck.momentsMatch(column, mean: 10 * pj, variance: 10 * pj * (1 - pj)))
        }
        let cov = Tensor(constant: NDArray([[2.0, 0.6], [0.6, 1.0]]))
        let mv = try multivariateNormal(mean: Tensor(constant: NDArray([1.0, -1.0])), cov: cov, shape: [Self.n], rng: rng).eval()
        #expect(mv.shape == [Self.n, 2])
        let xs = mv.asArray(Double.self)
        let x0 = stride(from: 0, to: xs.count, by: 2).map { xs[$0] }
        let x1 = stride(from: 1, to: xs.count, by: 2).map { xs[$0] }
        #expect(RandomCheck.momentsMatch(x0, mean: 1, variance: 2))
        #expect(RandomCheck.momentsMatch(x1, mean: -1, variance: 1))
        let product = zip(x0, x1).map { ($0 - 1) * ($1 + 1) }
        #expect(abs(product.reduce(0, +) / Double(Self.n) - 0.6) < 5 * (2.0 + 0.36).squareRoot() / Double(Self.n).squareRoot())
    }

    @Test func parametersBroadcastAgainstTheShape() throws {
        let rng = Tensor.randomGenerator(seed: 1)
        let mean = Tensor(constant: NDArray([0.0, 100.0, -100.0]))
        let x = normal(mean: mean, std: 0.001, shape: [4, 3], rng: rng)
        #expect(x.type.shape == [4, 3] && x.dtype == .float64)
        let values = try x.eval().asArray(Double.self)
        for (i, v) in values.enumerated() { #expect(abs(v - [0.0, 100.0, -100.0][i % 3]) < 0.01) }
        // Without a shape, the parameters' broadcast shape.
        let y = uniform(low: Tensor.matrix("low", shape: [2, 1]), high: Tensor.vector("high", shape: [5]), rng: rng)
        #expect(y.type.shape == [2, 5])
        let column = Tensor(constant: NDArray(shape: [2, 1], elements: [0.0, 10.0]))
        let yv = try uniform(low: column, high: column + 1, rng: rng).eval()
        #expect(yv.shape == [2, 1])
        // float32 parameters give float32 draws; an explicit dtype wins.
        #expect(normal(mean: Tensor.vector("m", dtype: .float32), rng: rng).dtype == .float32)
        #expect(normal(shape: [2], rng: rng, dtype: .float32).dtype == .float32)
        #expect(try normal(shape: [2], rng: rng, dtype: .float32).eval().dtype == .float32)
        #expect(integers(high: 5, shape: [2], rng: rng).dtype == .int64)
        // The symbolic shape of a draw whose size is symbolic-free.
        let draw = normal(mean: Tensor.vector("mu"), std: 1, rng: rng)
        let shape = try draw.shape.eval(["mu": NDArray([1.0, 2.0, 3.0])])
        #expect(shape.asArray(Int64.self) == [3])
    }

    @Test func ordersAndSubsets() throws {
        let rng = Tensor.randomGenerator(seed: 8)
        let perm = try permutation(10, rng: rng).eval().asArray(Int64.self)
        #expect(perm.sorted() == Array(0..<10))
        let x = Tensor(constant: NDArray([10.0, 20.0, 30.0, 40.0]))
        #expect(try shuffle(x, rng: rng).eval().asArray(Double.self).sorted() == [10, 20, 30, 40])
        let picks = try choice(6, shape: [2, 2], replace: false, rng: rng).eval()
        #expect(picks.shape == [2, 2] && Set(picks.asArray(Int64.self)).count == 4)
        let weighted = try choice(4, shape: [2], replace: false, p: Tensor(constant: NDArray([0.5, 0.0, 0.5, 0.0])), rng: rng).eval()
        #expect(Set(weighted.asArray(Int64.self)) == [0, 2])
        let with = try choice(from: x, shape: [1000], rng: rng).eval().asArray(Double.self)
        #expect(Set(with) == [10, 20, 30, 40])
        let counts = (0..<4).map { k in try! choice(4, shape: [Self.n], p: Tensor(constant: NDArray([0.1, 0.2, 0.3, 0.4])), rng: rng).eval().asArray(Int64.self).filter { $0 == k }.count }
        #expect(RandomCheck.chiSquarePasses(counts: counts, probabilities: [0.1, 0.2, 0.3, 0.4]))
    }

    @Test func badParametersThrowTypedErrorsNamingTheOp() throws {
        let rng = Tensor.randomGenerator(seed: 1)
        let cases: [(Variable, String)] = [
            (normal(std: -1, shape: [2], rng: rng), "normal_rv{\"(),()->()\"}: standard deviation must be"),
            (gamma(alpha: 2, beta: 0, rng: rng), "gamma_rv{\"(),()->()\"}: beta (a rate) must be > 0"),
            (categorical(p: Tensor(constant: NDArray([0.5, 0.6])), rng: rng), "probabilities must sum to 1"),
            (dirichlet(alpha: Tensor(constant: NDArray([1.0, -1.0])), rng: rng), "dirichlet_rv"),
            (multivariateNormal(mean: Tensor(constant: NDArray([0.0, 0.0])), cov: Tensor(constant: NDArray([[1.0, 2.0], [2.0, 1.0]])), rng: rng),
             "cov is not positive definite"),
            (choice(3, shape: [4], replace: false, rng: rng), "cannot take 4 without replacement from a population of 3"),
            (binomial(n: -1, p: 0.5, rng: rng), "binomial_rv"),
            (poisson(rate: -2, rng: rng), "poisson_rv"),
        ]
        for (draw, message) in cases {
            let error = expectCotangentError { _ = try draw.eval() }
            #expect(error?.kind == .invalidValue, "\(message)")
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "") should contain \(message)")
        }
        let mismatch = expectCotangentError { _ = try checked { normal(mean: Tensor.vector("m", shape: [3]), shape: [4], rng: rng) } }
        #expect(mismatch?.message.contains("does not broadcast to the size") == true)
        let intDraw = expectCotangentError { _ = try checked { normal(rng: rng, dtype: .int64) } }
        #expect(intDraw?.message.contains("float32 or float64") == true)
        let runtime = expectCotangentError {
            _ = try normal(mean: Tensor.vector("m"), shape: [4], rng: rng).eval(["m": NDArray([1.0, 2.0, 3.0])])
        }
        #expect(runtime?.message.contains("does not broadcast") == true)
    }
}
