import CotangentArrays
import CotangentEngine
import CotangentGraph
import CotangentOps

/// A graph as boxes and arrows, ready to draw: the nodes (ops, graph inputs, constants, outputs),
/// the arrows between them and the inner graphs (loop bodies, branches, Blockwise cores, fused
/// elementwise graphs, also those of fused sums) as clusters.
///
/// Both pictures of a graph are made from this one description: ``graphvizDOT(_:)``'s text and
/// `vizHTML(before:after:title:profile:layout:)`'s page. Node ids (`n0`, `n1`, …) are handed
/// out in a depth-first walk from the outputs, inputs left to right, so the same graph always
/// gets the same ids.
public struct GraphPicture: Sendable {
    /// What a node stands for.
    public enum Kind: String, Sendable {
        /// An Apply node (or one scalar operation of a fused graph).
        case op
        /// A graph input (of the graph or of an inner graph).
        case input
        /// A shared variable: an input whose value lives in its storage.
        case shared
        /// A constant.
        case constant
        /// A graph output (of the graph or of an inner graph).
        case output
    }

    /// The kinds of op, for colours.
    public enum Family: String, Sendable, CaseIterable {
        /// One elementwise op (`Elemwise`, `ElemwiseSum`, `Assert`, gradient control).
        case elementwise
        /// A fused elementwise graph (`Composite`).
        case fused
        /// Reductions, arg-max and cumulative ops.
        case reduction
        /// Shapes, reshapes, broadcasts, joins, ranges, identity matrices.
        case shape
        /// Indexing, scatter, sorting and searching.
        case indexing
        /// Products, decompositions, solves and `Blockwise`.
        case linearAlgebra
        /// Ops running inner graphs: loops and branches.
        case loop
        /// Random draws and generator updates.
        case random
        /// Any other op.
        case other
        /// A variable rather than an op.
        case variable
    }

    /// One thing drawn.
    public struct Node: Sendable {
        /// The stable id (`n12`).
        public let id: String
        /// What it stands for.
        public let kind: Kind
        /// The text in the box: the op as `dprint` prints it, a name, or a constant's value.
        public let label: String
        /// Name–value lines shown on hover: op, props, output types and shapes, time.
        public let details: [(key: String, value: String)]
        /// The colour family (``Family/variable`` for everything but ops).
        public let family: Family
        /// The index in ``GraphPicture/clusters`` of the inner graph holding the node; nil for
        /// the outer graph.
        public let cluster: Int?
        /// Time per call in microseconds when a profile was given (ops of the outer graph).
        public let microseconds: Double?
    }

    /// An arrow from a value's producer to a node reading it.
    public struct Edge: Sendable {
        /// The id of the value's producer.
        public let from: String
        /// The id of the reader.
        public let to: String
        /// The value's dtype and static shape (`float64 (?, 3)`), with `.k` for the k-th output
        /// of a node with several.
        public let label: String
    }

    /// An inner graph drawn as a box of its own.
    public struct Cluster: Sendable {
        /// `c0`, `c1`, … in the order the owners were met.
        public let id: String
        /// What it is: `Scan{…} body`, `Composite{…}`, `Blockwise{…} core`.
        public let label: String
        /// The id of the node that runs this graph.
        public let owner: String
    }

    /// Every node, outer and inner, in id order.
    public private(set) var nodes: [Node] = []
    /// Every arrow (within the outer graph or within one inner graph).
    public private(set) var edges: [Edge] = []
    /// The inner graphs, in the order their owners were met.
    public private(set) var clusters: [Cluster] = []

    /// The picture of the graph computing `outputs`.
    ///
    /// - Parameters:
    ///   - outputs: the graph's outputs; everything they depend on is drawn.
    ///   - profile: per-node times of a compiled function whose outputs are `outputs`
    ///     (`CompiledFunction/profile(_:calls:)`): each profiled op's box shows its time per call.
    public init(outputs: [Variable], profile: FunctionProfile? = nil) {
        var times: [ObjectIdentifier: Double] = [:]
        if let profile {
            for entry in profile.entries {
                let c = entry.time.components
                let micros = Double(c.seconds) * 1e6 + Double(c.attoseconds) * 1e-12
                times[ObjectIdentifier(entry.node), default: 0] += micros / Double(max(profile.calls, 1))
            }
        }
        var builder = Builder(times: times)
        builder.addGraph(outputs: outputs, inputs: [], cluster: nil)
        while let (node, cluster) = builder.pendingInner.first {
            builder.pendingInner.removeFirst()
            builder.addInnerGraphs(of: node, ownerID: cluster)
        }
        nodes = builder.nodes
        edges = builder.edges
        clusters = builder.clusters
    }

    /// The fused scalar graph `op` runs: an elementwise `Composite`, or the one a fused sum
    /// sums over.
    static func compositeGraph(of op: any Op) -> CompositeGraph? {
        (op as? Elemwise)?.scalarOp.compositeGraph ?? (op as? ElemwiseSum)?.scalarOp.compositeGraph
    }

    /// The colour family of `op`.
    static func family(of op: any Op) -> Family {
        if op.asInnerGraphOp != nil { return .loop }
        if compositeGraph(of: op) != nil { return .fused }
        switch op {
        case is Elemwise, is ElemwiseSum, is Assert, is GradientControl: return .elementwise
        case is Reduce, is Argmax, is CumOp, is CumLogSumExp: return .reduction
        case is Reshape, is DimShuffle, is ShapeOp, is ShapeI, is SpecifyShape, is Alloc, is Join, is MakeVector,
            is ARange, is Eye, is TensorFromScalar, is ScalarFromTensor:
            return .shape
        case is Subtensor, is IncSubtensor, is AdvancedSubtensor, is AdvancedIncSubtensor, is ElemwiseIncSubtensor,
            is SortOp, is ArgSortOp, is SearchsortedOp, is UniqueOp, is TopKOp:
            return .indexing
        case is Dot, is Blockwise, is Cholesky, is Eigh, is SVD, is QR, is Det, is SLogDet, is Solve,
            is SolveTriangular, is CholeskySolve, is MatrixInverse, is MatrixPinv, is Expm, is LinearRecurrence:
            return .linearAlgebra
        case is RandomVariable, is RandomGeneratorAdvance, is RandomGeneratorSplit: return .random
        default: return .other
        }
    }

    /// `float64 (?, 3)`.
    static func typeLabel(_ type: TensorType) -> String {
        "\(type.dtype) " + TensorType.format(type.shape)
    }

    /// The walk that hands out ids.
    private struct Builder {
        let times: [ObjectIdentifier: Double]
        var nodes: [Node] = []
        var edges: [Edge] = []
        var clusters: [Cluster] = []
        /// Nodes running inner graphs, with their ids, in the order met.
        var pendingInner: [(Apply, String)] = []

        init(times: [ObjectIdentifier: Double]) { self.times = times }

        mutating func newID() -> String { "n\(nodes.count)" }

        mutating func add(
            _ kind: Kind, _ label: String, details: [(key: String, value: String)], family: Family,
            cluster: Int?, microseconds: Double? = nil
        ) -> String {
            let id = newID()
            nodes.append(
                Node(
                    id: id, kind: kind, label: label, details: details, family: family, cluster: cluster,
                    microseconds: microseconds))
            return id
        }

        /// Adds the graph of `outputs` (an inner graph's when `cluster` is set, whose `inputs`
        /// are drawn as its numbered inputs).
        mutating func addGraph(outputs: [Variable], inputs: [Variable], cluster: Int?) {
            // Ids of drawn Apply nodes and leaves, by identity, for this graph only (an inner
            // graph gets boxes of its own even where it shares a variable with the outer one).
            var drawn: [ObjectIdentifier: String] = [:]
            for (k, input) in inputs.enumerated() {
                drawn[ObjectIdentifier(input)] = add(
                    .input, "in \(k)" + (input.name.map { ": \($0)" } ?? ""),
                    details: [("input", "\(k)"), ("type", "\(input.type)"), ("shape", TensorType.format(input.type.shape))],
                    family: .variable, cluster: cluster)
            }
            for (k, output) in outputs.enumerated() {
                let source = draw(output, drawn: &drawn, cluster: cluster)
                var details: [(key: String, value: String)] = [("output", "\(k)")]
                if let name = output.name { details.append(("name", name)) }
                details += [("type", "\(output.type)"), ("shape", TensorType.format(output.type.shape))]
                let id = add(
                    .output, "out \(k)" + (output.name.map { ": \($0)" } ?? ""), details: details, family: .variable,
                    cluster: cluster)
                edges.append(Edge(from: source, to: id, label: edgeLabel(output)))
            }
        }

        func edgeLabel(_ variable: Variable) -> String {
            let outputs = variable.owner?.outputTypes.count ?? 1
            return (outputs > 1 ? ".\(variable.index) " : "") + GraphPicture.typeLabel(variable.type)
        }

        /// The id of the box producing `root`, drawing it and everything it reads first
        /// (post-order, with an explicit stack so deep graphs cannot overflow the call stack).
        mutating func draw(_ root: Variable, drawn: inout [ObjectIdentifier: String], cluster: Int?) -> String {
            func key(_ v: Variable) -> ObjectIdentifier { v.owner.map(ObjectIdentifier.init) ?? ObjectIdentifier(v) }
            var stack: [(variable: Variable, expanded: Bool)] = [(root, false)]
            while let (variable, expanded) = stack.popLast() {
                if drawn[key(variable)] != nil { continue }
                guard let node = variable.owner else {
                    drawn[key(variable)] = addLeaf(variable, cluster: cluster)
                    continue
                }
                if !expanded {
                    stack.append((variable, true))
                    for input in node.inputs.reversed() where drawn[key(input)] == nil { stack.append((input, false)) }
                    continue
                }
                let id = addOp(node, cluster: cluster)
                drawn[key(variable)] = id
                for input in node.inputs {
                    edges.append(Edge(from: drawn[key(input)]!, to: id, label: edgeLabel(input)))
                }
            }
            return drawn[key(root)]!
        }

        mutating func addLeaf(_ variable: Variable, cluster: Int?) -> String {
            let shape = ("shape", TensorType.format(variable.type.shape))
            if let value = variable.constantValue {
                var text = value.constantDescription
                if text.count > 40 { text = String(text.prefix(37)) + "…" }
                let label = variable.name.map { "\($0){\(text)}" } ?? text
                return add(
                    .constant, label, details: [("constant", label), ("type", "\(variable.type)"), shape],
                    family: .variable, cluster: cluster)
            }
            let kind: Kind = variable.sharedStorage != nil ? .shared : .input
            return add(
                kind, variable.description,
                details: [(kind == .shared ? "shared" : "input", variable.description), ("type", "\(variable.type)"), shape],
                family: .variable, cluster: cluster)
        }

        mutating func addOp(_ node: Apply, cluster: Int?) -> String {
            var details: [(key: String, value: String)] = [("op", "\(node.op)"), ("class", "\(type(of: node.op))")]
            for (k, output) in node.outputTypes.enumerated() {
                let prefix = node.outputTypes.count > 1 ? "output \(k) " : "output "
                details.append((prefix + "type", "\(output)"))
                details.append((prefix + "shape", TensorType.format(output.shape)))
            }
            let time = cluster == nil ? times[ObjectIdentifier(node)] : nil
            if let time { details.append(("time per call", GraphPicture.formatTime(time))) }
            let id = add(.op, "\(node.op)", details: details, family: GraphPicture.family(of: node.op), cluster: cluster,
                         microseconds: time)
            let op = node.op
            if op.asInnerGraphOp != nil || op is Blockwise || GraphPicture.compositeGraph(of: op) != nil {
                pendingInner.append((node, id))
            }
            return id
        }

        mutating func newCluster(_ label: String, owner: String) -> Int {
            clusters.append(Cluster(id: "c\(clusters.count)", label: label, owner: owner))
            return clusters.count - 1
        }

        /// Clusters for the graphs `node` runs.
        mutating func addInnerGraphs(of node: Apply, ownerID: String) {
            if let op = node.op.asInnerGraphOp {
                let graphs = op.innerGraphs(node).filter { !$0.isAuxiliary }
                for (k, graph) in graphs.enumerated() {
                    let cluster = newCluster("\(node.op)" + (graphs.count > 1 ? " graph \(k)" : ""), owner: ownerID)
                    addGraph(outputs: graph.outputs, inputs: graph.inputs, cluster: cluster)
                }
            } else if let blockwise = node.op as? Blockwise {
                addCore(of: blockwise, node: node, ownerID: ownerID)
            } else if let graph = GraphPicture.compositeGraph(of: node.op) {
                addComposite(graph, node: node, ownerID: ownerID)
            }
        }

        /// A Blockwise core: the core op on one block, its inputs and outputs named by the
        /// signature's core dimensions.
        mutating func addCore(of blockwise: Blockwise, node: Apply, ownerID: String) {
            let cluster = newCluster("\(node.op) core", owner: ownerID)
            let sides = blockwise.signature.split(separator: "-", maxSplits: 1).map { Self.groups(String($0)) }
            let inputs = sides.first ?? [], outputs = sides.count > 1 ? sides[1] : []
            let inputIDs = node.inputs.indices.map { k in
                let core = k < inputs.count ? inputs[k] : "()"
                return add(.input, "in \(k) \(core)", details: [("input", "\(k)"), ("core dimensions", core)],
                           family: .variable, cluster: cluster)
            }
            let core = add(
                .op, "\(blockwise.core)",
                details: [("op", "\(blockwise.core)"), ("class", "\(type(of: blockwise.core))"), ("signature", blockwise.signature)],
                family: GraphPicture.family(of: blockwise.core), cluster: cluster)
            for (k, id) in inputIDs.enumerated() { edges.append(Edge(from: id, to: core, label: k < inputs.count ? inputs[k] : "()")) }
            for k in node.outputTypes.indices {
                let dims = k < outputs.count ? outputs[k] : "()"
                let id = add(.output, "out \(k) \(dims)", details: [("output", "\(k)"), ("core dimensions", dims)],
                             family: .variable, cluster: cluster)
                edges.append(Edge(from: core, to: id, label: dims))
            }
        }

        /// `(m,n),(n)` → `["(m,n)", "(n)"]`.
        static func groups(_ text: String) -> [String] {
            var groups: [String] = [], current = "", depth = 0
            for character in text {
                if character == "(" { depth += 1 }
                if depth > 0 { current.append(character) }
                if character == ")" {
                    depth -= 1
                    if depth == 0 { groups.append(current); current = "" }
                }
            }
            return groups
        }

        /// A fused elementwise graph (of a `Composite` or a fused sum): its scalar operations.
        mutating func addComposite(_ graph: CompositeGraph, node: Apply, ownerID: String) {
            let cluster = newCluster("\(node.op)", owner: ownerID)
            let dtypes = (try? graph.nodeDTypes(inputs: node.inputs.map(\.dtype))) ?? []
            var inputIDs: [Int: String] = [:], constantIDs: [CompositeConstant: String] = [:]
            var nodeIDs: [String] = []
            func operandLabel(_ operand: CompositeGraph.Operand) -> String {
                switch operand {
                case .input(let k): "\(node.inputs[k].dtype)"
                case .constant(let c): "\(c.dtype)"
                case .node(let k): k < dtypes.count ? "\(dtypes[k])" : ""
                }
            }
            for (index, scalar) in graph.nodes.enumerated() {
                var operandIDs: [String] = []
                for operand in scalar.operands {
                    switch operand {
                    case .input(let k):
                        if inputIDs[k] == nil {
                            inputIDs[k] = add(.input, "i\(k)", details: [("input", "i\(k)"), ("dtype", "\(node.inputs[k].dtype)")],
                                              family: .variable, cluster: cluster)
                        }
                        operandIDs.append(inputIDs[k]!)
                    case .constant(let c):
                        if constantIDs[c] == nil {
                            constantIDs[c] = add(.constant, "\(c)", details: [("constant", "\(c)"), ("dtype", "\(c.dtype)")],
                                                 family: .variable, cluster: cluster)
                        }
                        operandIDs.append(constantIDs[c]!)
                    case .node(let k): operandIDs.append(nodeIDs[k])
                    }
                }
                let dtype = index < dtypes.count ? "\(dtypes[index])" : "?"
                let id = add(.op, scalar.op.innerName, details: [("scalar op", scalar.op.innerName), ("dtype", dtype)],
                             family: .elementwise, cluster: cluster)
                nodeIDs.append(id)
                for (operand, from) in zip(scalar.operands, operandIDs) {
                    edges.append(Edge(from: from, to: id, label: operandLabel(operand)))
                }
            }
            for (k, output) in graph.outputs.enumerated() {
                let id = add(.output, "o\(k)", details: [("output", "o\(k)")], family: .variable, cluster: cluster)
                edges.append(Edge(from: nodeIDs[output], to: id, label: operandLabel(.node(output))))
            }
        }
    }
}
