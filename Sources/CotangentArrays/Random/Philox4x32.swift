// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw ("Parallel random
// numbers: as easy as 1, 2, 3", SC11): a keyed bijection of 128-bit counters built from
// 32×32→64-bit multiplications in a Feistel-like network.

/// The Philox4x32-10 block function: 4 × 32 random bits from a 64-bit key and a 128-bit counter.
///
/// A pure function: the same key and counter always give the same block, on any thread, so a
/// stream of random numbers is "encrypt the counters 0, 1, 2, …" and any element of it can be
/// computed without the ones before.
package enum Philox4x32 {
    /// The round multipliers (chosen by the authors for avalanche; Random123's `PHILOX_M4x32`).
    @inlinable static var multiplier0: UInt32 { 0xD251_1F53 }
    @inlinable static var multiplier1: UInt32 { 0xCD9E_8D57 }
    /// The key schedule's Weyl increments: the golden ratio and √3 − 1 in 32-bit fixed point.
    @inlinable static var keyIncrement0: UInt32 { 0x9E37_79B9 }
    @inlinable static var keyIncrement1: UInt32 { 0xBB67_AE85 }

    /// Ten rounds of Philox on `counter` under `key`; words are in Random123's order
    /// (`counter.x` is its `ctr[0]`, `key.x` its `key[0]`).
    @inlinable @inline(__always)
    package static func block(key: SIMD2<UInt32>, counter: SIMD4<UInt32>) -> SIMD4<UInt32> {
        var (c0, c1, c2, c3) = (counter.x, counter.y, counter.z, counter.w)
        var (k0, k1) = (key.x, key.y)
        for round in 0..<10 {
            if round > 0 {
                k0 &+= keyIncrement0
                k1 &+= keyIncrement1
            }
            let product0 = UInt64(multiplier0) &* UInt64(c0)
            let product1 = UInt64(multiplier1) &* UInt64(c2)
            let next0 = UInt32(truncatingIfNeeded: product1 >> 32) ^ c1 ^ k0
            let next2 = UInt32(truncatingIfNeeded: product0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: product1)
            c3 = UInt32(truncatingIfNeeded: product0)
            c0 = next0
            c2 = next2
        }
        return SIMD4(c0, c1, c2, c3)
    }

    /// The block for a 128-bit counter given as one number (word 0 = its lowest 32 bits).
    @inlinable @inline(__always)
    package static func block(key: SIMD2<UInt32>, counter: UInt128) -> SIMD4<UInt32> {
        block(
            key: key,
            counter: SIMD4(
                UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32),
                UInt32(truncatingIfNeeded: counter >> 64), UInt32(truncatingIfNeeded: counter >> 96)))
    }
}
