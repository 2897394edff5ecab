import RealModule
import Testing

@testable import CotangentArrays

/// Integer-valued samplers at a fixed seed: moments within 5σ and χ² against the exact mass
/// function.
struct DiscreteSamplerTests {
    private func logChoose(_ n: Double, _ k: Double) -> Double {
        Double.logGamma(n + 1) - Double.logGamma(k + 1) - Double.logGamma(n - k + 1)
    }

    @Test func integersAreUniformWithoutModuloBias() {
        let x = RandomCheck.draw(UniformIntegers(low: -3, high: 4))
        #expect(x.allSatisfy { $0 >= -3 && $0 < 4 })
        #expect(RandomCheck.discretePasses(x.map { $0 + 3 }, cutoff: 7) { _ in 1.0 / 7 })
        // A width of 3 · 2^62: plain `x % width` would put 2/3 of the draws below 2^62.
        let wide = RandomCheck.draw(UniformIntegers(low: 0, high: IntegerParameter(3 << 62)), count: 6000)
        let low = wide.filter { UInt64(bitPattern: $0) < 1 << 62 }.count
        #expect(abs(Double(low) / 6000 - 1.0 / 3) < 0.03)
    }

    @Test func bernoulliAndGeometric() {
        let b = RandomCheck.draw(Bernoulli(probability: 0.3)).map { Double($0) }
        #expect(RandomCheck.momentsMatch(b, mean: 0.3, variance: 0.21))
        let g = RandomCheck.draw(Geometric(probability: 0.2))
        #expect(RandomCheck.momentsMatch(g.map { Double($0) }, mean: 5, variance: 0.8 / 0.04))
        #expect(RandomCheck.discretePasses(g, cutoff: 40) { k in k == 0 ? 0 : 0.2 * Double.pow(0.8, k - 1) })
    }

    @Test func poisson() {
        for rate in [3.5, 45.0] {
            let x = RandomCheck.draw(Poisson(rate: RealParameter(rate)))
            #expect(RandomCheck.momentsMatch(x.map { Double($0) }, mean: rate, variance: rate), "rate \(rate)")
            #expect(RandomCheck.discretePasses(x, cutoff: Int(rate * 3) + 10) { k in
                Double.exp(Double(k) * Double.log(rate) - rate - Double.logGamma(Double(k) + 1))
            }, "rate \(rate)")
        }
    }

    @Test func binomial() {
        // n·p < 10 by inversion, ≥ 10 by BTRS, p > ½ by reflection.
        for (n, p) in [(20, 0.3), (200, 0.4), (150, 0.85)] {
            let x = RandomCheck.draw(Binomial(trials: IntegerParameter(Int64(n)), probability: RealParameter(p)))
            #expect(x.allSatisfy { $0 >= 0 && $0 <= n })
            #expect(RandomCheck.momentsMatch(x.map { Double($0) }, mean: Double(n) * p, variance: Double(n) * p * (1 - p)))
            #expect(RandomCheck.discretePasses(x, cutoff: n + 1) { k in
                k > n ? 0 : Double.exp(logChoose(Double(n), Double(k)) + Double(k) * Double.log(p) + Double(n - k) * Double.log(1 - p))
            }, "n \(n), p \(p)")
        }
    }

    @Test func negativeBinomial() {
        let (r, p) = (3.5, 0.4)
        let x = RandomCheck.draw(NegativeBinomial(successes: RealParameter(r), probability: RealParameter(p)))
        #expect(RandomCheck.momentsMatch(x.map { Double($0) }, mean: r * (1 - p) / p, variance: r * (1 - p) / (p * p)))
        #expect(RandomCheck.discretePasses(x, cutoff: 40) { k in
            let kk = Double(k)
            return Double.exp(Double.logGamma(kk + r) - Double.logGamma(kk + 1) - Double.logGamma(r)
                + r * Double.log(p) + kk * Double.log(1 - p))
        })
    }

    @Test func categoricalMultinomialDirichlet() {
        let p = [0.1, 0.0, 0.45, 0.25, 0.2]
        let c = RandomCheck.draw(Categorical(probabilities: CategoryTable(row: p)))
        #expect(!c.contains(1))
        #expect(RandomCheck.discretePasses(c, cutoff: 5) { p[$0] })

        let rows = RandomCheck.count / 4
        var counts = [Int64](repeating: 0, count: rows * 5)
        counts.withUnsafeMutableBufferPointer {
            RandomState(seed: 8).fillMultinomial($0, trials: 30, probabilities: CategoryTable(row: p))
        }
        for row in 0..<rows { #expect(counts[(row * 5)..<(row * 5 + 5)].reduce(0, +) == 30) }
        for j in [0, 2, 4] {
            let column = (0..<rows).map { Double(counts[$0 * 5 + j]) }
            #expect(RandomCheck.momentsMatch(column, mean: 30 * p[j], variance: 30 * p[j] * (1 - p[j])), "category \(j)")
        }
        #expect(!(0..<rows).contains { counts[$0 * 5 + 1] != 0 })

        let alpha = [0.5, 2.0, 3.5]
        var vectors = [Double](repeating: 0, count: rows * 3)
        vectors.withUnsafeMutableBufferPointer {
            RandomState(seed: 9).fillDirichlet($0, concentrations: CategoryTable(row: alpha))
        }
        for j in 0..<3 {
            let column = (0..<rows).map { vectors[$0 * 3 + j] }
            let a = alpha[j] / 6
            #expect(RandomCheck.momentsMatch(column, mean: a, variance: a * (1 - a) / 7), "component \(j)")
        }
        // Tiny concentrations underflow every gamma; the log-space normalisation still sums to 1.
        var tiny = [Double](repeating: 0, count: 300)
        tiny.withUnsafeMutableBufferPointer {
            RandomState(seed: 10).fillDirichlet($0, concentrations: CategoryTable(row: [1e-3, 1e-3, 1e-3]))
        }
        #expect((0..<100).allSatisfy { abs(tiny[($0 * 3)..<($0 * 3 + 3)].reduce(0, +) - 1) < 1e-12 })
    }

    @Test func permutationAndChoice() {
        let state = RandomState(seed: 11)
        let perm = state.permutation(1000)
        #expect(perm.sorted() == (0..<1000).map { Int64($0) })
        // Where item 0 lands over many shuffles of 5 is uniform.
        var landing = [Int](repeating: 0, count: 5)
        for s in state.split(into: 2000) { landing[Int(s.permutation(5).firstIndex(of: 0)!)] += 1 }
        #expect(RandomCheck.chiSquarePasses(counts: landing, probabilities: [Double](repeating: 0.2, count: 5)))

        let distinct = state.choice(population: 50, size: 20, replace: false)
        #expect(Set(distinct).count == 20 && distinct.allSatisfy { $0 >= 0 && $0 < 50 })
        let weights = [0.5, 0.3, 0.2, 0.0]
        // The first pick of a weighted choice without replacement follows the weights.
        var first = [Int](repeating: 0, count: 4)
        for s in state.split(into: 2000) {
            let picked = s.choice(population: 4, size: 3, replace: false, probabilities: weights)
            #expect(Set(picked).count == 3 && !picked.contains(3))
            first[Int(picked[0])] += 1
        }
        #expect(RandomCheck.chiSquarePasses(counts: first, probabilities: weights))
        let withReplacement = state.choice(population: 4, size: RandomCheck.count, replace: true, probabilities: weights)
        #expect(RandomCheck.discretePasses(withReplacement, cutoff: 4) { weights[$0] })
    }
}
