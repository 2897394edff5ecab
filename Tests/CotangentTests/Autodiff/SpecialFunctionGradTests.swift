import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// One special function with a domain per input inside which it is smooth.
struct SpecialGradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let domains: [ClosedRange<Double>]
    let build: @Sendable ([Variable]) -> Variable
    var testDescription: String { name }

    init(_ name: String, _ domains: ClosedRange<Double>..., build: @escaping @Sendable ([Variable]) -> Variable) {
        self.name = name
        self.domains = domains
        self.build = build
    }

    /// A random point of `shape` per input.
    func point(_ shape: [Int] = [4], seed: UInt64 = 50, dtype: DType = .float64) -> [NDArray] {
        domains.enumerated().map { k, domain in randomPoint(shape, domain, seed: seed + UInt64(k), dtype: dtype) }
    }

    static let all: [SpecialGradCase] = [
        .init("gamma", 0.5...4) { gamma($0[0]) },
        .init("digamma", 0.5...4) { digamma($0[0]) },
        .init("trigamma", 0.5...4) { trigamma($0[0]) },
        .init("polygamma(2, x)", 0.5...4) { polygamma(2, $0[0]) },
        .init("betaln", 0.5...4, 0.5...4) { betaln($0[0], $0[1]) },
        .init("beta", 0.5...3, 0.5...3) { beta($0[0], $0[1]) },
        .init("gammainc", 0.5...4, 0.5...4) { gammainc($0[0], $0[1]) },
        .init("gammaincc", 0.5...4, 0.5...4) { gammaincc($0[0], $0[1]) },
        .init("betainc", 0.5...4, 0.5...4, 0.1...0.9) { betainc($0[0], $0[1], $0[2]) },
        .init("erfinv", -0.9...0.9) { erfinv($0[0]) },
        .init("erfcinv", 0.1...1.9) { erfcinv($0[0]) },
        .init("erfcx", -2...2) { erfcx($0[0]) },
        .init("logNormalCDF", -5...5) { logNormalCDF($0[0]) },
        .init("logNormalSF", -5...5) { logNormalSF($0[0]) },
        .init("logit", 0.1...0.9) { logit($0[0]) },
        .init("expit", -3...3) { expit($0[0]) },
        .init("log1pexp", -3...3) { log1pexp($0[0]) },
        .init("log1mexp", -3 ... -0.1) { log1mexp($0[0]) },
        .init("logdiffexp", 1...2, -2...0) { logdiffexp($0[0], $0[1]) },
        .init("xlogy", 0.5...2, 0.5...2) { xlogy($0[0], $0[1]) },
        .init("xlog1py", 0.5...2, -0.5...2) { xlog1py($0[0], $0[1]) },
        .init("sinc", 0.2...2) { sinc($0[0]) },
        .init("hypot", 0.5...2, -2 ... -0.5) { hypot($0[0], $0[1]) },
        .init("gammaincinv", 0.5...4, 0.1...0.9) { gammaincinv($0[0], $0[1]) },
        .init("gammainccinv", 0.5...4, 0.1...0.9) { gammainccinv($0[0], $0[1]) },
        .init("besselI0", -3...3) { besselI0($0[0]) },
        .init("besselI1", -3...3) { besselI1($0[0]) },
        .init("besselI0e", 0.2...3) { besselI0e($0[0]) },
        .init("besselI1e", -3 ... -0.2) { besselI1e($0[0]) },
        .init("besselIv(2.5, x)", 0.2...4) { besselIv(Variable.constant(2.5), $0[0]) },
        .init("besselIv(0.5, x)", 0.2...4) { besselIv(Variable.constant(0.5), $0[0]) },
        .init("besselIve(1.5, x)", 0.2...4) { besselIve(Variable.constant(1.5), $0[0]) },
        .init("owensT", -2...2, -3...3) { owensT($0[0], $0[1]) },
    ]
}

/// Derivatives of the special functions: finite differences (float64 and float32), pushforward
/// against pullback, Jacobians vectorized and looped, the derivatives' dtypes and shapes, values
/// in the tails against mpmath (40 digits) and second derivatives against scipy's polygamma.
@Suite("Special-function derivatives")
struct SpecialFunctionGradTests {
    @Test(arguments: SpecialGradCase.all)
    func pullbackMatchesFiniteDifferences(_ spec: SpecialGradCase) throws {
        try verifyGrad(spec.build, at: spec.point())
    }

    @Test(arguments: SpecialGradCase.all)
    func pushforwardAgreesWithPullback(_ spec: SpecialGradCase) throws {
        try verifyPushforward(spec.build, at: spec.point([2, 3], seed: 60))
    }

    @Test(arguments: SpecialGradCase.all)
    func float32Gradients(_ spec: SpecialGradCase) throws {
        try verifyGrad(spec.build, at: spec.point([3], seed: 70, dtype: .float32))
    }

    @Test(arguments: SpecialGradCase.all)
    func vectorizedJacobianMatchesRows(_ spec: SpecialGradCase) throws {
        let point = spec.point([3], seed: 80)
        for wrt in point.indices {
            _ = try AutodiffTesting.checkJacobians(spec.build, at: point, wrt: wrt, tolerance: 1e-10)
        }
    }

    @Test(arguments: SpecialGradCase.all)
    func derivativeTypesFollowTheInputs(_ spec: SpecialGradCase) throws {
        _ = try AutodiffTesting.checkDerivativeTypes(spec.build, at: spec.point([2, 2], seed: 90))
        _ = try AutodiffTesting.checkDerivativeTypes(spec.build, at: spec.point([2, 2], seed: 90), staticShapes: false)
    }

    /// `d/dx` of `f` at `points`.
    static func derivative(_ f: (Variable) -> Variable, at points: [Double]) throws -> [Double] {
        let x = Tensor.vector("x")
        return try grad(f(x).sum(), wrt: x).eval([x: NDArray(points)]).asArray(Double.self)
    }

    @Test func derivativesStayFiniteInTheTails() throws {
        expectClose(
            try Self.derivative(logNormalCDF, at: [-40, -5, 0, 5, 40]),
            [40.02496884720726, 5.186503967125842, 0.7978845608028654, 1.4867199409049056e-06, 0.0],
            inputs: ["-40", "-5", "0", "5", "40"], relative: 1e-13, "d logNormalCDF")
        expectClose(
            try Self.derivative(log1mexp, at: [-1e-10, -1, -40]),
            [-9999999999.5, -0.5819767068693265, -4.248354255291589e-18],
            inputs: ["-1e-10", "-1", "-40"], relative: 1e-13, "d log1mexp")
        expectClose(
            try Self.derivative(erfinv, at: [-0.999, 0, 0.5, 0.999999]),
            [198.93951776442475, 0.886226925452758, 1.1125848189719498, 139146.31032670866],
            inputs: ["-0.999", "0", "0.5", "0.999999"], relative: 1e-10, "d erfinv")
    }

    @Test func incompleteGammaDerivativesAgainstMpmath() throws {
        let a = Tensor.vector("a")
        let x = Tensor.vector("x")
        let cost = gammainc(a, x).sum()
        let (da, dx) = (grad(cost, wrt: a), grad(cost, wrt: x))
        let atX = try dx.eval([a: NDArray([100, 0.5, 3]), x: NDArray([1, 1e-10, 50])]).asArray(Double.self)
        expectClose(
            atX, [3.941866060050479e-157, 56418.95834913373, 2.410937309954897e-19],
            inputs: ["(100, 1)", "(0.5, 1e-10)", "(3, 50)"], relative: 1e-12, "dP/dx")
        let atA = try da.eval([a: NDArray([0.5, 3, 10]), x: NDArray([0.3, 2, 15])]).asArray(Double.self)
        expectClose(
            atA, [-0.7705703513753519, -0.2318486720439896, -0.04008077846711626],
            inputs: ["(0.5, 0.3)", "(3, 2)", "(10, 15)"], relative: 1e-10, "dP/da")
        // Q = 1 − P: its derivatives are the negatives.
        let upper = gammaincc(a, x).sum()
        let qa = try grad(upper, wrt: a).eval([a: NDArray([0.5, 3, 10]), x: NDArray([0.3, 2, 15])]).asArray(Double.self)
        expectClose(qa, atA.map { -$0 }, inputs: ["(0.5, 0.3)", "(3, 2)", "(10, 15)"], relative: 1e-10, "dQ/da")
    }

    @Test func secondDerivativesOfGammalnAndDigamma() throws {
        let x = Tensor.vector("x")
        let points = NDArray([0.7, 2.5, 9.0])
        let trigammaValues = [2.8340491566946113, 0.4903577561002349, 0.11751201469403141]
        let tetragammaValues = [-6.434992874190923, -0.23620405164172736, -0.013793319195767772]
        let h = try hessian(gammaln(x).sum(), wrt: x).eval([x: points])
        #expect(h.shape == [3, 3] && h.dtype == .float64)
        let diagonal = (0..<3).map { h.asArray(Double.self)[$0 * 4] }
        expectClose(diagonal, trigammaValues, inputs: ["0.7", "2.5", "9"], relative: 1e-13, "gammaln''")
        #expect((0..<9).filter { $0 % 4 != 0 }.allSatisfy { h.asArray(Double.self)[$0] == 0 })
        let h2 = try hessian(digamma(x).sum(), wrt: x).eval([x: points])
        let diagonal2 = (0..<3).map { h2.asArray(Double.self)[$0 * 4] }
        expectClose(diagonal2, tetragammaValues, inputs: ["0.7", "2.5", "9"], relative: 1e-13, "digamma''")
    }

    @Test func betalnHessianMatchesPolygamma() throws {
        let v = Tensor.vector("v", shape: [2])
        let cost = betaln(v[0], v[1])
        let h = try hessian(cost, wrt: v).eval([v: NDArray([1.7, 0.6])])
        #expect(h.shape == [2, 2])
        expectClose(
            h.asArray(Double.self), [0.2506953714987399, -0.5425374586652585, -0.5425374586652585, 3.0936722122371],
            inputs: ["aa", "ab", "ba", "bb"], relative: 1e-13, "betaln hessian")
    }

    @Test func theIntegerOrderAndSecondDerivativesInAHaveNone() throws {
        let n = Tensor.scalar("n")
        let x = Tensor.vector("x")
        let error = #expect(throws: CotangentError.self) { try checked { grad(polygamma(n, x).sum(), wrt: n) } }
        #expect(error?.message.contains("order") == true, "\(String(describing: error))")
        let a = Tensor.vector("a")
        let first = grad(gammainc(a, x).sum(), wrt: a)
        let second = #expect(throws: CotangentError.self) { try checked { grad(first.sum(), wrt: a) } }
        #expect(second?.message.contains("second derivative") == true, "\(String(describing: second))")
    }
}
