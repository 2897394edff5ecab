// The per-element stream of random words that every sampler reads.

/// The random words of one element of a draw: the Philox blocks of its counters, in order,
/// read as 32- or 64-bit words (a 64-bit read starts at an even word, skipping one if needed).
///
/// Each block is computed when first needed, so a sampler that accepts on its first try costs
/// one Philox block, and a rejection loop can read as many blocks as it needs (2^64 per element).
package struct RandomStream {
    @usableFromInline let key: SIMD2<UInt32>
    /// The counter of the next block to compute.
    @usableFromInline var counter: UInt128
    /// The current block's words.
    @usableFromInline var block: SIMD4<UInt32> = .zero
    /// The index of the next unread word of `block` (4: the block is used up).
    @usableFromInline var position = 4

    /// The stream whose first block is Philox(key, counter).
    @inlinable
    package init(key: SIMD2<UInt32>, counter: UInt128) {
        self.key = key
        self.counter = counter
    }

    /// The stream whose first block, Philox(key, counter), is already computed.
    @inlinable @inline(__always)
    package init(key: SIMD2<UInt32>, counter: UInt128, firstBlock: SIMD4<UInt32>) {
        self.key = key
        self.counter = counter &+ 1
        self.block = firstBlock
        self.position = 0
    }

    @inlinable @inline(never)
    mutating func refill() {
        block = Philox4x32.block(key: key, counter: counter)
        counter &+= 1
        position = 0
    }

    /// The next 32 random bits.
    @inlinable @inline(__always)
    package mutating func nextUInt32() -> UInt32 {
        if position >= 4 { refill() }
        defer { position &+= 1 }
        return block[position]
    }

    /// The next 64 random bits (two words of one block, the first word low).
    @inlinable @inline(__always)
    package mutating func nextUInt64() -> UInt64 {
        position = (position &+ 1) & ~1
        if position >= 4 { refill() }
        defer { position &+= 2 }
        return UInt64(block[position]) | (UInt64(block[position &+ 1]) << 32)
    }

    /// A double in [0, 1) from the next 64 bits.
    @inlinable @inline(__always)
    package mutating func nextUnit() -> Double { UniformConversion.unitDouble(nextUInt64()) }

    /// A double in (0, 1) from the next 64 bits, for algorithms that take a logarithm.
    @inlinable @inline(__always)
    package mutating func nextOpenUnit() -> Double { UniformConversion.openUnitDouble(nextUInt64()) }

    /// A float in [0, 1) from the next 32 bits.
    @inlinable @inline(__always)
    package mutating func nextUnitFloat() -> Float { UniformConversion.unitFloat(nextUInt32()) }
}
