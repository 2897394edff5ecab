import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// Log-densities as PyMC writes them, built from the special functions: values against scipy.stats
/// `logpdf`/`logpmf` (literals from scipy 1.17), and gradients in every parameter (and in the
/// value, for continuous ones) against finite differences.
@Suite("Log-densities from special functions")
struct LogDensityTests {
    static let halfLogTwoPi = 0.9189385332046728

    static func normal(_ x: Variable, _ mu: Variable, _ sigma: Variable) -> Variable {
        let z = (x - mu) / sigma
        return -0.5 * sqr(z) - log(sigma) - halfLogTwoPi
    }

    /// The gamma density with shape `alpha` and rate `beta`.
    static func gammaDensity(_ x: Variable, _ alpha: Variable, _ beta: Variable) -> Variable {
        alpha * log(beta) - gammaln(alpha) + xlogy(alpha - 1, x) - beta * x
    }

    static func betaDensity(_ x: Variable, _ a: Variable, _ b: Variable) -> Variable {
        xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b)
    }

    static func studentT(_ x: Variable, _ nu: Variable, _ mu: Variable, _ sigma: Variable) -> Variable {
        let z = (x - mu) / sigma
        return gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * log(nu * Double.pi) - log(sigma)
            - (nu + 1) / 2 * log1p(sqr(z) / nu)
    }

    static func poisson(_ k: Variable, _ mu: Variable) -> Variable {
        xlogy(k, mu) - mu - gammaln(k + 1)
    }

    /// scipy's `nbinom(n, p)`: failures before the n-th success.
    static func negativeBinomial(_ k: Variable, _ n: Variable, _ p: Variable) -> Variable {
        gammaln(k + n) - gammaln(n) - gammaln(k + 1) + n * log(p) + xlog1py(k, -p)
    }

    /// Rows of `x` on the simplex, concentration `alpha` (a vector).
    static func dirichlet(_ x: Variable, _ alpha: Variable) -> Variable {
        xlogy(alpha - 1, x).sum(axis: -1) + gammaln(alpha.sum()) - gammaln(alpha).sum()
    }

    static func values(_ output: Variable, _ feed: [Variable: NDArray]) throws -> [Double] {
        try output.eval(feed).asArray(Double.self)
    }

    @Test func normalMatchesScipy() throws {
        let (x, mu, sigma) = (Tensor.vector("x"), Tensor.scalar("mu"), Tensor.scalar("sigma"))
        let value = try Self.values(Self.normal(x, mu, sigma), [x: NDArray([-1.3, 0.2, 2.7]), mu: 0.4, sigma: 1.7])
        expectClose(value, [-1.9495667842668434, -1.4564871994917565, -2.364791697761653], inputs: ["-1.3", "0.2", "2.7"], relative: 1e-14, "norm.logpdf")
        try verifyGrad({ Self.normal($0[0], $0[1], $0[2]) }, at: [NDArray([-1.3, 0.2, 2.7]), 0.4, 1.7])
    }

    @Test func gammaMatchesScipy() throws {
        let (x, alpha, beta) = (Tensor.vector("x"), Tensor.scalar("alpha"), Tensor.scalar("beta"))
        let value = try Self.values(Self.gammaDensity(x, alpha, beta), [x: NDArray([0.3, 1.5, 7.0]), alpha: 2.5, beta: 1.3])
        expectClose(value, [-1.8247314157930956, -0.9705745471419449, -5.8099069857212235], inputs: ["0.3", "1.5", "7"], relative: 1e-14, "gamma.logpdf")
        try verifyGrad({ Self.gammaDensity($0[0], $0[1], $0[2]) }, at: [NDArray([0.3, 1.5, 7.0]), 2.5, 1.3])
    }

    @Test func betaMatchesScipy() throws {
        let (x, a, b) = (Tensor.vector("x"), Tensor.scalar("a"), Tensor.scalar("b"))
        let value = try Self.values(Self.betaDensity(x, a, b), [x: NDArray([0.05, 0.5, 0.93]), a: 2.2, b: 3.5])
        expectClose(value, [-0.7370653783397993, 0.4214020178220683, -3.749188337839883], inputs: ["0.05", "0.5", "0.93"], relative: 1e-13, "beta.logpdf")
        try verifyGrad({ Self.betaDensity($0[0], $0[1], $0[2]) }, at: [NDArray([0.05, 0.5, 0.93]), 2.2, 3.5])
    }

    @Test func studentTMatchesScipy() throws {
        let (x, nu, mu, sigma) = (Tensor.vector("x"), Tensor.scalar("nu"), Tensor.scalar("mu"), Tensor.scalar("sigma"))
        let value = try Self.values(
            Self.studentT(x, nu, mu, sigma), [x: NDArray([-4.0, 0.3, 12.0]), nu: 3.5, mu: 0.4, sigma: 1.7])
        expectClose(value, [-3.9265285378800554, -1.522325162660684, -7.506160190212109], inputs: ["-4", "0.3", "12"], relative: 1e-13, "t.logpdf")
        try verifyGrad({ Self.studentT($0[0], $0[1], $0[2], $0[3]) }, at: [NDArray([-4.0, 0.3, 12.0]), 3.5, 0.4, 1.7])
    }

    @Test func poissonMatchesScipy() throws {
        let (k, mu) = (Tensor.vector("k", dtype: .int64), Tensor.scalar("mu"))
        let value = try Self.values(Self.poisson(k, mu), [k: NDArray([0, 3, 17] as [Int64]), mu: 4.2])
        expectClose(value, [-4.2, -1.6865058933600872, -13.308636520218403], inputs: ["0", "3", "17"], relative: 1e-14, "poisson.logpmf")
        let counts = Tensor.constant(NDArray([0, 3, 17] as [Int64]))
        try verifyGrad({ Self.poisson(counts, $0[0]) }, at: [4.2])
    }

    @Test func negativeBinomialMatchesScipy() throws {
        let (k, n, p) = (Tensor.vector("k", dtype: .int64), Tensor.scalar("n"), Tensor.scalar("p"))
        let value = try Self.values(Self.negativeBinomial(k, n, p), [k: NDArray([0, 3, 17] as [Int64]), n: 2.5, p: 0.35])
        expectClose(value, [-2.6245553112466946, -2.035532431606315, -5.876534696467132], inputs: ["0", "3", "17"], relative: 1e-13, "nbinom.logpmf")
        let counts = Tensor.constant(NDArray([0, 3, 17] as [Int64]))
        try verifyGrad({ Self.negativeBinomial(counts, $0[0], $0[1]) }, at: [2.5, 0.35])
    }

    @Test func dirichletMatchesScipy() throws {
        let (x, alpha) = (Tensor.matrix("x"), Tensor.vector("alpha"))
        let rows = NDArray(shape: [2, 3], elements: [0.2, 0.3, 0.5, 0.05, 0.9, 0.05])
        let value = try Self.values(Self.dirichlet(x, alpha), [x: rows, alpha: NDArray([1.5, 2.0, 0.7])])
        expectClose(value, [0.10772302168916625, 1.2039636576955444], inputs: ["row 0", "row 1"], relative: 1e-13, "dirichlet.logpdf")
        let simplex = Tensor.constant(rows)
        try verifyGrad({ Self.dirichlet(simplex, $0[0]) }, at: [NDArray([1.5, 2.0, 0.7])])
    }
}
