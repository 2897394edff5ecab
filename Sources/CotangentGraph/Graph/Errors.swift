import CotangentArrays

/// An error building or running a graph.
///
/// Every error names what failed: the op (as dprint shows it), the shapes and the dtypes
/// involved. `description` is the full message.
public struct CotangentError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, for code that branches on it.
    public enum Kind: String, Sendable, Hashable {
        /// A graph that can never be valid: ranks, static shapes or dtypes that cannot match.
        case invalidGraph
        /// A differentiation request that cannot be answered (non-scalar cost, integer `wrt`,
        /// `wrt` not in the graph, undefined gradient, mismatched cotangent).
        case invalidGradient
        /// `eval`/`function` was not given a value for an input the graph needs.
        case missingInput
        /// A key that names no input of the graph (in strict mode, or an ambiguous name), or a
        /// name that no output of a call's results has.
        case unknownInput
        /// A key for an input the graph does not use (strict mode only).
        case unusedInput
        /// A value given twice for the same input (a name repeated in a call by name).
        case duplicateInput
        /// An input value of the wrong dtype, rank or static shape.
        case inputMismatch
        /// Runtime shapes that conflict inside an op (e.g. lengths 3 and 4 in an elementwise op).
        case shapeMismatch
        /// A value an op cannot take (an index out of range, a negative length, …).
        case invalidValue
        /// A graph feature that is not implemented.
        case unsupported
    }

    /// The category of the failure.
    public let kind: Kind
    /// The full message: the op or input, the shapes and the dtypes involved.
    public let message: String

    /// An error of `kind` whose message names the op or input, the shapes and the dtypes. This
    /// is the one way errors are made.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// `Vector(float64, shape=(?,))`-style list of input types, for messages.
package func describeTypes(_ variables: [Variable]) -> String {
    variables.map { $0.type.description }.joined(separator: ", ")
}
