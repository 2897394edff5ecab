/// Decompresses raw deflate streams (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Every malformed stream throws ``NumpyFileError/corruptDeflateStream(reason:at:)`` (offsets
/// count bytes of the compressed stream) or ``NumpyFileError/truncated(reason:at:)``.
struct Inflater {
    private let input: [UInt8]
    private var position: Int
    private let end: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private let start: Int
    private var output: [UInt8] = []
    /// Output beyond this many bytes is an error (the size the zip headers declare), which also
    /// bounds the memory a hostile stream can claim.
    private let limit: Int

    /// The decompressed bytes of the deflate stream in `input[range]`.
    static func inflate(_ input: [UInt8], range: Range<Int>, expectedCount: Int) throws(NumpyFileError) -> [UInt8] {
        var inflater = Inflater(input: input, range: range, limit: expectedCount)
        inflater.output.reserveCapacity(expectedCount)
        var isFinal = false
        while !isFinal {
            isFinal = try inflater.bits(1) == 1
            switch try inflater.bits(2) {
            case 0: try inflater.storedBlock()
            case 1: try inflater.huffmanBlock(literals: fixedCodes.literals, distances: fixedCodes.distances)
            case 2:
                let (literals, distances) = try inflater.dynamicCodes()
                try inflater.huffmanBlock(literals: literals, distances: distances)
            default: throw inflater.corrupt("block type 3 is reserved")
            }
        }
        return inflater.output
    }

    private init(input: [UInt8], range: Range<Int>, limit: Int) {
        self.input = input
        self.position = range.lowerBound
        self.start = range.lowerBound
        self.end = min(range.upperBound, input.count)
        self.limit = limit
    }

    private static let fixedCodes = (
        literals: HuffmanDecoder(lengths: DeflateTables.fixedLiteralLengths),
        distances: HuffmanDecoder(lengths: DeflateTables.fixedDistanceLengths)
    )

    private func corrupt(_ reason: String) -> NumpyFileError {
        .corruptDeflateStream(reason: reason, at: NumpyFileLocation(offset: position - start))
    }

    /// The next `count` (0...32) bits, least significant first.
    private mutating func bits(_ count: Int) throws(NumpyFileError) -> Int {
        while bitCount < count {
            guard position < end else {
                throw .truncated(
                    reason: "the deflate stream ends inside a block", at: NumpyFileLocation(offset: position - start))
            }
            bitBuffer |= UInt64(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << count) - 1))
        bitBuffer >>= count
        bitCount -= count
        return value
    }

    private mutating func decode(_ code: HuffmanDecoder) throws(NumpyFileError) -> Int {
        // Canonical codes: at each length the codes are consecutive, so a running comparison
        // against the first code of each length finds the symbol.
        var codeValue = 0
        var first = 0
        var index = 0
        for length in 1...HuffmanDecoder.maximumLength {
            codeValue |= try bits(1)
            let count = code.counts[length]
            if codeValue - first < count { return code.symbols[index + codeValue - first] }
            index += count
            first = (first + count) << 1
            codeValue <<= 1
        }
        throw corrupt("a Huffman code is not in the block's code")
    }

    private mutating func storedBlock() throws(NumpyFileError) {
        // A stored block starts at the next byte boundary.
        bitBuffer = 0
        bitCount = 0
        var reader = ByteReader(input, from: position, to: end)
        let length: Int
        let complement: Int
        do {
            length = try reader.uint16("a stored block's length")
            complement = try reader.uint16("a stored block's length check")
        } catch {
            throw error.offset(by: -start)
        }
        guard length == ~complement & 0xFFFF else { throw corrupt("a stored block's length check fails") }
        guard output.count + length <= limit else { throw corrupt("the data is longer than its declared size") }
        do {
            output += input[try reader.take(length, of: "a stored block")]
        } catch {
            throw error.offset(by: -start)
        }
        position = reader.position
    }

    private mutating func dynamicCodes() throws(NumpyFileError) -> (HuffmanDecoder, HuffmanDecoder) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let lengthCodeCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw corrupt("too many length or distance codes") }
        var lengthCodeLengths = [Int](repeating: 0, count: 19)
        for k in 0..<lengthCodeCount { lengthCodeLengths[DeflateTables.codeLengthOrder[k]] = try bits(3) }
        let lengthCode = try makeDecoder(lengthCodeLengths, allowsIncomplete: false)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(lengthCode)
            var (value, repeats) = (symbol, 1)
            switch symbol {
            case 16:
                guard let previous = lengths.last else { throw corrupt("a repeat code has no previous length") }
                (value, repeats) = (previous, 3 + (try bits(2)))
            case 17: (value, repeats) = (0, 3 + (try bits(3)))
            case 18: (value, repeats) = (0, 11 + (try bits(7)))
            default: break
            }
            guard lengths.count + repeats <= literalCount + distanceCount else {
                throw corrupt("code lengths repeat past the end of the list")
            }
            lengths += repeatElement(value, count: repeats)
        }
        guard lengths[256] != 0 else { throw corrupt("the block's code has no end-of-block symbol") }
        let literals = try makeDecoder(Array(lengths[..<literalCount]), allowsIncomplete: false)
        let distances = try makeDecoder(Array(lengths[literalCount...]), allowsIncomplete: true)
        return (literals, distances)
    }

    private func makeDecoder(_ lengths: [Int], allowsIncomplete: Bool) throws(NumpyFileError) -> HuffmanDecoder {
        let decoder = HuffmanDecoder(lengths: lengths)
        guard !decoder.isOverSubscribed else { throw corrupt("a Huffman code is over-subscribed") }
        // An incomplete code is allowed only in its degenerate forms (one or no distance code),
        // as zlib does.
        let used = lengths.count { $0 > 0 }
        if decoder.isIncomplete && !(allowsIncomplete && used <= 1) {
            throw corrupt("a Huffman code is incomplete")
        }
        return decoder
    }

    private mutating func huffmanBlock(literals: HuffmanDecoder, distances: HuffmanDecoder) throws(NumpyFileError) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                guard output.count < limit else { throw corrupt("the data is longer than its declared size") }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthCode = symbol - 257
            guard lengthCode < 29 else { throw corrupt("invalid length symbol \(symbol)") }
            let length = DeflateTables.lengthBase[lengthCode] + (try bits(DeflateTables.lengthExtraBits[lengthCode]))
            let distanceCode = try decode(distances)
            guard distanceCode < 30 else { throw corrupt("invalid distance symbol \(distanceCode)") }
            let distance =
                DeflateTables.distanceBase[distanceCode] + (try bits(DeflateTables.distanceExtraBits[distanceCode]))
            guard distance <= output.count else { throw corrupt("a distance reaches before the start of the data") }
            guard output.count + length <= limit else { throw corrupt("the data is longer than its declared size") }
            // Byte by byte: a match may overlap the bytes it produces (distance < length).
            let from = output.count - distance
            for k in 0..<length { output.append(output[from + k]) }
        }
    }
}

/// A canonical Huffman code for decoding: how many codes each length has, and the symbols in
/// code order.
struct HuffmanDecoder {
    static let maximumLength = 15
    var counts = [Int](repeating: 0, count: maximumLength + 1)
    var symbols: [Int] = []
    /// Whether some bit strings decode to no symbol.
    var isIncomplete = false

    /// Whether more codes are given than bit strings exist (the code is unusable).
    var isOverSubscribed = false

    /// The code of the given code lengths per symbol (0: the symbol does not occur; at most 15).
    init(lengths: [Int]) {
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1...HuffmanDecoder.maximumLength {
            left = left * 2 - counts[length]
            if left < 0 {
                isOverSubscribed = true
                return
            }
        }
        isIncomplete = left > 0
        for length in 1...HuffmanDecoder.maximumLength {
            for (symbol, symbolLength) in lengths.enumerated() where symbolLength == length { symbols.append(symbol) }
        }
    }
}
