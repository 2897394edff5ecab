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
            for rewriter in index.rewriters(for: node) where node.isAlive {
                if context.apply(rewriter, to: node) { changed = true }
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
        var uses: [String: Int] = [:]
        var anyChange = false
        var changed = true
        while changed {
            changed = false
            let limit = Swift.max(context.graph.liveNodes.count, 1) * maxUseRatio
            // Outputs first: pop from the end of the toposort; replacements' new nodes are
            // pushed and visited next.
            var queue = context.graph.toposort()
            context.graph.takeNewNodes()
            var index = RewriterIndex(rewriters)
            while let node = queue.popLast() {
                guard node.isAlive else { continue }
                for rewriter in index.rewriters(for: node) where node.isAlive {
                    guard uses[rewriter.name, default: 0] < limit else { continue }
                    if context.apply(rewriter, to: node) {
                        uses[rewriter.name, default: 0] += 1
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

/// The rewriters that track each op type, in registration order, computed once per type, so a
/// node only meets the rewriters that can apply to it.
struct RewriterIndex {
    private let all: [NodeRewriter]
    private var byType: [ObjectIdentifier: [NodeRewriter]] = [:]

    init(_ rewriters: [NodeRewriter]) { all = rewriters }

    mutating func rewriters(for node: FunctionGraph.Node) -> [NodeRewriter] {
        let type = ObjectIdentifier(Swift.type(of: node.op))
        if let known = byType[type] { return known }
        let matching = all.filter { $0.tracks?.contains(type) ?? true }
        byType[type] = matching
        return matching
    }
}
