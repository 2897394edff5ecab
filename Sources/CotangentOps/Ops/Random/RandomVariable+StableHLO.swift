import CotangentArrays
import CotangentGraph

// The random ops' StableHLO forms. A generator value is an int64 tensor<2> (key, call), as a
// module's generator arguments are. Philox4x32-10 is written out in integer ops (32-bit words
// held in int64 lanes), so the keys a draw, a loop step and a split derive are Cotangent's own
// (`GeneratorValue`), bit for bit, and so are the Philox blocks each element of a draw reads.
// (`stablehlo.rng_bit_generator` cannot take the int64 generator as its state: XLA's Philox
// wants unsigned 64-bit state words, which an exported value never has.) The distributions
// then turn those bits into samples by inversion or simple transforms, which match Cotangent's
// samplers in distribution; uniform, bernoulli and geometric draws also match value for value.

/// Philox4x32-10 and the generator arithmetic of `GeneratorValue`, in StableHLO integer ops.
enum PhiloxLowering {
    /// Ten Philox rounds on counter words `counter` (each a value of one shape, 32-bit words in
    /// int64 lanes) under the key words `key`: the four words of each element's block.
    static func block(key: (StableHLOValue, StableHLOValue), counter: [StableHLOValue], _ b: StableHLOBuilder)
        -> [StableHLOValue]
    {
        let shape = counter[0].shape
        let word = constant(0xFFFF_FFFF, b)
        func broadcast(_ v: StableHLOValue) -> StableHLOValue { b.broadcast(v, to: shape) }
        func low(_ v: StableHLOValue) -> StableHLOValue { b.and(v, broadcast(word)) }
        func high(_ v: StableHLOValue) -> StableHLOValue { b.shiftRightLogical(v, 32) }
        var (c0, c1, c2, c3) = (counter[0], counter[1], counter[2], counter[3])
        var (k0, k1) = (broadcast(key.0), broadcast(key.1))
        let (m0, m1) = (broadcast(constant(0xD251_1F53, b)), broadcast(constant(0xCD9E_8D57, b)))
        let (i0, i1) = (broadcast(constant(0x9E37_79B9, b)), broadcast(constant(0xBB67_AE85, b)))
        for round in 0..<10 {
            if round > 0 {
                k0 = low(b.add(k0, i0))
                k1 = low(b.add(k1, i1))
            }
            // 32×32→64-bit products: exact in an int64 lane modulo 2^64, which keeps every bit.
            let p0 = b.multiply(m0, c0)
            let p1 = b.multiply(m1, c2)
            let next0 = b.xor(b.xor(high(p1), c1), k0)
            let next2 = b.xor(b.xor(high(p0), c3), k1)
            c1 = low(p1)
            c3 = low(p0)
            c0 = next0
            c2 = next2
        }
        return [c0, c1, c2, c3]
    }

    /// A 0-d int64 constant from a 64-bit pattern.
    static func constant(_ bits: UInt64, _ b: StableHLOBuilder) -> StableHLOValue {
        b.constant(NDArray(scalar: Int64(bitPattern: bits)))
    }

    /// Word `index` (0: key, 1: call) of a generator value, 0-d.
    static func word(_ generator: StableHLOValue, _ index: Int, _ b: StableHLOBuilder) -> StableHLOValue {
        b.reshape(b.slice(generator, start: [index], limit: [index + 1]), [])
    }

    /// A 64-bit key split into its two 32-bit Philox key words (low first).
    static func keyWords(_ key: StableHLOValue, _ b: StableHLOBuilder) -> (StableHLOValue, StableHLOValue) {
        (b.and(key, b.broadcast(constant(0xFFFF_FFFF, b), to: key.shape)), b.shiftRightLogical(key, 32))
    }

    /// `GeneratorValue.derivedKey(domain:_:)`: the first two words of Philox(key, counter
    /// `domain · 2^126 + (call mod 2^62) · 2^64 + low`), for each element of `low` (int64).
    static func derivedKey(_ generator: StableHLOValue, domain: UInt64, low: StableHLOValue, _ b: StableHLOBuilder)
        -> StableHLOValue
    {
        let shape = low.shape
        let key = keyWords(word(generator, 0, b), b)
        let call = b.and(word(generator, 1, b), constant(UInt64.max >> 2, b))
        let (callLow, callHigh) = keyWords(call, b)
        let (c0, c1) = keyWords(low, b)
        let c2 = b.broadcast(callLow, to: shape)
        let c3 = b.broadcast(b.or(callHigh, constant(domain << 30, b)), to: shape)
        let words = block(key: key, counter: [c0, c1, c2, c3], b)
        return b.or(words[0], b.shiftLeft(words[1], 32))
    }

    /// A generator value from its key and call (0-d each).
    static func generator(key: StableHLOValue, call: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
        b.concatenate([b.reshape(key, [1]), b.reshape(call, [1])], dimension: 0)
    }

    /// The four Philox words of the first block of each element of a draw of `shape` (element
    /// `i`, row-major, reads counter `i · 2^64` under the draw's key), as `RandomState` lays
    /// out a draw's elements.
    static func drawBlocks(_ generator: StableHLOValue, stream: UInt64, shape: [Int], _ b: StableHLOBuilder)
        -> [StableHLOValue]
    {
        let drawKey = derivedKey(generator, domain: 0, low: constant(stream, b), b)
        let count = shape.reduce(1, *)
        let element = b.indices([count], dimension: 0)
        let zero = b.constant(0, .int64, shape: [count])
        let (e0, e1) = keyWords(element, b)
        return block(key: keyWords(drawKey, b), counter: [zero, zero, e0, e1], b).map { b.reshape($0, shape) }
    }

    /// 64 bits from two words, the first low (`RandomStream.nextUInt64`).
    static func bits64(_ low: StableHLOValue, _ high: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
        b.or(low, b.shiftLeft(high, 32))
    }

    /// A float64 in [0, 1) from 64 bits: their top 53 bits · 2^-53 (`UniformConversion.unitDouble`).
    static func unit(_ bits: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
        b.multiply(b.convert(b.shiftRightLogical(bits, 11), to: .float64), b.constant(0x1p-53, .float64, shape: bits.shape))
    }

    /// A float64 in (0, 1) from 64 bits: (top 52 bits + 0.5) · 2^-52 (`openUnitDouble`).
    static func openUnit(_ bits: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
        let half = b.constant(0.5, .float64, shape: bits.shape)
        let scaled = b.add(b.convert(b.shiftRightLogical(bits, 12), to: .float64), half)
        return b.multiply(scaled, b.constant(0x1p-52, .float64, shape: bits.shape))
    }
}

extension RandomGeneratorAdvance {
    /// The generator arithmetic: the next call adds one to the call word; a loop step derives a
    /// new key with Philox (domain 2, the depth), the call unchanged — `GeneratorValue`'s
    /// values exactly.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let generator = operands[0]
        let call = PhiloxLowering.word(generator, 1, b)
        switch step {
        case .call:
            return [PhiloxLowering.generator(key: PhiloxLowering.word(generator, 0, b), call: b.add(call, b.index(1)), b)]
        case .loopStep(let depth):
            let key = PhiloxLowering.derivedKey(
                generator, domain: 2, low: PhiloxLowering.constant(UInt64(max(0, depth)), b), b)
            return [PhiloxLowering.generator(key: key, call: call, b)]
        }
    }
}

extension RandomGeneratorSplit {
    /// Child `c` is the generator (Philox key of domain 3 and `c`, call 0) — `GeneratorValue`'s
    /// split exactly; all children's keys come from one vector of counters.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        guard count > 0 else { return [] }
        let b = context.builder
        let keys = PhiloxLowering.derivedKey(operands[0], domain: 3, low: b.indices([count], dimension: 0), b)
        let zero = b.index(0)
        return (0..<count).map { child in
            PhiloxLowering.generator(key: b.reshape(b.slice(keys, start: [child], limit: [child + 1]), []), call: zero, b)
        }
    }
}

extension RandomVariable {
    /// The draw's elements read the Philox blocks Cotangent's do (same key from generator and
    /// stream, element `i` at counter `i · 2^64`), turned into samples by inversion or a simple
    /// transform: uniform (Cotangent's values, in float64), normal and lognormal (the inverse
    /// error function, as JAX's), exponential, Cauchy, Laplace, logistic, Weibull, integers,
    /// bernoulli and geometric (Cotangent's values) and categorical (inversion of the
    /// cumulative probabilities); permutations and choices without replacement sort random
    /// keys (weighted choices by Gumbel top-k). Distributions sampled by rejection have no
    /// lowering (each throws its reason).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let type = context.outputType(node)
        let generator = operands[0]
        let parameters = Array(operands[firstParameter...])
        let batch = Array(type.shape.dropLast(distribution.eventRank))
        /// Parameter `k` (scalar core) as float64 of the batch shape.
        func real(_ k: Int) -> StableHLOValue { b.broadcast(b.convert(parameters[k], to: .float64), to: batch) }
        func blocks(_ shape: [Int]) -> [StableHLOValue] { PhiloxLowering.drawBlocks(generator, stream: stream, shape: shape, b) }
        func f64(_ value: Double, _ shape: [Int] = batch) -> StableHLOValue { b.constant(value, .float64, shape: shape) }
        func un(_ name: String, _ x: StableHLOValue) -> StableHLOValue { b.unary("stablehlo." + name, x) }
        /// The first 64 bits of each batch element, as Cotangent's samplers read them first.
        func firstBits() -> StableHLOValue {
            let words = blocks(batch)
            return PhiloxLowering.bits64(words[0], words[1], b)
        }
        func standardNormal() -> StableHLOValue {
            let u = PhiloxLowering.openUnit(firstBits(), b)
            let centered = b.subtract(b.multiply(f64(2), u), f64(1))
            return b.multiply(f64(2.0.squareRoot()), b.unary("chlo.erf_inv", centered))
        }
        func locationScale(_ standard: StableHLOValue) -> StableHLOValue {
            b.add(real(0), b.multiply(real(1), standard))
        }
        let value: StableHLOValue
        switch distribution.name {
        case "uniform":
            let (low, high) = (real(0), real(1))
            value = b.add(low, b.multiply(b.subtract(high, low), PhiloxLowering.unit(firstBits(), b)))
        case "normal":
            value = locationScale(standardNormal())
        case "lognormal":
            value = un("exponential", locationScale(standardNormal()))
        case "exponential":
            value = b.multiply(real(0), un("negate", un("log", PhiloxLowering.openUnit(firstBits(), b))))
        case "cauchy":
            let angle = b.multiply(f64(Double.pi), b.subtract(PhiloxLowering.openUnit(firstBits(), b), f64(0.5)))
            value = locationScale(b.divide(un("sine", angle), un("cosine", angle)))
        case "laplace":
            let v = b.subtract(PhiloxLowering.openUnit(firstBits(), b), f64(0.5))
            let tail = un("log_plus_one", b.multiply(f64(-2), un("abs", v)))
            value = locationScale(un("negate", b.multiply(un("sign", v), tail)))
        case "logistic":
            let u = PhiloxLowering.openUnit(firstBits(), b)
            value = locationScale(b.subtract(un("log", u), un("log_plus_one", un("negate", u))))
        case "weibull":
            let e = un("negate", un("log", PhiloxLowering.openUnit(firstBits(), b)))
            value = b.multiply(real(1), b.binary("stablehlo.power", e, b.divide(f64(1), real(0))))
        case "integers":
            // low + ⌊u · (high − low)⌋ from 53 bits: exact for ranges up to 2^53 apart from a
            // bias below 2^-53 · range (Cotangent's Lemire reduction has none).
            let low = b.broadcast(b.convert(parameters[0], to: .int64), to: batch)
            let width = b.subtract(b.broadcast(b.convert(parameters[1], to: .int64), to: batch), low)
            let offset = b.convert(
                un("floor", b.multiply(PhiloxLowering.unit(firstBits(), b), b.convert(width, to: .float64))), to: .int64)
            let top = b.subtract(width, b.constant(1, .int64, shape: batch))
            value = b.add(low, b.select(b.compare("LT", offset, width), offset, top))
        case "bernoulli":
            value = b.convert(b.compare("LT", PhiloxLowering.unit(firstBits(), b), real(0)), to: .int64)
        case "geometric":
            let ratio = b.divide(un("log", PhiloxLowering.openUnit(firstBits(), b)), un("log_plus_one", un("negate", real(0))))
            value = b.convert(b.binary("stablehlo.maximum", un("ceil", ratio), f64(1)), to: .int64)
        case "categorical":
            value = categorical(parameters[0], batch: batch, bits: firstBits(), b)
        case "permutation":
            value = try permutation(length: type.shape.last ?? 0, keep: type.shape.last ?? 0, batch: batch, blocks: blocks, b)
        case "choice_without_replacement" where distribution.signature == "(),()->(k)":
            let n = try context.staticIntegers(node.inputs[firstParameter], for: "the population size n")
            guard let population = n.first, n.allSatisfy({ $0 == population }) else {
                throw StableHLONotExportable("the population size n differs between batch elements")
            }
            value = try permutation(length: population, keep: type.shape.last ?? 0, batch: batch, blocks: blocks, b)
        case "choice_without_replacement":
            value = weightedChoice(parameters[1], keep: type.shape.last ?? 0, batch: batch, blocks: blocks, b)
        case "truncated_normal":
            throw StableHLONotExportable(
                "truncated normal draws need a sampler accurate in the tails (plain inversion of the CDF loses "
                    + "every digit there), not lowered yet")
        case "multivariate_normal":
            throw StableHLONotExportable("multivariate normal draws need a Cholesky factor, not lowered yet")
        default:
            throw StableHLONotExportable(
                "\(distribution.name) draws are sampled by rejection (a loop per element whose length depends on "
                    + "the numbers drawn), not lowered yet")
        }
        return [b.convert(value, to: type.dtype)]
    }

    /// Inversion of the cumulative probabilities: the number of categories whose cumulative
    /// sum is at most `u · total` (clamped to the last), the sums from a product with an
    /// upper-triangular matrix of ones.
    private func categorical(_ p: StableHLOValue, batch: [Int], bits: StableHLOValue, _ b: StableHLOBuilder)
        -> StableHLOValue
    {
        let k = p.shape.last ?? 0
        let probabilities = b.broadcast(b.convert(p, to: .float64), to: batch + [k])
        let rows = b.indices([k, k], dimension: 0)
        let columns = b.indices([k, k], dimension: 1)
        let triangle = b.convert(b.compare("LE", rows, columns), to: .float64)
        let cumulative = b.dotGeneral(probabilities, triangle, contractA: [batch.count], contractB: [0])
        let total = b.reshape(b.slice(cumulative, start: batch.map { _ in 0 } + [k - 1], limit: batch + [k]), batch)
        let threshold = b.multiply(PhiloxLowering.unit(bits, b), total)
        let below = b.compare("LE", cumulative, b.broadcastInDim(threshold, shape: batch + [k], dimensions: Array(0..<batch.count)))
        let count = b.reduce(b.convert(below, to: .int64), initial: b.index(0), dimensions: [batch.count], combiner: "stablehlo.add")
        return b.binary("stablehlo.minimum", count, b.constant(Double(k - 1), .int64, shape: batch))
    }

    /// The first `keep` entries of a uniformly random permutation of `0..<length` per batch
    /// element: positions sorted by 64 random bits each.
    private func permutation(
        length: Int, keep: Int, batch: [Int], blocks: ([Int]) -> [StableHLOValue], _ b: StableHLOBuilder
    ) throws -> StableHLOValue {
        let shape = batch + [length]
        let words = blocks(shape)
        let keys = PhiloxLowering.bits64(words[0], words[1], b)
        let order = b.sort([keys, b.indices(shape, dimension: batch.count)], dimension: batch.count) { b, args in
            b.compare("LT", args[0], args[1])
        }[1]
        return b.slice(order, start: shape.map { _ in 0 }, limit: batch + [keep])
    }

    /// Gumbel top-k: the `keep` categories with the largest `log p + Gumbel noise`, a draw
    /// without replacement with probabilities `p`.
    private func weightedChoice(
        _ p: StableHLOValue, keep: Int, batch: [Int], blocks: ([Int]) -> [StableHLOValue], _ b: StableHLOBuilder
    ) -> StableHLOValue {
        let k = p.shape.last ?? 0
        let shape = batch + [k]
        let words = blocks(shape)
        let u = PhiloxLowering.openUnit(PhiloxLowering.bits64(words[0], words[1], b), b)
        let gumbel = b.unary("stablehlo.negate", b.unary("stablehlo.log", b.unary("stablehlo.negate", b.unary("stablehlo.log", u))))
        let scores = b.add(b.unary("stablehlo.log", b.broadcast(b.convert(p, to: .float64), to: shape)), gumbel)
        let order = b.sort([scores, b.indices(shape, dimension: batch.count)], dimension: batch.count) { b, args in
            b.compare("GT", args[0], args[1])
        }[1]
        return b.slice(order, start: shape.map { _ in 0 }, limit: batch + [keep])
    }
}
