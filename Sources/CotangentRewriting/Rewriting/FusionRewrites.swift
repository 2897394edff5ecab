import CotangentArrays
import CotangentGraph
import CotangentOps

// Elementwise fusion: PyTensor's `FusionOptimizer` (`elemwise_fusion`, position 49).
//
// Connected groups of two or more single-output `Elemwise` nodes whose outputs have the same
// broadcast pattern become one `Elemwise(Composite{…})` node, which computes the whole group in
// one pass over memory. A group must be convex: no path may leave it and come back (the fused
// node would then depend on itself). Every member whose value is used outside the group (or is a
// graph output) becomes an output of the composite, so nothing is computed twice. Scalar
// constants feeding the group are inlined into the composite (PyTensor's
// `local_inline_composite_constants`), where they print as `2.0`.
//
// Groups are found as PyTensor finds them: starting from the last node (in topological order)
// that has no fusable client, the group grows through its fusable producers first (latest
// first), then through its fusable clients (earliest first), each addition checked for
// convexity against the graph where the groups found so far are already contracted to single
// nodes. Inputs are numbered `i0, i1, …` in the order the members were added.

/// PyTensor's `FusionOptimizer` as a whole-graph pass.
package let elemwiseFusion = GraphRewriter("elemwise_fusion") { context in
    // A group needs two single-output elementwise nodes, one reading the other; refining
    // types changes no edge, so a graph without such a pair has nothing to fuse.
    guard hasFusableEdge(context.graph) else { return }
    // Grouping compares broadcast patterns, so every type must be what the graph built afresh
    // would infer: a replacement can learn a length its readers learn only later (a slice
    // whose start became a constant after the op reading it was lifted past it), and a second
    // rewrite, which starts from a rebuilt graph, would otherwise fuse what this one did not.
    context.graph.refineUnknownLengths(candidates: mayKnowMore)
    var analysis = FusionAnalysis(context)
    let groups = analysis.findGroups()
    // Each group's inputs and outputs are read from the live graph when it is replaced, so the
    // replacements made before it are seen (the order does not matter).
    for group in groups {
        if try fuse(group, analysis: analysis, context: context) {
            context.report.applied["elemwise_fusion", default: 0] += 1
        }
    }
}

/// Whether some single-output elementwise node reads another (the edge every group grows from).
private func hasFusableEdge(_ graph: FunctionGraph) -> Bool {
    for node in graph.toposort() where node.scalarOp != nil && node.outputs.count == 1 {
        for input in node.inputs {
            if let owner = input.owner, owner.isAlive, owner.scalarOp != nil, owner.outputs.count == 1 { return true }
        }
    }
    return false
}

/// Whether re-inferring a node's output types (it has an unknown length) may tell more: for an
/// elementwise node, when its inputs' static lengths broadcast to one its output lacks; for
/// another op that reads more than its inputs' types, when it reads a constant or a node of a
/// constant (a slice whose start, built on a proxy, became `ScalarFromTensor(3)`). Only those
/// are re-inferred before grouping (their readers follow when a type changes): re-inferring
/// every node of unknown length cost a sixth of W7's rewriting.
private func mayKnowMore(_ node: FunctionGraph.Node) -> Bool {
    guard node.scalarOp != nil else {
        return !node.op.readsOnlyInputTypes && node.inputs.contains { input in
            input.isConstant || (input.owner?.inputs.contains(where: \.isConstant) ?? false)
        }
    }
    guard node.outputs.count == 1 else { return false }
    let shape = node.outputs[0].type.shape
    for axis in shape.indices where shape[axis] == nil {
        var allOne = true
        for input in node.inputs {
            let inputShape = input.type.shape
            let position = axis - (shape.count - inputShape.count)
            // A missing (broadcast) axis counts as 1.
            guard position >= 0 else { continue }
            switch inputShape[position] {
            case 1: continue
            case nil: allOne = false
            default: return true
            }
        }
        if allOne { return true }
    }
    return false
}

/// The graph as the grouping needs it: nodes in topological order with their producers and
/// clients, which nodes may fuse, and the groups found so far.
private struct FusionAnalysis {
    package let nodes: [FunctionGraph.Node]
    package let producers: [[Int]]
    package let clients: [[Int]]
    /// Single-output Elemwise nodes.
    package let fusable: [Bool]
    /// The group each node joined (an index into `groups`).
    package var groupOf: [Int?]
    package var groups: [[Int]] = []
    /// Each node's position in a topological order of the graph where the groups found so far
    /// are contracted to single nodes (a group's members share its position). No path leads
    /// from a position to an earlier one, which bounds the reachability walks.
    package var rank: [Int]
    /// The vertex at each position of that order: a node, `nodes.count + g` for group `g`, or
    /// -1 for a position left empty by a contraction.
    private var vertexAt: [Int]

    package init(_ context: RewriteContext) {
        let graph = context.graph
        nodes = graph.toposort()
        // Each node's position is kept on the node, valid while it carries this pass's mark.
        let mark = graph.nextWalkMark()
        for (position, node) in nodes.enumerated() {
            node.walkMark = mark
            node.scratch = position
        }
        func position(_ node: FunctionGraph.Node) -> Int? { node.walkMark == mark ? node.scratch : nil }
        // Duplicates are skipped by remembering, per node, the last node that listed it: O(1)
        // per edge, so a node with thousands of inputs or clients costs no more per edge.
        var listedBy = [Int](repeating: -1, count: nodes.count)
        var producers: [[Int]] = []
        producers.reserveCapacity(nodes.count)
        for (listing, node) in nodes.enumerated() {
            var found: [Int] = []
            for input in node.inputs {
                guard let owner = input.owner, let k = position(owner), listedBy[k] != listing else { continue }
                listedBy[k] = listing
                found.append(k)
            }
            producers.append(found)
        }
        listedBy = [Int](repeating: -1, count: nodes.count)
        var clients: [[Int]] = []
        clients.reserveCapacity(nodes.count)
        for (listing, node) in nodes.enumerated() {
            var found: [Int] = []
            for output in node.outputs {
                for client in output.clients where client.node.isAlive {
                    guard let k = position(client.node), listedBy[k] != listing else { continue }
                    listedBy[k] = listing
                    found.append(k)
                }
            }
            clients.append(found)
        }
        self.producers = producers
        self.clients = clients
        fusable = nodes.map { node in node.scalarOp != nil && node.outputs.count == 1 }
        groupOf = Array(repeating: nil, count: nodes.count)
        rank = Array(nodes.indices)
        vertexAt = Array(nodes.indices)
    }

    /// Whether `client` may join a group with its producer `producer`.
    package func fusableEdge(_ producer: Int, _ client: Int) -> Bool {
        fusable[producer] && fusable[client]
            && nodes[producer].outputs[0].broadcastable == nodes[client].outputs[0].broadcastable
    }

    /// The groups (members in the order they were added), in the order they were found.
    package mutating func findGroups() -> [[Int]] {
        for start in nodes.indices.reversed() {
            guard fusable[start], groupOf[start] == nil,
                !clients[start].contains(where: { groupOf[$0] == nil && fusableEdge(start, $0) })
            else { continue }
            let members = grow(from: start)
            guard members.count >= 2 else { continue }
            let id = groups.count
            for member in members { groupOf[member] = id }
            groups.append(members)
            rankContractedWindow(group: id)
        }
        return groups
    }

    /// Re-ranks the vertices whose positions lie between the new group's first and last
    /// member (Kahn's algorithm over the contracted graph there, which the convexity checks keep
    /// acyclic). A contraction can let a late node reach an earlier one through the group, so
    /// the order must change, but only inside that window: every path into the window comes
    /// from an earlier position and every path out of it goes to a later one. Re-ranking the
    /// whole graph for every group would make fusion O(nodes × groups).
    private mutating func rankContractedWindow(group id: Int) {
        let count = nodes.count
        func vertex(_ node: Int) -> Int { groupOf[node].map { count + $0 } ?? node }
        func members(_ vertex: Int) -> ArraySlice<Int> {
            vertex < count ? [vertex][...] : groups[vertex - count][...]
        }
        var low = Int.max
        var high = Int.min
        for member in groups[id] {
            low = Swift.min(low, rank[member])
            high = Swift.max(high, rank[member])
        }
        // The window's vertices (the new group once), in their old order.
        var window: [Int] = []
        var local: [Int: Int] = [:]
        for position in low...high {
            let occupant = vertexAt[position]
            vertexAt[position] = -1
            guard occupant >= 0 else { continue }
            let current = occupant < count ? vertex(occupant) : occupant
            if local[current] == nil {
                local[current] = window.count
                window.append(current)
            }
        }
        var successors = [[Int]](repeating: [], count: window.count)
        var indegree = [Int](repeating: 0, count: window.count)
        for (from, current) in window.enumerated() {
            for member in members(current) {
                for client in clients[member] {
                    guard let to = local[vertex(client)], to != from else { continue }
                    successors[from].append(to)
                    indegree[to] += 1
                }
            }
        }
        var ready = window.indices.filter { indegree[$0] == 0 }
        var head = 0
        while head < ready.count {
            let current = ready[head]
            for next in successors[current] {
                indegree[next] -= 1
                if indegree[next] == 0 { ready.append(next) }
            }
            // Positions past the window's new end stay empty: ranks are only compared.
            let position = low + head
            vertexAt[position] = window[current]
            for member in members(window[current]) { rank[member] = position }
            head += 1
        }
    }

    /// A convex group containing `start`, grown greedily.
    private func grow(from start: Int) -> [Int] {
        var members = [start]
        var inGroup: Set<Int> = [start]
        var rejected = Set<Int>()
        var bounds = (min: rank[start], max: rank[start])
        var pendingProducers = PendingNodes(latestFirst: true)
        var pendingClients = PendingNodes(latestFirst: false)
        for p in producers[start] where fusableEdge(p, start) && groupOf[p] == nil { pendingProducers.insert(p) }
        for c in clients[start] where fusableEdge(start, c) && groupOf[c] == nil { pendingClients.insert(c) }
        while true {
            let candidate: Int
            if let latest = pendingProducers.popFirst() {
                candidate = latest
            } else if let earliest = pendingClients.popFirst() {
                candidate = earliest
            } else {
                break
            }
            guard !inGroup.contains(candidate), !rejected.contains(candidate) else { continue }
            // Adding a producer: none of its other clients may lead back into the group.
            // Adding a client: none of its other producers may be reached from the group.
            let leavesAndReturns =
                clients[candidate].contains { !inGroup.contains($0) && reaches(from: $0, into: inGroup, before: bounds.max) }
                || producers[candidate].contains {
                    !inGroup.contains($0) && isReached(at: $0, from: inGroup, after: bounds.min)
                }
            if leavesAndReturns {
                rejected.insert(candidate)
                continue
            }
            members.append(candidate)
            inGroup.insert(candidate)
            bounds = (Swift.min(bounds.min, rank[candidate]), Swift.max(bounds.max, rank[candidate]))
            for p in producers[candidate] where fusableEdge(p, candidate) && groupOf[p] == nil && !inGroup.contains(p) {
                pendingProducers.insert(p)
            }
            for c in clients[candidate] where fusableEdge(candidate, c) && groupOf[c] == nil && !inGroup.contains(c) {
                pendingClients.insert(c)
            }
        }
        return members
    }

    /// Whether a path from node `origin` reaches a member of `group`, following clients in the
    /// graph where earlier groups are contracted (a group's clients are all its members'
    /// clients). Nodes ranked after `limit` (the group's last member) cannot lead back into it.
    private func reaches(from origin: Int, into group: Set<Int>, before limit: Int) -> Bool {
        contractedWalk(from: origin, finds: group, along: clients) { rank[$0] <= limit }
    }

    /// Whether node `target` is reached from a member of `group`: a walk through producers in
    /// the contracted graph. Nodes ranked before `limit` (the group's first member) cannot be
    /// reached.
    private func isReached(at target: Int, from group: Set<Int>, after limit: Int) -> Bool {
        contractedWalk(from: target, finds: group, along: producers) { rank[$0] >= limit }
    }

    /// Whether a walk from `start` along `edges` (clients or producers), where each earlier
    /// group counts as one node whose edges are all its members' edges, meets a member of
    /// `group`. Nodes outside `inRange` are not walked through.
    private func contractedWalk(
        from start: Int, finds group: Set<Int>, along edges: [[Int]], inRange: (Int) -> Bool
    ) -> Bool {
        var stack = [start]
        var seenNodes = Set<Int>()
        var seenGroups = Set<Int>()
        while let node = stack.popLast() {
            if group.contains(node) { return true }
            guard seenNodes.insert(node).inserted, inRange(node) else { continue }
            if let id = groupOf[node] {
                guard seenGroups.insert(id).inserted else { continue }
                for member in groups[id] {
                    seenNodes.insert(member)
                    stack.append(contentsOf: edges[member])
                }
            } else {
                stack.append(contentsOf: edges[node])
            }
        }
        return false
    }
}

/// A set of node positions taken out latest (or earliest) first: a binary heap, so a large
/// group does not rescan its whole frontier for every candidate.
private struct PendingNodes {
    private var heap: [Int] = []
    private var members = Set<Int>()
    /// Whether the largest position comes out first (else the smallest).
    package let latestFirst: Bool

    package init(latestFirst: Bool) { self.latestFirst = latestFirst }

    private func before(_ a: Int, _ b: Int) -> Bool { latestFirst ? a > b : a < b }

    package mutating func insert(_ position: Int) {
        guard members.insert(position).inserted else { return }
        heap.append(position)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    package mutating func popFirst() -> Int? {
        guard let first = heap.first else { return nil }
        members.remove(first)
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var best = parent
                if left < heap.count && before(heap[left], heap[best]) { best = left }
                if right < heap.count && before(heap[right], heap[best]) { best = right }
                if best == parent { break }
                heap.swapAt(parent, best)
                parent = best
            }
        }
        return first
    }
}

/// Replaces one group by a composite node. Returns false (changing nothing) when the group has
/// nothing left to compute from (every input a constant).
private func fuse(_ members: [Int], analysis: FusionAnalysis, context: RewriteContext) throws -> Bool {
    let nodes = members.map { analysis.nodes[$0] }
    guard nodes.allSatisfy(\.isAlive) else { return false }
    let memberIDs = Set(nodes.map { ObjectIdentifier($0) })
    func isMember(_ value: FunctionGraph.Value) -> Bool {
        value.owner.map { memberIDs.contains(ObjectIdentifier($0)) } ?? false
    }
    // Inputs in the order the members were added; scalar constants are inlined instead.
    var inputs: [FunctionGraph.Value] = []
    var inputIndex: [ObjectIdentifier: Int] = [:]
    var inlined: [ObjectIdentifier: CompositeConstant] = [:]
    for node in nodes {
        for input in node.inputs where !isMember(input) {
            let id = ObjectIdentifier(input)
            guard inputIndex[id] == nil, inlined[id] == nil else { continue }
            if let constant = inlinableConstant(input) {
                inlined[id] = constant
            } else {
                inputIndex[id] = inputs.count
                inputs.append(input)
            }
        }
    }
    guard !inputs.isEmpty else { return false }
    // Members whose value is needed outside the group, in the order they were added.
    let outputs = nodes.filter { node in
        let value = node.outputs[0]
        return context.isOutput(value)
            || value.clients.contains { $0.node.isAlive && !memberIDs.contains(ObjectIdentifier($0.node)) }
    }.map { $0.outputs[0] }
    guard !outputs.isEmpty else { return false }

    // The inner graph, members in topological order (the analysis order).
    var builder = CompositeGraph.Builder(inputCount: inputs.count)
    var inner: [ObjectIdentifier: CompositeGraph.Operand] = [:]
    for node in members.sorted().map({ analysis.nodes[$0] }) {
        let operands = node.inputs.map { input -> CompositeGraph.Operand in
            let id = ObjectIdentifier(input)
            if let operand = inner[id] { return operand }
            if let constant = inlined[id] { return .constant(constant) }
            return .input(inputIndex[id]!)
        }
        inner[ObjectIdentifier(node.outputs[0])] = builder.add(node.scalarOp!, operands)
    }
    let graph = builder.finish(outputs: outputs.map { inner[ObjectIdentifier($0)]! })
    let op = Elemwise(.composite(graph))
    let handles = inputs.map(context.handle)
    let probe = try op.makeNode(handles)
    // Keep the outputs' names (PyTensor does).
    let apply = Apply(op: op, inputs: probe.inputs, outputTypes: probe.outputTypes, outputNames: outputs.map(\.name))
    let replacements = apply.outputs
    for (old, new) in zip(outputs, replacements) {
        guard fits(new, for: old) || (new.dtype == old.type.dtype && new.ndim == old.type.ndim) else {
            throw CotangentError(.invalidGraph, "elemwise_fusion: \(op) output of type \(new.type) cannot replace \(old.type)")
        }
    }
    for (old, new) in zip(outputs, replacements) { try context.graph.replace(old, with: new) }
    return true
}

/// A constant input the composite can hold as a scalar: one value throughout and no dimension
/// of its own (every dimension statically 1), so inlining it changes no output shape.
private func inlinableConstant(_ value: FunctionGraph.Value) -> CompositeConstant? {
    guard let array = value.constantValue, array.count == 1, value.type.shape.allSatisfy({ $0 == 1 }) else {
        return nil
    }
    return CompositeConstant(array)
}
