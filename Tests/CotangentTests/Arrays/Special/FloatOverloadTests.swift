import Testing

@testable import CotangentArrays

/// The Float overloads round the Double results once: within one Float ulp (6e-8 relative) of
/// the Double value, and their special values (NaN, ±inf, 0) pass through.
@Suite struct FloatOverloadTests {
    static let floatTolerance = 1.2e-7

    @Test func floatMatchesDoubleWithinFloatPrecision() {
        let pairs: [(Float, Double)] = [
            (SpecialMath.expit(Float(-3.5)), SpecialMath.expit(-3.5)),
            (SpecialMath.logit(Float(0.3)), SpecialMath.logit(0.3)),
            (SpecialMath.log1pexp(Float(2.25)), SpecialMath.log1pexp(2.25)),
            (SpecialMath.log1mexp(Float(-0.125)), SpecialMath.log1mexp(-0.125)),
            (SpecialMath.erfcx(Float(12)), SpecialMath.erfcx(12)),
            (SpecialMath.erfinv(Float(0.875)), SpecialMath.erfinv(0.875)),
            (SpecialMath.erfcinv(Float(1e-30)), SpecialMath.erfcinv(Double(Float(1e-30)))),
            (SpecialMath.logNormalCDF(Float(-30)), SpecialMath.logNormalCDF(-30)),
            (SpecialMath.digamma(Float(0.25)), SpecialMath.digamma(0.25)),
            (SpecialMath.polygamma(2, Float(1.5)), SpecialMath.polygamma(2, 1.5)),
            (SpecialMath.betaln(Float(20), Float(0.5)), SpecialMath.betaln(20, 0.5)),
            (SpecialMath.gammainc(Float(3), Float(2.5)), SpecialMath.gammainc(3, 2.5)),
            (SpecialMath.gammaincc(Float(30), Float(40)), SpecialMath.gammaincc(30, 40)),
            (SpecialMath.betainc(Float(2), Float(3), Float(0.25)), SpecialMath.betainc(2, 3, 0.25)),
            (SpecialMath.betaincDerivativeA(Float(2), Float(3), Float(0.25)), SpecialMath.betaincDerivativeA(2, 3, 0.25)),
        ]
        for (single, double) in pairs {
            expectClose(Double(single), double, relative: Self.floatTolerance, double)
        }
    }

    @Test func floatSpecialValuesPassThrough() {
        #expect(SpecialMath.gammainc(Float(-1), Float(1)).isNaN)
        #expect(SpecialMath.erfinv(Float(1)) == .infinity)
        #expect(SpecialMath.logit(Float(0)) == -.infinity)
        #expect(SpecialMath.gamma(Float(0)) == .infinity)
        #expect(SpecialMath.xlogy(Float(0), Float(0)) == 0)
        #expect(SpecialMath.sinc(Float(0)) == 1)
        #expect(SpecialMath.hypot(Float.infinity, Float.nan) == .infinity)
    }
}
