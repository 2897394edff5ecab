import Testing

@testable import Cotangent

/// Elementwise ops on XLA: every scalar op the table lowers, on inputs of its domain, gives
/// Cotangent's values (rtol 1e-12 in float64, except where XLA's own approximation of a special
/// function is less exact, each named below), plus integer, bool and mixed-dtype cases.
@Suite(.enabled(if: XLARunner.isEnabled))
struct ElementwiseExportTests {
    /// Every case of the suite (the coverage test reads them).
    static func allCases() throws -> [XLARunner.Case] { try floatCases() + discreteCases() }

    @Test func floatScalarOps() throws { try XLARunner.check(Self.floatCases()) }

    @Test func integerBoolAndMixedOps() throws { try XLARunner.check(Self.discreteCases()) }

    /// Inputs per domain: any real, positive, in (0, 1), in (-1, 1), negative.
    static let domains: [String: [Double]] = [
        "real": [-2.75, -1.2, -0.3, 0.0, 0.45, 1.7, 3.1],
        "positive": [0.15, 0.5, 1.0, 1.8, 2.5, 4.25, 7.5],
        "unit": [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95],
        "symmetric": [-0.9, -0.6, -0.2, 0.0, 0.3, 0.7, 0.95],
        "negative": [-6.0, -2.5, -1.0, -0.7, -0.3, -0.05, -1e-3],
        "greaterThanOne": [1.05, 1.3, 2.0, 3.5, 5.0, 8.0, 12.0],
    ]

    /// (op, domains of its inputs, relative tolerance).
    static let floatOps: [(ScalarOp, [String], Double)] = [
        (.add, ["real", "positive"], 1e-12), (.sub, ["real", "positive"], 1e-12), (.mul, ["real", "positive"], 1e-12),
        (.trueDiv, ["real", "positive"], 1e-12), (.intDiv, ["real", "positive"], 1e-12), (.mod, ["real", "positive"], 1e-12),
        (.neg, ["real"], 1e-12), (.reciprocal, ["positive"], 1e-12), (.pow, ["positive", "real"], 1e-12),
        (.sqr, ["real"], 1e-12), (.sqrt, ["positive"], 1e-12), (.cbrt, ["real"], 1e-12), (.abs, ["real"], 1e-12),
        (.sign, ["real"], 1e-12), (.maximum, ["real", "symmetric"], 1e-12), (.minimum, ["real", "symmetric"], 1e-12),
        (.clip, ["real", "negative", "positive"], 1e-12), (.floor, ["real"], 1e-12), (.ceil, ["real"], 1e-12),
        (.trunc, ["real"], 1e-12), (.round, ["real"], 1e-12),
        (.exp, ["real"], 1e-12), (.exp2, ["real"], 1e-12), (.expm1, ["real"], 1e-12), (.log, ["positive"], 1e-12),
        (.log2, ["positive"], 1e-12), (.log10, ["positive"], 1e-12), (.log1p, ["positive"], 1e-12),
        (.logaddexp, ["real", "symmetric"], 1e-12), (.sin, ["real"], 1e-12), (.cos, ["real"], 1e-12),
        (.tan, ["symmetric"], 1e-12), (.arcsin, ["symmetric"], 1e-12), (.arccos, ["symmetric"], 1e-12),
        (.arctan, ["real"], 1e-12), (.arctan2, ["real", "symmetric"], 1e-12), (.sinh, ["real"], 1e-12),
        (.cosh, ["real"], 1e-12), (.tanh, ["real"], 1e-12), (.arcsinh, ["real"], 1e-12),
        (.arccosh, ["greaterThanOne"], 1e-12), (.arctanh, ["symmetric"], 1e-12), (.sigmoid, ["real"], 1e-12),
        (.softplus, ["real"], 1e-12), (.erf, ["real"], 1e-12), (.erfc, ["real"], 1e-12),
        // XLA's lgamma, digamma and polygamma are series approximations good to about 1e-13
        // relative; erf_inv to about 1e-10 relative near ±1.
        (.gammaln, ["positive"], 1e-11), (.psi, ["positive"], 1e-11), (.trigamma, ["positive"], 1e-11),
        (.gamma, ["real"], 1e-11), (.betaln, ["positive", "positive"], 1e-11), (.beta, ["positive", "positive"], 1e-11),
        (.erfinv, ["symmetric"], 1e-9), (.erfcinv, ["unit"], 1e-9), (.erfcx, ["real"], 1e-12),
        (.logNormalCDF, ["real"], 1e-12), (.logNormalSF, ["real"], 1e-12), (.i1, ["real"], 1e-12), (.i1e, ["real"], 1e-12),
        (.logit, ["unit"], 1e-12), (.log1mexp, ["negative"], 1e-12), (.logdiffexp, ["positive", "negative"], 1e-12),
        (.xlogy, ["real", "positive"], 1e-12), (.xlog1py, ["real", "positive"], 1e-12), (.sinc, ["real"], 1e-12),
        (.hypot, ["real", "symmetric"], 1e-12), (.gammainc, ["positive", "positive"], 1e-12),
        (.gammaincc, ["positive", "positive"], 1e-12), (.gammainc, ["greaterThanOne", "unit"], 1e-12),
        (.gammaincc, ["unit", "greaterThanOne"], 1e-12), (.betainc, ["positive", "greaterThanOne", "unit"], 1e-12),
        (.betainc, ["greaterThanOne", "unit", "unit"], 1e-12),
    ]

    static func floatCases() throws -> [XLARunner.Case] {
        try floatOps.map { op, domains, rtol in
            let inputs = domains.indices.map { Tensor.vector("x\($0)") }
            let values = domains.map { NDArray(Self.domains[$0]!) }
            return try XLARunner.graphCase(
                "\(op) on \(domains.joined(separator: ", "))", inputs: inputs, outputs: [elemwise(op, inputs)], values: values, rtol: rtol, atol: 1e-13)
        }
    }

    static func discreteCases() throws -> [XLARunner.Case] {
        let i = Tensor.vector("i", dtype: .int64)
        let j = Tensor.vector("j", dtype: .int64)
        let p = Tensor.vector("p", dtype: .bool)
        let q = Tensor.vector("q", dtype: .bool)
        let f = Tensor.vector("f", dtype: .float32)
        let x = Tensor.vector("x")
        let ints = NDArray([Int64(7), -7, 9, -9, 0, 5, 12])
        let divisors = NDArray([Int64(2), 2, -4, -4, 3, 0, 5])
        let bools = NDArray([true, false, true, false, true, true, false])
        let others = NDArray([true, true, false, false, false, true, true])
        let singles = NDArray([Float(0.5), -1.25, 3, 0.1, 2, -0.75, 1.5])
        let reals = NDArray([-2.75, -1.2, -0.3, 0.0, 0.45, 1.7, 3.1])
        let ga = Tensor.vector("a")
        let gz = Tensor.vector("z")
        let gb = Tensor.vector("b")
        return [
            try XLARunner.graphCase(
                "integer arithmetic", inputs: [i, j],
                outputs: [i + j, i - j, i * j, intDiv(i, j), i % j, -i, abs(i), sign(i), maximum(i, j), pow(i, abs(j) % 3)],
                values: [ints, divisors]),
            try XLARunner.graphCase(
                "integer division to float", inputs: [i, j], outputs: [i / (abs(j) + 1), sqrt(abs(i))], values: [ints, divisors]),
            try XLARunner.graphCase(
                "comparisons", inputs: [i, j, x],
                outputs: [i .== j, i .!= j, i .< j, i .<= j, i .> j, i .>= j, x .> 0.2, isnan(log(x)), isinf(x / 0), isfinite(log(x))],
                values: [ints, divisors, reals]),
            try XLARunner.graphCase(
                "bitwise", inputs: [i, j, p, q],
                outputs: [elemwise(.and, i, j), elemwise(.or, i, j), elemwise(.xor, i, j), elemwise(.invert, i),
                    p & q, p | q, elemwise(.xor, p, q), elemwise(.invert, p)],
                values: [ints, divisors, bools, others]),
            try XLARunner.graphCase(
                "casts and switch", inputs: [x, i, p],
                outputs: [x.cast(to: .int32), x.cast(to: .bool), i.cast(to: .float32), p.cast(to: .int64), select(p, x, i.cast(to: .float64)),
                    elemwise(.second, x, i), elemwise(.identity, x)],
                values: [reals, ints, bools]),
            // The incomplete gamma functions over both of their algorithms (series and continued
            // fraction), large shapes and arguments, and every boundary.
            try XLARunner.graphCase(
                "incomplete gamma", inputs: [ga, gz], outputs: [gammainc(ga, gz), gammaincc(ga, gz)],
                values: [
                    NDArray([0.5, 2, 10, 50, 200, 0.75, 3, 0, 3, .infinity, .infinity, -1, .nan, 0, 1e-3]),
                    NDArray([0.3, 2.5, 12, 45, 230, 30, 0, 1, .infinity, 5, .infinity, 1, 1, 0, 0.5]),
                ]),
            try XLARunner.graphCase(
                "incomplete beta", inputs: [ga, gb, gz], outputs: [betainc(ga, gb, gz)],
                values: [
                    NDArray([0.5, 2, 10, 50, 3, 0, 2, .infinity, 2, 0, .infinity, -1, .nan, 2, 1.5, 4]),
                    NDArray([0.5, 3, 0.5, 60, 0, 2, .infinity, 2, 2, 0, .infinity, 1, 1, 2, 2.5, 4]),
                    NDArray([0.3, 0.9, 0.95, 0.45, 0.5, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0.5, 1.5, 1, 0.5]),
                ]),
            try XLARunner.graphCase(
                "float32 and mixed", inputs: [f, x, i], outputs: [f * 2 + 1, exp(f), f + x, x * i, tanh(f)],
                values: [singles, reals, ints], rtol: 1e-6, atol: 1e-7),
        ]
    }
}
