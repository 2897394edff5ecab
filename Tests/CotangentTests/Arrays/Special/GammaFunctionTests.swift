import Testing

@testable import CotangentArrays

/// scipy.special reference values (gamma, gammaln, psi, polygamma, zeta); betaln and beta for
/// positive arguments from 400-digit Stirling log Γ (scipy's betaln is off by 1e-9 at (0.5, 1e6)).
private enum Reference {
    static let gamma: [(Double, Double)] = [
        (0.0, .infinity),
        (-0.0, -.infinity),
        (-1.0, .nan),
        (-2.5, -0.9453087204829419),
        (-1e-300, -9.999999999999999e+299),
        (1e-300, 9.999999999999999e+299),
        (1e-10, 9999999999.422785),
        (0.5, 1.7724538509055159),
        (1.0, 1.0),
        (1.4616321449683622, 0.8856031944108889),
        (2.5, 1.329340388179137),
        (10.0, 362880.0),
        (30.5, 4.822696933490908e+31),
        (100.0, 9.332621544394417e+155),
        (171.0, 7.257415615308e+306),
        (171.7, .infinity),
        (-170.5, -3.3127395215386074e-308),
        (-0.9999999, -10000000.428048039),
        (.infinity, .infinity),
        (-.infinity, .nan),
    ]
    static let logGamma: [(Double, Double)] = [
        (0.0, .infinity),
        (-1.0, .infinity),
        (-2.5, -0.05624371649767401),
        (1e-300, 690.7755278982137),
        (1e-10, 23.025850929882733),
        (0.5, 0.5723649429247),
        (3.0, 0.6931471805599453),
        (10.0, 12.801827480081469),
        (100.5, 361.43554046777757),
        (10000000000.0, 220258509288.81058),
        (1e+300, 6.897755278982137e+302),
        (2e+307, .infinity),
        (.infinity, .infinity),
        (-.infinity, -.infinity),
    ]
    static let digamma: [(Double, Double)] = [
        (0.0, -.infinity),
        (-0.0, .infinity),
        (-1.0, .nan),
        (-1.5, 0.7031566406452434),
        (-10.3, 4.6624034935820875),
        (-1e-10, 9999999999.422785),
        (1e-300, -9.999999999999999e+299),
        (1e-10, -10000000000.577215),
        (0.5, -1.9635100260214235),
        (1.0, -0.5772156649015329),
        (1.4, -0.06138454458511624),
        (1.4616321449683622, -9.241265521729427e-17),
        (1.46163214496836, -2.2410766695906466e-15),
        (1.5, 0.03648997397857652),
        (1.7, 0.20854787487349394),
        (2.0, 0.42278433509846713),
        (5.0, 1.5061176684318003),
        (9.99, 2.250700372831201),
        (10.0, 2.251752589066721),
        (100.0, 4.600161852738088),
        (10000000000.0, 23.025850929890456),
        (1e+300, 690.7755278982137),
        (.infinity, .infinity),
        (-.infinity, .nan),
    ]
    static let polygamma: [(Double, Double, Double)] = [
        (1.0, 1e-10, 1e+20),
        (1.0, 0.5, 4.93480220054468),
        (1.0, 1.0, 1.6449340668482266),
        (1.0, 3.7, 0.31003785767003833),
        (1.0, 50.0, 0.020201333226697128),
        (1.0, 1000000.0, 1.0000005000001667e-06),
        (1.0, 1e+200, 1e-200),
        (2.0, 0.25, -129.32773993753688),
        (2.0, 2.0, -0.4041138063191886),
        (2.0, 30.0, -0.0011487652037285997),
        (3.0, 1.0, 6.493939402266829),
        (3.0, 7.5, 0.005772436656578693),
        (4.0, 0.1, -2400015.6072031953),
        (5.0, 2.0, 2.0811674381338965),
        (10.0, 1.0, -3630593.3116066284),
        (10.0, 25.0, -4.6216645150488304e-09),
        (20.0, 3.0, -233141556.11225682),
        (40.0, 40.0, -2.6723971492473388e-18),
        (1.0, -1.5, 9.379246644989124),
        (2.0, -0.5, -0.82879664423432),
        (3.0, -2.25, 1558.4550231887147),
        (1.0, 0.0, .infinity),
        (2.0, 0.0, -.infinity),
        (1.0, -1.0, .infinity),
        (1.0, .infinity, 0.0),
    ]
    static let hurwitzZeta: [(Double, Double, Double)] = [
        (2.0, 1.0, 1.6449340668482266),
        (1.5, 1.0, 2.612375348685488),
        (3.0, 0.5, 8.414398322117158),
        (2.0, 1e-05, 10000000001.644913),
        (5.0, 100.0, 2.550416637504999e-09),
        (1.1, 3.0, 9.117931969182395),
        (50.0, 2.0, 8.881784210930816e-16),
        (80.0, 1.5, 8.178982435654782e-15),
        (2.0, -1.5, 9.379246644989124),
        (3.0, 0.0, .infinity),
    ]
    static let betaln: [(Double, Double, Double)] = [
        (1.0, 1.0, 0.0),
        (0.5, 0.5, 1.1447298858494002),
        (1e-300, 1.0, 690.7755278982137),
        (1e-10, 1e-10, 23.7189981105004),
        (2.0, 3.0, -2.4849066497880004),
        (9.5, 9.9, -13.300381309385873),
        (10.0, 10.0, -13.736229227036555),
        (20.0, 0.5, -0.919251844406604),
        (0.5, 1000000.0, -6.335390211057437),
        (1000000.0, 1000000.0, -1386300.003362921),
        (1e+300, 1e+300, -1.3862943611198907e+300),
        (10000000000.0, 3.0, -68.38440560956143),
        (12.0, 100000000.0, -203.54586174155446),
        (100.5, 0.001, 6.902573706031308),
        (-0.5, -0.5, -.infinity),
        (-1.5, 0.7, -0.6262931118368468),
        (0.0, 1.0, .infinity),
        (-2.0, 3.5, .infinity),
        (.infinity, 2.0, -.infinity),
    ]
    static let beta: [(Double, Double, Double)] = [
        (1.0, 1.0, 1.0),
        (0.5, 0.5, 3.141592653589793),
        (1e-300, 1.0, 9.999999999999999e+299),
        (2.0, 3.0, 0.08333333333333333),
        (1e-05, 5.0, 99997.91669548582),
        (30.0, 40.0, 1.0539424603796545e-21),
        (100.0, 200.0, 3.607285449794666e-84),
        (1000.0, 1000.0, 0.0),
        (0.5, 1000000.0, 0.0017724540724622611),
        (-0.5, -0.5, 0.0),
        (-1.5, 0.7, -0.5345697229526781),
        (0.0, 1.0, .infinity),
        (-2.0, 3.5, .infinity),
        (-0.3, -0.6, -1.5132661451678109),
    ]
}

/// Γ, log Γ, ψ, ψ⁽ⁿ⁾, ζ(s, q), log B and B against scipy.
@Suite struct GammaFunctionTests {
    @Test func gammaMatchesReference() {
        for (x, expected) in Reference.gamma {
            expectClose(SpecialMath.gamma(x), expected, relative: 1e-15, x)
        }
    }

    @Test func logGammaMatchesReference() {
        for (x, expected) in Reference.logGamma {
            expectClose(SpecialMath.logGamma(x), expected, relative: 1e-15, x)
        }
    }

    @Test func digammaMatchesReference() {
        for (x, expected) in Reference.digamma {
            expectClose(SpecialMath.digamma(x), expected, relative: 1e-15, x)
        }
    }

    @Test func polygammaMatchesReference() {
        for (x, y, expected) in Reference.polygamma {
            expectClose(polygamma(x, y), expected, relative: 1e-14, x, y)
        }
    }

    @Test func hurwitzZetaMatchesReference() {
        for (x, y, expected) in Reference.hurwitzZeta {
            expectClose(SpecialMath.hurwitzZeta(x, y), expected, relative: 1e-15, x, y)
        }
    }

    @Test func betalnMatchesReference() {
        for (x, y, expected) in Reference.betaln {
            expectClose(SpecialMath.betaln(x, y), expected, relative: 1e-14, x, y)
        }
    }

    @Test func betaMatchesReference() {
        for (x, y, expected) in Reference.beta {
            expectClose(SpecialMath.beta(x, y), expected, relative: 1e-13, x, y)
        }
    }

    @Test func digammaIsFirstDerivativeOfLogGamma() {
        for x in [0.3, 1.46, 2.5, 17.0] {
            expectClose(SpecialMath.digamma(x), centralDifference(at: x, SpecialMath.logGamma), relative: 1e-8, x)
            expectClose(SpecialMath.polygamma(1, x), centralDifference(at: x, SpecialMath.digamma), relative: 1e-8, x)
            expectClose(
                SpecialMath.polygamma(2, x), centralDifference(at: x) { SpecialMath.polygamma(1, $0) },
                relative: 1e-7, x)
        }
    }

    @Test func polygammaRejectsNegativeOrder() {
        #expect(SpecialMath.polygamma(-1, Double(2)).isNaN)
        #expect(SpecialMath.polygamma(1, Double.nan).isNaN)
    }

}

/// ψ⁽ⁿ⁾ with the order given as the Double of the reference table.
private func polygamma(_ n: Double, _ x: Double) -> Double {
    SpecialMath.polygamma(Int(n), x)
}

