/// Parses the Python literals a `.npy` header holds: a dict of strings, booleans, integers,
/// tuples and lists (structured dtypes), with Python's optional trailing commas.
///
/// Only literals are accepted; nothing is evaluated.
struct PythonLiteralParser {
    /// A parsed literal.
    enum Value: Equatable, CustomStringConvertible {
        case string(String)
        case bool(Bool)
        case integer(Int)
        case none
        case tuple([Value])
        case list([Value])

        var description: String {
            switch self {
            case .string(let text): "'\(text)'"
            case .bool(let flag): flag ? "True" : "False"
            case .integer(let value): String(value)
            case .none: "None"
            case .tuple(let items): "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
            case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    let bytes: [UInt8]
    var position: Int
    let end: Int
    let allowsUTF8: Bool
    /// Nesting depth, bounded so that a hostile header cannot exhaust the stack.
    private var depth = 0

    init(bytes: [UInt8], range: Range<Int>, allowsUTF8: Bool) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.allowsUTF8 = allowsUTF8
    }

    /// The header dict; only whitespace may follow it.
    mutating func parseHeaderDict() throws(NumpyFileError) -> [String: Value] {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        var dict: [String: Value] = [:]
        while true {
            skipSpace()
            if try peek() == UInt8(ascii: "}") { break }
            let keyOffset = position
            guard case .string(let key) = try parseValue() else {
                throw malformed("a dict key is not a string", at: keyOffset)
            }
            skipSpace()
            try expect(UInt8(ascii: ":"))
            if dict[key] != nil { throw malformed("the key '\(key)' appears twice", at: keyOffset) }
            dict[key] = try parseValue()
            skipSpace()
            if try peek() == UInt8(ascii: ",") { position += 1 } else { break }
        }
        skipSpace()
        try expect(UInt8(ascii: "}"))
        skipSpace()
        guard position == end else { throw malformed("unexpected text after the header dict", at: position) }
        return dict
    }

    private mutating func parseValue() throws(NumpyFileError) -> Value {
        skipSpace()
        let start = position
        switch try peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return try parseString()
        case UInt8(ascii: "("): return .tuple(try parseSequence(closing: UInt8(ascii: ")")))
        case UInt8(ascii: "["): return .list(try parseSequence(closing: UInt8(ascii: "]")))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseInteger()
        default:
            while position < end, isIdentifierByte(bytes[position]) { position += 1 }
            switch String(decoding: bytes[start..<position], as: UTF8.self) {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: throw malformed("expected a Python literal", at: start)
            }
        }
    }

    private mutating func parseSequence(closing: UInt8) throws(NumpyFileError) -> [Value] {
        let start = position
        depth += 1
        defer { depth -= 1 }
        guard depth <= 32 else { throw malformed("literals nested too deeply", at: start) }
        position += 1
        var items: [Value] = []
        while true {
            skipSpace()
            if try peek() == closing { break }
            items.append(try parseValue())
            skipSpace()
            if try peek() == UInt8(ascii: ",") { position += 1 } else { break }
        }
        try expect(closing)
        return items
    }

    private mutating func parseString() throws(NumpyFileError) -> Value {
        let start = position
        let quote = bytes[position]
        position += 1
        let contentStart = position
        while true {
            let byte = try peek()
            if byte == quote { break }
            // Escapes never occur in the type strings numpy writes; refusing them keeps the
            // parser small and exact.
            guard byte != UInt8(ascii: "\\"), byte != UInt8(ascii: "\n") else {
                throw malformed("unsupported character in a string", at: position)
            }
            guard byte < 0x80 || allowsUTF8 else {
                throw malformed("non-ASCII text in a version 1.0/2.0 header", at: position)
            }
            position += 1
        }
        let content = bytes[contentStart..<position]
        position += 1
        guard let text = String(validating: content, as: UTF8.self) else {
            throw malformed("a string is not valid UTF-8", at: start)
        }
        return .string(text)
    }

    private mutating func parseInteger() throws(NumpyFileError) -> Value {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var magnitude = 0
        var digits = 0
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw malformed("an integer is too large", at: start) }
            magnitude = sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw malformed("expected digits", at: start) }
        // Python 2 wrote long integers with an `L` suffix.
        if position < end, bytes[position] == UInt8(ascii: "L") { position += 1 }
        return .integer(negative ? -magnitude : magnitude)
    }

    private func isIdentifierByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }

    private mutating func skipSpace() {
        while position < end,
            [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(bytes[position])
        {
            position += 1
        }
    }

    private func peek() throws(NumpyFileError) -> UInt8 {
        guard position < end else { throw malformed("the header dict ends early", at: position) }
        return bytes[position]
    }

    private mutating func expect(_ byte: UInt8) throws(NumpyFileError) {
        guard try peek() == byte else {
            throw malformed("expected '\(Character(Unicode.Scalar(byte)))'", at: position)
        }
        position += 1
    }

    private func malformed(_ reason: String, at offset: Int) -> NumpyFileError {
        .malformedHeader(reason: reason, at: NumpyFileLocation(offset: offset))
    }
}
