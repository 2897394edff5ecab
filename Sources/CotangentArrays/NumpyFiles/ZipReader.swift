/// Reads the members of a zip archive: stored or deflate-compressed, with ZIP64 extra fields and
/// end records where the archive has them, each member's CRC-32 checked.
enum ZipReader {
    /// A member's name and uncompressed bytes.
    struct Member {
        var name: String
        var bytes: [UInt8]
    }

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// Every member, in central-directory order.
    static func members(of bytes: [UInt8]) throws(NumpyFileError) -> [Member] {
        let directory = try centralDirectory(of: bytes)
        var reader = ByteReader(bytes, from: directory.offset, to: directory.offset + directory.size)
        var members: [Member] = []
        for _ in 0..<directory.entryCount {
            members.append(try member(at: &reader, in: bytes))
        }
        return members
    }

    private static func malformed(_ reason: String, at offset: Int) -> NumpyFileError {
        .malformedArchive(reason: reason, at: NumpyFileLocation(offset: offset))
    }

    /// An unsigned size or offset as an `Int`, or an error if it cannot be one.
    private static func int(_ value: UInt64, at offset: Int) throws(NumpyFileError) -> Int {
        guard let result = Int(exactly: value) else { throw malformed("a size or offset is too large", at: offset) }
        return result
    }

    private static func centralDirectory(of bytes: [UInt8]) throws(NumpyFileError) -> (offset: Int, size: Int, entryCount: Int) {
        // The end record (22 bytes and a comment of up to 65535) is found by its signature,
        // searching back from the end.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var endOffset: Int? = nil
        var candidate = bytes.count - 22
        while candidate >= lowest {
            if bytes[candidate] == 0x50, bytes[candidate + 1] == 0x4B, bytes[candidate + 2] == 5, bytes[candidate + 3] == 6 {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard let endOffset else {
            throw bytes.count < 22
                ? .truncated(reason: "a zip archive needs at least 22 bytes, \(bytes.count) given", at: NumpyFileLocation(offset: 0))
                : malformed("no end-of-central-directory record", at: max(bytes.count - 22, 0))
        }
        var end = ByteReader(bytes, from: endOffset + 4)
        let disk = try end.uint16("the end record")
        let directoryDisk = try end.uint16("the end record")
        _ = try end.uint16("the end record")
        var entryCount = UInt64(try end.uint16("the end record"))
        var size = UInt64(try end.uint32("the end record"))
        var offset = UInt64(try end.uint32("the end record"))
        guard disk == 0 && directoryDisk == 0 else { throw malformed("multi-disk archives are not supported", at: endOffset) }

        // A ZIP64 locator just before the end record points at the ZIP64 end record, whose
        // 8-byte fields replace the saturated 2- and 4-byte ones.
        var locator = ByteReader(bytes, from: max(endOffset - 20, 0), to: endOffset)
        if endOffset >= 20, try locator.uint32("the ZIP64 locator") == zip64LocatorSignature {
            _ = try locator.uint32("the ZIP64 locator")
            let recordOffset = try int(try locator.uint64("the ZIP64 locator"), at: endOffset - 16)
            var record = ByteReader(bytes, from: recordOffset)
            guard try record.uint32("the ZIP64 end record") == zip64EndSignature else {
                throw malformed("the ZIP64 locator does not point at a ZIP64 end record", at: recordOffset)
            }
            _ = try record.take(20, of: "the ZIP64 end record")
            _ = try record.uint64("the ZIP64 end record")
            entryCount = try record.uint64("the ZIP64 end record")
            size = try record.uint64("the ZIP64 end record")
            offset = try record.uint64("the ZIP64 end record")
        }
        let directory = (try int(offset, at: endOffset + 16), try int(size, at: endOffset + 12), try int(entryCount, at: endOffset + 10))
        guard directory.0 <= bytes.count, directory.1 <= bytes.count - directory.0 else {
            throw .truncated(reason: "the central directory lies past the end of the archive", at: NumpyFileLocation(offset: endOffset))
        }
        // Every central entry takes at least 46 bytes.
        guard directory.2 <= directory.1 / 46 else {
            throw malformed("\(directory.2) entries do not fit a central directory of \(directory.1) bytes", at: endOffset)
        }
        return directory
    }

    private static func member(at reader: inout ByteReader, in bytes: [UInt8]) throws(NumpyFileError) -> Member {
        let entryOffset = reader.position
        guard try reader.uint32("a central directory entry") == centralSignature else {
            throw malformed("a central directory entry has a wrong signature", at: entryOffset)
        }
        _ = try reader.take(4, of: "a central directory entry")
        let flags = try reader.uint16("a central directory entry")
        let method = try reader.uint16("a central directory entry")
        _ = try reader.take(4, of: "a central directory entry")
        let crc = try reader.uint32("a central directory entry")
        var compressedSize = UInt64(try reader.uint32("a central directory entry"))
        var size = UInt64(try reader.uint32("a central directory entry"))
        let nameLength = try reader.uint16("a central directory entry")
        let extraLength = try reader.uint16("a central directory entry")
        let commentLength = try reader.uint16("a central directory entry")
        _ = try reader.take(8, of: "a central directory entry")
        var localOffset = UInt64(try reader.uint32("a central directory entry"))
        let name = String(decoding: bytes[try reader.take(nameLength, of: "a member name")], as: UTF8.self)
        let extra = try reader.take(extraLength, of: "a central extra field")
        _ = try reader.take(commentLength, of: "a member comment")

        // ZIP64: the fields saturated in the entry follow, in this order, in extra field 0x0001.
        var fields = ByteReader(bytes, from: extra.lowerBound, to: extra.upperBound)
        while fields.remaining >= 4 {
            let id = try fields.uint16("an extra field")
            let length = try fields.uint16("an extra field")
            var data = ByteReader(bytes, from: fields.position, to: fields.position + length)
            _ = try fields.take(length, of: "an extra field")
            guard id == 0x0001 else { continue }
            if size == 0xFFFF_FFFF { size = try data.uint64("the ZIP64 extra field") }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try data.uint64("the ZIP64 extra field") }
            if localOffset == 0xFFFF_FFFF { localOffset = try data.uint64("the ZIP64 extra field") }
        }
        do {
            return Member(
                name: name,
                bytes: try contents(
                    in: bytes, localOffset: try int(localOffset, at: entryOffset + 42), flags: flags, method: method,
                    crc: crc, compressedSize: try int(compressedSize, at: entryOffset + 20),
                    size: try int(size, at: entryOffset + 24)))
        } catch {
            throw error.located(file: nil, member: name)
        }
    }

    private static func contents(
        in bytes: [UInt8], localOffset: Int, flags: Int, method: Int, crc: UInt32, compressedSize: Int, size: Int
    ) throws(NumpyFileError) -> [UInt8] {
        guard flags & 1 == 0 else { throw malformed("the member is encrypted", at: localOffset) }
        var local = ByteReader(bytes, from: localOffset)
        guard try local.uint32("a local header") == localSignature else {
            throw malformed("the local header has a wrong signature", at: localOffset)
        }
        _ = try local.take(22, of: "a local header")
        let nameLength = try local.uint16("a local header")
        let extraLength = try local.uint16("a local header")
        _ = try local.take(nameLength + extraLength, of: "a local header's name and extra field")
        let dataStart = local.position
        let data = try local.take(compressedSize, of: "the member's data")
        let contents: [UInt8]
        switch method {
        case 0:
            guard compressedSize == size else {
                throw malformed("a stored member's sizes differ (\(compressedSize) and \(size))", at: dataStart)
            }
            contents = Array(bytes[data])
        case 8:
            do {
                contents = try Inflater.inflate(bytes, range: data, expectedCount: size)
            } catch {
                // Deflate offsets count from the member's compressed data; report them in the archive.
                throw error.offset(by: dataStart)
            }
            guard contents.count == size else {
                throw .corruptDeflateStream(
                    reason: "the data has \(contents.count) bytes, its header declares \(size)",
                    at: NumpyFileLocation(offset: dataStart))
            }
        default:
            throw malformed("compression method \(method) is not supported (stored and deflate are)", at: localOffset + 8)
        }
        let actual = CRC32.checksum(contents)
        guard actual == crc else {
            throw .checksumMismatch(expected: crc, actual: actual, at: NumpyFileLocation(offset: dataStart))
        }
        return contents
    }
}
