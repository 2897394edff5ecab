import CotangentArrays

/// What an op's StableHLO lowering sees besides its operands: the builder to write into, the
/// static types and values the exporter knows, and a way to lower an inner graph (a loop body,
/// a branch) into a region.
///
/// The exporter (`exportStableHLO`) implements it; an op's
/// ``Op/lowerToStableHLO(_:operands:context:)`` only reads it.
public protocol StableHLOContext: AnyObject {
    /// Where the node's ops go (a function body or a region).
    var builder: StableHLOBuilder { get }

    /// The exported type of a variable of the graph being lowered: its dtype and its shape,
    /// every length known once the inputs' shapes are fixed.
    func type(of variable: Variable) -> StableHLOType

    /// The value of a variable when it is known at export: constants, shapes and what is
    /// computed from them alone. Ops whose StableHLO form needs a number at compile time (a
    /// reshape's shape, a slice's bounds) read it here.
    func staticValue(of variable: Variable) -> NDArray?

    /// Lowers `graph` into `builder` (a region's), its inputs bound to `arguments`, and returns
    /// its outputs. The graph is rewritten for its argument types first, as the outer graph was.
    func lowerInnerGraph(_ graph: InnerGraph, arguments: [StableHLOValue], into builder: StableHLOBuilder) throws
        -> [StableHLOValue]
}

extension StableHLOContext {
    /// The exported type of the node's `index`th output.
    public func outputType(_ node: Apply, _ index: Int = 0) -> StableHLOType { type(of: node.output(index)) }

    /// A statically known value read as integers (a shape, an axis list, slice bounds), or a
    /// ``StableHLONotExportable`` naming what the op needed.
    public func staticIntegers(_ variable: Variable, for purpose: String) throws -> [Int] {
        guard let value = staticValue(of: variable) else {
            throw StableHLONotExportable("\(purpose) is computed at run time, but StableHLO needs it when compiling")
        }
        return value.asArray(Int64.self).map { Int($0) }
    }
}

/// Why a node has no StableHLO form: thrown by an op's lowering, collected by the exporter,
/// which then reports every such node of the graph at once (``StableHLOExportError``).
public struct StableHLONotExportable: Error, Sendable, CustomStringConvertible {
    /// What is missing, in a sentence (no op name: the exporter adds it).
    public let reason: String

    /// A reason, such as "not exportable: the output's length depends on the values".
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// An export that cannot produce a valid module: the ops of the graph that have no StableHLO
/// form, each with its reason, all listed at once. No text is returned with it.
public struct StableHLOExportError: Error, Sendable, CustomStringConvertible, Equatable {
    /// One node that could not be lowered.
    public struct UnsupportedOp: Sendable, Hashable {
        /// The op as `dprint` names it (`Eigh`, `Elemwise{betainc}`…).
        public let op: String
        /// Why it has no lowering.
        public let reason: String

        /// An op and its reason.
        public init(op: String, reason: String) {
            self.op = op
            self.reason = reason
        }
    }

    /// Every op of the graph without a lowering, in graph order, each op and reason once.
    public let unsupportedOps: [UnsupportedOp]

    /// An error listing these ops.
    public init(unsupportedOps: [UnsupportedOp]) { self.unsupportedOps = unsupportedOps }

    /// `exportStableHLO: 2 ops have no StableHLO lowering: Eigh (…); UniqueOp (…)`.
    public var description: String {
        let count = unsupportedOps.count
        return "exportStableHLO: \(count) op\(count == 1 ? " has" : "s have") no StableHLO lowering: "
            + unsupportedOps.map { "\($0.op) (\($0.reason))" }.joined(separator: "; ")
    }
}
