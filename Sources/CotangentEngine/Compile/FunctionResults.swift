import CotangentArrays
import CotangentGraph

/// The results of a call by name of a ``CompiledFunction``: the output values in order, also
/// addressable by output name.
///
/// ```swift
/// let results = try f(["x": x0])
/// results[0]                  // by position
/// try results["loss"]         // by name
/// ```
public struct FunctionResults: RandomAccessCollection, Sendable, CustomStringConvertible {
    /// The values, in output order.
    public let values: [NDArray]
    /// The output names, in output order (nil for an unnamed output).
    public let names: [String?]

    /// Results from values and their output names.
    public init(values: [NDArray], names: [String?]) {
        self.values = values
        self.names = names
    }

    public var startIndex: Int { values.startIndex }
    public var endIndex: Int { values.endIndex }

    /// The value of the output at `position`.
    public subscript(position: Int) -> NDArray { values[position] }

    /// The value of the output named `name`.
    ///
    /// - Throws: `CotangentError` (`.unknownInput`) when no output, or more than one, has
    ///   that name.
    public subscript(name: String) -> NDArray {
        get throws {
            let matches = names.indices.filter { names[$0] == name }
            guard matches.count == 1 else {
                let known = names.compactMap { $0.map { "'\($0)'" } }.joined(separator: ", ")
                throw CotangentError(
                    .unknownInput,
                    matches.isEmpty
                        ? "results: no output is named '\(name)' (named outputs: \(known.isEmpty ? "none" : known))"
                        : "results: \(matches.count) outputs are named '\(name)'")
            }
            return values[matches[0]]
        }
    }

    /// `name: value` lines, one per output.
    public var description: String {
        zip(names, values).enumerated()
            .map { k, pair in "\(pair.0 ?? "\(k)"): \(pair.1)" }
            .joined(separator: "\n")
    }
}
