/// Canonical Huffman codes for compression: length-limited code lengths from symbol frequencies
/// (package-merge, which gives the optimal lengths under the limit) and the codes they imply.
struct HuffmanEncoder {
    /// Each symbol's code length (0: the symbol has no code).
    let lengths: [Int]
    /// Each symbol's code, bit-reversed so that it can be written least significant bit first.
    let reversedCodes: [Int]

    /// The code of the given code lengths (a canonical code, as deflate defines it).
    init(lengths: [Int]) {
        self.lengths = lengths
        var countPerLength = [Int](repeating: 0, count: 16)
        for length in lengths where length > 0 { countPerLength[length] += 1 }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1..<16 {
            code = (code + countPerLength[length - 1]) << 1
            nextCode[length] = code
        }
        var codes = [Int](repeating: 0, count: lengths.count)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            var value = nextCode[length]
            nextCode[length] += 1
            var reversed = 0
            for _ in 0..<length {
                reversed = reversed << 1 | value & 1
                value >>= 1
            }
            codes[symbol] = reversed
        }
        reversedCodes = codes
    }

    /// The optimal code for `frequencies` whose lengths do not exceed `limit`. The code is always
    /// complete and has at least two symbols (decoders reject other codes), so a symbol set of
    /// fewer than two gets unused partners.
    init(frequencies: [Int], limit: Int) {
        self.init(lengths: HuffmanEncoder.limitedLengths(frequencies, limit: limit))
    }

    /// Package-merge: `limit` rounds of pairing the cheapest items; a symbol's code length is the
    /// number of the first `2n - 2` items of the final list it takes part in.
    static func limitedLengths(_ frequencies: [Int], limit: Int) -> [Int] {
        var lengths = [Int](repeating: 0, count: frequencies.count)
        let used = frequencies.indices.filter { frequencies[$0] > 0 }.sorted {
            (frequencies[$0], $0) < (frequencies[$1], $1)
        }
        if used.count < 2 {
            // One or no symbol: two one-bit codes, the second for a symbol that never occurs.
            let first = used.first ?? 0
            if lengths.count >= 2 {
                lengths[first] = 1
                lengths[first == 0 ? 1 : 0] = 1
            }
            return lengths
        }
        // Items are leaves (`node < 0`: symbol `-node - 1`) or packages of two earlier items.
        var children: [(Int, Int)] = []
        let leaves = used.map { (weight: frequencies[$0], node: -$0 - 1) }
        var current = leaves
        for _ in 1..<limit {
            var packages: [(weight: Int, node: Int)] = []
            var k = 0
            while k + 1 < current.count {
                children.append((current[k].node, current[k + 1].node))
                packages.append((current[k].weight + current[k + 1].weight, children.count - 1))
                k += 2
            }
            var merged: [(weight: Int, node: Int)] = []
            merged.reserveCapacity(leaves.count + packages.count)
            var (i, j) = (0, 0)
            while i < leaves.count || j < packages.count {
                if j == packages.count || (i < leaves.count && leaves[i].weight <= packages[j].weight) {
                    merged.append(leaves[i])
                    i += 1
                } else {
                    merged.append(packages[j])
                    j += 1
                }
            }
            current = merged
        }
        var stack = current.prefix(2 * used.count - 2).map(\.node)
        while let node = stack.popLast() {
            if node < 0 {
                lengths[-node - 1] += 1
            } else {
                stack.append(children[node].0)
                stack.append(children[node].1)
            }
        }
        return lengths
    }
}

/// Writes bits least significant first, as deflate packs them.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// Appends the low `width` (at most 32) bits of `value`.
    mutating func write(_ value: Int, width: Int) {
        buffer |= (UInt64(truncatingIfNeeded: value) & ((1 << UInt64(width)) - 1)) << UInt64(count)
        count += width
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// Pads with zero bits to the next byte boundary.
    mutating func alignToByte() {
        if count > 0 { write(0, width: 8 - count) }
    }

    /// Appends whole bytes (the writer must be at a byte boundary).
    mutating func append<C: Collection<UInt8>>(contentsOf data: C) {
        bytes += data
    }
}
