import CVectorMath

// Philox over several counters at once. One block is a chain of ten dependent multiplications
// (about 50 cycles of latency); computing eight independent blocks in SIMD lanes overlaps them,
// which is what makes the per-element streams cheap.

extension Philox4x32 {
    /// The number of blocks `blocks(key:_:_:_:_:)` computes together.
    package static var batchWidth: Int { 8 }

    /// Philox blocks of eight counters, lane by lane: lane l of word w is word w of
    /// `block(key: key, counter: SIMD4(c0[l], c1[l], c2[l], c3[l]))`. Words travel in 64-bit
    /// lanes holding 32-bit values, so the 32×32→64 products need no lane-type conversions
    /// (which Swift's SIMD types do one lane at a time).
    @inlinable @inline(__always)
    package static func blocks(
        key: SIMD2<UInt32>, _ c0: SIMD8<UInt64>, _ c1: SIMD8<UInt64>, _ c2: SIMD8<UInt64>, _ c3: SIMD8<UInt64>
    ) -> (SIMD8<UInt64>, SIMD8<UInt64>, SIMD8<UInt64>, SIMD8<UInt64>) {
        let low = SIMD8<UInt64>(repeating: 0xFFFF_FFFF)
        var (c0, c1, c2, c3) = (c0 & low, c1 & low, c2 & low, c3 & low)
        var (k0, k1) = (UInt64(key.x), UInt64(key.y))
        let m0 = SIMD8<UInt64>(repeating: UInt64(multiplier0))
        let m1 = SIMD8<UInt64>(repeating: UInt64(multiplier1))
        for round in 0..<10 {
            if round > 0 {
                k0 = (k0 &+ UInt64(keyIncrement0)) & 0xFFFF_FFFF
                k1 = (k1 &+ UInt64(keyIncrement1)) & 0xFFFF_FFFF
            }
            let product0 = m0 &* (c0 & low)
            let product1 = m1 &* (c2 & low)
            let next0 = (product1 &>> 32) ^ c1 ^ SIMD8(repeating: k0)
            let next2 = (product0 &>> 32) ^ c3 ^ SIMD8(repeating: k1)
            c1 = product1 & low
            c3 = product0 & low
            c0 = next0
            c2 = next2
        }
        return (c0, c1, c2, c3)
    }
}

/// The vector Philox kernel of CVectorMath, kept behind one non-generic entry.
@usableFromInline
enum PhiloxKernel {
    /// The first blocks of `count` consecutive element streams (element `firstElement + e`,
    /// counter low half `low`) into `words`: word w of element e at `words[w * count + e]`.
    @usableFromInline
    static func firstBlocks(key: SIMD2<UInt32>, low: UInt64, firstElement: UInt64, count: Int, into words: UnsafeMutablePointer<UInt32>) {
        cotangent_philox_first_blocks(key.x, key.y, low, firstElement, count, words, 0)
    }
}
