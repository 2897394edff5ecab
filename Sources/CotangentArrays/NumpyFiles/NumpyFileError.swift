/// Where in a numpy file a problem was found.
///
/// ```swift
/// NumpyFileLocation(file: "w.npz", member: "b.npy", offset: 10).description
/// // "w.npz, member 'b.npy', byte 10"
/// ```
public struct NumpyFileLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path, or nil for bytes given in memory.
    public var file: String?
    /// The archive member (its name in the zip) the bytes belong to, or nil for a `.npy` file.
    public var member: String?
    /// The byte offset of the problem, counted from the start of the file, or of the member's
    /// uncompressed bytes when `member` is set.
    public var offset: Int

    /// A location from its parts.
    public init(file: String? = nil, member: String? = nil, offset: Int) {
        self.file = file
        self.member = member
        self.offset = offset
    }

    /// "w.npz, member 'b.npy', byte 10"; "<data>" stands for bytes without a file.
    public var description: String {
        var parts = [file ?? "<data>"]
        if let member { parts.append("member '\(member)'") }
        parts.append("byte \(offset)")
        return parts.joined(separator: ", ")
    }
}

/// Why a `.npy` or `.npz` file could not be read or written.
///
/// Malformed input always ends in one of these errors, never in a crash:
///
/// ```swift
/// do {
///     _ = try NDArray(npyData: Data([0x93, 0x4E]))
/// } catch let error as NumpyFileError {
///     print(error)  // "<data>, byte 0: truncated: the magic string needs 8 bytes, 2 remain"
/// }
/// ```
public enum NumpyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The array's dtype (its `descr`) has no ``DType``: complex, float16, unsigned wider than 8
    /// bits, strings, objects (pickles) and structured dtypes.
    case unsupportedDType(descr: String, at: NumpyFileLocation)
    /// The magic string, version or header dictionary is not what numpy writes.
    case malformedHeader(reason: String, at: NumpyFileLocation)
    /// The bytes end before the structure being read does.
    case truncated(reason: String, at: NumpyFileLocation)
    /// A zip member's CRC-32 differs from the one its headers record.
    case checksumMismatch(expected: UInt32, actual: UInt32, at: NumpyFileLocation)
    /// The zip structure (headers, central directory, sizes, compression method) is invalid or
    /// unsupported.
    case malformedArchive(reason: String, at: NumpyFileLocation)
    /// A deflate-compressed member is corrupt.
    case corruptDeflateStream(reason: String, at: NumpyFileLocation)
    /// The file system refused to read or write the file.
    case fileAccess(path: String, reason: String)

    /// The location the error names, if it has one.
    public var location: NumpyFileLocation? {
        switch self {
        case .unsupportedDType(_, let at), .malformedHeader(_, let at), .truncated(_, let at),
            .checksumMismatch(_, _, let at), .malformedArchive(_, let at),
            .corruptDeflateStream(_, let at):
            at
        case .fileAccess: nil
        }
    }

    /// A one-line message naming the file, member and offset.
    public var description: String {
        switch self {
        case .unsupportedDType(let descr, let at):
            "\(at): unsupported dtype '\(descr)' (supported: |b1, |i1, |u1, i2, i4, i8, f4, f8 "
                + "in either byte order)"
        case .malformedHeader(let reason, let at): "\(at): malformed header: \(reason)"
        case .truncated(let reason, let at): "\(at): truncated: \(reason)"
        case .checksumMismatch(let expected, let actual, let at):
            "\(at): CRC-32 mismatch: recorded \(hex(expected)), data has \(hex(actual))"
        case .malformedArchive(let reason, let at): "\(at): malformed zip archive: \(reason)"
        case .corruptDeflateStream(let reason, let at): "\(at): corrupt deflate stream: \(reason)"
        case .fileAccess(let path, let reason): "\(path): \(reason)"
        }
    }

    /// The same error with the file (and member, when given) filled in: parsers work on bytes
    /// and know neither; the public entry points add them.
    func located(file: String?, member: String? = nil) -> NumpyFileError {
        relocated { NumpyFileLocation(file: file ?? $0.file, member: member ?? $0.member, offset: $0.offset) }
    }

    /// The same error with its offset moved by `delta` (from a part's bytes to the whole's).
    func offset(by delta: Int) -> NumpyFileError {
        relocated { NumpyFileLocation(file: $0.file, member: $0.member, offset: $0.offset + delta) }
    }

    private func relocated(_ place: (NumpyFileLocation) -> NumpyFileLocation) -> NumpyFileError {
        switch self {
        case .unsupportedDType(let descr, let at): .unsupportedDType(descr: descr, at: place(at))
        case .malformedHeader(let reason, let at): .malformedHeader(reason: reason, at: place(at))
        case .truncated(let reason, let at): .truncated(reason: reason, at: place(at))
        case .checksumMismatch(let expected, let actual, let at):
            .checksumMismatch(expected: expected, actual: actual, at: place(at))
        case .malformedArchive(let reason, let at): .malformedArchive(reason: reason, at: place(at))
        case .corruptDeflateStream(let reason, let at): .corruptDeflateStream(reason: reason, at: place(at))
        case .fileAccess: self
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
