import Synchronization
import CotangentArrays
import CotangentGraph
import CotangentOps

/// How a rewrite pass applies its node rewriters (PyTensor's walking and equilibrium rewriters).
public enum RewritePass: Sendable {
    /// One pass over the nodes, inputs first.
    case inToOut([NodeRewriter])
    /// One pass over the nodes, outputs first.
    case outToIn([NodeRewriter])
    /// Repeat until nothing changes: node rewriters outputs first (new nodes are visited too),
    /// then `cleanup` graph rewriters, then the `final` node rewriters (constant folding).
    case equilibrium(rewriters: [NodeRewriter], cleanup: [GraphRewriter], final: [NodeRewriter])
    /// A whole-graph pass.
    case graph(GraphRewriter)

    /// Runs the pass; returns whether anything changed.
    @discardableResult
    package func run(_ context: RewriteContext) -> Bool {
        switch self {
        case .inToOut(let rewriters):
            return walk(context, rewriters, nodes: context.graph.toposort())
        case .outToIn(let rewriters):
            return walk(context, rewriters, nodes: context.graph.toposort().reversed())
        case .graph(let rewriter):
            return runGraphRewriter(rewriter, context)
        case .equilibrium(let rewriters, let cleanup, let final):
            return equilibrium(context, rewriters: rewriters, cleanup: cleanup, final: final)
        }
    }

    private func walk(_ context: RewriteContext, _ rewriters: [NodeRewriter], nodes: [FunctionGraph.Node]) -> Bool {
        var changed = false
        let shared = SharedRewriterIndex.index(for: rewriters)
        var index = shared.snapshot()
        defer { shared.keep(index) }
        for node in nodes where node.isAlive {
            for position in index.positions(for: node) where node.isAlive {
                if context.apply(rewriters[position], to: node) { changed = true }
            }
        }
        return changed
    }

    private func runGraphRewriter(_ rewriter: GraphRewriter, _ context: RewriteContext) -> Bool {
        // A pass that already ran on this exact graph would find nothing new.
        if context.settledVersions.isSettled(rewriter.name, at: context.graph.version) { return false }
        let before = context.graph.version
        do {
            try rewriter.run(context)
        } catch {
            context.report.failures.append("\(rewriter.name): \(error)")
        }
        context.settledVersions.settle(rewriter.name, at: context.graph.version)
        return context.graph.version != before
    }

    /// PyTensor's `EquilibriumGraphRewriter`, with each rewriter limited to
    /// `nodes × maxUseRatio` applications so a rewrite cycle cannot loop forever. `nodes` is
    /// the count when the pass starts: PyTensor's limit follows the graph as it grows, so a
    /// cycle that adds nodes on every turn raises its own limit and never stops.
    private func equilibrium(
        _ context: RewriteContext, rewriters: [NodeRewriter], cleanup: [GraphRewriter], final: [NodeRewriter]
    ) -> Bool {
        let maxUseRatio = 8
        let shared = SharedRewriterIndex.index(for: rewriters)
        var index = shared.snapshot()
        defer { shared.keep(index) }
        // Uses are counted per rewriter name (one slot per name).
        let slots = shared.nameSlots
        var uses = [Int](repeating: 0, count: shared.nameCount)
        let finalKey = "final:" + final.map(\.name).joined(separator: ",")
        var anyChange = false
        var changed = true
        let limit = Swift.max(context.graph.liveNodeCount, 1) * maxUseRatio
        while changed {
            changed = false
            // Outputs first: pop from the end of the toposort; replacements' new nodes are
            // pushed and visited next.
            var queue = context.graph.toposort()
            context.graph.takeNewNodes()
            while let node = queue.popLast() {
                guard node.isAlive else { continue }
                for position in index.positions(for: node) where node.isAlive {
                    let slot = slots[position]
                    guard uses[slot] < limit else { continue }
                    if context.apply(rewriters[position], to: node) {
                        uses[slot] += 1
                        changed = true
                        queue.append(contentsOf: context.graph.takeNewNodes().filter(\.isAlive))
                    }
                }
            }
            for rewriter in cleanup where runGraphRewriter(rewriter, context) { changed = true }
            if !final.isEmpty && !context.settledVersions.isSettled(finalKey, at: context.graph.version) {
                if walk(context, final, nodes: context.graph.toposort()) { changed = true }
                context.settledVersions.settle(finalKey, at: context.graph.version)
            }
            for rewriter in cleanup where runGraphRewriter(rewriter, context) { changed = true }
            if changed { anyChange = true }
        }
        return anyChange
    }
}

/// The rewriters that look at each kind of node (op type, and scalar op for `Elemwise`), as
/// positions in registration order, computed once per kind, so a node only meets the
/// rewriters that can apply to it.
package struct RewriterIndex {
    private let all: [NodeRewriter]
    private var byType: [ObjectIdentifier: [Int]] = [:]
    private var byScalarOp: [ScalarOp: [Int]] = [:]
    /// Fused nodes are not keyed by their (large) composite; no filter lists a composite.
    private var composites: [Int]?

    package init(_ rewriters: [NodeRewriter]) { all = rewriters }

    /// How many node kinds have their positions computed.
    package var kindCount: Int { byType.count + byScalarOp.count + (composites == nil ? 0 : 1) }

    package mutating func positions(for node: FunctionGraph.Node) -> [Int] {
        guard let scalarOp = node.scalarOp else {
            if let known = byType[node.opType] { return known }
            let matching = matches(type: node.opType, scalarOp: nil)
            byType[node.opType] = matching
            return matching
        }
        if scalarOp.compositeGraph != nil {
            if let composites { return composites }
            let matching = matches(type: node.opType, scalarOp: scalarOp)
            composites = matching
            return matching
        }
        if let known = byScalarOp[scalarOp] { return known }
        let matching = matches(type: node.opType, scalarOp: scalarOp)
        byScalarOp[scalarOp] = matching
        return matching
    }

    private func matches(type: ObjectIdentifier, scalarOp: ScalarOp?) -> [Int] {
        all.indices.filter { all[$0].applies(toType: type, scalarOp: scalarOp) }
    }
}

/// A ``RewriterIndex`` shared by every run of a pass over the same rewriter list (a database
/// query's answer is cached, so a compile reuses the lists of the previous one), with the
/// per-name slots the equilibrium's use limits count in.
package final class SharedRewriterIndex: Sendable {
    private let rewriters: [NodeRewriter]
    private let index: Mutex<RewriterIndex>
    /// For each position, the slot of its rewriter's name; `nameCount` slots in all.
    package let nameSlots: [Int]
    package let nameCount: Int

    private init(_ rewriters: [NodeRewriter]) {
        self.rewriters = rewriters
        index = Mutex(RewriterIndex(rewriters))
        var slotOfName: [String: Int] = [:]
        nameSlots = rewriters.map { rewriter in
            if let slot = slotOfName[rewriter.name] { return slot }
            slotOfName[rewriter.name] = slotOfName.count
            return slotOfName.count - 1
        }
        nameCount = slotOfName.count
    }

    /// The index as known so far, for one pass to use (and extend) without locking per node.
    package func snapshot() -> RewriterIndex { index.locked { $0 } }

    /// Keeps what a pass learned, for the next pass over the same list.
    package func keep(_ learned: RewriterIndex) {
        index.locked { known in if learned.kindCount > known.kindCount { known = learned } }
    }

    /// Indexes by the address of a list's storage. Each entry keeps its list alive, so an
    /// address cannot be reused by another list while it is a key.
    private static let cache = Mutex<[Int: SharedRewriterIndex]>([:])

    package static func index(for rewriters: [NodeRewriter]) -> SharedRewriterIndex {
        guard let address = rewriters.withUnsafeBufferPointer({ $0.baseAddress.map { Int(bitPattern: $0) } }) else {
            return SharedRewriterIndex(rewriters)
        }
        return cache.locked { entries in
            if let known = entries[address], known.rewriters.count == rewriters.count { return known }
            // A bound, for lists built on the fly (a custom database per call).
            if entries.count >= 256 { entries.removeAll(keepingCapacity: true) }
            let made = SharedRewriterIndex(rewriters)
            entries[address] = made
            return made
        }
    }
}
