/// Compresses bytes into a raw deflate stream (RFC 1951), as zip members store them.
///
/// LZ77 matching over a 32 KiB window (hash chains of 3-byte prefixes, greedy longest match),
/// then per block of tokens the cheapest of a stored, a fixed-Huffman and a dynamic-Huffman block.
enum Deflater {
    private static let windowSize = 1 << 15
    private static let hashBits = 15
    private static let maximumChain = 96
    private static let minimumMatch = 3
    private static let maximumMatch = 258
    private static let tokensPerBlock = 1 << 14

    /// A literal byte (`distance == 0`) or a back reference.
    private struct Token {
        var literalOrLength: UInt16
        var distance: UInt16
    }

    /// The deflate stream of `input`.
    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        var blockTokens: [Token] = []
        blockTokens.reserveCapacity(tokensPerBlock)
        var blockStart = 0
        input.withUnsafeBufferPointer { bytes in
            var matcher = Matcher(bytes: bytes)
            var position = 0
            while position < bytes.count {
                let (length, distance) = matcher.longestMatch(at: position)
                if length >= minimumMatch {
                    blockTokens.append(Token(literalOrLength: UInt16(length), distance: UInt16(distance)))
                    for k in position..<(position + length) { matcher.insert(k) }
                    position += length
                } else {
                    blockTokens.append(Token(literalOrLength: UInt16(bytes[position]), distance: 0))
                    matcher.insert(position)
                    position += 1
                }
                if blockTokens.count == tokensPerBlock {
                    writeBlock(blockTokens, input: bytes[blockStart..<position], isFinal: position == bytes.count, to: &writer)
                    blockTokens.removeAll(keepingCapacity: true)
                    blockStart = position
                }
            }
            if !blockTokens.isEmpty || input.isEmpty {
                writeBlock(blockTokens, input: bytes[blockStart..<bytes.count], isFinal: true, to: &writer)
            }
        }
        writer.alignToByte()
        return writer.bytes
    }

    /// Hash chains of the positions seen so far, by their first three bytes.
    private struct Matcher {
        let bytes: UnsafeBufferPointer<UInt8>
        var head = [Int32](repeating: -1, count: 1 << Deflater.hashBits)
        var previous = [Int32](repeating: -1, count: Deflater.windowSize)

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        private func hash(_ position: Int) -> Int {
            (Int(bytes[position]) << 10 ^ Int(bytes[position + 1]) << 5 ^ Int(bytes[position + 2])) & (1 << Deflater.hashBits - 1)
        }

        mutating func insert(_ position: Int) {
            guard position + Deflater.minimumMatch <= bytes.count else { return }
            let key = hash(position)
            previous[position & (Deflater.windowSize - 1)] = head[key]
            head[key] = Int32(position)
        }

        func longestMatch(at position: Int) -> (length: Int, distance: Int) {
            guard position + Deflater.minimumMatch <= bytes.count else { return (0, 0) }
            let limit = min(Deflater.maximumMatch, bytes.count - position)
            var best = (length: 0, distance: 0)
            var candidate = Int(head[hash(position)])
            var chain = Deflater.maximumChain
            while candidate >= 0, position - candidate <= Deflater.windowSize, chain > 0 {
                // Cheap rejection: a longer match must agree at the current best length.
                if bytes[candidate + best.length] == bytes[position + best.length] || best.length == 0 {
                    var length = 0
                    while length < limit && bytes[candidate + length] == bytes[position + length] { length += 1 }
                    if length > best.length {
                        best = (length, position - candidate)
                        if length == limit { break }
                    }
                }
                let next = Int(previous[candidate & (Deflater.windowSize - 1)])
                // Older entries of a reused slot point forward; the chain ends there.
                if next >= candidate { break }
                candidate = next
                chain -= 1
            }
            return best.length >= Deflater.minimumMatch ? best : (0, 0)
        }
    }

    /// Writes the tokens covering `input` as the cheapest kind of block.
    private static func writeBlock(
        _ tokens: [Token], input: Slice<UnsafeBufferPointer<UInt8>>, isFinal: Bool, to writer: inout BitWriter
    ) {
        var literalFrequencies = [Int](repeating: 0, count: 286)
        var distanceFrequencies = [Int](repeating: 0, count: 30)
        var extraBits = 0
        for token in tokens {
            if token.distance == 0 {
                literalFrequencies[Int(token.literalOrLength)] += 1
            } else {
                let symbol = DeflateTables.lengthSymbol[Int(token.literalOrLength)]
                let distanceSymbol = DeflateTables.distanceSymbol(Int(token.distance))
                literalFrequencies[symbol] += 1
                distanceFrequencies[distanceSymbol] += 1
                extraBits += DeflateTables.lengthExtraBits[symbol - 257] + DeflateTables.distanceExtraBits[distanceSymbol]
            }
        }
        literalFrequencies[256] = 1
        let literals = HuffmanEncoder(frequencies: literalFrequencies, limit: 15)
        let distances = HuffmanEncoder(frequencies: distanceFrequencies, limit: 15)
        let header = DynamicHeader(literals: literals.lengths, distances: distances.lengths)
        func cost(_ literalLengths: [Int], _ distanceLengths: [Int]) -> Int {
            var bits = extraBits
            for (symbol, count) in literalFrequencies.enumerated() { bits += count * literalLengths[symbol] }
            for (symbol, count) in distanceFrequencies.enumerated() { bits += count * distanceLengths[symbol] }
            return bits
        }
        let dynamicCost = 3 + header.bitCount + cost(literals.lengths, distances.lengths)
        let fixedCost = 3 + cost(DeflateTables.fixedLiteralLengths, DeflateTables.fixedDistanceLengths)
        let storedCost = (input.count + 5 * max((input.count + 65534) / 65535, 1)) * 8 + 7

        if storedCost <= min(fixedCost, dynamicCost) {
            var chunkStart = input.startIndex
            repeat {
                let chunkEnd = min(chunkStart + 65535, input.endIndex)
                writer.write(isFinal && chunkEnd == input.endIndex ? 1 : 0, width: 1)
                writer.write(0, width: 2)
                writer.alignToByte()
                let length = chunkEnd - chunkStart
                writer.write(length, width: 16)
                writer.write(~length & 0xFFFF, width: 16)
                writer.append(contentsOf: input[chunkStart..<chunkEnd])
                chunkStart = chunkEnd
            } while chunkStart < input.endIndex
            return
        }
        writer.write(isFinal ? 1 : 0, width: 1)
        if fixedCost <= dynamicCost {
            writer.write(1, width: 2)
            writeTokens(tokens, literals: fixedCodes.literals, distances: fixedCodes.distances, to: &writer)
        } else {
            writer.write(2, width: 2)
            header.write(to: &writer)
            writeTokens(tokens, literals: literals, distances: distances, to: &writer)
        }
    }

    private static let fixedCodes = (
        literals: HuffmanEncoder(lengths: DeflateTables.fixedLiteralLengths),
        distances: HuffmanEncoder(lengths: DeflateTables.fixedDistanceLengths)
    )

    private static func writeTokens(
        _ tokens: [Token], literals: HuffmanEncoder, distances: HuffmanEncoder, to writer: inout BitWriter
    ) {
        for token in tokens {
            if token.distance == 0 {
                let symbol = Int(token.literalOrLength)
                writer.write(literals.reversedCodes[symbol], width: literals.lengths[symbol])
                continue
            }
            let length = Int(token.literalOrLength)
            let symbol = DeflateTables.lengthSymbol[length]
            writer.write(literals.reversedCodes[symbol], width: literals.lengths[symbol])
            writer.write(length - DeflateTables.lengthBase[symbol - 257], width: DeflateTables.lengthExtraBits[symbol - 257])
            let distance = Int(token.distance)
            let distanceSymbol = DeflateTables.distanceSymbol(distance)
            writer.write(distances.reversedCodes[distanceSymbol], width: distances.lengths[distanceSymbol])
            writer.write(
                distance - DeflateTables.distanceBase[distanceSymbol],
                width: DeflateTables.distanceExtraBits[distanceSymbol])
        }
        writer.write(literals.reversedCodes[256], width: literals.lengths[256])
    }
}

/// The code-length header of a dynamic-Huffman block: both codes' lengths, run-length coded
/// (symbols 16-18) and Huffman coded with a third code whose lengths come first.
private struct DynamicHeader {
    let literalCount: Int
    let distanceCount: Int
    /// Run-length symbols 0...18 and the value of their extra bits.
    let runs: [(symbol: Int, extra: Int)]
    let lengthCode: HuffmanEncoder
    let lengthCodeCount: Int

    private static let extraWidth = [16: 2, 17: 3, 18: 7]

    init(literals: [Int], distances: [Int]) {
        literalCount = max(257, (literals.lastIndex { $0 > 0 } ?? 0) + 1)
        distanceCount = max(1, (distances.lastIndex { $0 > 0 } ?? 0) + 1)
        let all = Array(literals[..<literalCount]) + Array(distances[..<distanceCount])
        var runs: [(symbol: Int, extra: Int)] = []
        var k = 0
        while k < all.count {
            let value = all[k]
            var run = 1
            while k + run < all.count && all[k + run] == value { run += 1 }
            k += run
            if value == 0 {
                while run >= 11 {
                    let n = min(run, 138)
                    runs.append((18, n - 11))
                    run -= n
                }
                if run >= 3 {
                    runs.append((17, run - 3))
                    run = 0
                }
            } else {
                runs.append((value, 0))
                run -= 1
                while run >= 3 {
                    let n = min(run, 6)
                    runs.append((16, n - 3))
                    run -= n
                }
            }
            runs += repeatElement((symbol: value, extra: 0), count: run)
        }
        self.runs = runs
        var frequencies = [Int](repeating: 0, count: 19)
        for run in runs { frequencies[run.symbol] += 1 }
        lengthCode = HuffmanEncoder(frequencies: frequencies, limit: 7)
        var count = 19
        while count > 4 && lengthCode.lengths[DeflateTables.codeLengthOrder[count - 1]] == 0 { count -= 1 }
        lengthCodeCount = count
    }

    var bitCount: Int {
        14 + 3 * lengthCodeCount
            + runs.reduce(0) { $0 + lengthCode.lengths[$1.symbol] + (DynamicHeader.extraWidth[$1.symbol] ?? 0) }
    }

    func write(to writer: inout BitWriter) {
        writer.write(literalCount - 257, width: 5)
        writer.write(distanceCount - 1, width: 5)
        writer.write(lengthCodeCount - 4, width: 4)
        for k in 0..<lengthCodeCount { writer.write(lengthCode.lengths[DeflateTables.codeLengthOrder[k]], width: 3) }
        for run in runs {
            writer.write(lengthCode.reversedCodes[run.symbol], width: lengthCode.lengths[run.symbol])
            if let width = DynamicHeader.extraWidth[run.symbol] { writer.write(run.extra, width: width) }
        }
    }
}
