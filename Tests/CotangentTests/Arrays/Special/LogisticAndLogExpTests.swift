import Testing

@testable import CotangentArrays

/// scipy.special / numpy reference values (extended precision where numpy rounds badly).
private enum Reference {
    static let expit: [(Double, Double)] = [
        (-800.0, 0.0),
        (-745.0, 0.0),
        (-40.0, 4.248354255291589e-18),
        (-1e-300, 0.5),
        (-5.0, 0.0066928509242848554),
        (-0.5, 0.3775406687981454),
        (0.0, 0.5),
        (1e-20, 0.5),
        (0.5, 0.6224593312018546),
        (3.0, 0.9525741268224334),
        (20.0, 0.9999999979388463),
        (40.0, 1.0),
        (800.0, 1.0),
    ]
    static let logit: [(Double, Double)] = [
        (0.0, -.infinity),
        (1e-300, -690.7755278982137),
        (1e-10, -23.025850929840455),
        (0.1, -2.197224577336219),
        (0.25, -1.0986122886681098),
        (0.3, -0.8472978603872037),
        (0.49, -0.04000533461369919),
        (0.5, 0.0),
        (0.5000001, 3.9999999978946295e-07),
        (0.51, 0.04000533461369919),
        (0.7, 0.8472978603872034),
        (0.75, 1.0986122886681098),
        (0.9, 2.1972245773362196),
        (0.999999, 13.815509557935018),
        (1.0, .infinity),
    ]
    static let log1pexp: [(Double, Double)] = [
        (-800.0, 0.0),
        (-40.0, 4.248354255291589e-18),
        (-37.0, 8.533047625744066e-17),
        (-20.0, 2.061153620314381e-09),
        (-1.0, 0.3132616875182228),
        (-1e-10, 0.6931471805099453),
        (0.0, 0.6931471805599453),
        (1e-05, 0.6931521805724453),
        (1.0, 1.3132616875182228),
        (18.0, 18.00000001522998),
        (25.0, 25.000000000013888),
        (33.0, 33.00000000000001),
        (40.0, 40.0),
        (1e+300, 1e+300),
    ]
    static let log1mexp: [(Double, Double)] = [
        (-1e+300, -0.0),
        (-800.0, -0.0),
        (-40.0, -4.248354255291589e-18),
        (-2.0, -0.14541345786885906),
        (-0.6931471805599453, -0.6931471805599453),
        (-0.5, -0.9327521295671886),
        (-1e-05, -11.512930464966061),
        (-1e-20, -46.051701859880914),
        (-1e-300, -690.7755278982137),
        (0.0, -.infinity),
        (1.0, .nan),
    ]
    static let sinc: [(Double, Double)] = [
        (0.0, 1.0),
        (1e-300, 1.0),
        (1e-09, 1.0),
        (1e-05, 0.9999999998355066),
        (0.1, 0.983631643083466),
        (0.5, 0.6366197723675814),
        (1.0, 0.0),
        (1.5, -0.2122065907891938),
        (2.0, 0.0),
        (-2.5, 0.12732395447351627),
        (3.25, -0.06925510124285432),
        (100.0, 0.0),
        (1000000.25, 2.2507902276952083e-07),
        (123456.789, 1.5866568945624607e-06),
        (1000000000000000.5, 3.183098861837905e-16),
        (1e+300, 0.0),
    ]
    static let logaddexp: [(Double, Double, Double)] = [
        (0.0, 0.0, 0.6931471805599453),
        (1.0, 2.0, 2.313261687518223),
        (-1000.0, -1001.0, -999.6867383124818),
        (1e+300, 1e+300, 1e+300),
        (-.infinity, -.infinity, -.infinity),
        (.infinity, .infinity, .infinity),
        (-.infinity, 3.0, 3.0),
        (5.0, -40.0, 5.0),
        (-1e-20, 1e-20, 0.6931471805599453),
    ]
    static let logdiffexp: [(Double, Double, Double)] = [
        (1.0, 0.0, 0.5413248546129181),
        (0.0, -1e-10, -23.025850929990458),
        (-1000.0, -1001.0, -1000.4586751453871),
        (5.0, -40.0, 5.0),
        (0.0, -.infinity, 0.0),
        (700.0, 699.9999, 690.7896096281895),
    ]
    static let xlogy: [(Double, Double, Double)] = [
        (0.0, 0.0, 0.0),
        (0.0, -1.0, 0.0),
        (0.0, .infinity, 0.0),
        (2.0, 3.0, 2.1972245773362196),
        (1e-300, 1e+300, 6.907755278982137e-298),
        (3.0, 0.0, -.infinity),
        (-1.0, 0.0, .infinity),
        (2.0, -1.0, .nan),
    ]
    static let xlog1py: [(Double, Double, Double)] = [
        (0.0, -1.0, 0.0),
        (0.0, 0.0, 0.0),
        (2.0, 1e-20, 2e-20),
        (3.0, -1.0, -.infinity),
        (2.0, -0.5, -1.3862943611198906),
        (1.0, 1e+300, 690.7755278982137),
        (2.0, -2.0, .nan),
    ]
    static let hypot: [(Double, Double, Double)] = [
        (3.0, 4.0, 5.0),
        (1e+300, 1e+300, 1.4142135623730952e+300),
        (1e-300, 1e-300, 1.414213562373095e-300),
        (0.0, -5.0, 5.0),
        (1.0, 1e-20, 1.0),
    ]
}

/// Logistic and log-exp helpers against scipy/numpy: ≤ 4 ulp (1e-15 relative).
@Suite struct LogisticAndLogExpTests {
    static let ulps4 = 1e-15

    @Test func expitMatchesReference() {
        for (x, expected) in Reference.expit {
            expectClose(SpecialMath.expit(x), expected, relative: Self.ulps4, x)
        }
    }

    @Test func logitMatchesReference() {
        for (x, expected) in Reference.logit {
            expectClose(SpecialMath.logit(x), expected, relative: Self.ulps4, x)
        }
    }

    @Test func log1pexpMatchesReference() {
        for (x, expected) in Reference.log1pexp {
            expectClose(SpecialMath.log1pexp(x), expected, relative: Self.ulps4, x)
        }
    }

    @Test func log1mexpMatchesReference() {
        for (x, expected) in Reference.log1mexp {
            expectClose(SpecialMath.log1mexp(x), expected, relative: Self.ulps4, x)
        }
    }

    @Test func sincMatchesReference() {
        for (x, expected) in Reference.sinc {
            expectClose(SpecialMath.sinc(x), expected, relative: Self.ulps4, x)
        }
    }

    @Test func logaddexpMatchesReference() {
        for (x, y, expected) in Reference.logaddexp {
            expectClose(SpecialMath.logaddexp(x, y), expected, relative: Self.ulps4, x, y)
        }
    }

    @Test func logdiffexpMatchesReference() {
        for (x, y, expected) in Reference.logdiffexp {
            expectClose(SpecialMath.logdiffexp(x, y), expected, relative: Self.ulps4, x, y)
        }
    }

    @Test func xlogyMatchesReference() {
        for (x, y, expected) in Reference.xlogy {
            expectClose(SpecialMath.xlogy(x, y), expected, relative: Self.ulps4, x, y)
        }
    }

    @Test func xlog1pyMatchesReference() {
        for (x, y, expected) in Reference.xlog1py {
            expectClose(SpecialMath.xlog1py(x, y), expected, relative: Self.ulps4, x, y)
        }
    }

    @Test func hypotMatchesReference() {
        for (x, y, expected) in Reference.hypot {
            expectClose(SpecialMath.hypot(x, y), expected, relative: Self.ulps4, x, y)
        }
    }

}
