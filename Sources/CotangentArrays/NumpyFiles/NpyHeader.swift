/// The header of a `.npy` file: what its data bytes hold and where they start.
///
/// The header is a Python dict literal, `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`,
/// after a magic string, a version and the dict's length (2 bytes in version 1.0, 4 in 2.0 and
/// 3.0; 3.0 allows UTF-8). numpy pads it with spaces to a 64-byte boundary.
struct NpyHeader: Equatable {
    var dtype: DType
    /// Whether the data bytes are big-endian.
    var isBigEndian: Bool
    /// Whether the data bytes are column-major.
    var isFortranOrder: Bool
    var shape: [Int]
    /// Where the data bytes start.
    var dataOffset: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Parses the header at the start of `bytes`.
    static func parse(_ bytes: [UInt8]) throws(NumpyFileError) -> NpyHeader {
        var reader = ByteReader(bytes)
        let magicRange = try reader.take(magic.count + 2, of: "the magic string")
        guard bytes[magicRange.prefix(magic.count)].elementsEqual(magic) else {
            throw .malformedHeader(
                reason: "not a .npy file (no \\x93NUMPY magic string)", at: NumpyFileLocation(offset: 0))
        }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthWidth: Int
        switch (major, minor) {
        case (1, 0): lengthWidth = 2
        case (2, 0), (3, 0): lengthWidth = 4
        default:
            throw .malformedHeader(
                reason: "unsupported format version \(major).\(minor) (1.0, 2.0 and 3.0 are known)",
                at: NumpyFileLocation(offset: 6))
        }
        let length = Int(try reader.unsigned(lengthWidth, of: "the header length"))
        let textStart = reader.position
        let text = try reader.take(length, of: "the header of \(length) bytes")
        var parser = PythonLiteralParser(bytes: bytes, range: text, allowsUTF8: major == 3)
        let dict = try parser.parseHeaderDict()
        var header = try NpyHeader(dict: dict, textStart: textStart)
        header.dataOffset = reader.position
        return header
    }

    /// The dtype and byte order of a numpy type string such as `<f8`, `>i4` or `|b1`.
    static func dtype(descr: String) -> (DType, bigEndian: Bool)? {
        var code = Substring(descr)
        var bigEndian = false
        switch code.first {
        case "<", "=", "|": code.removeFirst()
        case ">":
            code.removeFirst()
            bigEndian = true
        default: break
        }
        let dtype: DType
        switch code {
        case "b1", "?": dtype = .bool
        case "i1": dtype = .int8
        case "u1": dtype = .uint8
        case "i2": dtype = .int16
        case "i4": dtype = .int32
        case "i8": dtype = .int64
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        default: return nil
        }
        // `|` says "byte order does not apply", which is only true of 1-byte types.
        if descr.first == "|" && dtype.itemSize != 1 { return nil }
        return (dtype, bigEndian && dtype.itemSize > 1)
    }

    /// numpy's type string for a dtype, little-endian: `|b1`, `<f8`.
    static func descr(_ dtype: DType) -> String {
        let order = dtype.itemSize == 1 ? "|" : "<"
        let code: String =
            switch dtype {
            case .bool: "b1"
            case .int8: "i1"
            case .uint8: "u1"
            case .int16: "i2"
            case .int32: "i4"
            case .int64: "i8"
            case .float32: "f4"
            case .float64: "f8"
            }
        return order + code
    }

    /// The complete header (magic string to final newline) numpy's `save` writes for a
    /// little-endian C-order array: version 1.0, or 2.0 when the dict is too long for 1.0.
    static func encode(dtype: DType, shape: [Int]) -> [UInt8] {
        var dict = "{'descr': '\(descr(dtype))', 'fortran_order': False, 'shape': \(formatShape(shape)), }"
        // numpy leaves room for the first dimension to grow to any 64-bit length in place.
        if let first = shape.first { dict += String(repeating: " ", count: max(21 - String(first).count, 0)) }
        let text = Array(dict.utf8)
        func paddedLength(lengthWidth: Int) -> (padding: Int, length: Int) {
            let unpadded = magic.count + 2 + lengthWidth + text.count + 1
            let padding = 64 - unpadded % 64
            return (padding, text.count + padding + 1)
        }
        var (version, lengthWidth) = (UInt8(1), 2)
        if paddedLength(lengthWidth: 2).length > Int(UInt16.max) { (version, lengthWidth) = (2, 4) }
        let (padding, length) = paddedLength(lengthWidth: lengthWidth)
        var bytes = magic + [version, 0]
        bytes.appendLittleEndian(UInt32(truncatingIfNeeded: length), width: lengthWidth)
        bytes += text
        bytes += repeatElement(UInt8(ascii: " "), count: padding)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

extension NpyHeader {
    /// The header a parsed dict describes (`dataOffset` still 0).
    fileprivate init(dict: [String: PythonLiteralParser.Value], textStart: Int) throws(NumpyFileError) {
        let at = NumpyFileLocation(offset: textStart)
        let keys = Set(dict.keys)
        guard keys == ["descr", "fortran_order", "shape"] else {
            throw .malformedHeader(
                reason: "the header's keys are \(keys.sorted()), not ['descr', 'fortran_order', 'shape']", at: at)
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw .malformedHeader(reason: "'fortran_order' is not True or False", at: at)
        }
        guard case .tuple(let items)? = dict["shape"] else {
            throw .malformedHeader(reason: "'shape' is not a tuple", at: at)
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let length) = item, length >= 0 else {
                throw .malformedHeader(reason: "'shape' holds \(item), not a non-negative integer", at: at)
            }
            shape.append(length)
        }
        guard case .string(let descr)? = dict["descr"] else {
            throw .unsupportedDType(descr: dict["descr"].map { "\($0)" } ?? "", at: at)
        }
        guard let (dtype, bigEndian) = NpyHeader.dtype(descr: descr) else {
            throw .unsupportedDType(descr: descr, at: at)
        }
        self.init(dtype: dtype, isBigEndian: bigEndian, isFortranOrder: fortran, shape: shape, dataOffset: 0)
    }
}
