import RealModule

@testable import CotangentArrays

/// Goodness-of-fit helpers for the sampler tests. Thresholds are fixed: a correct sampler at the
/// fixed seeds used here passes, and a wrong moment, scale or shape fails.
enum RandomCheck {
    /// Draws per distribution: fewer in debug builds to keep the suite fast, still enough that
    /// a 2% error in a moment or a CDF is caught.
    #if DEBUG
        static let count = 10_000
    #else
        static let count = 100_000
    #endif

    /// Whether the sample mean is within 5 standard errors of `mean` and, when `variance` is
    /// given, the sample variance within 5 standard errors (from the sample's fourth moment).
    static func momentsMatch(_ samples: [Double], mean: Double, variance: Double?) -> Bool {
        let n = Double(samples.count)
        let m = samples.reduce(0, +) / n
        let centered = samples.map { ($0 - m) * ($0 - m) }
        let v = centered.reduce(0, +) / (n - 1)
        let sigma = (variance ?? v).squareRoot()
        guard abs(m - mean) <= 5 * sigma / n.squareRoot() else { return false }
        guard let variance else { return true }
        let fourth = centered.map { $0 * $0 }.reduce(0, +) / n
        return abs(v - variance) <= 5 * ((fourth - v * v) / n).squareRoot()
    }

    /// Kolmogorov–Smirnov: √n · sup |F_n − F| below 1.95 (the 0.1% critical value).
    static func ksPasses(_ samples: [Double], cdf: (Double) -> Double) -> Bool {
        let sorted = samples.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = cdf(x)
            d = max(d, abs(f - Double(i) / n), abs(Double(i + 1) / n - f))
        }
        return d * n.squareRoot() < 1.95
    }

    /// Pearson's χ² over `counts` against `probabilities` below df + 5·√(2 df) (about 5σ).
    static func chiSquarePasses(counts: [Int], probabilities: [Double]) -> Bool {
        let n = Double(counts.reduce(0, +))
        var statistic = 0.0
        var bins = 0
        for (count, p) in zip(counts, probabilities) where p > 0 {
            let expected = n * p
            statistic += (Double(count) - expected) * (Double(count) - expected) / expected
            bins += 1
        }
        let df = Double(bins - 1)
        return statistic < df + 5 * (2 * df).squareRoot()
    }

    /// χ² of continuous samples binned at `edges`, against the CDF values there.
    static func binnedPasses(_ samples: [Double], edges: [Double], cdfAtEdges: [Double]) -> Bool {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for x in samples { counts[edges.firstIndex(where: { x < $0 }) ?? edges.count] += 1 }
        let cumulative = [0.0] + cdfAtEdges + [1.0]
        let probabilities = (0...edges.count).map { cumulative[$0 + 1] - cumulative[$0] }
        return chiSquarePasses(counts: counts, probabilities: probabilities)
    }

    /// χ² of integer samples against a probability mass function over 0..<cutoff (the rest
    /// pooled into one bin).
    static func discretePasses(_ samples: [Int64], cutoff: Int, pmf: (Int) -> Double) -> Bool {
        var counts = [Int](repeating: 0, count: cutoff + 1)
        for x in samples { counts[min(Int(x), cutoff)] += 1 }
        var probabilities = (0..<cutoff).map(pmf)
        probabilities.append(max(0, 1 - probabilities.reduce(0, +)))
        // Pool sparse bins (expected < 5) into their neighbours.
        var pooledCounts: [Int] = []
        var pooledProbabilities: [Double] = []
        var count = 0
        var mass = 0.0
        for (c, p) in zip(counts, probabilities) {
            count += c
            mass += p
            if mass * Double(samples.count) >= 5 {
                pooledCounts.append(count)
                pooledProbabilities.append(mass)
                (count, mass) = (0, 0)
            }
        }
        if let last = pooledCounts.indices.last {
            pooledCounts[last] += count
            pooledProbabilities[last] += mass
        }
        return chiSquarePasses(counts: pooledCounts, probabilities: pooledProbabilities)
    }

    /// The standard normal CDF.
    static func normalCDF(_ x: Double) -> Double { 0.5 * (1 + Double.erf(x / 2.0.squareRoot())) }

    /// Samples of a sampler at a fixed seed, as Doubles.
    static func draw<S: ElementwiseSampler>(_ sampler: S, seed: UInt64 = 2024, count: Int = RandomCheck.count) -> [S.Sample] {
        RandomState(seed: seed).draw(count, from: sampler)
    }
}
