// Escaping for the text formats the pictures of graphs are written in (DOT, SVG/HTML, JSON).

/// `text` with each character found in `table` replaced by its entry.
func replacingCharacters(_ text: String, _ table: [Character: String]) -> String {
    var result = ""
    for character in text {
        if let replacement = table[character] { result += replacement } else { result.append(character) }
    }
    return result
}

/// `text` as a JSON string literal, quotes included.
///
/// - Parameter forScript: also write `<`, `>`, `&` and the line separators U+2028/U+2029 as
///   `\u` escapes, so that the literal can sit inside an HTML `<script>` element.
package func jsonQuoted(_ text: String, forScript: Bool = false) -> String {
    func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}":
            if forScript { result += escape(scalar) } else { result.unicodeScalars.append(scalar) }
        default:
            if scalar.value < 0x20 { result += escape(scalar) } else { result.unicodeScalars.append(scalar) }
        }
    }
    return result + "\""
}
