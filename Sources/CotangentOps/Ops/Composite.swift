import Synchronization
import CotangentArrays
import CotangentGraph

// A fused scalar graph: PyTensor's `Composite` scalar op, which `Elemwise` runs as one pass.
//
// The elementwise fusion rewrite (Rewriting/FusionRewrites.swift) replaces a connected group of
// `Elemwise` nodes by one `Elemwise(.composite(graph))` node whose inner graph computes the
// group's outputs from the group's inputs element by element. The graph is a value (hashable by
// structure), so two fusions of equal groups merge like any other equal ops.

/// A constant inside a ``CompositeGraph``: a scalar of a dtype (PyTensor inlines scalar constants
/// into the composite, where they print as `2.0`, `1`, `True`).
public struct CompositeConstant: Hashable, Sendable, CustomStringConvertible {
    /// The constant's dtype.
    public let dtype: DType
    /// Float dtypes: the value's `Double` bit pattern; integers and bool: its `Int64` bit pattern.
    /// Bits, so NaN equals NaN and `-0.0` differs from `0.0` (as PyTensor's constant signatures).
    package let bits: UInt64

    /// The first element of `array` as a constant of the array's dtype.
    public init(_ array: NDArray) {
        dtype = array.dtype
        if array.dtype.isFloat {
            bits = array.asArray(Double.self)[0].bitPattern
        } else {
            bits = UInt64(bitPattern: array.asArray(Int64.self)[0])
        }
    }

    /// `value` converted to `dtype` (numpy's `astype` rules).
    public init(_ value: Double, dtype: DType) {
        self.init(NDArray.full([], value: value, dtype: dtype))
    }

    /// The value in the float compute domain.
    package var doubleValue: Double { dtype.isFloat ? Double(bitPattern: bits) : Double(Int64(bitPattern: bits)) }
    /// The value in the integer compute domain.
    package var int64Value: Int64 { dtype.isFloat ? Int64(truncatingFloat: doubleValue) : Int64(bitPattern: bits) }

    /// The constant as a 0-d array.
    public var array: NDArray {
        dtype.isFloat
            ? NDArray.full([], value: doubleValue, dtype: dtype)
            : NDArray(scalar: int64Value).converted(to: dtype)
    }

    /// numpy's `str` of the scalar: `2.0`, `-1`, `True`.
    public var description: String { array.constantDescription }
}

/// Compiled elementwise programs of one composite graph, by input dtypes.
package final class CompiledPrograms: Sendable {
    private let programs = Mutex<[[DType]: ElemwiseProgram]>([:])

    /// The program for `inputs`, compiled by `make` the first time.
    package func program(for inputs: [DType], _ make: () throws -> ElemwiseProgram) rethrows -> ElemwiseProgram {
        if let known = programs.locked({ $0[inputs] }) { return known }
        let program = try make()
        programs.locked { $0[inputs] = program }
        return program
    }
}

/// The inner graph of a composite scalar op: inputs `i0…`, scalar-op nodes in topological
/// order, and one or more outputs (each a node).
///
/// Nodes never hold composites themselves (fusing a composite inlines its graph), and equal
/// nodes are stored once, so the node count is PyTensor's `len(fgraph.apply_nodes)`.
public struct CompositeGraph: Hashable, Sendable, CustomStringConvertible {
    /// What a node reads: a composite input, an earlier node, or an inlined constant.
    public enum Operand: Hashable, Sendable {
        /// The composite's input at this position.
        case input(Int)
        /// The output of the graph's node at this position.
        case node(Int)
        /// A scalar constant.
        case constant(CompositeConstant)
    }

    /// One scalar operation of the graph.
    public struct Node: Hashable, Sendable {
        /// The scalar op applied.
        public let op: ScalarOp
        /// What the op reads, in its input order.
        public let operands: [Operand]
    }

    /// The number of inputs the composite reads.
    public let inputCount: Int
    /// Topologically ordered: a node reads only inputs, constants and earlier nodes.
    public let nodes: [Node]
    /// The node index of each output.
    public let outputs: [Int]
    /// Programs compiled from this graph, by input dtypes: shared by copies of the graph and
    /// not part of its value. Looking a program up here hashes a few dtypes; the process-wide
    /// cache would hash (and on a hit compare) the whole graph on every call.
    package let programs = CompiledPrograms()

    public static func == (lhs: CompositeGraph, rhs: CompositeGraph) -> Bool {
        lhs.inputCount == rhs.inputCount && lhs.outputs == rhs.outputs && lhs.nodes == rhs.nodes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(inputCount)
        hasher.combine(nodes)
        hasher.combine(outputs)
    }

    /// A graph from its parts.
    ///
    /// - Precondition: operands refer to existing inputs and earlier nodes, no node is a
    ///   composite, there is at least one output, and every output is a node.
    public init(inputCount: Int, nodes: [Node], outputs: [Int]) {
        for (index, node) in nodes.enumerated() {
            if node.op.compositeGraph != nil { preconditionFailure("CompositeGraph: nested composite at node \(index)") }
            for operand in node.operands {
                switch operand {
                case .input(let k): precondition(k >= 0 && k < inputCount, "CompositeGraph: no input \(k)")
                case .node(let k): precondition(k >= 0 && k < index, "CompositeGraph: node \(index) reads node \(k)")
                case .constant: break
                }
            }
        }
        precondition(!outputs.isEmpty, "CompositeGraph: no outputs")
        precondition(outputs.allSatisfy { $0 >= 0 && $0 < nodes.count }, "CompositeGraph: bad output index")
        self.inputCount = inputCount
        self.nodes = nodes
        self.outputs = outputs
    }

    // MARK: Types

    /// Each node's dtype for these input dtypes, or the first node's construction error (or
    /// a count error when there are not as many dtypes as inputs).
    package func nodeDTypes(inputs: [DType]) throws -> [DType] {
        guard inputs.count == inputCount else {
            throw CotangentError(.invalidGraph, "\(ScalarOp.composite(self)): takes \(inputCount) inputs, got \(inputs.count)")
        }
        var dtypes: [DType] = []
        dtypes.reserveCapacity(nodes.count)
        for node in nodes {
            let operandTypes = node.operands.map { operand -> DType in
                switch operand {
                case .input(let k): inputs[k]
                case .node(let k): dtypes[k]
                case .constant(let c): c.dtype
                }
            }
            dtypes.append(try node.op.outputDType(operandTypes))
        }
        return dtypes
    }

    /// The output dtypes for these input dtypes.
    public func outputDTypes(inputs: [DType]) throws -> [DType] {
        let dtypes = try nodeDTypes(inputs: inputs)
        return outputs.map { dtypes[$0] }
    }

    // MARK: Printing

    /// PyTensor's `Composite.__str__`: `Composite{((i0 * 2.0) + 1.0)}` (the inner graph in
    /// PyTensor's pretty-printer form) when there is one output and at most 10 nodes, else
    /// `Composite{...}`.
    public var description: String {
        guard outputs.count == 1, nodes.count <= 10 else { return "Composite{...}" }
        var memo: [Int: String] = [:]
        for (index, node) in nodes.enumerated() {
            let arguments = node.operands.map { operand -> String in
                switch operand {
                case .input(let k): "i\(k)"
                case .node(let k): memo[k]!
                case .constant(let c): c.description
                }
            }
            memo[index] = Self.pretty(node.op, arguments)
        }
        return "Composite{\(memo[outputs[0]]!)}"
    }

    /// One node as PyTensor's `pprint` writes it: arithmetic as parenthesised operators
    /// (`(i0 + i1)`, `(-i0)`), every other op as `name(args)` with its scalar name.
    private static func pretty(_ op: ScalarOp, _ arguments: [String]) -> String {
        // PyTensor 3.0.7 writes every named call in lowercase (`abs`, `gt`, `switch`,
        // `roundhalftoeven`), while its inner-graph listing uses the ops' own names (`Abs`, `GT`).
        guard let symbol = op.definition.formulaSymbol else {
            return "\(op.formulaName)(\(arguments.joined(separator: ", ")))"
        }
        if arguments.count == 1 { return "(\(symbol)\(arguments[0]))" }
        return "(" + arguments.joined(separator: " \(symbol) ") + ")"
    }

    // MARK: Building

    /// Incremental construction with common-subexpression elimination and inlining of nested
    /// composites; ``finish(outputs:)`` drops nodes the outputs do not need.
    package struct Builder {
        package let inputCount: Int
        private(set) var nodes: [Node] = []
        private var index: [Node: Int] = [:]

        package init(inputCount: Int) { self.inputCount = inputCount }

        /// The operand computing `op(operands)`: an existing equal node or a new one. A
        /// composite op is inlined; use ``addOutputs(_:_:)`` for its other outputs.
        package mutating func add(_ op: ScalarOp, _ operands: [Operand]) -> Operand {
            addOutputs(op, operands)[0]
        }

        /// Every output of `op(operands)` (one for plain scalar ops).
        package mutating func addOutputs(_ op: ScalarOp, _ operands: [Operand]) -> [Operand] {
            if let inner = op.compositeGraph {
                var mapped: [Operand] = []
                for node in inner.nodes {
                    let inputs = node.operands.map { operand -> Operand in
                        switch operand {
                        case .input(let k): operands[k]
                        case .node(let k): mapped[k]
                        case .constant: operand
                        }
                    }
                    mapped.append(add(node.op, inputs))
                }
                return inner.outputs.map { mapped[$0] }
            }
            let node = Node(op: op, operands: operands)
            if let existing = index[node] { return [.node(existing)] }
            nodes.append(node)
            index[node] = nodes.count - 1
            return [.node(nodes.count - 1)]
        }

        /// The graph computing `outputs` (each must be a node), without unused nodes.
        package func finish(outputs: [Operand]) -> CompositeGraph {
            var used = [Bool](repeating: false, count: nodes.count)
            for case .node(let k) in outputs { used[k] = true }
            for k in nodes.indices.reversed() where used[k] {
                for case .node(let j) in nodes[k].operands { used[j] = true }
            }
            var renumbered = [Int](repeating: -1, count: nodes.count)
            var kept: [Node] = []
            for k in nodes.indices where used[k] {
                let operands = nodes[k].operands.map { operand -> Operand in
                    if case .node(let j) = operand { return .node(renumbered[j]) }
                    return operand
                }
                renumbered[k] = kept.count
                kept.append(Node(op: nodes[k].op, operands: operands))
            }
            let outputIndices = outputs.map { operand -> Int in
                guard case .node(let k) = operand else { preconditionFailure("CompositeGraph: an output must be a node") }
                return renumbered[k]
            }
            return CompositeGraph(inputCount: inputCount, nodes: kept, outputs: outputIndices)
        }
    }

    /// The single-node graph of a plain scalar op over `arity` inputs (how ``Elemwise`` runs
    /// every scalar op through the same fused kernel).
    package static func single(_ op: ScalarOp, arity: Int) -> CompositeGraph {
        if let graph = op.compositeGraph { return graph }
        return CompositeGraph(
            inputCount: arity, nodes: [Node(op: op, operands: (0..<arity).map { .input($0) })], outputs: [0])
    }

    // MARK: Expansion

    /// The graph applied to tensors: one ``Elemwise`` node per inner node (constants become 0-d
    /// constants), returning the outputs. This is the unfused computation the composite stands
    /// for; derivative rules differentiate it.
    public func apply(to inputs: [Variable]) -> [Variable] {
        precondition(inputs.count == inputCount, "CompositeGraph.apply: \(inputs.count) inputs for \(inputCount)")
        var values: [Variable] = []
        values.reserveCapacity(nodes.count)
        for node in nodes {
            let operands = node.operands.map { operand -> Variable in
                switch operand {
                case .input(let k): inputs[k]
                case .node(let k): values[k]
                case .constant(let c): Variable(constant: c.array)
                }
            }
            values.append(elemwise(node.op, operands))
        }
        return outputs.map { values[$0] }
    }
}

// MARK: - Derivatives

// A composite's derivatives are its inner ops' rules composed: the graph is expanded into
// Elemwise nodes on stand-ins for the node's inputs, differentiated there, and the stand-ins are
// replaced by the real inputs (and cotangents/tangents) at the end, so the expansion and its
// derivative never walk the rest of the user's graph.

extension CompositeGraph {
    /// `[input][output]`: whether the output depends differentiably on the input (through ops
    /// connected to their operands, over float values only, as each Elemwise node would say).
    package func connectionPattern(inputs: [DType]) -> [[Bool]] {
        guard let dtypes = try? nodeDTypes(inputs: inputs) else {
            return inputs.map { _ in outputs.map { _ in false } }
        }
        var reached: [Set<Int>] = []
        for (index, node) in nodes.enumerated() {
            var set = Set<Int>()
            let connected = node.op.isVariadic
                ? Array(repeating: true, count: node.operands.count) : node.op.connectedInputs
            if dtypes[index].isFloat {
                for (operand, isConnected) in zip(node.operands, connected) where isConnected {
                    switch operand {
                    case .input(let k) where inputs[k].isFloat: set.insert(k)
                    case .node(let k) where dtypes[k].isFloat: set.formUnion(reached[k])
                    default: break
                    }
                }
            }
            reached.append(set)
        }
        return (0..<inputCount).map { k in outputs.map { reached[$0].contains(k) } }
    }

    /// The pullback of `node` (an `Elemwise` of this composite) for its outputs' cotangents.
    package func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let standIns = node.inputs.map { Variable(type: $0.type, name: $0.name) }
        let expanded = apply(to: standIns)
        var substitutions: [Variable: Variable] = Dictionary(uniqueKeysWithValues: zip(standIns, node.inputs))
        let differentiable = standIns.filter(\.dtype.isFloat)
        var accumulator = GradientAccumulator(outputs: expanded, wrt: differentiable, constants: [])
        for (output, cotangent) in zip(expanded, cotangents) {
            guard let cotangent else { continue }
            let standIn = Variable(type: cotangent.type, name: cotangent.name)
            substitutions[standIn] = cotangent
            accumulator.addTerm(standIn, to: output)
        }
        accumulator.propagate()
        let totals = standIns.map { $0.dtype.isFloat ? accumulator.total(for: $0) : .disconnected }
        var values: [Variable] = []
        for case .value(let gradient) in totals { values.append(gradient) }
        var substituted = replacing(values, substitutions).makeIterator()
        return totals.map { total in
            guard case .value = total else { return total }
            return .value(substituted.next()!)
        }
    }

    /// The pushforward of `node` (an `Elemwise` of this composite) for its inputs' tangents:
    /// native rules where the inner ops have them, the double-pullback trick elsewhere.
    package func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?] {
        let standIns = node.inputs.map { Variable(type: $0.type, name: $0.name) }
        let expanded = apply(to: standIns)
        var substitutions: [Variable: Variable] = Dictionary(uniqueKeysWithValues: zip(standIns, node.inputs))
        var flowing: [Variable: Variable] = [:]
        for (standIn, tangent) in zip(standIns, tangents) {
            guard let tangent, standIn.dtype.isFloat else { continue }
            let tangentStandIn = Variable(type: tangent.type, name: tangent.name)
            substitutions[tangentStandIn] = tangent
            flowing[standIn] = tangentStandIn
        }
        for inner in GraphTraversal.toposort(expanded) {
            let inputTangents = inner.inputs.map { input in input.dtype.isFloat ? flowing[input] : nil }
            guard inputTangents.contains(where: { $0 != nil }) else { continue }
            let outputTangents =
                inner.op.pushforward(inner, tangents: inputTangents) ?? doublePullback(inner, tangents: inputTangents)
            for (output, tangent) in zip(inner.outputs, outputTangents) {
                if let tangent, output.dtype.isFloat {
                    flowing[output] = tangent.dtype == output.dtype ? tangent : tangent.cast(to: output.dtype)
                }
            }
        }
        let results = expanded.map { flowing[$0] }
        var substituted = replacing(results.compactMap { $0 }, substitutions).makeIterator()
        return results.map { $0 == nil ? nil : substituted.next()! }
    }
}
