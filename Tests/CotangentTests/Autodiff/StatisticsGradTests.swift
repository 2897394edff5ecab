import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

private typealias T = AutodiffTesting

@Suite("Statistics derivatives")
struct StatisticsGradTests {
    static let cases: [GradCase] = [
        .init("variance axis 0", [[3, 4]]) { $0[0].variance(axis: 0) },
        .init("variance ddof 1 axis 1 keepDims", [[3, 4]]) { $0[0].variance(axis: 1, ddof: 1, keepDims: true) * $0[0] },
        .init("variance all", [[2, 3]]) { sqr($0[0].variance()) },
        .init("variance axes 0,2", [[2, 3, 2]]) { $0[0].variance(axes: [0, 2], ddof: 1) },
        .init("standardDeviation axis 1", [[3, 4]]) { $0[0].standardDeviation(axis: 1) },
        .init("standardDeviation all ddof 1", [[3, 4]]) { $0[0].standardDeviation(ddof: 1) * $0[0] },
        .init("median axis 1 (odd)", [[3, 5]]) { median($0[0], axis: 1) },
        .init("median (even)", [[4]]) { median($0[0] * $0[0]) },
        .init("median axis 0 keepDims", [[4, 3]]) { median($0[0], axis: 0, keepDims: true) * $0[0] },
        .init("quantile linear", [[3, 5]]) {
            quantile($0[0], [0.1, 0.45, 0.9], axis: 1)
        },
        .init("quantile midpoint all", [[2, 3]]) { quantile($0[0], [0.3, 0.5], method: .midpoint) },
        .init("quantile lower keepDims", [[3, 4]]) { quantile($0[0], 0.6, axis: 0, method: .lower, keepDims: true) * $0[0] },
        .init("quantile higher", [[3, 4]]) { quantile($0[0], 0.6, axis: 1, method: .higher) },
        .init("quantile nearest", [[5]]) { quantile($0[0], [0.2, 0.7], method: .nearest) },
        .init("ptp axis 1", [[3, 4]]) { ptp($0[0], axis: 1) },
        .init("ptp all keepDims", [[3, 4]]) { ptp($0[0], keepDims: true) * $0[0] },
        .init("cov", [[3, 5]]) { cov($0[0]) },
        .init("cov columns ddof 0", [[5, 2]]) { cov($0[0], rowVar: false, ddof: 0) },
        .init("cov of a vector", [[5]]) { cov($0[0]) * $0[0] },
        .init("corrcoef", [[3, 6]]) { corrcoef($0[0]) },
        .init("corrcoef columns", [[6, 2]]) { corrcoef($0[0], rowVar: false) },
        .init("nanSum axis 1", [[3, 4]]) { nanSum($0[0], axis: 1) * $0[0][.all, 0] },
        .init("nanMean", [[3, 4]]) { sqr(nanMean($0[0], axes: [0], keepDims: true)) },
        .init("nanMax axis 0", [[3, 4]]) { nanMax($0[0], axis: 0) },
        .init("nanMin all", [[3, 4]]) { nanMin($0[0]) * $0[0] },
    ]

    @Test(arguments: cases)
    func derivatives(_ spec: GradCase) throws {
        try spec.checkDerivatives(seed: 3000)
    }

    /// The derivatives of the variance and the median against their closed forms:
    /// `2(x − mean)/(N − ddof)`, and the cotangent split between the middle pair.
    @Test func closedFormGradients() throws {
        let x = Tensor.vector("x", shape: [4])
        let value = NDArray([1.0, 4.0, -2.0, 3.0])
        let g = try checked { grad(x.variance(ddof: 1), wrt: x) }.eval(["x": value])
        #expect(arraysMatch(g, NDArray([-0.5, 2.5, -3.5, 1.5].map { $0 * 2 / 3 })))
        let m = try checked { grad(median(x), wrt: x) }.eval(["x": value])
        #expect(m.asArray(Double.self) == [0.5, 0, 0, 0.5])
        // The quantile's derivative in q: (b − a)(n − 1) between sorted entries a ≤ b.
        let q = Tensor.scalar("q")
        let dq = try checked { grad(quantile(x, q), wrt: q) }.eval(["x": value, "q": NDArray(0.4)])
        #expect(Swift.abs(dq.item(Double.self) - (3.0 - 1.0) * 3) < 1e-12)
    }

    /// Derivatives in `q` (a graph input), away from the sorted positions where they jump.
    @Test func quantileDerivativesInQ() throws {
        let point = [T.random([3, 5], seed: 3600), NDArray([0.3, 0.55, 0.8])]
        for method in [QuantileMethod.linear, .midpoint] {
            let f = { (v: [Variable]) in quantile(v[0], v[1], axis: 1, method: method) * v[1].expandingDims([1]) }
            try verifyGrad(f, at: point)
            try verifyPushforward(f, at: point)
            for wrt in 0..<2 { try T.checkJacobians(f, at: point, wrt: wrt) }
            try T.checkDerivativeTypes(f, at: point)
        }
    }

    /// numpy's NaN-ignoring reductions: the derivative is 0 at NaN entries, also in a lane of
    /// NaN only, and the usual one elsewhere.
    @Test func nanReductionsHaveZeroDerivativeAtNaN() throws {
        let N = Tensor.matrix("N", shape: [3, 4])
        let values = StatisticsTesting.matrix([[1.0, .nan, 3.0, -2.0], [.nan, .nan, .nan, .nan], [0.5, 4.0, .nan, 4.0]])
        let expected: [(Variable, [Double])] = [
            (nanSum(N, axis: 1), [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1]),
            (nanMean(N, axis: 1), [1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0, 0, 0, 0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3]),
            (nanMax(N, axis: 1), [0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]),
            (nanMin(N, axis: 1), [0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]),
            (nanSum(N), [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1]),
        ]
        for (output, gradient) in expected {
            // Lanes of NaN have a NaN value: their cotangent is replaced by 0 so only the
            // derivative's own NaN would show.
            let value = output
            let cotangent = select(isnan(value), 0, onesLike(value))
            let g = try checked { pullback(value, wrt: N, cotangent: cotangent) }
            #expect(g.type == N.type)
            StatisticsTesting.expectValues(g, ["N": values], gradient, shape: [3, 4])
        }
        // With NaN in the point (no lane all NaN), the finite-difference check still holds.
        let point = [StatisticsTesting.matrix([[1.0, .nan, 3.0, -2.0], [0.25, -1.5, .nan, 0.75], [0.5, 4.0, .nan, 4.5]])]
        let functions: [([Variable]) -> Variable] = [
            { nanSum($0[0], axis: 0) * 2 }, { nanMean($0[0]) * $0[0][0, 0] }, { nanMax($0[0], axis: 1) },
            { nanMin($0[0], axis: 0) },
        ]
        for f in functions {
            try verifyGrad(f, at: point)
            try verifyPushforward(f, at: point)
            try T.checkJacobians(f, at: point)
        }
    }
}
