/// Counter-based SplitMix64: the reference benchmark suite's input generator, bit-exact in any
/// language (`../shared/bench/WORKLOADS.md` §1.1), also used for random projections in tests.
package struct SplitMix64: Sendable {
    package let seed: UInt64

    package init(seed: UInt64) { self.seed = seed }

    /// The raw 64-bit output for counter `index`.
    package func raw(_ index: UInt64) -> UInt64 {
        var z = seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) for counter `index` (53 random bits, exact).
    package func unit(_ index: UInt64) -> Double {
        Double(raw(index) >> 11) * 0x1p-53
    }

    /// Row-major uniform values in [lo, hi): `lo + (hi - lo) * u`.
    package func uniform(shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float64) -> NDArray {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { low + (high - low) * unit(UInt64($0)) }
        return NDArray(shape: shape, elements: values).converted(to: dtype)
    }
}
