import RealModule
import Testing

@testable import CotangentArrays

/// Every continuous sampler at a fixed seed: moments within 5σ of the exact ones, and a KS test
/// against the exact CDF (or a χ² test on bins whose CDF values come from scipy).
struct ContinuousSamplerTests {
    @Test func normal() {
        let x = RandomCheck.draw(Normal(mean: 1.5, standardDeviation: 2))
        #expect(RandomCheck.momentsMatch(x, mean: 1.5, variance: 4))
        #expect(RandomCheck.ksPasses(x) { RandomCheck.normalCDF(($0 - 1.5) / 2) })
        let standard = RandomCheck.draw(Normal())
        // The Ziggurat's tail (|z| > 3.654, probability 2.6e-4) is drawn.
        #expect(standard.contains { abs($0) > 3.7 })
    }

    @Test(arguments: [1, 255, 256, 257, 70_000])
    func normalsFastPathMatchesTheElementLoop(count: Int) {
        // One mean and scale take the chunked C fast path; per-element parameters (all equal)
        // the element-by-element sampler: the same numbers, on one thread or four.
        let state = RandomState(seed: 77)
        let fast = state.draw(count, from: Normal(mean: 1.5, standardDeviation: 2))
        let loop = state.draw(count, from: Normal(
            mean: RealParameter([Double](repeating: 1.5, count: count)),
            standardDeviation: RealParameter([Double](repeating: 2, count: count))))
        #expect(fast == loop)
        #expect(state.draw(count, from: Normal(mean: 1.5, standardDeviation: 2), threads: 4) == fast)
    }

    @Test func normalDetectsAWrongScale() {
        // The test has the power to see a 10% scale error at the debug sample size.
        let x = RandomCheck.draw(Normal(mean: 0, standardDeviation: 1.1))
        let passes = RandomCheck.ksPasses(x, cdf: RandomCheck.normalCDF)
        #expect(!passes)
    }

    @Test func uniform() {
        let x = RandomCheck.draw(Uniform(low: -2, high: 3))
        #expect(RandomCheck.momentsMatch(x, mean: 0.5, variance: 25.0 / 12))
        #expect(RandomCheck.ksPasses(x) { min(1, max(0, ($0 + 2) / 5)) })
        #expect(x.allSatisfy { $0 >= -2 && $0 < 3 })
        let f = RandomState(seed: 3).drawFloat(RandomCheck.count, from: Uniform(low: 0, high: 1))
        #expect(f.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(RandomCheck.ksPasses(f.map { Double($0) }) { min(1, max(0, $0)) })
    }

    @Test func exponential() {
        let x = RandomCheck.draw(Exponential(scale: 2))
        #expect(RandomCheck.momentsMatch(x, mean: 2, variance: 4))
        #expect(RandomCheck.ksPasses(x) { 1 - Double.exp(-$0 / 2) })
    }

    @Test func gamma() {
        for shape in [0.3, 1.0, 2.5, 40.0] {
            let x = RandomCheck.draw(Gamma(shape: RealParameter(shape), scale: 1.5))
            #expect(RandomCheck.momentsMatch(x, mean: 1.5 * shape, variance: 2.25 * shape), "shape \(shape)")
            #expect(RandomCheck.ksPasses(x) { IncompleteGammaSeries.valueAndShapeDerivative(shape: shape, x: $0 / 1.5).value },
                "shape \(shape)")
        }
    }

    @Test func chiSquare() {
        let x = RandomCheck.draw(ChiSquare(degreesOfFreedom: 3))
        #expect(RandomCheck.momentsMatch(x, mean: 3, variance: 6))
        #expect(RandomCheck.ksPasses(x) { IncompleteGammaSeries.valueAndShapeDerivative(shape: 1.5, x: $0 / 2).value })
    }

    @Test func beta() {
        let large = RandomCheck.draw(Beta(a: 2.5, b: 0.7))
        #expect(RandomCheck.momentsMatch(large, mean: 0.78125, variance: 0.04069010416666666))
        #expect(RandomCheck.binnedPasses(
            large, edges: [0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
            cdfAtEdges: [0.010532224589409257, 0.06306575319746537, 0.1870359086374321, 0.2882792537446809,
                         0.4272966863619844, 0.6239321729007935, 0.7610736381393803, 0.920601460528444]))
        // Both shapes below 1: Jöhnk's method.
        let small = RandomCheck.draw(Beta(a: 0.4, b: 0.6))
        #expect(RandomCheck.momentsMatch(small, mean: 0.4, variance: 0.12))
        #expect(RandomCheck.binnedPasses(
            small, edges: [0.01, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99],
            cdfAtEdges: [0.12008660047094483, 0.22967352187601442, 0.40749130829444635, 0.5537024643525112,
                         0.6756501355715744, 0.7982820237246206, 0.915419838745494, 0.9680929908065549]))
    }

    @Test func studentT() {
        let x = RandomCheck.draw(StudentT(degreesOfFreedom: 3))
        // Variance 3 but an infinite fourth moment: check the mean only.
        #expect(RandomCheck.momentsMatch(x, mean: 0, variance: nil))
        #expect(RandomCheck.binnedPasses(
            x, edges: [-3, -1.5, -0.75, -0.25, 0.25, 0.75, 1.5, 3],
            cdfAtEdges: [0.02883444281121865, 0.11529193262241147, 0.253857289712067, 0.4093646112144148,
                         0.5906353887855852, 0.746142710287933, 0.8847080673775886, 0.9711655571887814]))
    }

    @Test func cauchyLaplaceLogistic() {
        let c = RandomCheck.draw(Cauchy(location: 1, scale: 0.5))
        #expect(RandomCheck.ksPasses(c) { 0.5 + Double.atan(($0 - 1) / 0.5) / Double.pi })
        let l = RandomCheck.draw(Laplace(location: -1, scale: 2))
        #expect(RandomCheck.momentsMatch(l, mean: -1, variance: 8))
        #expect(RandomCheck.ksPasses(l) { $0 < -1 ? 0.5 * Double.exp(($0 + 1) / 2) : 1 - 0.5 * Double.exp(-($0 + 1) / 2) })
        let g = RandomCheck.draw(Logistic(location: 2, scale: 0.5))
        #expect(RandomCheck.momentsMatch(g, mean: 2, variance: Double.pi * Double.pi * 0.25 / 3))
        #expect(RandomCheck.ksPasses(g) { 1 / (1 + Double.exp(-($0 - 2) / 0.5)) })
    }

    @Test func logNormalAndWeibull() {
        let x = RandomCheck.draw(LogNormal(mean: 0.2, sigma: 0.5))
        let mean = Double.exp(0.2 + 0.125)
        #expect(RandomCheck.momentsMatch(x, mean: mean, variance: (Double.exp(0.25) - 1) * mean * mean))
        #expect(RandomCheck.ksPasses(x) { RandomCheck.normalCDF((Double.log($0) - 0.2) / 0.5) })
        let w = RandomCheck.draw(Weibull(shape: 1.5, scale: 2))
        let g1 = Double.exp(Double.logGamma(1 + 1 / 1.5))
        let g2 = Double.exp(Double.logGamma(1 + 2 / 1.5))
        #expect(RandomCheck.momentsMatch(w, mean: 2 * g1, variance: 4 * (g2 - g1 * g1)))
        #expect(RandomCheck.ksPasses(w) { 1 - Double.exp(-Double.pow($0 / 2, 1.5)) })
    }

    @Test func vonMises() {
        let x = RandomCheck.draw(VonMises(mu: 0, kappa: 2))
        #expect(x.allSatisfy { $0 >= -Double.pi && $0 < Double.pi })
        #expect(RandomCheck.momentsMatch(x, mean: 0, variance: 0.7644618798111332))
        #expect(RandomCheck.binnedPasses(
            x, edges: [-2, -1, -0.5, -0.2, 0, 0.2, 0.5, 1, 2],
            cdfAtEdges: [0.017309793630670367, 0.11042226304496744, 0.2618077855814808, 0.3981795881553854, 0.5,
                         0.6018204118446147, 0.7381922144185191, 0.8895777369550326, 0.9826902063693297]))
        // The mean direction shifts and wraps: μ = π − 0.1 puts mass on both sides of ±π.
        let shifted = RandomCheck.draw(VonMises(mu: RealParameter(Double.pi - 0.1), kappa: 2), count: 2000)
        #expect(shifted.allSatisfy { $0 >= -Double.pi && $0 < Double.pi })
        #expect(shifted.contains { $0 < -2 } && shifted.contains { $0 > 2 })
    }

    @Test func truncatedNormal() {
        // [0, 3] for N(0.5, 2²): the interval holds the mean (uniform proposals).
        let inner = RandomCheck.draw(TruncatedNormal(mean: 0.5, standardDeviation: 2, lower: 0, upper: 3))
        #expect(inner.allSatisfy { $0 >= 0 && $0 <= 3 })
        #expect(RandomCheck.momentsMatch(inner, mean: 1.3275684830862098, variance: 0.6786913636018199))
        #expect(RandomCheck.binnedPasses(
            inner, edges: [0.5, 1, 1.5, 2, 2.5],
            cdfAtEdges: [0.20019270665671418, 0.4003854133134283, 0.5885101531872158, 0.7546375193365844, 0.8924961446149197]))
        // [4, ∞): Robert's exponential tail proposal.
        let tail = RandomCheck.draw(TruncatedNormal(lower: 4, upper: RealParameter(.infinity)))
        #expect(tail.allSatisfy { $0 >= 4 })
        #expect(RandomCheck.momentsMatch(tail, mean: 4.2256071444894765, variance: 0.04667283839739844))
        #expect(RandomCheck.binnedPasses(
            tail, edges: [4.05, 4.1, 4.2, 4.3, 4.5, 4.8],
            cdfAtEdges: [0.19141735556256861, 0.3477519125585938, 0.5786161753231244, 0.7303577322294548,
                         0.8927205588390614, 0.9749511510740327]))
        // The left tail mirrors it.
        let left = RandomCheck.draw(TruncatedNormal(lower: RealParameter(-.infinity), upper: -4))
        #expect(RandomCheck.momentsMatch(left, mean: -4.2256071444894765, variance: 0.04667283839739844))
        let narrow = RandomCheck.draw(TruncatedNormal(lower: -0.5, upper: 0.8))
        #expect(RandomCheck.momentsMatch(narrow, mean: 0.13005182545248017, variance: 0.13283652157339287))
        #expect(RandomCheck.binnedPasses(
            narrow, edges: [-0.3, -0.1, 0.1, 0.3, 0.5, 0.7],
            cdfAtEdges: [0.15335687233719225, 0.3161642848758468, 0.48224956749697045, 0.6450569800356252,
                         0.7984138523728171, 0.937223081180732]))
    }

    @Test func perElementParametersBroadcast() {
        let means = (0..<1000).map { Double($0) }
        let x = RandomState(seed: 5).draw(1000, from: Normal(mean: RealParameter(means), standardDeviation: 0.01))
        #expect(zip(x, means).allSatisfy { abs($0 - $1) < 0.1 })
    }
}
