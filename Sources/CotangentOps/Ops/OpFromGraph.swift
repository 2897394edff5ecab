import CotangentArrays
import CotangentGraph

// OpFromGraph: a subgraph applied as one op (PyTensor's `OpFromGraph`), optionally with
// derivative rules written by hand (JAX's `custom_vjp` / `custom_jvp`).

/// A hand-written pullback for ``opFromGraph(inputs:outputs:name:inline:pullback:pushforward:)``:
/// given the graph's inputs, its outputs and one cotangent per output (zeros where no gradient
/// flows into that output), one gradient per input, nil for an input the outputs do not depend
/// on. The inputs end with the shared variables the graph reads, if any; a rule may return
/// gradients for the explicit inputs only. Everything it builds may read the inputs and outputs: applied at a node, they stand for
/// the node's inputs and outputs, so a rule that reads an output (`g · y · (1 − y)` for a
/// sigmoid) reuses the op's result instead of computing it again.
public typealias CustomPullback = @Sendable (
    _ inputs: [Variable], _ outputs: [Variable], _ cotangents: [Variable]
) -> [Variable?]

/// A hand-written pushforward: given the graph's inputs, its outputs and one tangent per input
/// (zeros where none is given), one tangent per output, nil for an output no tangent reaches.
public typealias CustomPushforward = @Sendable (
    _ inputs: [Variable], _ outputs: [Variable], _ tangents: [Variable]
) -> [Variable?]

/// What an ``OpFromGraph`` applies: the inner graph and its rules. Ops that share a definition
/// are equal (so merging treats two applications to the same inputs as one computation).
package final class GraphDefinition: Hashable, @unchecked Sendable {
    /// The graph's inputs: the explicit ones, then the shared variables it reads.
    package let inputs: [Variable]
    /// How many of ``inputs`` the caller passes; the rest are shared variables the op reads.
    package let explicitCount: Int
    package let outputs: [Variable]
    package let name: String
    package let inline: Bool
    package let customPullback: CustomPullback?
    package let customPushforward: CustomPushforward?

    package init(
        inputs: [Variable], explicitCount: Int, outputs: [Variable], name: String, inline: Bool,
        pullback: CustomPullback?, pushforward: CustomPushforward?
    ) {
        self.inputs = inputs
        self.explicitCount = explicitCount
        self.outputs = outputs
        self.name = name
        self.inline = inline
        self.customPullback = pullback
        self.customPushforward = pushforward
    }

    package static func == (a: GraphDefinition, b: GraphDefinition) -> Bool { a === b }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// The shared variables the graph reads, passed to every node after the explicit inputs.
    package var sharedInputs: ArraySlice<Variable> { inputs[explicitCount...] }
}

/// A subgraph applied as one op: PyTensor's `OpFromGraph`.
///
/// Build one with ``opFromGraph(inputs:outputs:name:inline:pullback:pushforward:)`` and apply it
/// like a function: `let y = op(a, b)[0]`. Each application is one node whose kernel runs the
/// inner graph, rewritten and scheduled once by the engine. With `inline: true` the compiler
/// replaces the node by its inner graph before rewriting, so the rewrites see across it, while
/// derivatives (taken before compiling) still use the op's rules. Printed
/// `OpFromGraph{inline=False}` (or the given name) as PyTensor prints it.
///
/// Derivatives: without rules of its own, the pullback and pushforward are those of the inner
/// graph, built in the outer graph. A custom pullback replaces the pullback (and, without a custom
/// pushforward, the pushforward too, through the double-pullback trick, so both directions
/// follow the hand-written rule). Batching keeps the op: the batched node applies the vectorized
/// inner graph, with the custom rules vectorized the same way.
public struct OpFromGraph: InnerGraphOp {
    package let definition: GraphDefinition

    package init(definition: GraphDefinition) { self.definition = definition }

    public var description: String { "\(definition.name){inline=\(definition.inline ? "True" : "False")}" }

    /// The variables the inner graph reads, in the order an application passes them.
    public var inputs: [Variable] { Array(definition.inputs[..<definition.explicitCount]) }
    /// The variables the inner graph computes.
    public var outputs: [Variable] { definition.outputs }
    /// Whether compiling replaces each application by the inner graph.
    public var isInlined: Bool { definition.inline }

    /// Applies the op to one value per ``inputs`` (same dtype and rank), giving one value per
    /// ``outputs``. A mismatch stops with a message naming the input (or throws inside `checked`).
    public func callAsFunction(_ arguments: [Variable]) -> [Variable] {
        guard arguments.count == definition.explicitCount else {
            reportBuildError(
                CotangentError(
                    .invalidGraph,
                    "\(self): takes \(definition.explicitCount) inputs (\(describeTypes(inputs))), "
                        + "given \(arguments.count)"))
            return definition.outputs.map { placeholderVariable($0.type) }
        }
        return buildOutputs(self, arguments + definition.sharedInputs, outputCount: definition.outputs.count)
    }

    /// Applies the op to one value per ``inputs``.
    public func callAsFunction(_ arguments: Variable...) -> [Variable] { callAsFunction(arguments) }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == definition.inputs.count else {
            throw CotangentError(
                .invalidGraph, "\(self): expects \(definition.inputs.count) inputs, got \(inputs.count)")
        }
        for (k, (given, expected)) in zip(inputs, definition.inputs).enumerated() {
            let conflicting = zip(given.type.shape, expected.type.shape).contains { a, b in
                if let a, let b { return a != b }
                return false
            }
            guard given.dtype == expected.dtype, given.ndim == expected.ndim, !conflicting else {
                throw CotangentError(
                    .invalidGraph,
                    "\(self): input \(k) is \(given.type) but the graph's input \(expected) is \(expected.type)")
            }
        }
        return definition.outputs.map(\.type)
    }

    /// The inner graph's shape rules applied to the input shapes; nil when a length depends on
    /// an input's values.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        var cache = Dictionary(uniqueKeysWithValues: zip(definition.inputs, inputShapes))
        let dims = definition.outputs.map { $0.symbolicShape(cache: &cache) }
        let own = Set(definition.inputs)
        return GraphTraversal.ancestors(dims.flatMap { $0 }).contains(where: own.contains) ? nil : dims
    }

    /// An input is connected to an output when the output's graph reads it.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let reads = definition.outputs.map { Set(GraphTraversal.ancestors([$0])) }
        return definition.inputs.map { input in reads.map { $0.contains(input) } }
    }

    public func innerGraphs(_ node: Apply) -> [InnerGraph] {
        [InnerGraph(inputs: definition.inputs, outputs: definition.outputs)]
    }

    public func perform(_ inputs: [NDArray], node: Apply, programs: [any InnerProgram]) throws -> [NDArray] {
        try programs[0].run(inputs).enumerated().map { index, value in
            let dtype = node.outputTypes[index].dtype
            return value.dtype == dtype ? value : value.converted(to: dtype)
        }
    }

    /// The inner graph's outputs rebuilt over `values` for its inputs (and, where given, the
    /// node's outputs for its outputs, so rules reuse them).
    private func substituting(
        _ graph: [Variable?], inputs values: [Variable], outputs: [Variable]?, extra: [(Variable, Variable)]
    ) -> [Variable?] {
        var substitution: [Variable: Variable] = [:]
        for (inner, outer) in zip(definition.inputs, values) { substitution[inner] = outer }
        if let outputs {
            for (inner, outer) in zip(definition.outputs, outputs) where substitution[inner] == nil {
                substitution[inner] = outer
            }
        }
        for (inner, outer) in extra { substitution[inner] = outer }
        let present = graph.compactMap { $0 }
        var rebuilt = replacing(present, substitution).makeIterator()
        return graph.map { $0 == nil ? nil : rebuilt.next() }
    }

    /// The custom rule's results, checked: one per input, each float and shaped like its input.
    private func checkedRule(_ results: [Variable?], against expected: [Variable], rule: String) -> [Variable?] {
        guard results.count == expected.count else {
            reportBuildError(
                CotangentError(
                    .invalidGradient,
                    "\(self): the custom \(rule) returned \(results.count) values for \(expected.count) "
                        + (rule == "pullback" ? "inputs" : "outputs")))
            return expected.map { _ in nil }
        }
        return zip(results, expected).map { result, reference in
            guard let result else { return nil }
            guard reference.dtype.isFloat else { return nil }
            guard result.ndim == reference.ndim else {
                reportBuildError(
                    CotangentError(
                        .invalidGradient,
                        "\(self): the custom \(rule) returned \(result.type) for \(reference) of type "
                            + "\(reference.type); ranks must match"))
                return nil
            }
            return result.dtype == reference.dtype ? result : result.cast(to: reference.dtype)
        }
    }

    /// Pullback: the custom rule, or the inner graph's own, rebuilt on the node's inputs and
    /// outputs.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let seeds = definition.outputs.map { Variable(type: $0.type, name: "cotangent") }
        let results: [Variable?]
        if let rule = definition.customPullback {
            var given = rule(definition.inputs, definition.outputs, seeds)
            // A rule may leave out the shared variables the graph reads: no gradient for them.
            if given.count == definition.explicitCount {
                given += definition.sharedInputs.map { _ in nil }
            }
            results = checkedRule(given, against: definition.inputs, rule: "pullback")
        } else {
            let live = definition.outputs.indices.filter { cotangents[$0] != nil && definition.outputs[$0].dtype.isFloat }
            let float = definition.inputs.indices.filter { definition.inputs[$0].dtype.isFloat }
            let pulled = gradients(
                of: live.map { definition.outputs[$0] }, wrt: float.map { definition.inputs[$0] },
                seeds: live.map { seeds[$0] }, disconnected: .none)
            var all: [Variable?] = definition.inputs.map { _ in nil }
            for (position, index) in float.enumerated() { all[index] = pulled[position] }
            results = all
        }
        let given = zip(seeds, node.outputs.indices).map { seed, index in
            (seed, cotangents[index] ?? zerosLike(node.outputs[index]))
        }
        return substituting(results, inputs: node.inputs, outputs: node.outputs, extra: given).map { gradient in
            gradient.map(InputGradient.value) ?? .disconnected
        }
    }

    /// Pushforward: the custom rule, or the inner graph's own. With only a custom pullback there
    /// is no native rule (nil), so the pushforward goes through that pullback.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let placeholders = definition.inputs.map { Variable(type: $0.type, name: "tangent") }
        let results: [Variable?]
        if let rule = definition.customPushforward {
            results = checkedRule(
                rule(definition.inputs, definition.outputs, placeholders), against: definition.outputs,
                rule: "pushforward")
        } else if definition.customPullback != nil {
            return nil
        } else {
            let live = definition.inputs.indices.filter { tangents[$0] != nil && definition.inputs[$0].dtype.isFloat }
            let float = definition.outputs.indices.filter { definition.outputs[$0].dtype.isFloat }
            let pushed = CotangentOps.pushforward(
                float.map { definition.outputs[$0] }, wrt: live.map { definition.inputs[$0] },
                tangents: live.map { placeholders[$0] }, disconnected: .zero)
            var all: [Variable?] = definition.outputs.map { _ in nil }
            for (position, index) in float.enumerated() { all[index] = pushed[position] }
            results = all
        }
        let given = zip(placeholders, node.inputs.indices).map { placeholder, index in
            (placeholder, tangents[index] ?? zerosLike(node.inputs[index]))
        }
        return substituting(results, inputs: node.inputs, outputs: node.outputs, extra: given)
    }

    /// Batching: a node of the op whose inner graph is the vectorized one (inputs given their
    /// batched types), so the node stays one op and keeps its custom rules, vectorized too.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let inner = batchedInputs.enumerated().map { k, input in
            Variable(type: input.type, name: definition.inputs[k].name)
        }
        let outputs = vectorizeGraph(
            definition.outputs, replacing: Dictionary(uniqueKeysWithValues: zip(definition.inputs, inner)))
        let parent = definition
        // A rule of the batched op: the parent's rule built on the parent's graph, then
        // vectorized with the batched op's inputs, outputs and seeds in place of the parent's.
        // (`CustomPullback` and `CustomPushforward` are the same closure type.)
        func batched(_ rule: CustomPullback?, seedTypes: [Variable]) -> CustomPullback? {
            guard let rule else { return nil }
            return { inputs, outputs, seeds in
                let ownSeeds = seedTypes.map { Variable(type: $0.type, name: "seed") }
                let results = rule(parent.inputs, parent.outputs, ownSeeds)
                var replacements: [Variable: Variable] = [:]
                for (a, b) in zip(parent.inputs, inputs) { replacements[a] = b }
                for (a, b) in zip(parent.outputs, outputs) where replacements[a] == nil { replacements[a] = b }
                for (a, b) in zip(ownSeeds, seeds) { replacements[a] = b }
                var rebuilt = vectorizeGraph(results.compactMap { $0 }, replacing: replacements).makeIterator()
                return results.map { $0 == nil ? nil : rebuilt.next() }
            }
        }
        let batchedDefinition = GraphDefinition(
            inputs: inner, explicitCount: inner.count, outputs: outputs, name: parent.name, inline: parent.inline,
            pullback: batched(parent.customPullback, seedTypes: parent.outputs),
            pushforward: batched(parent.customPushforward, seedTypes: parent.inputs))
        return buildOutputs(OpFromGraph(definition: batchedDefinition), batchedInputs, outputCount: outputs.count)
    }

    /// The inner graph lowered in place: XLA sees through the op, as a compiled function does
    /// with an inlined one.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let values = try context.lowerInnerGraph(innerGraphs(node)[0], arguments: operands, into: context.builder)
        return zip(values, node.outputs.indices).map { value, index in
            context.builder.convert(value, to: context.outputType(node, index).dtype)
        }
    }
}

/// A subgraph made into one op (PyTensor's `OpFromGraph`), applied like a function.
///
/// ```swift
/// let x = Tensor.vector("x")
/// let softplus = opFromGraph(inputs: [x], outputs: [log1p(exp(x))], name: "Softplus",
///                            pullback: { inputs, _, cotangents in [cotangents[0] * sigmoid(inputs[0])] })
/// let y = softplus(z)[0]            // one node; its gradient uses the rule above
/// ```
///
/// - Parameters:
///   - inputs: the graph's inputs: free variables (not constants, not computed), each once.
///     Shared variables the outputs read become inputs of every node implicitly.
///   - outputs: what the op computes from `inputs`.
///   - name: the printed name (PyTensor prints `OpFromGraph`).
///   - inline: whether compiling replaces each node by its graph (before rewriting), so the
///     rewrites see across it; derivatives taken before compiling still use the op's rules.
///   - pullback: a hand-written vector-Jacobian product (JAX's `custom_vjp`), see ``CustomPullback``.
///   - pushforward: a hand-written Jacobian-vector product (JAX's `custom_jvp`), see
///     ``CustomPushforward``.
///
/// A graph that reads a free variable other than its inputs stops with a message naming it
/// (or throws inside `checked`).
public func opFromGraph(
    inputs: [Variable], outputs: [Variable], name: String = "OpFromGraph", inline: Bool = false,
    pullback: CustomPullback? = nil, pushforward: CustomPushforward? = nil
) -> OpFromGraph {
    func definition(_ inputs: [Variable], shared: [Variable] = []) -> OpFromGraph {
        OpFromGraph(
            definition: GraphDefinition(
                inputs: inputs + shared, explicitCount: inputs.count, outputs: outputs, name: name, inline: inline,
                pullback: pullback, pushforward: pushforward))
    }
    var seen = Set<Variable>()
    for input in inputs {
        guard input.owner == nil, input.constantValue == nil, input.sharedStorage == nil, seen.insert(input).inserted
        else {
            reportBuildError(
                CotangentError(
                    .invalidGraph,
                    "opFromGraph: input \(input) of type \(input.type) must be a free variable (not computed, "
                        + "constant, shared or repeated)"))
            return definition(inputs)
        }
    }
    var shared: [Variable] = []
    for leaf in GraphTraversal.ancestors(outputs) where leaf.owner == nil && !seen.contains(leaf) {
        if leaf.sharedStorage != nil {
            shared.append(leaf)
        } else if leaf.constantValue == nil {
            reportBuildError(
                CotangentError(
                    .invalidGraph,
                    "opFromGraph: the outputs read \(leaf) of type \(leaf.type), which is not one of the inputs "
                        + "(\(describeTypes(inputs)))"))
            return definition(inputs)
        }
    }
    return definition(inputs, shared: shared)
}

// MARK: - Sparsity

/// `outputs` with every `OpFromGraph` node replaced by its graph rebuilt on the node's inputs
/// (recursively): sparsity detection reads the ops inside, each with its own rule, so an
/// op-from-graph's pattern is exactly its graph's. The same variables come back when there is
/// no such node.
package func inliningOpsFromGraphs(_ outputs: [Variable]) -> [Variable] {
    var mapped: [Variable: Variable] = [:]
    for node in GraphTraversal.toposort(outputs) {
        let inputs = node.inputs.map { mapped[$0] ?? $0 }
        let results: [Variable]
        if let op = node.castOp(to: OpFromGraph.self) {
            let definition = op.definition
            results = inliningOpsFromGraphs(
                replacing(definition.outputs, Dictionary(uniqueKeysWithValues: zip(definition.inputs, inputs))))
        } else if zip(inputs, node.inputs).contains(where: { $0 !== $1 }) {
            results = buildOutputs(node.op, inputs, outputCount: node.outputTypes.count)
        } else {
            continue
        }
        for (output, result) in zip(node.outputs, results) { mapped[output] = result }
    }
    return outputs.map { mapped[$0] ?? $0 }
}
