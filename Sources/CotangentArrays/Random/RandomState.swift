// A generator state: a Philox key and the 128-bit counter where the next draw starts.
//
// Counter scheme (what makes every draw reproducible whatever the chunking or thread count):
// element `i` of a draw owns its own stream of Philox blocks, block `j` of that stream being
//
//     Philox(key, counter + i · 2^64 + j)
//
// i.e. the counter's high 64 bits name the element and its low 64 bits the block within the
// element. A sampler that rejects and retries simply reads more blocks of its own element's
// stream, so element `i` depends only on (key, counter, i). After a draw of `n` elements the
// state advances by n · 2^64, and the next draw uses fresh elements. Splitting uses counters
// with the top bit set, which draws never reach before 2^63 elements.

/// The state of a counter-based generator: a Philox4x32-10 key and a 128-bit counter.
package struct RandomState: Hashable, Sendable {
    /// The 64-bit Philox key.
    package var key: SIMD2<UInt32>
    /// The counter of element 0 of the next draw (high 64 bits: element, low 64: block).
    package var counter: UInt128

    /// A state from an explicit key and counter.
    package init(key: SIMD2<UInt32>, counter: UInt128 = 0) {
        self.key = key
        self.counter = counter
    }

    /// A state seeded by a 64-bit integer (low 32 bits in key word 0), counter 0 — like
    /// `jax.random.key(seed)`, whose key words are the seed's two halves.
    package init(seed: UInt64) {
        self.init(key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// The element index (high counter half) where the next draw starts.
    package var nextElement: UInt64 { UInt64(truncatingIfNeeded: counter >> 64) }

    /// This state after a draw of `elements` elements: the next draw starts after them.
    package func advanced(by elements: Int) -> RandomState {
        RandomState(key: key, counter: counter &+ (UInt128(UInt64(max(0, elements))) << 64))
    }

    /// `count` independent child states (counter 0), as JAX's `split` does: child `c`'s key is
    /// the first two words of Philox(key, 2^127 + position · 2^64 + c), where position is this
    /// state's element position, so splitting before and after a draw gives different children.
    /// A state that is split should not also be drawn from (the usual counter-based contract).
    package func split(into count: Int) -> [RandomState] {
        let base = (UInt128(1) << 127) | (UInt128(nextElement & (UInt64.max >> 1)) << 64)
        return (0..<max(0, count)).map { child in
            let words = Philox4x32.block(key: key, counter: base | UInt128(UInt64(child)))
            return RandomState(key: SIMD2(words.x, words.y))
        }
    }

    /// The stream of element `element` of the next draw.
    @inlinable @inline(__always)
    package func stream(element: Int) -> RandomStream {
        RandomStream(key: key, counter: counter &+ (UInt128(UInt64(bitPattern: Int64(element))) << 64))
    }
}
