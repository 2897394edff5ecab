// A minimal JSON writer: the records' keys stay in the order the schema lists them.

import Cotangent

/// A JSON value with ordered object keys.
enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// The compact JSON text (`json.dumps` style separators).
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value):
            // JSON has no inf/nan; Swift's shortest round-trip form is valid JSON otherwise.
            guard value.isFinite else { return "null" }
            return "\(value)"
        case .string(let value): return JSON.quoted(value)
        case .array(let values): return "[" + values.map(\.text).joined(separator: ", ") + "]"
        case .object(let pairs):
            return "{" + pairs.map { JSON.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    static func quoted(_ string: String) -> String { jsonQuoted(string) }
}

extension JSON {
    /// `.int` or `.null`.
    init(_ value: Int?) { self = value.map(JSON.int) ?? .null }
    /// `.double` or `.null`.
    init(_ value: Double?) { self = value.map(JSON.double) ?? .null }
    /// `.string` or `.null`.
    init(_ value: String?) { self = value.map(JSON.string) ?? .null }
}
