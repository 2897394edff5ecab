import CotangentArrays
import CotangentGraph

/// A generalized-ufunc signature such as `(m,n),(n)->(m)`: for each input and output, the names
/// of its core (trailing) dimensions. ``Blockwise`` batches a core op over the dimensions to
/// their left.
public struct GufuncSignature: Hashable, Sendable, CustomStringConvertible {
    /// Core dimension names of each input, in order (`[]` for a scalar core `()`).
    public let inputs: [[String]]
    /// Core dimension names of each output.
    public let outputs: [[String]]

    /// A signature with these core dimension names per input and output.
    public init(inputs: [[String]], outputs: [[String]]) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Parses `(n),(k),()->(o)`. Whitespace is ignored; dimension names are letters, digits
    /// and underscores; there must be at least one input and one output.
    ///
    /// - Throws: `CotangentError` (`.invalidGraph`) saying what is malformed.
    public init(parsing text: String) throws {
        let characters = Array(text.filter { !$0.isWhitespace })
        var arrow: Int? = nil
        for i in characters.indices.dropLast() where characters[i] == "-" && characters[i + 1] == ">" {
            guard arrow == nil else {
                throw GufuncSignature.error(text, "it has more than one '->'")
            }
            arrow = i
        }
        guard let arrow else { throw GufuncSignature.error(text, "it has no '->'") }
        inputs = try GufuncSignature.parseList(characters[..<arrow], side: "inputs", text: text)
        outputs = try GufuncSignature.parseList(characters[(arrow + 2)...], side: "outputs", text: text)
    }

    /// `(n),(k),()->(o)`.
    public var description: String {
        func list(_ parts: [[String]]) -> String {
            parts.map { "(" + $0.joined(separator: ",") + ")" }.joined(separator: ",")
        }
        return list(inputs) + "->" + list(outputs)
    }

    private static func error(_ text: String, _ reason: String) -> CotangentError {
        CotangentError(.invalidGraph, 
            "invalid gufunc signature '\(text)': \(reason); expected a form such as '(m,n),(n)->(m)'")
    }

    /// Parses `(a,b),(),(c)`.
    private static func parseList(
        _ characters: ArraySlice<Character>, side: String, text: String
    ) throws -> [[String]] {
        guard !characters.isEmpty else { throw error(text, "it lists no \(side)") }
        var result: [[String]] = []
        var i = characters.startIndex
        while true {
            guard i < characters.endIndex, characters[i] == "(" else {
                throw error(text, "each of its \(side) must be a parenthesised list of dimension names")
            }
            i += 1
            var names: [String] = []
            var name = ""
            while i < characters.endIndex, characters[i] != ")" {
                let c = characters[i]
                if c == "," {
                    guard !name.isEmpty else { throw error(text, "it has an empty dimension name") }
                    names.append(name)
                    name = ""
                } else if c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) {
                    name.append(c)
                } else {
                    throw error(text, "'\(c)' cannot appear in a dimension name")
                }
                i += 1
            }
            guard i < characters.endIndex else { throw error(text, "a '(' is not closed") }
            if !name.isEmpty {
                names.append(name)
            } else if !names.isEmpty {
                throw error(text, "it has an empty dimension name")
            }
            result.append(names)
            i += 1  // past ")"
            if i == characters.endIndex { return result }
            guard characters[i] == "," else {
                throw error(text, "its \(side) must be separated by ','")
            }
            i += 1
        }
    }
}
