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
    func run(_ context: RewriteContext) -> Bool {
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
        var index = RewriterIndex(rewriters)
        for node in nodes where node.isAlive {
            for position in index.positions(for: node) where node.isAlive {
                if context.apply(rewriters[position], to: node) { changed = true }
            }
        }
        return changed
    }

    private func runGraphRewriter(_ rewriter: GraphRewriter, _ context: RewriteContext) -> Bool {
        // A pass that already ran on this exact graph would find nothing new.
        if context.settledVersions[rewriter.name] == context.graph.version { return false }
        let before = context.graph.version
        do {
            try rewriter.run(context)
        } catch {
            context.report.failures.append("\(rewriter.name): \(error)")
        }
        context.settledVersions[rewriter.name] = context.graph.version
        return context.graph.version != before
    }

    /// PyTensor's `EquilibriumGraphRewriter`, with each rewriter limited to
    /// `nodes × maxUseRatio` applications so a rewrite cycle cannot loop forever.
    private func equilibrium(
        _ context: RewriteContext, rewriters: [NodeRewriter], cleanup: [GraphRewriter], final: [NodeRewriter]
    ) -> Bool {
        let maxUseRatio = 8
        // Uses are counted per rewriter name: one slot per name, found once per position.
        var slotOfName: [String: Int] = [:]
        let slots = rewriters.map { rewriter in
            if let slot = slotOfName[rewriter.name] { return slot }
            slotOfName[rewriter.name] = slotOfName.count
            return slotOfName.count - 1
        }
        var uses = [Int](repeating: 0, count: slotOfName.count)
        var index = RewriterIndex(rewriters)
        var anyChange = false
        var changed = true
        while changed {
            changed = false
            let limit = Swift.max(context.graph.liveNodeCount, 1) * maxUseRatio
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
            let finalKey = "final:" + final.map(\.name).joined(separator: ",")
            if !final.isEmpty && context.settledVersions[finalKey] != context.graph.version {
                if walk(context, final, nodes: context.graph.toposort()) { changed = true }
                context.settledVersions[finalKey] = context.graph.version
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
struct RewriterIndex {
    private let all: [NodeRewriter]
    private var byType: [ObjectIdentifier: [Int]] = [:]
    private var byScalarOp: [ScalarOp: [Int]] = [:]
    /// Fused nodes are not keyed by their (large) composite; no filter lists a composite.
    private var composites: [Int]?

    init(_ rewriters: [NodeRewriter]) { all = rewriters }

    mutating func positions(for node: FunctionGraph.Node) -> [Int] {
        guard let scalarOp = node.scalarOp else {
            if let known = byType[node.opType] { return known }
            let matching = matches(type: node.opType, scalarOp: nil)
            byType[node.opType] = matching
            return matching
        }
        if case .composite = scalarOp {
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
