// Unbiased integers in a range, by Lemire's multiply-and-reject ("Fast random integer generation
// in an interval", 2019): the high half of x · range, rejecting the few x whose low half falls in
// the 2^64 mod range values that would favour some results.

import RealModule

extension RandomStream {
    /// A uniform integer in 0 ..< `range` (0 when `range` is 0, meaning all 2^64 values).
    @inlinable
    package mutating func nextUInt64(below range: UInt64) -> UInt64 {
        if range == 0 { return nextUInt64() }
        var product = nextUInt64().multipliedFullWidth(by: range)
        if product.low < range {
            // Only now compute the rejection threshold 2^64 mod range (one division, rarely).
            let threshold = (0 &- range) % range
            while product.low < threshold { product = nextUInt64().multipliedFullWidth(by: range) }
        }
        return product.high
    }
}

/// Uniform integers in [low, high) (numpy's `integers(low, high)`, `endpoint=False`).
package struct UniformIntegers: ElementwiseSampler {
    /// The included lower end.
    package var low: IntegerParameter
    /// The excluded upper end.
    package var high: IntegerParameter

    /// Integers in [low, high).
    package init(low: IntegerParameter, high: IntegerParameter) {
        self.low = low
        self.high = high
    }

    /// low + Lemire(high − low), the width taken modulo 2^64 so any Int64 range works.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        let a = low[index]
        let width = UInt64(bitPattern: high[index] &- a)
        return a &+ Int64(bitPattern: stream.nextUInt64(below: width))
    }

    /// nil when low < high for every element.
    package func validationFailure(count: Int) -> String? {
        if let failure = low.shapeFailure(name: "low", count: count) ?? high.shapeFailure(name: "high", count: count) {
            return failure
        }
        for i in 0..<max(low.values.count, high.values.count) where low[i] >= high[i] {
            return "low must be below high, got low \(low[i]) ≥ high \(high[i]) at element \(i)"
        }
        return nil
    }
}

/// The Bernoulli distribution: 1 with per-element probability p, else 0.
package struct Bernoulli: ElementwiseSampler {
    /// The probability of 1.
    package var probability: RealParameter

    /// Bernoulli(p).
    package init(probability: RealParameter) { self.probability = probability }

    /// 1 when u < p.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        stream.nextUnit() < probability[index] ? 1 : 0
    }

    /// nil when 0 ≤ p ≤ 1.
    package func validationFailure(count: Int) -> String? {
        probability.failure(name: "p", count: count, requirement: "in [0, 1]") { $0 >= 0 && $0 <= 1 }
    }
}

/// The geometric distribution: the number of Bernoulli(p) trials up to and including the first
/// success (support 1, 2, …, as numpy's `geometric`).
package struct Geometric: ElementwiseSampler {
    /// The success probability p in (0, 1].
    package var probability: RealParameter

    /// Geometric(p).
    package init(probability: RealParameter) { self.probability = probability }

    /// ⌈log(u) / log(1 − p)⌉ for u in (0, 1), at least 1 (exact inversion of the CDF).
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        let p = probability[index]
        if p >= 1 { return 1 }
        let trials = (Double.log(stream.nextOpenUnit()) / Double.log(onePlus: -p)).rounded(.up)
        return trials < 9.2e18 ? max(1, Int64(trials)) : .max
    }

    /// nil when 0 < p ≤ 1.
    package func validationFailure(count: Int) -> String? {
        probability.failure(name: "p", count: count, requirement: "in (0, 1]") { $0 > 0 && $0 <= 1 }
    }
}
