import CotangentArrays
import CotangentGraph

// IfElse: a lazy branch. Each side is an inner graph; only the taken one runs.

/// The two sides of an ``IfElse``: each an inner graph from its placeholders to the outputs.
package final class Branches: Hashable, @unchecked Sendable {
    package let thenInputs: [Variable]
    package let thenOutputs: [Variable]
    package let elseInputs: [Variable]
    package let elseOutputs: [Variable]

    package init(thenInputs: [Variable], thenOutputs: [Variable], elseInputs: [Variable], elseOutputs: [Variable]) {
        (self.thenInputs, self.thenOutputs) = (thenInputs, thenOutputs)
        (self.elseInputs, self.elseOutputs) = (elseInputs, elseOutputs)
    }

    package static func == (a: Branches, b: Branches) -> Bool { a === b }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A branch that runs only the side its condition selects (PyTensor's lazy `IfElse`, JAX's
/// `lax.cond`).
///
/// Node inputs: the condition (a scalar), the values the then-side reads, the values the
/// else-side reads. Everything only one side needs was moved into that side's inner graph when
/// the node was built, so the engine computes neither side's private work before the
/// condition is known. Printed `if{}` as PyTensor prints it.
public struct IfElse: InnerGraphOp {
    package let branches: Branches
    public var description: String { "if{}" }

    var thenCount: Int { branches.thenInputs.count }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 + thenCount + branches.elseInputs.count, inputs[0].ndim == 0 else {
            throw CotangentError(.invalidGraph, "\(self): expects a scalar condition and the two sides' values")
        }
        return try zip(branches.thenOutputs, branches.elseOutputs).enumerated().map { index, pair in
            let (a, b) = pair
            guard a.dtype == b.dtype, a.ndim == b.ndim else {
                throw CotangentError(
                    .invalidGraph,
                    "ifElse: output \(index) is \(a.type) on the then-side but \(b.type) on the else-side; "
                        + "both sides must have the same dtype and rank")
            }
            return TensorType(dtype: a.dtype, shape: zip(a.type.shape, b.type.shape).map { $0 == $1 ? $0 : nil })
        }
    }

    /// Each side's shape rules applied to the shapes of the values it reads; where the sides'
    /// lengths may differ, the length of the side the condition takes (a `switch` on it).
    /// Nil when a length depends on a value a side computes.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        func side(_ inputs: [Variable], _ outputs: [Variable], _ shapes: ArraySlice<[Variable]>) -> [[Variable]]? {
            var cache = Dictionary(uniqueKeysWithValues: zip(inputs, shapes))
            let dims = outputs.map { $0.symbolicShape(cache: &cache) }
            let own = Set(inputs)
            return GraphTraversal.ancestors(dims.flatMap { $0 }).contains(where: own.contains) ? nil : dims
        }
        guard let a = side(branches.thenInputs, branches.thenOutputs, inputShapes[1...thenCount]),
            let b = side(branches.elseInputs, branches.elseOutputs, inputShapes[(1 + thenCount)...])
        else { return nil }
        let taken = node.inputs[0].dtype == .bool ? node.inputs[0] : node.inputs[0] .!= 0
        return zip(a, b).map { dims in
            zip(dims.0, dims.1).map { p, q in sameLength(p, q) ? p : select(taken, p, q) }
        }
    }

    public func innerGraphs(_ node: Apply) -> [InnerGraph] {
        [
            InnerGraph(inputs: branches.thenInputs, outputs: branches.thenOutputs),
            InnerGraph(inputs: branches.elseInputs, outputs: branches.elseOutputs),
        ]
    }

    public func perform(_ inputs: [NDArray], node: Apply, programs: [any InnerProgram]) throws -> [NDArray] {
        let taken = inputs[0].converted(to: .bool).item(Bool.self)
        let values = taken ? Array(inputs[1...thenCount]) : Array(inputs[(1 + thenCount)...])
        return try programs[taken ? 0 : 1].run(values).enumerated().map { index, value in
            value.dtype == node.outputTypes[index].dtype ? value : value.converted(to: node.outputTypes[index].dtype)
        }
    }

    /// The node's inputs split by side.
    private func sides(_ node: Apply) -> (then: [Variable], else: [Variable]) {
        (Array(node.inputs[1...thenCount]), Array(node.inputs[(1 + thenCount)...]))
    }

    /// Pullback through the taken side: a new branch whose sides pull the cotangents back
    /// through each side's graph (zeros for the other side's values).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let (thenValues, elseValues) = sides(node)
        func side(_ inputs: [Variable], _ outputs: [Variable], _ values: [Variable]) -> [Variable] {
            let live = outputs.indices.filter { cotangents[$0] != nil && outputs[$0].dtype.isFloat }
            let seeds = live.map { Variable(type: outputs[$0].type, name: "cotangent") }
            let float = inputs.filter(\.dtype.isFloat)
            let pulled = CotangentOps.gradients(
                of: live.map { outputs[$0] }, wrt: float, seeds: seeds, disconnected: .none
            ).enumerated().map { $1 ?? zerosLike(float[$0]) }
            var substitution = Dictionary(uniqueKeysWithValues: zip(inputs, values))
            for (seed, index) in zip(seeds, live) { substitution[seed] = cotangents[index]! }
            return replacing(pulled, substitution)
        }
        let thenGradients = side(branches.thenInputs, branches.thenOutputs, thenValues)
        let elseGradients = side(branches.elseInputs, branches.elseOutputs, elseValues)
        let floatThen = thenValues.filter(\.dtype.isFloat)
        let floatElse = elseValues.filter(\.dtype.isFloat)
        let branch = ifElse(
            node.inputs[0], then: thenGradients + floatElse.map { zerosLike($0) },
            else: floatThen.map { zerosLike($0) } + elseGradients)
        var results: [InputGradient] = [.disconnected]
        var position = 0
        for value in thenValues + elseValues {
            guard value.dtype.isFloat else {
                results.append(.disconnected)
                continue
            }
            results.append(.value(branch[position]))
            position += 1
        }
        return results
    }

    /// Pushforward through the taken side: a new branch of each side's tangents.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let (thenValues, elseValues) = sides(node)
        let floatOutputs = node.outputs.indices.filter { node.outputs[$0].dtype.isFloat }
        func side(_ inputs: [Variable], _ outputs: [Variable], _ values: [Variable], offset: Int) -> [Variable] {
            let live = inputs.indices.filter { tangents[offset + $0] != nil && inputs[$0].dtype.isFloat }
            let placeholders = live.map { Variable(type: inputs[$0].type, name: "tangent") }
            let pushed = CotangentOps.pushforward(
                floatOutputs.map { outputs[$0] }, wrt: live.map { inputs[$0] }, tangents: placeholders,
                disconnected: .zero)
            var substitution = Dictionary(uniqueKeysWithValues: zip(inputs, values))
            for (placeholder, index) in zip(placeholders, live) { substitution[placeholder] = tangents[offset + index]! }
            return replacing(pushed, substitution)
        }
        let results = ifElse(
            node.inputs[0], then: side(branches.thenInputs, branches.thenOutputs, thenValues, offset: 1),
            else: side(branches.elseInputs, branches.elseOutputs, elseValues, offset: 1 + thenCount))
        var tangentsOut: [Variable?] = node.outputs.map { _ in nil }
        for (position, index) in floatOutputs.enumerated() { tangentsOut[index] = results[position] }
        return tangentsOut
    }

    /// Batching: with an unbatched condition the branch stays lazy, each side vectorized; a
    /// batched condition picks per entry, so both sides run and `select` combines them (as
    /// `vmap` of `lax.cond` does).
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let thenBatched = Array(batchedInputs[1...thenCount])
        let elseBatched = Array(batchedInputs[(1 + thenCount)...])
        let thenSide = vectorizeGraph(
            branches.thenOutputs, replacing: Dictionary(uniqueKeysWithValues: zip(branches.thenInputs, thenBatched)))
        let elseSide = vectorizeGraph(
            branches.elseOutputs, replacing: Dictionary(uniqueKeysWithValues: zip(branches.elseInputs, elseBatched)))
        let batch = batchRank(node, batchedInputs)
        let condition = batchedInputs[0]
        // Both sides with the same batch dims (an unbatched side is broadcast).
        let pairs = zip(zip(thenSide, elseSide), node.outputs).map { sides, output -> (Variable, Variable) in
            let (a, b) = sides
            let reference = a.ndim > output.ndim ? a : b.ndim > output.ndim ? b : nil
            guard let reference else { return (a, b) }
            let shape = (0..<batch).map { reference.length(ofDimension: $0) } + output.symbolicShape
            func full(_ x: Variable) -> Variable {
                x.ndim == output.ndim + batch ? x : alloc(padBatch(x, original: output, to: batch), shape: shape)
            }
            return (full(a), full(b))
        }
        if condition.ndim == 0 { return ifElse(condition, then: pairs.map(\.0), else: pairs.map(\.1)) }
        return pairs.map { a, b in
            let mask = condition.ndim < a.ndim
                ? condition.expandingDims(Array(condition.ndim..<a.ndim)) : condition
            return select(mask.cast(to: .bool), a, b)
        }
    }
}

// MARK: - Building branches

/// `then` when `condition` (a scalar) is true, else `else`, evaluating only the taken side:
/// everything only that side needs runs inside the branch (PyTensor's lazy `ifelse`).
///
/// ```swift
/// let branch = ifElse(n .> 0, then: x.sum(), else: x.prod())
/// ```
/// Both sides must have the same dtype and rank. Values also needed outside the branch are
/// computed before it; a value the graph reads elsewhere only after the branch was built is
/// computed again inside the side that needs it.
public func ifElse(_ condition: Variable, then a: Variable, else b: Variable) -> Variable {
    ifElse(condition, then: [a], else: [b])[0]
}

/// Several outputs chosen together by one condition.
public func ifElse(_ condition: Variable, then a: [Variable], else b: [Variable]) -> [Variable] {
    guard condition.ndim == 0 else {
        reportBuildError(
            CotangentError(.invalidGraph, "ifElse: the condition \(condition) of type \(condition.type) must be a scalar"))
        return a
    }
    guard a.count == b.count else {
        reportBuildError(
            CotangentError(.invalidGraph, "ifElse: \(a.count) outputs on the then-side but \(b.count) on the else-side"))
        return a
    }
    func privatePart(_ side: [Variable], other: [Variable]) -> InnerGraphCut {
        let shared = Set(GraphTraversal.toposort([condition] + other).map(ObjectIdentifier.init))
        return InnerGraphCut(side, moves: { !shared.contains(ObjectIdentifier($0)) })
    }
    let thenCut = privatePart(a, other: b)
    let elseCut = privatePart(b, other: a)
    let branches = Branches(
        thenInputs: thenCut.placeholders, thenOutputs: thenCut.outputs,
        elseInputs: elseCut.placeholders, elseOutputs: elseCut.outputs)
    let inputs = [condition] + thenCut.values + elseCut.values
    let outputs = buildOutputs(IfElse(branches: branches), inputs, outputCount: a.count)
    // Inside a loop's body, a generator a side draws from follows the loop's steps.
    for (k, input) in inputs.enumerated() where input.type.isRandomGenerator {
        LoopDrawRecorder.record(outputs.first?.owner, input: k)
    }
    return outputs
}

// MARK: - StableHLO

extension IfElse {
    /// `stablehlo.if` with each side's inner graph lowered into its region, so only the taken
    /// side runs, as here. The condition is compared with zero unless it is a bool; each side's
    /// outputs are converted to the node's dtypes. Sides whose shapes differ at export (one
    /// output of two shapes) have no StableHLO form: a result has one static type.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let condition = operands[0]
        let predicate = condition.dtype == .bool ? condition : b.compare("NE", condition, b.constant(0, like: condition))
        let types = node.outputs.indices.map { context.outputType(node, $0) }
        let graphs = innerGraphs(node)
        func side(_ graph: InnerGraph, _ values: [StableHLOValue], _ name: String) -> (StableHLOBuilder) throws
            -> [StableHLOValue]
        {
            { b in
                let results = try context.lowerInnerGraph(graph, arguments: values, into: b)
                return try zip(results, types).enumerated().map { index, pair in
                    let (value, type) = pair
                    guard value.shape == type.shape else {
                        throw StableHLONotExportable(
                            "output \(index) has shape \(formatShape(value.shape)) on the \(name)-side but "
                                + "\(formatShape(type.shape)) as the branch's result; both sides must agree at export")
                    }
                    return b.convert(value, to: type.dtype)
                }
            }
        }
        return try b.ifElse(
            predicate, types: types, then: side(graphs[0], Array(operands[1...thenCount]), "then"),
            otherwise: side(graphs[1], Array(operands[(1 + thenCount)...]), "else"))
    }
}
