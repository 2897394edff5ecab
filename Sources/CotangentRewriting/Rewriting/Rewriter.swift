import CotangentArrays
import CotangentGraph
import CotangentOps

/// A local rewrite: looks at one node of the working graph and proposes replacements for its
/// outputs (PyTensor's `NodeRewriter`).
///
/// The transform returns nil when it does not apply, else one replacement per output (nil keeps
/// that output). Replacements are built with the ordinary graph API on ``RewriteContext/handle(_:)``
/// variables. A transform that throws, or whose replacement does not type-check, is skipped and
/// reported; it never changes the graph.
public struct NodeRewriter: Sendable {
    /// The rewrite itself: the replacements for the node's outputs (nil: no change), or nil when it does not apply.
    public typealias Transform = @Sendable (RewriteContext, FunctionGraph.Node) throws -> [Variable?]?

    /// The rewriter's fields behind one reference, so the drivers copy a rewriter per node
    /// with one retain instead of one per field.
    private final class Storage: Sendable {
        package let name: String
        package let tracks: Set<ObjectIdentifier>?
        package let scalarOps: Set<ScalarOp>?
        package let placements: [RewritePlacement]
        package let refinesUnknownLengths: Bool
        package let transform: Transform

        package init(
            name: String, tracks: Set<ObjectIdentifier>?, scalarOps: Set<ScalarOp>?, placements: [RewritePlacement],
            refinesUnknownLengths: Bool = false, transform: @escaping Transform
        ) {
            self.name = name
            self.tracks = tracks
            self.scalarOps = scalarOps
            self.placements = placements
            self.refinesUnknownLengths = refinesUnknownLengths
            self.transform = transform
        }
    }

    private let storage: Storage

    /// The rewriter's name, as reports and tag queries use it.
    public var name: String { storage.name }
    /// Concrete op types this rewriter looks at; nil looks at every node.
    package var tracks: Set<ObjectIdentifier>? { storage.tracks }
    /// For an `Elemwise`-only rewriter, the scalar ops it can match (it returns nil on every
    /// other elementwise node before doing anything); nil looks at every elementwise node.
    package var scalarOps: Set<ScalarOp>? { storage.scalarOps }
    package var transform: Transform { storage.transform }
    /// Where the standard database runs it (empty for a rewriter used only on its own, e.g. in a
    /// custom ``RewriteDatabase``).
    public var placements: [RewritePlacement] { storage.placements }
    /// Whether its replacements may give an unknown length a static 1 (see
    /// `FunctionGraph/replace(_:with:refiningUnknownLengths:)`). Only a rewrite whose
    /// replacement computes the same values from the same inputs, with a type its op worked out
    /// from them, may: otherwise a static 1 could stand for a value that broadcasts to more.
    public var refinesUnknownLengths: Bool { storage.refinesUnknownLengths }

    /// A rewriter of nodes of the op types in `tracks` (nil: every node), placed in the standard
    /// database's phases by `placed`.
    public init(
        _ name: String, tracks: [any Op.Type]? = nil, placed: [RewritePlacement] = [],
        refinesUnknownLengths: Bool = false, _ transform: @escaping Transform
    ) {
        storage = Storage(
            name: name, tracks: tracks.map { Set($0.map { ObjectIdentifier($0) }) }, scalarOps: nil,
            placements: placed, refinesUnknownLengths: refinesUnknownLengths, transform: transform)
    }

    /// A rewriter of `Elemwise` nodes whose scalar op is one of `scalarOps`: the drivers never
    /// show it other nodes, so the transform may assume nothing but that.
    package init(
        _ name: String, elemwise scalarOps: [ScalarOp], placed: [RewritePlacement] = [],
        _ transform: @escaping Transform
    ) {
        storage = Storage(
            name: name, tracks: [ObjectIdentifier(Elemwise.self)], scalarOps: Set(scalarOps), placements: placed,
            transform: transform)
    }

    /// Whether the rewriter looks at nodes of this op type and (for `Elemwise`) scalar op.
    package func applies(toType type: ObjectIdentifier, scalarOp: ScalarOp?) -> Bool {
        if let tracks = storage.tracks, !tracks.contains(type) { return false }
        guard let scalarOps = storage.scalarOps else { return true }
        guard let scalarOp else { return false }
        return scalarOps.contains(scalarOp)
    }
}

/// A whole-graph pass (PyTensor's `GraphRewriter`): merge, shape feature, fusion.
public struct GraphRewriter: Sendable {
    /// The pass's name, as reports and tag queries use it.
    public let name: String
    package let run: @Sendable (RewriteContext) throws -> Void

    /// A pass named `name` that edits the context's working graph.
    public init(_ name: String, _ run: @escaping @Sendable (RewriteContext) throws -> Void) {
        self.name = name
        self.run = run
    }
}

/// What rewriting did: how often each rewriter fired and which ones failed (and were skipped).
public struct RewriteReport: Sendable, CustomStringConvertible {
    /// Successful applications per rewriter name.
    public package(set) var applied: [String: Int] = [:]
    /// Rewrites that threw or produced an invalid replacement, with the reason.
    public package(set) var failures: [String] = []
    /// Every successful application in order (`rewriter on op`), when the report was made
    /// with ``init(logsApplications:)`` set: what a rewrite did, step by step, for debugging.
    public package(set) var log: [String]?

    /// An empty report.
    public init() {}

    /// A report that also keeps ``log``.
    public init(logsApplications: Bool) {
        log = logsApplications ? [] : nil
    }

    public var description: String {
        let fired = applied.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }
        return "applied: " + (fired.isEmpty ? "none" : fired.joined(separator: ", "))
            + (failures.isEmpty ? "" : "\nfailed: " + failures.joined(separator: "\n        "))
    }
}

/// The state a rewrite pass sees: the working graph, symbolic shapes (once the shape feature
/// is attached), and the report.
///
/// Like its `FunctionGraph`, a context belongs to one rewrite run on one thread, so its state
/// skips the runtime exclusivity checks.
public final class RewriteContext {
    /// The working graph being rewritten.
    public let graph: FunctionGraph
    /// What the run has done so far.
    @exclusivity(unchecked) public package(set) var report = RewriteReport()
    /// Whether `ShapeOpt` attached the shape feature (shape rewrites need it).
    @exclusivity(unchecked) public package(set) var hasShapeFeature = false
    /// Symbolic shapes by value. An entry is dropped when its node's inputs are replaced (the
    /// node's `inferShape` may now say more, and rewriting twice must not find what one rewrite
    /// missed); the values are held so an identifier cannot be reused by a new value.
    @exclusivity(unchecked) private var shapes: [ObjectIdentifier: [Variable]] = [:]
    @exclusivity(unchecked) private var shapeKeys: [ObjectIdentifier: FunctionGraph.Value] = [:]
    /// The graph version each whole-graph pass last left unchanged (it need not run again
    /// before the graph changes).
    @exclusivity(unchecked) package var settledVersions = SettledVersions()

    /// Collects construction errors of every transform of the run (bound once, see
    /// ``rewriteGraph(_:include:exclude:report:database:)``), so a failed build inside a
    /// transform is a skipped rewrite, not a stop.
    package let sink = BuildErrorSink()
    /// The graph version ``refreshLengths()`` last refined.
    private var refreshedVersion = -1

    package init(graph: FunctionGraph) { self.graph = graph }

    /// A variable standing for `value`, to build replacements with the ordinary API.
    public func handle(_ value: FunctionGraph.Value) -> Variable { graph.handle(for: value) }

    /// The value's constant, if it is one.
    public func constant(_ value: FunctionGraph.Value) -> NDArray? { value.constantValue }

    /// The live clients of a value (graph outputs are not nodes and are not listed).
    public func clients(_ value: FunctionGraph.Value) -> [FunctionGraph.Node] {
        value.clients.map(\.node).filter(\.isAlive)
    }

    /// Whether the value is one of the graph's outputs.
    public func isOutput(_ value: FunctionGraph.Value) -> Bool {
        graph.outputs.contains { $0 === value }
    }

    /// PyTensor's ShapeFeature `shape_of`: symbolic int64 dims of a value, expressed through the
    /// ops' `inferShape` down to graph inputs (`Shape_i` of inputs, constants for static dims).
    public func shape(of value: FunctionGraph.Value) -> [Variable] {
        // A 0-d value has no lengths, and so nothing to check: its ancestors' shapes are not
        // needed (a gradient's `second(cost, 1)` would otherwise infer the whole forward
        // graph's shapes, checks included).
        if value.type.ndim == 0 { return [] }
        if let known = shapes[ObjectIdentifier(value)] { return known }
        // Post-order over the values whose shapes are missing, inputs first: a shape is built
        // from its inputs' shapes, and a chain of many thousand nodes must not recurse.
        var stack = [value]
        while let current = stack.last {
            if shapes[ObjectIdentifier(current)] != nil {
                stack.removeLast()
                continue
            }
            if current.type.ndim == 0 {
                shapes[ObjectIdentifier(current)] = []
                shapeKeys[ObjectIdentifier(current)] = current
                stack.removeLast()
                continue
            }
            if let owner = current.owner {
                let missing = owner.inputs.filter { shapes[ObjectIdentifier($0)] == nil }
                if !missing.isEmpty {
                    stack.append(contentsOf: missing.reversed())  // built in input order
                    continue
                }
            }
            shapes[ObjectIdentifier(current)] = inferredShape(of: current)
            shapeKeys[ObjectIdentifier(current)] = current
            stack.removeLast()
        }
        return shapes[ObjectIdentifier(value)]!
    }

    /// The shape of a value whose inputs' shapes are known.
    private func inferredShape(of value: FunctionGraph.Value) -> [Variable] {
        var dims: [Variable]
        if let owner = value.owner {
            let inputShapes = owner.inputs.map { shapes[ObjectIdentifier($0)]! }
            // A node whose inputs never changed mirrors its immutable original, which shows
            // all its structure; a changed node needs a shallow structural copy, unless its op
            // reads only the types of its inputs.
            let probe: Apply
            if let original = owner.original {
                probe = original
            } else if owner.op.readsOnlyInputTypes {
                probe = Apply(op: owner.op, inputs: owner.inputs.map(handle), outputTypes: owner.outputs.map(\.type))
            } else {
                probe = Apply(
                    op: owner.op, inputs: owner.inputs.map { graph.structuralHandle(for: $0) },
                    outputTypes: owner.outputs.map(\.type))
                graph.alias(probe, of: owner)
            }
            if let inferred = owner.op.inferShape(probe, inputShapes: inputShapes) {
                dims = inferred[value.index]
            } else {
                let variable = handle(value)
                dims = (0..<value.type.ndim).map { build(ShapeI(axis: $0), variable) }
            }
        } else {
            let variable = handle(value)
            dims = (0..<value.type.ndim).map { build(ShapeI(axis: $0), variable) }
        }
        // A static length wins, except over a dim that carries a run-time check.
        for (axis, length) in value.type.shape.enumerated() where !(dims[axis].owner?.isOp(Assert.self) == true) {
            if let length { dims[axis] = shapeConstant(length) }
        }
        return dims
    }

    /// Drops the cached shapes of these nodes' outputs (their inputs changed).
    private func forgetShapes(of nodes: [FunctionGraph.Node]) {
        for node in nodes {
            for output in node.outputs where shapes.removeValue(forKey: ObjectIdentifier(output)) != nil {
                shapeKeys.removeValue(forKey: ObjectIdentifier(output))
            }
        }
    }

    /// What a rewriter proposes for a node: nothing, checked replacements, or why it failed.
    private enum Proposal {
        case none
        case replacements([Variable?])
        case failed(String)
    }

    /// Runs a rewriter's transform on a node and checks its replacements' types.
    private func propose(_ rewriter: NodeRewriter, for node: FunctionGraph.Node) -> Proposal {
        // Only this rewrite's imports count as new (for the cycle check and the driver's queue).
        graph.clearNewNodes()
        let replacements: [Variable?]
        let errorsBefore = sink.count
        do {
            let proposed = try rewriter.transform(self, node)
            if sink.count > errorsBefore {
                return .failed("\(rewriter.name) on \(node.op): \(sink.errors(after: errorsBefore)[0])")
            }
            guard let proposed else { return .none }
            replacements = proposed
        } catch {
            return .failed("\(rewriter.name) on \(node.op): \(error)")
        }
        guard replacements.count == node.outputs.count else {
            return .failed(
                "\(rewriter.name) on \(node.op): \(replacements.count) replacements for \(node.outputs.count) outputs")
        }
        for (old, new) in zip(node.outputs, replacements) {
            guard let new else { continue }
            guard new.dtype == old.type.dtype, new.ndim == old.type.ndim,
                replaceableShapes(old: old.type.shape, new: new.type.shape, refining: rewriter.refinesUnknownLengths)
            else {
                return .failed("\(rewriter.name) on \(node.op): replacement of type \(new.type) cannot stand for \(old.type)")
            }
        }
        return .replacements(replacements)
    }

    /// Gives the working graph the lengths its ops infer from their inputs now (once per graph
    /// version); whether any type changed. A replacement's readers learn its lengths, but a
    /// value built before its inputs did can keep an unknown length the rebuilt graph knows
    /// (an elementwise input of unknown length under an output of static 1), and a rewrite that
    /// needs the static length fails on it where a second rewrite would not.
    private func refreshLengths() -> Bool {
        guard refreshedVersion != graph.version else { return false }
        let before = graph.version
        graph.refineUnknownLengths()
        refreshedVersion = graph.version
        guard graph.version != before else { return false }
        // Cached symbolic shapes carry the static lengths they were made with.
        shapes.removeAll()
        shapeKeys.removeAll()
        return true
    }

    /// Applies a rewriter to a node: transform, type-check, replace. Returns whether it fired.
    /// A rewrite that fails is tried once more after ``refreshLengths()``, when that changed a
    /// type; if it fails again (or nothing changed), the failure is reported.
    package func apply(_ rewriter: NodeRewriter, to node: FunctionGraph.Node) -> Bool {
        // The drivers only pass rewriters that look at this node (``RewriterIndex``).
        guard node.isAlive else { return false }
        var proposal = propose(rewriter, for: node)
        if case .failed = proposal, refreshLengths(), node.isAlive { proposal = propose(rewriter, for: node) }
        let replacements: [Variable?]
        switch proposal {
        case .none: return false
        case .failed(let message):
            report.failures.append(message)
            return false
        case .replacements(let proposed): replacements = proposed
        }
        var changed = false
        do {
            for (old, new) in zip(node.outputs, replacements) {
                guard let new, graph.lookup(new) !== old else { continue }
                let readers = hasShapeFeature ? clients(old) : []
                try graph.replace(old, with: new, refiningUnknownLengths: rewriter.refinesUnknownLengths)
                forgetShapes(of: readers)
                changed = true
            }
        } catch {
            report.failures.append("\(rewriter.name) on \(node.op): \(error)")
            return changed
        }
        if changed {
            report.applied[rewriter.name, default: 0] += 1
            if report.log != nil { report.log!.append("\(rewriter.name) on \(node.op)") }
        }
        return changed
    }
}

/// The graph version each whole-graph pass last left unchanged, by pass name. A run meets a
/// dozen passes, so a list searched in order is cheaper than hashing every name (as a
/// dictionary, about 4% of compiling W1b); the names compared are the passes' own strings,
/// which compare equal without reading their characters.
package struct SettledVersions {
    private var entries: [(name: String, version: Int)] = []

    package init() {}

    /// Whether pass `name` last left the graph unchanged at `version`.
    package func isSettled(_ name: String, at version: Int) -> Bool {
        entries.first { $0.name == name }?.version == version
    }

    /// Records that pass `name` left the graph unchanged at `version`.
    package mutating func settle(_ name: String, at version: Int) {
        if let at = entries.firstIndex(where: { $0.name == name }) {
            entries[at].version = version
        } else {
            entries.append((name, version))
        }
    }
}
