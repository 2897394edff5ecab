import CotangentArrays

/// Writes the body of a StableHLO function, one op at a time, in MLIR's generic form:
/// `%v3 = "stablehlo.add"(%v1, %v2) : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>`.
///
/// The generic form spells every op the same way (name, operands, regions, attributes, types),
/// so one writer serves every op and no op needs a custom printer. Values get fresh names from
/// a counter shared with the builders of nested regions, so a name is never defined twice in a
/// function. A builder is used by one thread.
public final class StableHLOBuilder {
    /// The counter behind fresh names, shared by a function's builder and its regions'.
    private final class Names {
        var next = 0
    }

    private let names: Names
    /// The ops written so far, one string per op (an op with regions spans several lines).
    private var ops: [String] = []

    /// An empty function body.
    public init() { names = Names() }

    private init(sharing names: Names) { self.names = names }

    /// A fresh name with this prefix: `%v12`.
    public func freshName(_ prefix: String = "v") -> String {
        defer { names.next += 1 }
        return "%\(prefix)\(names.next)"
    }

    /// Writes one op and returns its results.
    ///
    /// - Parameters:
    ///   - name: the op's full name (`stablehlo.add`, `chlo.erf`).
    ///   - operands: the values it reads, in order.
    ///   - regions: region texts from ``region(_:_:)``.
    ///   - attributes: `key = value` entries, in order (`dimensions = array<i64: 1>`).
    ///   - results: the result types.
    @discardableResult
    public func emit(
        _ name: String, _ operands: [StableHLOValue], regions: [String] = [], attributes: [String] = [],
        results: [StableHLOType]
    ) -> [StableHLOValue] {
        let base = freshName()
        let values: [StableHLOValue] =
            results.count == 1
            ? [StableHLOValue(name: base, type: results[0])]
            : results.indices.map { StableHLOValue(name: "\(base)#\($0)", type: results[$0]) }
        var text = results.isEmpty ? "" : (results.count == 1 ? "\(base) = " : "\(base):\(results.count) = ")
        text += "\"\(name)\"(" + operands.map(\.name).joined(separator: ", ") + ")"
        if !regions.isEmpty { text += " (" + regions.joined(separator: ", ") + ")" }
        if !attributes.isEmpty { text += " {" + attributes.joined(separator: ", ") + "}" }
        text += " : " + Self.functionType(operands.map(\.type), results)
        ops.append(text)
        return values
    }

    /// Writes a one-result op and returns its result.
    public func emit1(
        _ name: String, _ operands: [StableHLOValue], regions: [String] = [], attributes: [String] = [],
        result: StableHLOType
    ) -> StableHLOValue {
        emit(name, operands, regions: regions, attributes: attributes, results: [result])[0]
    }

    /// The text of a region whose one block takes arguments of `argumentTypes`, with `body`'s
    /// ops and a `stablehlo.return` of its results (the terminator of every StableHLO region).
    public func region(
        _ argumentTypes: [StableHLOType], _ body: (StableHLOBuilder, [StableHLOValue]) throws -> [StableHLOValue]
    ) rethrows -> String {
        try region(argumentTypes, terminator: "stablehlo.return", body)
    }

    /// A region ending in `terminator` (`func.return` for a function body).
    package func region(
        _ argumentTypes: [StableHLOType], terminator: String,
        _ body: (StableHLOBuilder, [StableHLOValue]) throws -> [StableHLOValue]
    ) rethrows -> String {
        let inner = StableHLOBuilder(sharing: names)
        let arguments = argumentTypes.map { StableHLOValue(name: inner.freshName("a"), type: $0) }
        let results = try body(inner, arguments)
        inner.emit(terminator, results, results: [])
        var text = "{\n"
        if !arguments.isEmpty {
            text += "^bb0(" + arguments.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + "):\n"
        }
        text += inner.bodyText(indent: "  ") + "\n}"
        return text
    }

    /// The ops written so far, one per line (nested regions indented), each line prefixed by
    /// `indent`.
    public func bodyText(indent: String) -> String {
        // Bytes, not Characters: a module holds megabytes of constants' hex digits, and
        // splitting a String by Character costs a grapheme-break check per byte.
        let prefix = Array(indent.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ops.reduce(0) { $0 + $1.utf8.count + prefix.count + 1 })
        for (index, op) in ops.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "\n")) }
            bytes += prefix
            for byte in op.utf8 {
                bytes.append(byte)
                if byte == UInt8(ascii: "\n") { bytes += prefix }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `(tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>`: the generic form's type signature.
    static func functionType(_ operands: [StableHLOType], _ results: [StableHLOType]) -> String {
        let inputs = "(" + operands.map(\.description).joined(separator: ", ") + ")"
        let outputs =
            results.count == 1 ? results[0].description : "(" + results.map(\.description).joined(separator: ", ") + ")"
        return inputs + " -> " + outputs
    }
}
