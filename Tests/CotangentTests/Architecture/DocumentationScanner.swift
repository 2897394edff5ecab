import Foundation

/// Finds public declarations without a doc comment in Swift source text.
///
/// The rule (what counts as a public symbol that needs its own `///` comment):
/// - a declaration (`func`, `init`, `subscript`, `var`, `let`, `case`, `struct`, `class`, `enum`,
///   `protocol`, `actor`, `typealias`, `associatedtype`) marked `public` or `open`, declared at
///   file scope or in the body of a type or extension (never inside a function or property body);
/// - every requirement declared in the body of a `public protocol`;
/// - every `case` in the body of a `public enum`; a `case` line naming several cases is reported
///   too, since one comment cannot say what each of them is.
///
/// A declaration counts as documented when the line before it (skipping attribute lines such as
/// `@inlinable`) is a `///` comment or ends a `/** … */` comment. Two kinds are exempt, because
/// DocC gives them the documentation of what they implement or override:
/// - an implementation of a protocol requirement: a member whose signature (base name and
///   argument labels, e.g. `perform(_:node:)`, or a property's name) is a requirement of a
///   protocol the enclosing type conforms to — anywhere in the scanned sources, through protocol
///   inheritance, or one of the standard-library protocols listed in `standardRequirements` — and
///   a member of a protocol's own extension that is a requirement of that protocol (a default
///   implementation);
/// - an `override`.
struct DocumentationScanner {
    /// A public declaration without a doc comment.
    struct Finding: CustomStringConvertible, Equatable {
        var file: String
        var line: Int
        var declaration: String
        var description: String { "\(file):\(line): \(declaration)" }
    }

    /// Requirements of the standard-library protocols the sources conform to (signatures as
    /// `signature(of:)` writes them).
    static let standardRequirements: [String: Set<String>] = [
        "CustomStringConvertible": ["description"],
        "CustomDebugStringConvertible": ["debugDescription"],
        "LosslessStringConvertible": ["init(_:)"],
        "Equatable": ["==(_:_:)", "!=(_:_:)"],
        "Hashable": ["hash(into:)", "hashValue"],
        "Comparable": ["<(_:_:)", "<=(_:_:)", ">(_:_:)", ">=(_:_:)"],
        "Encodable": ["encode(to:)"],
        "Decodable": ["init(from:)"],
        "Codable": ["encode(to:)", "init(from:)"],
        "CodingKey": ["stringValue", "intValue", "init(stringValue:)", "init(intValue:)"],
        "Error": [],
        "LocalizedError": ["errorDescription", "failureReason", "recoverySuggestion", "helpAnchor"],
        "Sequence": ["makeIterator()", "underestimatedCount"],
        "IteratorProtocol": ["next()"],
        "Collection": [
            "startIndex", "endIndex", "index(after:)", "subscript(_:)", "count", "isEmpty", "indices",
            "formIndex(after:)",
        ],
        "BidirectionalCollection": ["index(before:)", "formIndex(before:)"],
        "RandomAccessCollection": ["index(_:offsetBy:)", "distance(from:to:)"],
        "MutableCollection": ["subscript(_:)"],
        "ExpressibleByArrayLiteral": ["init(arrayLiteral:)"],
        "ExpressibleByIntegerLiteral": ["init(integerLiteral:)"],
        "ExpressibleByFloatLiteral": ["init(floatLiteral:)"],
        "ExpressibleByBooleanLiteral": ["init(booleanLiteral:)"],
        "ExpressibleByStringLiteral": ["init(stringLiteral:)"],
        "ExpressibleByDictionaryLiteral": ["init(dictionaryLiteral:)"],
        "RawRepresentable": ["rawValue", "init(rawValue:)"],
        "CaseIterable": ["allCases"],
        "Identifiable": ["id"],
        "AdditiveArithmetic": ["+(_:_:)", "-(_:_:)", "+=(_:_:)", "-=(_:_:)", "zero"],
    ]

    /// Standard-library protocols that refine others (only what the table above needs).
    static let standardParents: [String: [String]] = [
        "Hashable": ["Equatable"], "Comparable": ["Equatable"], "Codable": ["Encodable", "Decodable"],
        "BidirectionalCollection": ["Collection"], "RandomAccessCollection": ["BidirectionalCollection"],
        "Collection": ["Sequence"], "MutableCollection": ["Collection"], "LocalizedError": ["Error"],
        "CodingKey": ["CustomStringConvertible", "CustomDebugStringConvertible"],
        "FixedWidthInteger": ["Comparable", "Hashable", "CustomStringConvertible"],
        "BinaryFloatingPoint": ["Comparable", "Hashable", "CustomStringConvertible"],
        "StringProtocol": ["Comparable", "Hashable", "CustomStringConvertible"],
    ]

    static let declarationKeywords: Set<String> = [
        "func", "init", "subscript", "var", "let", "case", "struct", "class", "enum", "protocol",
        "actor", "typealias", "associatedtype", "extension",
    ]
    static let modifiers: Set<String> = [
        "public", "open", "internal", "package", "private", "fileprivate", "static", "class", "final",
        "override", "mutating", "nonmutating", "nonisolated", "convenience", "required", "indirect",
        "prefix", "postfix", "infix", "lazy", "weak", "unowned", "dynamic", "optional", "consuming",
        "borrowing", "isolated", "distributed",
    ]

    /// One declaration found on a line.
    struct Declaration {
        var keyword: String
        var modifiers: Set<String>
        var name: String
        /// Base name and argument labels for functions, initializers and subscripts; the name for
        /// the rest.
        var signature: String
        /// Names declared by a `case` line (several for `case a, b`).
        var caseNames: [String]
        /// The conformances listed after `:` for types and extensions.
        var inherited: [String]
    }

    /// The kind of scope a `{` opened.
    enum Scope {
        /// A type, protocol or extension body: declarations in it are members of `name`.
        case members(name: String, keyword: String, isPublic: Bool)
        /// Anything else (function, property or closure body, `if`, `switch`, …).
        case code
    }

    // MARK: - Lexing

    /// The lines of `text` with comments and string contents blanked out (same lengths), so
    /// braces and keywords inside them are not seen.
    static func codeLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current: [Character] = []
        enum Mode { case code, lineComment, blockComment(depth: Int), string(raw: Int, multiline: Bool) }
        var mode = Mode.code
        // Interpolations inside strings: each entry is the paren depth at which the string resumes,
        // and the string's raw/multiline form.
        var interpolations: [(depth: Int, raw: Int, multiline: Bool)] = []
        var parenDepth = 0
        let chars = Array(text)
        var i = 0
        func peek(_ offset: Int) -> Character? { i + offset < chars.count ? chars[i + offset] : nil }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                if case .lineComment = mode { mode = .code }
                lines.append(String(current))
                current = []
                i += 1
                continue
            }
            switch mode {
            case .lineComment:
                current.append(" ")
                i += 1
            case .blockComment(let depth):
                if c == "*" && peek(1) == "/" {
                    current.append(contentsOf: "  ")
                    i += 2
                    mode = depth == 1 ? .code : .blockComment(depth: depth - 1)
                } else if c == "/" && peek(1) == "*" {
                    current.append(contentsOf: "  ")
                    i += 2
                    mode = .blockComment(depth: depth + 1)
                } else {
                    current.append(" ")
                    i += 1
                }
            case .string(let raw, let multiline):
                let escape: [Character] = ["\\"] + Array(repeating: "#", count: raw)
                if Array(chars[i..<min(chars.count, i + escape.count)]) == escape {
                    let after = i + escape.count
                    if after < chars.count && chars[after] == "(" {
                        interpolations.append((parenDepth, raw, multiline))
                        current.append(contentsOf: Array(repeating: " ", count: escape.count) + ["("])
                        parenDepth += 1
                        i = after + 1
                        mode = .code
                    } else {
                        current.append(contentsOf: Array(repeating: " ", count: min(escape.count + 1, chars.count - i)))
                        i = min(chars.count, after + 1)
                    }
                    continue
                }
                let quotes = multiline ? 3 : 1
                let closing: [Character] = Array(repeating: "\"", count: quotes) + Array(repeating: "#", count: raw)
                if Array(chars[i..<min(chars.count, i + closing.count)]) == closing {
                    current.append(contentsOf: closing)
                    i += closing.count
                    mode = .code
                } else {
                    current.append(" ")
                    i += 1
                }
            case .code:
                if c == "/" && peek(1) == "/" {
                    mode = .lineComment
                    current.append(contentsOf: "  ")
                    i += 2
                } else if c == "/" && peek(1) == "*" {
                    mode = .blockComment(depth: 1)
                    current.append(contentsOf: "  ")
                    i += 2
                } else if c == "#" || c == "\"" {
                    var raw = 0
                    while i + raw < chars.count && chars[i + raw] == "#" { raw += 1 }
                    guard i + raw < chars.count, chars[i + raw] == "\"" else {
                        current.append(c)
                        i += 1
                        continue
                    }
                    let multiline = i + raw + 2 < chars.count && chars[i + raw + 1] == "\"" && chars[i + raw + 2] == "\""
                    let opening = raw + (multiline ? 3 : 1)
                    current.append(contentsOf: chars[i..<i + opening])
                    i += opening
                    mode = .string(raw: raw, multiline: multiline)
                } else {
                    if c == "(" { parenDepth += 1 }
                    if c == ")" {
                        parenDepth -= 1
                        if let last = interpolations.last, last.depth == parenDepth {
                            interpolations.removeLast()
                            current.append(c)
                            i += 1
                            mode = .string(raw: last.raw, multiline: last.multiline)
                            continue
                        }
                    }
                    current.append(c)
                    i += 1
                }
            }
        }
        lines.append(String(current))
        return lines
    }

    // MARK: - Declarations

    /// The declaration that `code` (one line, comments and strings blanked) starts, if any.
    static func declaration(in code: String, continuation: [String]) -> Declaration? {
        var rest = Substring(code).drop(while: \.isWhitespace)
        // Attributes, possibly with arguments (`@available(*, deprecated)`).
        while rest.first == "@" {
            rest = rest.dropFirst().drop(while: { $0.isLetter || $0.isNumber || $0 == "_" })
            if rest.first == "(" {
                var depth = 0
                var index = rest.startIndex
                repeat {
                    if rest[index] == "(" { depth += 1 }
                    if rest[index] == ")" { depth -= 1 }
                    index = rest.index(after: index)
                } while depth > 0 && index < rest.endIndex
                rest = rest[index...]
            }
            rest = rest.drop(while: \.isWhitespace)
        }
        var modifiers: Set<String> = []
        while true {
            let word = String(rest.prefix(while: { $0.isLetter }))
            guard !word.isEmpty else { return nil }
            var after = rest.dropFirst(word.count)
            // `private(set)`, `nonisolated(unsafe)`.
            if after.first == "(", Self.modifiers.contains(word), let close = after.firstIndex(of: ")") {
                after = after[after.index(after: close)...]
                rest = after.drop(while: \.isWhitespace)
                modifiers.insert(word + "(…)")
                continue
            }
            let next = after.first
            // `class` is a modifier only when a declaration keyword follows it.
            if word == "class", let following = after.drop(while: \.isWhitespace).split(separator: " ").first,
                Self.declarationKeywords.contains(String(following.prefix(while: { $0.isLetter }))),
                following.prefix(while: { $0.isLetter }) != "class"
            {
                modifiers.insert(word)
                rest = after.drop(while: \.isWhitespace)
                continue
            }
            if Self.declarationKeywords.contains(word), next == nil || !(next!.isLetter || next!.isNumber || next! == "_") {
                rest = after.drop(while: \.isWhitespace)
                return makeDeclaration(keyword: word, modifiers: modifiers, rest: rest, continuation: continuation)
            }
            if Self.modifiers.contains(word), next == nil || next!.isWhitespace {
                modifiers.insert(word)
                rest = after.drop(while: \.isWhitespace)
                continue
            }
            return nil
        }
    }

    static func makeDeclaration(keyword: String, modifiers: Set<String>, rest: Substring, continuation: [String]) -> Declaration {
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "`" || c == "." }
        var name: String
        var afterName: Substring
        if keyword == "init" || keyword == "subscript" {
            name = keyword
            afterName = rest.drop(while: { $0 == "?" || $0 == "!" })
        } else if let first = rest.first, !isNameCharacter(first), keyword == "func" {
            // An operator.
            name = String(rest.prefix(while: { !$0.isWhitespace && $0 != "(" && $0 != "<" }))
            afterName = rest.dropFirst(name.count)
        } else {
            name = String(rest.prefix(while: isNameCharacter))
            afterName = rest.dropFirst(name.count)
        }
        name = name.replacingOccurrences(of: "`", with: "")
        var signature = name
        var caseNames: [String] = []
        var inherited: [String] = []
        let joined = ([String(afterName)] + continuation).joined(separator: " ")
        switch keyword {
        case "func", "init", "subscript":
            let isOperator = keyword == "func" && !(name.first.map { $0.isLetter || $0 == "_" } ?? false)
            let labels = parameterLabels(joined, isSubscript: keyword == "subscript")
            signature = name + "(" + labels.map { (isOperator ? "_" : $0) + ":" }.joined() + ")"
        case "case":
            caseNames = topLevelSplit(String(rest), stopAt: ["=", "{"]).map {
                String($0.drop(while: \.isWhitespace).prefix(while: isNameCharacter))
            }.filter { !$0.isEmpty }
            name = caseNames.first ?? name
            signature = name
        case "struct", "class", "enum", "protocol", "actor", "extension":
            let clause = droppingGenericClause(Substring(joined))
            if clause.first == ":" {
                let list = clause.dropFirst().prefix(while: { $0 != "{" })
                let beforeWhere = list.range(of: " where ").map { list[..<$0.lowerBound] } ?? list
                inherited = topLevelSplit(String(beforeWhere), stopAt: []).map {
                    $0.trimmingCharacters(in: .whitespaces).components(separatedBy: "<")[0]
                        .components(separatedBy: ".").last!
                }.filter { !$0.isEmpty }
            }
        default:
            break
        }
        return Declaration(keyword: keyword, modifiers: modifiers, name: name, signature: signature,
                           caseNames: caseNames, inherited: inherited)
    }

    /// Splits at commas outside brackets, stopping at the first top-level character of `stopAt`.
    static func topLevelSplit(_ text: String, stopAt: Set<Character>) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var previous: Character = " "
        for c in text {
            if depth == 0 && stopAt.contains(c) { break }
            if "([<".contains(c) { depth += 1 }
            if ")]".contains(c) || (c == ">" && previous != "-") { depth -= 1 }
            previous = c
            if c == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts
    }

    /// `text` without leading spaces and a leading generic clause (`<T: P>`).
    static func droppingGenericClause(_ text: Substring) -> Substring {
        var rest = text.drop(while: \.isWhitespace)
        if rest.first == "<" {
            var depth = 0
            while let c = rest.first {
                if c == "<" { depth += 1 }
                if c == ">" { depth -= 1 }
                rest = rest.dropFirst()
                if depth == 0 { break }
            }
        }
        return rest.drop(while: \.isWhitespace)
    }

    /// The argument labels of the parameter clause that starts `text` (after the name and any
    /// generic clause); `_` for an unlabelled argument.
    static func parameterLabels(_ text: String, isSubscript: Bool) -> [String] {
        let rest = droppingGenericClause(Substring(text))
        guard rest.first == "(" else { return [] }
        var depth = 0
        var inside = ""
        for c in rest {
            if c == "(" {
                depth += 1
                if depth == 1 { continue }
            }
            if c == ")" {
                depth -= 1
                if depth == 0 { break }
            }
            inside.append(c)
        }
        if inside.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        return topLevelSplit(inside, stopAt: []).map { parameter in
            let beforeColon = parameter.prefix(while: { $0 != ":" })
            let words = beforeColon.split(whereSeparator: \.isWhitespace).map(String.init)
            // A subscript's parameters are unlabelled unless they name an external label.
            if isSubscript { return words.count == 2 ? words[0] : "_" }
            return words.first ?? "_"
        }
    }

    // MARK: - Scanning

    /// The declarations of one file with their lines and enclosing scopes.
    struct Located {
        var line: Int
        var declaration: Declaration
        /// Innermost first; empty at file scope. `nil` when inside code (a function body).
        var scopes: [Scope]?
    }

    static func declarations(in text: String) -> [Located] {
        let lines = codeLines(text)
        var found: [Located] = []
        var stack: [Scope] = []
        var pending: Scope?
        for (index, line) in lines.enumerated() {
            let inCode = stack.contains { if case .code = $0 { true } else { false } }
            if let declaration = declaration(in: line, continuation: Array(lines[(index + 1)..<min(lines.count, index + 8)])) {
                found.append(Located(line: index + 1, declaration: declaration, scopes: inCode ? nil : stack.reversed()))
                switch declaration.keyword {
                case "struct", "class", "enum", "protocol", "actor", "extension":
                    let outer: String? = stack.last.flatMap {
                        if case .members(let name, _, _) = $0 { name } else { nil }
                    }
                    let fullName = declaration.keyword == "extension" || outer == nil
                        ? declaration.name : outer! + "." + declaration.name
                    pending = .members(name: fullName, keyword: declaration.keyword,
                                       isPublic: declaration.modifiers.contains("public") || declaration.modifiers.contains("open"))
                default:
                    pending = .code
                }
            }
            for c in line {
                if c == "{" {
                    stack.append(pending ?? .code)
                    pending = nil
                } else if c == "}" {
                    if !stack.isEmpty { stack.removeLast() }
                }
            }
        }
        return found
    }

    /// The findings for `files` (path relative to the package and text).
    static func undocumented(in files: [(path: String, text: String)]) -> [Finding] {
        let parsed = files.map { (path: $0.path, raw: $0.text.components(separatedBy: "\n"), declarations: declarations(in: $0.text)) }
        // Conformances per type name, and requirements and parents per protocol.
        var conformances: [String: Set<String>] = [:]
        var requirements = standardRequirements
        var parents = standardParents
        for file in parsed {
            for located in file.declarations {
                guard let scopes = located.scopes else { continue }
                let declaration = located.declaration
                switch declaration.keyword {
                case "struct", "class", "enum", "actor", "extension":
                    let outer = scopes.first.flatMap { if case .members(let name, _, _) = $0 { name } else { nil } }
                    let name = declaration.keyword == "extension" || outer == nil ? declaration.name : outer! + "." + declaration.name
                    conformances[name, default: []].formUnion(declaration.inherited)
                case "protocol":
                    parents[declaration.name, default: []] += declaration.inherited
                default:
                    if case .members(let owner, "protocol", _)? = scopes.first {
                        requirements[owner, default: []].insert(declaration.signature)
                    }
                }
            }
        }
        func closure(_ protocols: Set<String>) -> Set<String> {
            var all = protocols
            var queue = Array(protocols)
            while let next = queue.popLast() {
                for parent in parents[next] ?? [] where all.insert(parent).inserted { queue.append(parent) }
            }
            return all
        }
        func inherited(_ signature: String, owner: String, ownerKeyword: String) -> Bool {
            var protocols = closure(conformances[owner] ?? [])
            // A protocol's own extension: its members may be default implementations.
            if ownerKeyword == "extension", requirements[owner] != nil || parents[owner] != nil {
                protocols.formUnion(closure([owner]))
            }
            return protocols.contains { requirements[$0]?.contains(signature) ?? false }
        }

        var findings: [Finding] = []
        for file in parsed {
            for located in file.declarations {
                guard let scopes = located.scopes else { continue }
                let declaration = located.declaration
                guard declaration.keyword != "extension" else { continue }
                let explicitlyPublic = declaration.modifiers.contains("public") || declaration.modifiers.contains("open")
                var isPublicSymbol = explicitlyPublic
                if case .members(_, let keyword, let ownerIsPublic)? = scopes.first, ownerIsPublic {
                    if keyword == "protocol" { isPublicSymbol = true }
                    if keyword == "enum" && declaration.keyword == "case" { isPublicSymbol = true }
                }
                guard isPublicSymbol else { continue }
                if declaration.modifiers.contains("override") { continue }
                if case .members(let owner, let keyword, _)? = scopes.first, keyword != "protocol",
                    inherited(declaration.signature, owner: owner, ownerKeyword: keyword)
                {
                    continue
                }
                let label = declaration.keyword + " " + (declaration.keyword == "case" ? declaration.caseNames.joined(separator: ", ") : declaration.signature)
                if declaration.keyword == "case" && declaration.caseNames.count > 1 {
                    findings.append(Finding(file: file.path, line: located.line,
                                            declaration: label + " (one comment for several cases: give each case its own line and comment)"))
                    continue
                }
                if !hasDocComment(before: located.line - 1, in: file.raw) {
                    findings.append(Finding(file: file.path, line: located.line, declaration: label))
                }
            }
        }
        return findings
    }

    /// Whether the declaration on line `index` (0-based) has a doc comment above it, skipping
    /// attribute lines.
    static func hasDocComment(before index: Int, in lines: [String]) -> Bool {
        var j = index - 1
        while j >= 0, lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("@") { j -= 1 }
        guard j >= 0 else { return false }
        let previous = lines[j].trimmingCharacters(in: .whitespaces)
        if previous.hasPrefix("///") { return true }
        if previous.hasSuffix("*/") {
            // The block comment must be a doc comment (`/** … */`).
            while j >= 0 {
                let line = lines[j].trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("/**") { return true }
                if line.hasPrefix("/*") { return false }
                j -= 1
            }
        }
        return false
    }
}
