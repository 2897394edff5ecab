import Foundation
import Testing

@testable import Cotangent

/// Random draws on XLA: each exported distribution's mean and variance over 200 000 draws,
/// Cotangent's own values where the lowering reads the same Philox bits the same way (uniform,
/// bernoulli, geometric, generator values after splits and loop steps), determinism, and
/// distinct streams.
@Suite(.enabled(if: XLARunner.isEnabled))
struct RandomExportTests {
    let rng = Tensor.randomGeneratorInput("rng")
    let n = 200_000

    /// XLA's outputs for one graph of the generator input.
    private func run(_ outputs: [Variable], key: NDArray = NDArray.randomKey(seed: 7)) throws -> [NDArray] {
        let module = try exportStableHLO(inputs: [rng], outputs: outputs, inputShapes: [[2]])
        let testCase = XLARunner.Case(name: "draws", module: module, inputs: [key], expected: outputs.map { _ in NDArray(scalar: 0.0) })
        return try XLARunner.run([testCase])["draws"]!.get()
    }

    private func moments(_ values: NDArray) -> (mean: Double, variance: Double) {
        let xs = values.converted(to: .float64).asArray(Double.self)
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
        return (mean, variance)
    }

    @Test func distributionMoments() throws {
        let shape = [n]
        let draws: [(String, Variable, mean: Double, variance: Double)] = [
            ("uniform", uniform(low: 2, high: 5, shape: shape, rng: rng), 3.5, 0.75),
            ("normal", normal(mean: 1, std: 2, shape: shape, rng: rng), 1, 4),
            ("lognormal", lognormal(mean: 0, sigma: 0.5, shape: shape, rng: rng), exp(0.125), (exp(0.25) - 1) * exp(0.25)),
            ("exponential", exponential(scale: 2, shape: shape, rng: rng), 2, 4),
            ("laplace", laplace(loc: 1, scale: 2, shape: shape, rng: rng), 1, 8),
            ("logistic", logistic(loc: 0, scale: 1.5, shape: shape, rng: rng), 0, Double.pi * Double.pi * 2.25 / 3),
            ("weibull", weibull(k: 2, scale: 1, shape: shape, rng: rng), 0.886226925452758, 1 - Double.pi / 4),
            ("integers", integers(low: 3, high: 10, shape: shape, rng: rng), 6, 4),
            ("bernoulli", bernoulli(p: 0.3, shape: shape, rng: rng), 0.3, 0.21),
            ("geometric", geometric(p: 0.25, shape: shape, rng: rng), 4, 12),
            ("categorical", categorical(p: Variable(constant: NDArray([0.1, 0.2, 0.3, 0.4])), shape: shape, rng: rng), 2, 1),
        ]
        let outputs = try run(draws.map(\.1))
        for ((name, _, mean, variance), values) in zip(draws, outputs) {
            #expect(values.shape == [n], "\(name)")
            let (m, v) = moments(values)
            let meanTolerance = 5 * (variance / Double(n)).squareRoot()
            #expect(abs(m - mean) < meanTolerance, "\(name): mean \(m), expected \(mean)")
            #expect(abs(v - variance) < 0.03 * variance, "\(name): variance \(v), expected \(variance)")
        }
        // Cauchy has no moments: its median and quartiles.
        let cauchyDraws = try run([cauchy(loc: 1, scale: 2, shape: shape, rng: rng)])[0].asArray(Double.self).sorted()
        let (q1, median, q3) = (cauchyDraws[n / 4], cauchyDraws[n / 2], cauchyDraws[3 * n / 4])
        #expect(abs(median - 1) < 0.03 && abs(q1 - -1) < 0.05 && abs(q3 - 3) < 0.05, "cauchy quartiles \(q1) \(median) \(q3)")
    }

    @Test func uniformEqualsCotangentAndStreamsDiffer() throws {
        // A shared generator: its value becomes a constant, and its two draws have streams 0 and 1.
        let shared = Tensor.randomGenerator(seed: 11)
        let a = uniform(low: -1, high: 3, shape: [1000], rng: shared)
        let b = uniform(low: -1, high: 3, shape: [1000], rng: shared)
        // Generators derived by splits and loop steps, drawn from.
        let children = rng.split(3)
        let fromChildren = children.map { uniform(shape: [4], rng: $0) }
        let zero = Variable(constant: NDArray(scalar: 0.0))
        let x = Tensor.vector("x")
        let looped = scan(initial: zero, over: x) { c, v in
            let u = uniform(shape: [2], rng: rng)
            return (c + v, u)
        }.1
        let key = NDArray.randomKey(seed: 99)
        try XLARunner.check([
            XLARunner.Case(
                name: "shared", module: try exportStableHLO(inputs: [], outputs: [a, b], inputShapes: []), inputs: [],
                expected: try function(inputs: [], outputs: [a, b]).call([]), rtol: 0, atol: 0),
            XLARunner.graphCase("split", inputs: [rng], outputs: children + fromChildren, values: [key], rtol: 0, atol: 0),
            XLARunner.graphCase(
                "bernoulli and geometric", inputs: [rng],
                outputs: [bernoulli(p: 0.3, shape: [500], rng: rng), geometric(p: 0.2, shape: [500], rng: rng)], values: [key],
                rtol: 0, atol: 0),
            XLARunner.graphCase(
                "loop", inputs: [rng, x], outputs: [looped], values: [key, NDArray([1.0, -2.0, 3.0])], rtol: 0, atol: 0),
        ])
        let values = try XLARunner.run([
            XLARunner.Case(
                name: "shared", module: try exportStableHLO(inputs: [], outputs: [a, b], inputShapes: []), inputs: [],
                expected: [NDArray(scalar: 0.0), NDArray(scalar: 0.0)])
        ])["shared"]!.get()
        #expect(values[0].asArray(Double.self) != values[1].asArray(Double.self))
    }

    @Test func determinism() throws {
        let draw = normal(shape: [64], rng: rng)
        let first = try run([draw], key: NDArray.randomKey(seed: 3))[0]
        let again = try run([draw], key: NDArray.randomKey(seed: 3))[0]
        let other = try run([draw], key: NDArray.randomKey(seed: 4))[0]
        #expect(first.asArray(Double.self) == again.asArray(Double.self))
        #expect(first.asArray(Double.self) != other.asArray(Double.self))
    }

    @Test func permutationsAndChoices() throws {
        let outputs = try run([
            permutation(10, rng: rng), choice(20, shape: [6], replace: false, rng: rng),
            choice(5, shape: [3], replace: false, p: Variable(constant: NDArray([0.1, 0.0, 0.5, 0.2, 0.2])), rng: rng),
        ])
        #expect(outputs[0].asArray(Int64.self).sorted() == Array(0..<10))
        let picks = outputs[1].asArray(Int64.self)
        #expect(Set(picks).count == 6 && picks.allSatisfy { (0..<20).contains($0) })
        let weighted = outputs[2].asArray(Int64.self)
        #expect(Set(weighted).count == 3 && !weighted.contains(1))
    }

    @Test func rejectionSamplersAreNotExportable() throws {
        #expect {
            try exportStableHLO(inputs: [rng], outputs: [gamma(alpha: 2, shape: [3], rng: rng)], inputShapes: [[2]])
        } throws: { error in
            "\(error)".contains("gamma draws are sampled by rejection")
        }
    }
}
