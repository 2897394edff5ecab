/// Little-endian reads from a byte buffer that throw, rather than trap, past its end.
struct ByteReader {
    let bytes: [UInt8]
    /// The next byte to read.
    var position: Int
    /// One past the last readable byte.
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { max(end - position, 0) }

    /// Skips `count` bytes of `what` and returns their range.
    mutating func take(_ count: Int, of what: String) throws(NumpyFileError) -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw .truncated(
                reason: "\(what) needs \(count) bytes, \(remaining) remain",
                at: NumpyFileLocation(offset: position))
        }
        defer { position += count }
        return position..<(position + count)
    }

    /// An unsigned little-endian integer of `width` bytes.
    mutating func unsigned(_ width: Int, of what: String) throws(NumpyFileError) -> UInt64 {
        let range = try take(width, of: what)
        var value: UInt64 = 0
        for index in range.reversed() { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    mutating func uint16(_ what: String) throws(NumpyFileError) -> Int { Int(try unsigned(2, of: what)) }
    mutating func uint32(_ what: String) throws(NumpyFileError) -> UInt32 { UInt32(try unsigned(4, of: what)) }
    mutating func uint64(_ what: String) throws(NumpyFileError) -> UInt64 { try unsigned(8, of: what) }
}

extension Array where Element == UInt8 {
    /// Appends `value` as `width` little-endian bytes.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T, width: Int = T.bitWidth / 8) {
        for k in 0..<width { append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }
}
