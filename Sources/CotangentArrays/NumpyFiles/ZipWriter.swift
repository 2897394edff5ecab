/// Writes zip archives whose members are stored or deflate-compressed.
///
/// Sizes and offsets of 4 GiB and more, and more than 65535 members, use ZIP64 extra fields and
/// end records. Timestamps are fixed at 1980-01-01 00:00, so the same arrays always give the same
/// bytes.
enum ZipWriter {
    /// 1980-01-01 in MS-DOS date format (years since 1980, month, day); the time is 00:00:00.
    private static let dosDate = 1 << 5 | 1

    /// The archive of `members`, deflated when `compressed`. `forcesZip64` writes the ZIP64
    /// records even when the sizes do not need them (for tests of the readers).
    static func archive(_ members: [(name: String, bytes: [UInt8])], compressed: Bool, forcesZip64: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        var central: [UInt8] = []
        for member in members {
            let payload = compressed ? Deflater.deflate(member.bytes) : member.bytes
            let entry = Entry(
                name: Array(member.name.utf8), crc: CRC32.checksum(member.bytes), method: compressed ? 8 : 0,
                size: member.bytes.count, compressedSize: payload.count, offset: output.count,
                forcesZip64: forcesZip64)
            output += entry.localHeader()
            output += payload
            central += entry.centralHeader()
        }
        let directoryOffset = output.count
        output += central
        let needsZip64 =
            forcesZip64 || members.count >= 0xFFFF || directoryOffset >= 0xFFFF_FFFF || central.count >= 0xFFFF_FFFF
        if needsZip64 {
            let recordOffset = output.count
            output.appendLittleEndian(UInt32(0x0606_4B50))
            output.appendLittleEndian(UInt64(44))
            output.appendLittleEndian(UInt16(45))
            output.appendLittleEndian(UInt16(45))
            output.appendLittleEndian(UInt64(0))  // this disk and the directory's disk
            output.appendLittleEndian(UInt64(members.count))
            output.appendLittleEndian(UInt64(members.count))
            output.appendLittleEndian(UInt64(central.count))
            output.appendLittleEndian(UInt64(directoryOffset))
            output.appendLittleEndian(UInt32(0x0706_4B50))
            output.appendLittleEndian(UInt32(0))
            output.appendLittleEndian(UInt64(recordOffset))
            output.appendLittleEndian(UInt32(1))
        }
        output.appendLittleEndian(UInt32(0x0605_4B50))
        output.appendLittleEndian(UInt32(0))  // disk numbers
        let count = needsZip64 ? 0xFFFF : members.count
        output.appendLittleEndian(UInt16(count))
        output.appendLittleEndian(UInt16(count))
        output.appendLittleEndian(UInt32(needsZip64 ? 0xFFFF_FFFF : central.count))
        output.appendLittleEndian(UInt32(needsZip64 ? 0xFFFF_FFFF : directoryOffset))
        output.appendLittleEndian(UInt16(0))  // comment length
        return output
    }

    /// One member's header fields.
    private struct Entry {
        let name: [UInt8]
        let crc: UInt32
        let method: Int
        let size: Int
        let compressedSize: Int
        let offset: Int
        let forcesZip64: Bool

        private var sizesNeedZip64: Bool { forcesZip64 || size >= 0xFFFF_FFFF || compressedSize >= 0xFFFF_FFFF }
        private var offsetNeedsZip64: Bool { forcesZip64 || offset >= 0xFFFF_FFFF }
        private var version: Int { sizesNeedZip64 || offsetNeedsZip64 ? 45 : 20 }
        /// Bit 11: the name is UTF-8.
        private var flags: Int { name.allSatisfy { $0 < 0x80 } ? 0 : 1 << 11 }

        /// Fields shared by the local and central headers, from "version needed" to the name length.
        private func commonFields(into bytes: inout [UInt8]) {
            bytes.appendLittleEndian(UInt16(version))
            bytes.appendLittleEndian(UInt16(flags))
            bytes.appendLittleEndian(UInt16(method))
            bytes.appendLittleEndian(UInt16(0))
            bytes.appendLittleEndian(UInt16(dosDate))
            bytes.appendLittleEndian(crc)
            bytes.appendLittleEndian(UInt32(sizesNeedZip64 ? 0xFFFF_FFFF : compressedSize))
            bytes.appendLittleEndian(UInt32(sizesNeedZip64 ? 0xFFFF_FFFF : size))
            bytes.appendLittleEndian(UInt16(name.count))
        }

        /// The ZIP64 extra field holding the saturated values, in the order the format fixes.
        private func zip64Extra(includesOffset: Bool) -> [UInt8] {
            var values: [Int] = sizesNeedZip64 ? [size, compressedSize] : []
            if includesOffset && offsetNeedsZip64 { values.append(offset) }
            guard !values.isEmpty else { return [] }
            var extra: [UInt8] = []
            extra.appendLittleEndian(UInt16(1))
            extra.appendLittleEndian(UInt16(8 * values.count))
            for value in values { extra.appendLittleEndian(UInt64(value)) }
            return extra
        }

        func localHeader() -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.appendLittleEndian(UInt32(0x0403_4B50))
            commonFields(into: &bytes)
            let extra = zip64Extra(includesOffset: false)
            bytes.appendLittleEndian(UInt16(extra.count))
            return bytes + name + extra
        }

        func centralHeader() -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.appendLittleEndian(UInt32(0x0201_4B50))
            bytes.appendLittleEndian(UInt16(3 << 8 | version))  // made by: Unix
            commonFields(into: &bytes)
            let extra = zip64Extra(includesOffset: true)
            bytes.appendLittleEndian(UInt16(extra.count))
            bytes.appendLittleEndian(UInt16(0))  // comment length
            bytes.appendLittleEndian(UInt16(0))  // disk
            bytes.appendLittleEndian(UInt16(0))  // internal attributes
            bytes.appendLittleEndian(UInt32(0o100644 << 16))  // a regular file, rw-r--r--
            bytes.appendLittleEndian(UInt32(offsetNeedsZip64 ? 0xFFFF_FFFF : offset))
            return bytes + name + extra
        }
    }
}
