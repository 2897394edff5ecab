/// `Float` versions: each evaluates the `Double` function and rounds once, so they are
/// correctly rounded up to the Double function's error (≤ 1 Float ulp in practice).
extension SpecialMath {
    /// `expit` in Float.
    package static func expit(_ x: Float) -> Float { Float(expit(Double(x))) }
    /// `logit` in Float.
    package static func logit(_ p: Float) -> Float { Float(logit(Double(p))) }
    /// `log1pexp` in Float.
    package static func log1pexp(_ x: Float) -> Float { Float(log1pexp(Double(x))) }
    /// `log1mexp` in Float.
    package static func log1mexp(_ x: Float) -> Float { Float(log1mexp(Double(x))) }
    /// `logaddexp` in Float.
    package static func logaddexp(_ a: Float, _ b: Float) -> Float { Float(logaddexp(Double(a), Double(b))) }
    /// `logdiffexp` in Float.
    package static func logdiffexp(_ a: Float, _ b: Float) -> Float { Float(logdiffexp(Double(a), Double(b))) }
    /// `xlogy` in Float.
    package static func xlogy(_ x: Float, _ y: Float) -> Float { Float(xlogy(Double(x), Double(y))) }
    /// `xlog1py` in Float.
    package static func xlog1py(_ x: Float, _ y: Float) -> Float { Float(xlog1py(Double(x), Double(y))) }
    /// `sinc` in Float.
    package static func sinc(_ x: Float) -> Float { Float(sinc(Double(x))) }
    /// `hypot` in Float.
    package static func hypot(_ x: Float, _ y: Float) -> Float { Float(hypot(Double(x), Double(y))) }
    /// `erfcx` in Float.
    package static func erfcx(_ x: Float) -> Float { Float(erfcx(Double(x))) }
    /// `erfinv` in Float.
    package static func erfinv(_ y: Float) -> Float { Float(erfinv(Double(y))) }
    /// `erfcinv` in Float.
    package static func erfcinv(_ q: Float) -> Float { Float(erfcinv(Double(q))) }
    /// `logNormalCDF` in Float.
    package static func logNormalCDF(_ x: Float) -> Float { Float(logNormalCDF(Double(x))) }
    /// `logNormalSF` in Float.
    package static func logNormalSF(_ x: Float) -> Float { Float(logNormalSF(Double(x))) }
    /// `gamma` in Float.
    package static func gamma(_ x: Float) -> Float { Float(gamma(Double(x))) }
    /// `logGamma` in Float.
    package static func logGamma(_ x: Float) -> Float { Float(logGamma(Double(x))) }
    /// `digamma` in Float.
    package static func digamma(_ x: Float) -> Float { Float(digamma(Double(x))) }
    /// `polygamma` in Float.
    package static func polygamma(_ n: Int, _ x: Float) -> Float { Float(polygamma(n, Double(x))) }
    /// `betaln` in Float.
    package static func betaln(_ a: Float, _ b: Float) -> Float { Float(betaln(Double(a), Double(b))) }
    /// `beta` in Float.
    package static func beta(_ a: Float, _ b: Float) -> Float { Float(beta(Double(a), Double(b))) }
    /// `gammainc` in Float.
    package static func gammainc(_ a: Float, _ x: Float) -> Float { Float(gammainc(Double(a), Double(x))) }
    /// `gammaincc` in Float.
    package static func gammaincc(_ a: Float, _ x: Float) -> Float { Float(gammaincc(Double(a), Double(x))) }
    /// `gammaincDerivativeX` in Float.
    package static func gammaincDerivativeX(_ a: Float, _ x: Float) -> Float {
        Float(gammaincDerivativeX(Double(a), Double(x)))
    }
    /// `gammaincDerivativeA` in Float.
    package static func gammaincDerivativeA(_ a: Float, _ x: Float) -> Float {
        Float(gammaincDerivativeA(Double(a), Double(x)))
    }
    /// `betainc` in Float.
    package static func betainc(_ a: Float, _ b: Float, _ x: Float) -> Float {
        Float(betainc(Double(a), Double(b), Double(x)))
    }
    /// `betaincDerivativeX` in Float.
    package static func betaincDerivativeX(_ a: Float, _ b: Float, _ x: Float) -> Float {
        Float(betaincDerivativeX(Double(a), Double(b), Double(x)))
    }
    /// `betaincDerivativeA` in Float.
    package static func betaincDerivativeA(_ a: Float, _ b: Float, _ x: Float) -> Float {
        Float(betaincDerivativeA(Double(a), Double(b), Double(x)))
    }
    /// `betaincDerivativeB` in Float.
    package static func betaincDerivativeB(_ a: Float, _ b: Float, _ x: Float) -> Float {
        Float(betaincDerivativeB(Double(a), Double(b), Double(x)))
    }
}
