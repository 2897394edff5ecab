import CVectorMath

// Standard normal variates by the Ziggurat method (Marsaglia and Tsang, "The Ziggurat Method
// for Generating Random Variables", 2000) with 256 layers, as numpy's Generator uses: one
// 64-bit word per draw on the fast path (8 bits pick the layer, 1 bit the sign, 52 bits the
// abscissa), about 98.8% of draws accepted there.

import RealModule

/// The 256-layer Ziggurat tables for the standard normal density f(x) = exp(−x²/2), computed
/// once from the base layer's right edge `r` and the common layer area `v`.
@usableFromInline
final class NormalZigguratTables: @unchecked Sendable {
    /// Right edge of the base layer (the tail starts here) and the area of every layer.
    static let r = 3.6541528853610088
    static let area = 0.00492867323399
    /// Layer edges are stored scaled by 2^-52, the range of the 52-bit abscissa.
    static let scale = 0x1p52

    // The tables are read once per draw: pointers (to memory never freed or written after
    // `init`, hence @unchecked Sendable) spare the fast path an array bounds check per read.

    /// Acceptance thresholds: a 52-bit abscissa below `k[i]` lies inside layer i's rectangle
    /// under the curve of the layer above.
    @usableFromInline let k: UnsafePointer<UInt64>
    /// Layer widths divided by 2^52: abscissa · `w[i]` is the candidate x.
    @usableFromInline let w: UnsafePointer<Double>
    /// The density at each layer's right edge.
    @usableFromInline let f: UnsafePointer<Double>

    @usableFromInline static let shared = NormalZigguratTables()

    init() {
        var k = [UInt64](repeating: 0, count: 256)
        var w = [Double](repeating: 0, count: 256)
        var f = [Double](repeating: 0, count: 256)
        var edge = Self.r
        // The base "layer" is the bottom rectangle plus the tail; its equivalent width q makes
        // its area equal to the others'.
        let q = Self.area / Double.exp(-0.5 * edge * edge)
        k[0] = UInt64((edge / q) * Self.scale)
        k[1] = 0
        w[0] = q / Self.scale
        w[255] = edge / Self.scale
        f[0] = 1
        f[255] = Double.exp(-0.5 * edge * edge)
        var previous = edge
        // Walk up the ziggurat: each layer's edge x satisfies x · (f(x) − f(previous)) = v.
        for i in stride(from: 254, through: 1, by: -1) {
            edge = (-2 * Double.log(Self.area / edge + Double.exp(-0.5 * edge * edge))).squareRoot()
            k[i + 1] = UInt64((edge / previous) * Self.scale)
            previous = edge
            f[i] = Double.exp(-0.5 * edge * edge)
            w[i] = edge / Self.scale
        }
        self.k = Self.permanent(k)
        self.w = Self.permanent(w)
        self.f = Self.permanent(f)
    }

    /// A copy of `values` that lives as long as the process (the tables are created once).
    private static func permanent<T>(_ values: [T]) -> UnsafePointer<T> {
        let memory = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        memory.initialize(from: values, count: values.count)
        return UnsafePointer(memory)
    }
}

/// The standard normal distribution, N(0, 1), by the 256-layer Ziggurat.
package enum StandardNormal {
    /// One standard normal variate from `stream`.
    @inlinable @inline(__always)
    package static func sample(from stream: inout RandomStream) -> Double {
        sample(from: &stream, tables: NormalZigguratTables.shared)
    }

    @inlinable @inline(__always)
    static func sample(from stream: inout RandomStream, tables: NormalZigguratTables) -> Double {
        while true {
            var bits = stream.nextUInt64()
            let layer = Int(bits & 0xFF)
            bits >>= 8
            let negative = bits & 1 != 0
            let abscissa = (bits >> 1) & 0x000F_FFFF_FFFF_FFFF
            var x = Double(abscissa) * tables.w[layer]
            if negative { x = -x }
            if abscissa < tables.k[layer] { return x }
            if let accepted = slowPath(x: x, layer: layer, negative: negative, stream: &stream, tables: tables) {
                return accepted
            }
        }
    }

    /// The 1.2% of draws outside the layers' inner rectangles: the tail (layer 0) by Marsaglia's
    /// exponential method, else a uniform test against the density in the wedge.
    @usableFromInline @inline(never)
    static func slowPath(
        x: Double, layer: Int, negative: Bool, stream: inout RandomStream, tables: NormalZigguratTables
    ) -> Double? {
        if layer == 0 {
            let r = NormalZigguratTables.r
            while true {
                let xx = -Double.log(onePlus: -stream.nextUnit()) / r
                let yy = -Double.log(onePlus: -stream.nextUnit())
                if yy + yy > xx * xx { return negative ? -(r + xx) : r + xx }
            }
        }
        let height = (tables.f[layer - 1] - tables.f[layer]) * stream.nextUnit() + tables.f[layer]
        return height < Double.exp(-0.5 * x * x) ? x : nil
    }
}

/// The normal distribution with per-element `mean` and `standardDeviation` (≥ 0).
package struct Normal: ContinuousSampler {
    /// Location μ.
    package var mean: RealParameter
    /// Scale σ ≥ 0.
    package var standardDeviation: RealParameter
    /// The Ziggurat tables, looked up once per draw rather than once per element.
    @usableFromInline let tables = NormalZigguratTables.shared

    /// N(mean, standardDeviation²).
    package init(mean: RealParameter = 0, standardDeviation: RealParameter = 1) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// μ + σ · z with z standard normal.
    @inlinable @inline(__always)
    package func sample(at index: Int, from stream: inout RandomStream) -> Double {
        mean[index] + standardDeviation[index] * StandardNormal.sample(from: &stream, tables: tables)
    }

    /// nil when σ ≥ 0 and μ is finite, else a message.
    package func validationFailure(count: Int) -> String? {
        mean.failure(name: "mean", count: count, requirement: "finite") { $0.isFinite }
            ?? standardDeviation.failure(name: "standard deviation", count: count, requirement: "≥ 0") { $0 >= 0 }
    }
}

extension Normal {
    /// With one mean and one scale for every element (the common case), the Ziggurat's fast
    /// path runs a chunk at a time in C (`cotangent_ziggurat_fast_path`) and only the 1.2% of
    /// elements it rejects take the full sampler, from their own streams: the same numbers as
    /// the element-by-element loop, faster. Otherwise the default fill.
    package func fill(_ output: UnsafeMutableBufferPointer<Double>, state: RandomState, firstElement: Int, threads: Int) {
        guard let base = output.baseAddress else { return }
        guard mean.values.count == 1, standardDeviation.values.count == 1 else {
            FillJob(
                state: state, count: output.count, firstElement: firstElement,
                writer: SampleWriter(self, base, firstElement: firstElement)
            ).run(threads: threads)
            return
        }
        let job = ZigguratJob(
            state: state, count: output.count, firstElement: firstElement, tables: tables,
            mean: mean[0], scale: standardDeviation[0], output: base)
        let parts = RandomState.partCount(elements: output.count, threads: threads)
        if parts == 1 {
            job.run(part: 0, of: 1)
        } else {
            FillThreads.runConcurrently(parts) { job.run(part: $0, of: parts) }
        }
    }
}

/// One draw of `mean + scale · z`, z standard normal, split into parts threads run alone.
private struct ZigguratJob: @unchecked Sendable {
    let state: RandomState
    let count: Int
    let firstElement: Int
    let tables: NormalZigguratTables
    let mean: Double
    let scale: Double
    let output: UnsafeMutablePointer<Double>

    /// Part `part` of `parts` equal contiguous ranges.
    func run(part: Int, of parts: Int) {
        let range = (count * part / parts)..<(count * (part + 1) / parts)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { rejected in
            state.forEachChunk(in: range, firstElement: firstElement) { start, length, blocks in
                let misses = cotangent_ziggurat_fast_path(
                    blocks.words, length, tables.k, tables.w, mean, scale, output + start, rejected.baseAddress!)
                guard misses > 0 else { return }
                for lane in 0..<length where rejected[lane] != 0 {
                    var stream = blocks.stream(lane)
                    output[start + lane] = mean + scale * StandardNormal.sample(from: &stream, tables: tables)
                }
            }
        }
    }
}
