// The value a random generator holds in a graph, and how draws, loop steps and splits derive
// their own Philox keys from it.
//
// A generator is two 64-bit words, stored as an int64 array of shape [2]: a Philox key and a
// call number. A draw never consumes the generator: the draw node numbered `stream` (each node
// built on a shared generator gets its own number) reads from the key
//
//     Philox(key, counter: 0b00 · call · stream)     (first two words)
//
// so a draw is a pure function of (key, call, stream): the same whatever else the function
// computes, the thread count or the schedule. A compiled function's default update moves the
// call number on by one, so the next call draws fresh numbers. A loop step derives a new key
// (the counter's top bits 0b10) and a split derives children (0b11): the three uses never share
// a counter, so their keys are independent.

/// The two words of a random generator: a Philox key and the number of the call it serves.
package struct GeneratorValue: Hashable, Sendable {
    /// The 64-bit Philox key (word 0 low).
    package var key: UInt64
    /// How many calls (default updates) this generator has served; at most 2^62.
    package var call: UInt64

    /// A generator from its two words.
    package init(key: UInt64, call: UInt64 = 0) {
        self.key = key
        self.call = call
    }

    /// The generator of `seed`: the seed's bits as its key, call 0.
    package init(seed: UInt64) { self.init(key: seed) }

    /// The generator an int64 array of shape [2] holds, or nil when it has another shape.
    package init?(_ array: NDArray) {
        guard array.shape == [2], array.dtype == .int64 else { return nil }
        let words = array.asArray(Int64.self)
        self.init(key: UInt64(bitPattern: words[0]), call: UInt64(bitPattern: words[1]))
    }

    /// The int64 array of shape [2] that holds this generator.
    package var array: NDArray {
        NDArray([Int64(bitPattern: key), Int64(bitPattern: call)])
    }

    var philoxKey: SIMD2<UInt32> {
        SIMD2(UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32))
    }

    /// The 64-bit key Philox gives for `counter` (its first two words).
    func derivedKey(domain: UInt128, _ low: UInt64) -> UInt64 {
        let counter = (domain << 126) | (UInt128(call & (UInt64.max >> 2)) << 64) | UInt128(low)
        let block = Philox4x32.block(key: philoxKey, counter: counter)
        return UInt64(block.x) | (UInt64(block.y) << 32)
    }

    /// The state a draw node numbered `stream` samples from in this call (its elements then
    /// take counters 0, 1, 2, … of that key, as ``RandomState`` describes).
    package func drawState(stream: UInt64) -> RandomState {
        let derived = derivedKey(domain: 0, stream)
        return RandomState(key: SIMD2(UInt32(truncatingIfNeeded: derived), UInt32(truncatingIfNeeded: derived >> 32)))
    }

    /// The generator of the next call (the default update).
    package var nextCall: GeneratorValue { GeneratorValue(key: key, call: call &+ 1) }

    /// The generator of the next step of a loop nested `depth` loops deep: a new key, the same
    /// call. Each depth derives keys its own way, so that the generators of an inner loop's
    /// step j in an outer loop's step t do not repeat for another (t, j) with the same t + j.
    package func nextStep(depth: Int) -> GeneratorValue {
        GeneratorValue(key: derivedKey(domain: 2, UInt64(max(0, depth))), call: call)
    }

    /// `count` independent child generators (JAX's `split`), each at call 0.
    package func split(into count: Int) -> [GeneratorValue] {
        (0..<max(0, count)).map { GeneratorValue(key: derivedKey(domain: 3, UInt64($0))) }
    }
}
