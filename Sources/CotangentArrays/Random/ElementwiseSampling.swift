// The drawing driver: element i of the output is sampled from stream i, on one or more threads.

/// A distribution drawn one element at a time from that element's own stream.
package protocol ElementwiseSampler: Sendable {
    /// The type of one drawn element.
    associatedtype Sample
    /// Draws element `index` (whose parameters are the parameters' `index`th values).
    func sample(at index: Int, from stream: inout RandomStream) -> Sample
    /// A message describing the first invalid parameter for a draw of `count` elements, or nil.
    func validationFailure(count: Int) -> String?
    /// Fills `output` with elements `firstElement ..< firstElement + output.count` of a draw
    /// under `state`. A requirement (with a default) so that callers in other modules reach the
    /// loop specialised for the sampler in this module through the witness table, instead of
    /// running an unspecialised generic loop.
    func fill(_ output: UnsafeMutableBufferPointer<Sample>, state: RandomState, firstElement: Int, threads: Int)
}

extension ElementwiseSampler {
    /// The default fill: `FillJob` over a `SampleWriter`.
    package func fill(_ output: UnsafeMutableBufferPointer<Sample>, state: RandomState, firstElement: Int, threads: Int) {
        guard let base = output.baseAddress else { return }
        FillJob(
            state: state, count: output.count, firstElement: firstElement,
            writer: SampleWriter(self, base, firstElement: firstElement)
        ).run(threads: threads)
    }
}

/// A real-valued distribution, drawn as Double (and, by default, rounded to Float).
package protocol ContinuousSampler: ElementwiseSampler where Sample == Double {
    /// Element `index` as a Float. The default rounds the Double sample; samplers whose result
    /// could round onto an excluded bound (uniform's `high`) draw in Float themselves.
    func sampleFloat(at index: Int, from stream: inout RandomStream) -> Float
    /// Fills Float `output` like `fill(_:state:firstElement:threads:)` (a requirement for the
    /// same reason).
    func fillFloat(_ output: UnsafeMutableBufferPointer<Float>, state: RandomState, firstElement: Int, threads: Int)
}

extension ContinuousSampler {
    /// The default Float fill: `FillJob` over a `FloatSampleWriter`.
    package func fillFloat(_ output: UnsafeMutableBufferPointer<Float>, state: RandomState, firstElement: Int, threads: Int) {
        guard let base = output.baseAddress else { return }
        FillJob(
            state: state, count: output.count, firstElement: firstElement,
            writer: FloatSampleWriter(self, base, firstElement: firstElement)
        ).run(threads: threads)
    }

    /// The Double sample rounded to Float.
    @inlinable @inline(__always)
    package func sampleFloat(at index: Int, from stream: inout RandomStream) -> Float {
        Float(sample(at: index, from: &stream))
    }
}

extension RandomState {
    /// Runs `body(i, &stream)` for i in `range`, `stream` being the stream of element
    /// `firstElement + i`. The first blocks of the streams are computed a chunk at a time by the
    /// vector Philox kernel (`cotangent_philox_first_blocks`), then each element reads on from
    /// its own stream.
    @inlinable @inline(__always)
    package func forEachElement(
        in range: Range<Int>, firstElement: Int, _ body: (Int, inout RandomStream) -> Void
    ) {
        forEachChunk(in: range, firstElement: firstElement) { start, count, words in
            for lane in 0..<count {
                var stream = words.stream(lane)
                body(start &+ lane, &stream)
            }
        }
    }

    /// Runs `body(start, count, blocks)` over `range` in chunks of at most 256 elements, `blocks`
    /// holding the first Philox blocks of elements `firstElement + start ..< … + count`.
    @inlinable @inline(__always)
    package func forEachChunk(
        in range: Range<Int>, firstElement: Int, _ body: (Int, Int, FirstBlocks) -> Void
    ) {
        let chunk = 256
        let low = UInt64(truncatingIfNeeded: counter)
        let high = UInt64(truncatingIfNeeded: counter >> 64)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * chunk) { words in
            var i = range.lowerBound
            while i < range.upperBound {
                let count = min(chunk, range.upperBound &- i)
                let first = high &+ UInt64(bitPattern: Int64(firstElement &+ i))
                PhiloxKernel.firstBlocks(key: key, low: low, firstElement: first, count: count, into: words.baseAddress!)
                body(i, count, FirstBlocks(key: key, low: low, firstElement: first, count: count, words: words.baseAddress!))
                i &+= count
            }
        }
    }

    /// How many contiguous parts a draw of `count` elements splits into on `threads` threads:
    /// one below 2^14 elements, where starting a thread costs more than it saves.
    @inlinable
    package static func partCount(elements count: Int, threads: Int) -> Int {
        count >= 1 << 14 ? max(1, min(threads, count)) : 1
    }

    /// Fills `output` with elements `firstElement ..< firstElement + output.count` of a draw
    /// from `sampler` (whose parameter index is the output index plus `firstElement`), on up to
    /// `threads` threads; the values do not depend on the thread count or the chunking.
    package func fill<S: ElementwiseSampler>(
        _ output: UnsafeMutableBufferPointer<S.Sample>, with sampler: S, firstElement: Int = 0, threads: Int = 1
    ) {
        sampler.fill(output, state: self, firstElement: firstElement, threads: threads)
    }

    /// Fills Float `output` like `fill(_:with:firstElement:threads:)`, drawing in Float where
    /// the sampler does.
    package func fill<S: ContinuousSampler>(
        _ output: UnsafeMutableBufferPointer<Float>, with sampler: S, firstElement: Int = 0, threads: Int = 1
    ) {
        sampler.fillFloat(output, state: self, firstElement: firstElement, threads: threads)
    }

    /// `count` elements of a draw from `sampler` as an array (validation is the caller's job).
    package func draw<S: ElementwiseSampler>(_ count: Int, from sampler: S, threads: Int = 1) -> [S.Sample] {
        [S.Sample](unsafeUninitializedCapacity: max(0, count)) { buffer, initialized in
            fill(buffer, with: sampler, threads: threads)
            initialized = max(0, count)
        }
    }

    /// `count` Float elements of a draw from `sampler`.
    package func drawFloat<S: ContinuousSampler>(_ count: Int, from sampler: S, threads: Int = 1) -> [Float] {
        [Float](unsafeUninitializedCapacity: max(0, count)) { buffer, initialized in
            fill(buffer, with: sampler, threads: threads)
            initialized = max(0, count)
        }
    }

    /// Raw Philox bits: word `w` of element `i` is word `w % 4` of block `w / 4` of stream
    /// `firstElement + i`, `wordsPerElement` words per element (a last element may be partial).
    package func fillBits(
        _ output: UnsafeMutableBufferPointer<UInt32>, wordsPerElement: Int = 1, firstElement: Int = 0, threads: Int = 1
    ) {
        guard let base = output.baseAddress, wordsPerElement > 0 else { return }
        let count = output.count
        let elements = (count + wordsPerElement - 1) / wordsPerElement
        let job = FillJob(
            state: self, count: elements, firstElement: firstElement,
            writer: BitsWriter(output: base, count: count, wordsPerElement: wordsPerElement))
        job.run(threads: threads)
    }
}

/// The first Philox blocks of a chunk of consecutive element streams, word w of element e at
/// `words[w * count + e]` (the layout the vector kernel stores).
package struct FirstBlocks {
    @usableFromInline let key: SIMD2<UInt32>
    @usableFromInline let low: UInt64
    @usableFromInline let firstElement: UInt64
    /// The number of elements.
    package let count: Int
    /// The words, planar.
    package let words: UnsafeMutablePointer<UInt32>

    @inlinable
    init(key: SIMD2<UInt32>, low: UInt64, firstElement: UInt64, count: Int, words: UnsafeMutablePointer<UInt32>) {
        (self.key, self.low, self.firstElement, self.count, self.words) = (key, low, firstElement, count, words)
    }

    /// The stream of element `lane` of the chunk, its first block already computed.
    @inlinable @inline(__always)
    package func stream(_ lane: Int) -> RandomStream {
        RandomStream(
            key: key, counter: (UInt128(firstElement &+ UInt64(lane)) << 64) | UInt128(low),
            firstBlock: SIMD4(words[lane], words[count &+ lane], words[2 &* count &+ lane], words[3 &* count &+ lane]))
    }
}

/// What a draw does with element i and its stream (write a sample, a Float sample, raw bits).
package protocol ElementWriter {
    /// Draws element `index` of the output from `stream` and stores it.
    func write(_ index: Int, _ stream: inout RandomStream)
}

/// Stores `sampler`'s element `firstElement + i` at `output[i]`.
package struct SampleWriter<S: ElementwiseSampler>: ElementWriter, @unchecked Sendable {
    @usableFromInline let sampler: S
    @usableFromInline let output: UnsafeMutablePointer<S.Sample>
    @usableFromInline let firstElement: Int

    /// A writer of `sampler`'s samples into `output`.
    @inlinable
    package init(_ sampler: S, _ output: UnsafeMutablePointer<S.Sample>, firstElement: Int) {
        (self.sampler, self.output, self.firstElement) = (sampler, output, firstElement)
    }

    /// `output[index] = sample(firstElement + index)`.
    @inlinable @inline(__always)
    package func write(_ index: Int, _ stream: inout RandomStream) {
        output[index] = sampler.sample(at: firstElement &+ index, from: &stream)
    }
}

/// Stores `sampler`'s element `firstElement + i`, drawn as Float, at `output[i]`.
package struct FloatSampleWriter<S: ContinuousSampler>: ElementWriter, @unchecked Sendable {
    @usableFromInline let sampler: S
    @usableFromInline let output: UnsafeMutablePointer<Float>
    @usableFromInline let firstElement: Int

    /// A writer of `sampler`'s Float samples into `output`.
    @inlinable
    package init(_ sampler: S, _ output: UnsafeMutablePointer<Float>, firstElement: Int) {
        (self.sampler, self.output, self.firstElement) = (sampler, output, firstElement)
    }

    /// `output[index] = Float sample(firstElement + index)`.
    @inlinable @inline(__always)
    package func write(_ index: Int, _ stream: inout RandomStream) {
        output[index] = sampler.sampleFloat(at: firstElement &+ index, from: &stream)
    }
}

/// One draw: `writer.write(i, &stream)` for every element, split into contiguous parts that
/// threads run independently. Sendable because each part writes only its own elements.
package struct FillJob<Writer: ElementWriter>: @unchecked Sendable {
    @usableFromInline let state: RandomState
    @usableFromInline let count: Int
    @usableFromInline let firstElement: Int
    @usableFromInline let writer: Writer

    /// A draw of `count` elements whose element i reads the stream of `firstElement + i`.
    @inlinable
    package init(state: RandomState, count: Int, firstElement: Int, writer: Writer) {
        (self.state, self.count, self.firstElement, self.writer) = (state, count, firstElement, writer)
    }

    /// Part `part` of `parts` equal contiguous ranges.
    @inlinable
    package func run(part: Int, of parts: Int) {
        let range = (count * part / parts)..<(count * (part + 1) / parts)
        state.forEachElement(in: range, firstElement: firstElement) { i, stream in writer.write(i, &stream) }
    }

    /// All parts, on up to `threads` threads.
    @inlinable
    package func run(threads: Int) {
        let parts = RandomState.partCount(elements: count, threads: threads)
        if parts == 1 {
            run(part: 0, of: 1)
        } else {
            FillThreads.runConcurrently(parts) { run(part: $0, of: parts) }
        }
    }
}

/// The kernels' thread runner, kept out of line: the threads are the expensive part.
@usableFromInline
enum FillThreads {
    @usableFromInline
    static func runConcurrently(_ parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        ParallelProduct.runConcurrently(parts, body)
    }
}

/// Writes raw Philox words, `wordsPerElement` per element, into `output[0..<count]`.
package struct BitsWriter: ElementWriter, @unchecked Sendable {
    let output: UnsafeMutablePointer<UInt32>
    let count: Int
    let wordsPerElement: Int

    /// Element `index`'s words (the last element may be cut short by `count`).
    package func write(_ index: Int, _ stream: inout RandomStream) {
        let start = index &* wordsPerElement
        for w in start..<min(count, start &+ wordsPerElement) { output[w] = stream.nextUInt32() }
    }
}
