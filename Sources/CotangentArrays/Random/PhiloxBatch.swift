import CVectorMath

// Philox over many counters at once. One block is a chain of ten dependent multiplications
// (about 50 cycles of latency); computing the first blocks of consecutive element streams in
// vector lanes (AVX-512 or AVX2, chosen at run time in CVectorMath) overlaps them, which is
// what makes the per-element streams cheap.

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
