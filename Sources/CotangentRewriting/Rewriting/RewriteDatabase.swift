import Synchronization
import CotangentArrays
import CotangentGraph
import CotangentOps

/// A tagged, ordered collection of rewrite passes, queried by include/exclude tags like
/// PyTensor's `optdb`.
///
/// Each pass has a name, tags and a position. A node rewriter inside an equilibrium pass has its
/// own name and tags, so queries select inside passes too (`exclude: ["inplace"]` removes
/// in-place rewriters wherever they are). An entry is selected when any include tag is among its
/// tags or is its name, and no exclude tag is.
public struct RewriteDatabase: Sendable {
    /// A registered node rewriter with its tags.
    public struct Member: Sendable {
        /// The rewriter.
        public let rewriter: NodeRewriter
        /// Its tags: queries select it when an include tag is among them (or is its name) and no exclude tag is.
        public let tags: Set<String>
    }

    /// One pass of the sequence.
    public struct Entry: Sendable {
        /// The pass's name (a query may name it instead of a tag).
        public let name: String
        /// Where the pass runs: entries run in increasing position.
        public let position: Double
        /// The pass's tags.
        public let tags: Set<String>
        package let kind: Kind

        package enum Kind: Sendable {
            case graph(GraphRewriter)
            case walk(inToOut: Bool, members: [Member])
            case equilibrium(members: [Member], cleanup: [GraphRewriter], final: [Member])
        }
    }

    /// The registered passes, in registration order.
    public private(set) var entries: [Entry] = []
    /// Answers to earlier queries of these entries. Registering replaces it (copies made before
    /// keep theirs, which still matches their entries).
    private var queries = QueryCache()

    /// An empty database.
    public init() {}

    /// Adds a whole-graph pass at `position`.
    public mutating func register(_ name: String, position: Double, tags: Set<String>, graph rewriter: GraphRewriter) {
        queries = QueryCache()
        entries.append(Entry(name: name, position: position, tags: tags, kind: .graph(rewriter)))
    }

    /// Adds a pass that applies `members` once to each node, inputs to outputs (`inToOut`) or the reverse.
    public mutating func register(
        _ name: String, position: Double, tags: Set<String>, walking members: [Member], inToOut: Bool = true
    ) {
        queries = QueryCache()
        entries.append(Entry(name: name, position: position, tags: tags, kind: .walk(inToOut: inToOut, members: members)))
    }

    /// Adds a pass that applies `members` until none fires (each limited per node so cycles stop),
    /// then `cleanup` passes and `final` rewriters.
    public mutating func register(
        _ name: String, position: Double, tags: Set<String>, equilibrium members: [Member],
        cleanup: [GraphRewriter] = [], final: [Member] = []
    ) {
        queries = QueryCache()
        entries.append(
            Entry(name: name, position: position, tags: tags, kind: .equilibrium(members: members, cleanup: cleanup, final: final)))
    }

    /// The passes selected by a query, in position order (ties by name).
    public func query(include: Set<String>, exclude: Set<String> = []) -> [RewritePass] {
        // Every compile asks the same few queries; selecting costs more than rewriting a small graph.
        let key = QueryCache.Key(include: include, exclude: exclude)
        if let known = queries.passes.locked({ $0[key] }) { return known }
        let passes = select(include: include, exclude: exclude)
        queries.passes.locked { cache in
            if cache.count >= QueryCache.capacity { cache.removeAll() }
            cache[key] = passes
        }
        return passes
    }

    private func select(include: Set<String>, exclude: Set<String>) -> [RewritePass] {
        func selected(_ name: String, _ tags: Set<String>) -> Bool {
            let all = tags.union([name])
            return !all.isDisjoint(with: include) && all.isDisjoint(with: exclude)
        }
        // A member is also known by its pass's name (`include: ["canonicalize"]`).
        func members(_ list: [Member], of entry: Entry) -> [NodeRewriter] {
            list.filter { selected($0.rewriter.name, $0.tags.union([entry.name])) }.map(\.rewriter)
        }
        return entries
            .filter { selected($0.name, $0.tags) }
            .sorted { ($0.position, $0.name) < ($1.position, $1.name) }
            .compactMap { entry -> RewritePass? in
                switch entry.kind {
                case .graph(let rewriter):
                    return .graph(rewriter)
                case .walk(let inToOut, let list):
                    let chosen = members(list, of: entry)
                    guard !chosen.isEmpty else { return nil }
                    return inToOut ? .inToOut(chosen) : .outToIn(chosen)
                case .equilibrium(let list, let cleanup, let final):
                    let chosen = members(list, of: entry)
                    let finals = members(final, of: entry)
                    guard !chosen.isEmpty || !finals.isEmpty else { return nil }
                    return .equilibrium(rewriters: chosen, cleanup: cleanup, final: finals)
                }
            }
    }

    /// Passes by query, shared by the copies of one database (compiles run on many threads).
    private final class QueryCache: Sendable {
        package struct Key: Hashable {
            package let include: Set<String>
            package let exclude: Set<String>
        }

        /// Distinct queries are few; a caller inventing tag sets only refills the cache.
        package static let capacity = 64
        package let passes = Mutex<[Key: [RewritePass]]>([:])
    }

    /// Tags every query-able name of a member: its own tags plus the pass's name.
    public static func member(_ rewriter: NodeRewriter, tags: Set<String>) -> Member {
        Member(rewriter: rewriter, tags: tags)
    }
}

// MARK: - rewriteGraph

/// Simplifies a graph with the rewrites selected by tags, PyTensor's `rewrite_graph`, e.g.
/// `rewriteGraph(g, include: ["fast_run"], exclude: ["inplace", "BlasOpt"])`.
///
/// Returns a new graph; the caller's graph is untouched (graphs are immutable). A rewrite that
/// fails is skipped (see `rewriteGraph(_:include:exclude:report:)` for the report).
public func rewriteGraph(_ output: Variable, include: Set<String> = ["canonicalize"], exclude: Set<String> = []) -> Variable {
    var report = RewriteReport()
    return rewriteGraph([output], include: include, exclude: exclude, report: &report)[0]
}

/// Simplifies several outputs together (shared subgraphs stay shared).
public func rewriteGraph(_ outputs: [Variable], include: Set<String> = ["canonicalize"], exclude: Set<String> = []) -> [Variable] {
    var report = RewriteReport()
    return rewriteGraph(outputs, include: include, exclude: exclude, report: &report)
}

/// Simplifies several outputs and reports what fired and what failed.
public func rewriteGraph(
    _ outputs: [Variable], include: Set<String>, exclude: Set<String> = [], report: inout RewriteReport,
    database: RewriteDatabase = .standard
) -> [Variable] {
    let context = RewriteContext(graph: FunctionGraph(outputs: outputs))
    if report.log != nil { context.report = RewriteReport(logsApplications: true) }
    let passes = database.query(include: include, exclude: exclude)
    BuildContext.$sink.withValue(context.sink) {
        for pass in passes { pass.run(context) }
    }
    report = context.report
    return context.graph.materialize()
}
