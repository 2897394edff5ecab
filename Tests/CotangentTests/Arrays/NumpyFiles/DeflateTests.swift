import Testing

@testable import CotangentArrays

@Suite("Deflate and inflate")
struct DeflateTests {
    /// Inputs that exercise literals, long and overlapping matches, incompressible runs and
    /// more than one block.
    static let inputs: [[UInt8]] = {
        var generator = SplitMix64(seed: 11)
        let noise = (0..<70_000).map { UInt8(truncatingIfNeeded: generator.raw(UInt64($0))) }
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog; ", count: 300).utf8)
        let skewed = (0..<40_000).map { UInt8(generator.raw(UInt64($0) + 1_000_000) % 7 == 0 ? 200 : $0 % 3) }
        return [[], [42], Array(repeating: 7, count: 1000), Array(0...255), noise, text, skewed, text + noise + text]
    }()

    @Test("inflate(deflate(x)) == x")
    func roundTrip() throws {
        for input in DeflateTests.inputs {
            let compressed = Deflater.deflate(input)
            let back = try Inflater.inflate(compressed, range: compressed.indices, expectedCount: input.count)
            #expect(back == input, "\(input.count) bytes")
        }
    }

    @Test("compression chooses the cheaper block kinds")
    func ratios() {
        let text = DeflateTests.inputs[5]
        #expect(Deflater.deflate(text).count < text.count / 20)
        let noise = DeflateTests.inputs[4]
        // Stored blocks: 5 bytes of framing per block of tokens.
        #expect(Deflater.deflate(noise).count <= noise.count + 5 * 5)
        #expect(Deflater.deflate([]) == [0x03, 0x00])
    }

    @Test("the CRC-32 is zip's")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test("code lengths respect their limit and form complete codes")
    func limitedLengths() {
        let fibonacci = (0..<30).reduce(into: [1, 1]) { list, _ in list.append(list[list.count - 1] + list[list.count - 2]) }
        for frequencies in [fibonacci, [5, 0], [0, 0, 3], [1, 1, 1, 1, 1], fibonacci + [0, 0, 9]] {
            let lengths = HuffmanEncoder.limitedLengths(frequencies, limit: 15)
            #expect(lengths.max()! <= 15)
            let kraft = lengths.filter { $0 > 0 }.reduce(0.0) { $0 + 1 / Double(1 << $1) }
            #expect(kraft == 1, "\(frequencies) → \(lengths)")
            #expect(zip(frequencies, lengths).allSatisfy { $0 == 0 || $1 > 0 })
        }
    }

    @Test("corrupt streams throw, never crash")
    func corruptStreams() {
        let input = DeflateTests.inputs[7]
        let compressed = Deflater.deflate(Array(input.prefix(3000)))
        // Every truncation and a flipped byte at many positions.
        for length in stride(from: 0, to: compressed.count, by: 7) {
            #expect(throws: NumpyFileError.self) {
                try Inflater.inflate(Array(compressed[..<length]), range: 0..<length, expectedCount: 3000)
            }
        }
        for position in stride(from: 0, to: compressed.count, by: 5) {
            var damaged = compressed
            damaged[position] ^= 0x5A
            // A flipped byte may still decode; it must never trap.
            _ = try? Inflater.inflate(damaged, range: damaged.indices, expectedCount: 3000)
        }
        let cases: [([UInt8], String)] = [
            ([0x07], "block type 3"),
            ([0x01, 0x05, 0x00, 0x00, 0x00], "length check"),
            ([0x03, 0x00], ""),
            // A fixed block whose first match reaches before the data.
            ([0x03, 0x02, 0x00], "distance"),
        ]
        for (stream, reason) in cases {
            do throws(NumpyFileError) {
                let output = try Inflater.inflate(stream, range: stream.indices, expectedCount: 10)
                #expect(reason.isEmpty && output.isEmpty)
            } catch {
                #expect(!reason.isEmpty && error.description.contains(reason), "\(error)")
            }
        }
    }

    @Test("output beyond the declared size is refused")
    func sizeLimit() {
        let compressed = Deflater.deflate(Array(repeating: 1, count: 100_000))
        #expect(throws: NumpyFileError.self) {
            try Inflater.inflate(compressed, range: compressed.indices, expectedCount: 1000)
        }
    }
}
