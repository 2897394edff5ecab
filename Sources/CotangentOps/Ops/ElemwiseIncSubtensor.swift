import CotangentArrays
import CotangentGraph
import Synchronization

/// An increment (or set) of a basic-indexed region whose value an elementwise computation
/// produces, computed straight into the region: what the fusion phase makes of
/// `inc_subtensor(x, Elemwise(…)[k], idx)` (XLA fuses a dynamic-update-slice with its operand
/// the same way).
///
/// Inputs are `(x, elementwise inputs…, index values…)`. Output 0 is the increment's (`x` with
/// `x[idx] += f(…)[k]`, or `= f(…)[k]`); outputs 1… are the elementwise op's other outputs in
/// order, which the same pass computes. The region's value is never written to memory of its
/// own: one pass reads the region and the inputs and writes the region, in `x`'s memory when
/// the engine hands `x` over (a gradient's `zeros` with a slice added, a Hessian's bands).
///
/// The values are the unfused graph's bit for bit: the increment adds in the region's dtype,
/// which is exact to the increment's double sum rounded once (for float32 too). A run whose
/// elementwise shape differs from the region's (the value broadcast into it), or whose dtypes
/// the fused pass does not take, computes the unfused way.
///
/// Graphs are not built with it: the `increment_fusion` rewrite introduces it, after
/// differentiation. Its derivative, batching and export rules are those of the unfused graph.
public struct ElemwiseIncSubtensor: Op {
    /// The increment or set, with its index pattern.
    public let increment: IncSubtensor
    /// The elementwise computation (usually a fused composite).
    public let scalarOp: ScalarOp
    /// Which output of `scalarOp` goes into the region.
    public let position: Int
    /// How many inputs after `x` are the elementwise op's (the index inputs follow).
    public let elementwiseInputCount: Int
    /// `scalarOp` over `(region, inputs…)` with output `position` replaced by `region + it` (or
    /// by it, for a set): the fused pass's program. Nil for an op `makeNode` refuses (no such
    /// output, no elementwise input).
    private let fused: ScalarOp?

    /// The increment of output `position` of `scalarOp` over `elementwiseInputCount` inputs.
    public init(_ increment: IncSubtensor, of scalarOp: ScalarOp, position: Int, elementwiseInputCount: Int) {
        self.increment = increment
        self.scalarOp = scalarOp
        self.position = position
        self.elementwiseInputCount = elementwiseInputCount
        if let graph = scalarOp.compositeGraph, graph.inputCount != elementwiseInputCount {
            fused = nil
            return
        }
        var builder = CompositeGraph.Builder(inputCount: max(elementwiseInputCount, 0) + 1)
        var outputs = builder.addOutputs(scalarOp, (0..<max(elementwiseInputCount, 0)).map { .input($0 + 1) })
        guard elementwiseInputCount >= 1, outputs.indices.contains(position) else {
            fused = nil
            return
        }
        if !increment.setInstead { outputs[position] = builder.add(.add, [.input(0), outputs[position]]) }
        fused = .composite(builder.finish(outputs: outputs))
    }

    /// `IncSubtensor{:, :stop}(Composite{...}.0)`: the increment and the value it takes.
    public var description: String { "\(increment)(\(scalarOp.elemwiseName).\(position))" }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.increment == rhs.increment && lhs.scalarOp == rhs.scalarOp && lhs.position == rhs.position
            && lhs.elementwiseInputCount == rhs.elementwiseInputCount
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(increment)
        hasher.combine(scalarOp)
        hasher.combine(position)
        hasher.combine(elementwiseInputCount)
    }

    private var elemwise: Elemwise { Elemwise(scalarOp) }

    /// The node's inputs of the elementwise op.
    private func elementwiseInputs<T>(_ inputs: [T]) -> [T] { Array(inputs[1...elementwiseInputCount]) }

    /// The node's index inputs.
    private func indexInputs<T>(_ inputs: [T]) -> [T] { Array(inputs[(1 + elementwiseInputCount)...]) }

    /// The elementwise node this one computes (the unfused graph's).
    private func unfusedElemwise(_ node: Apply) -> Apply {
        let inputs = elementwiseInputs(node.inputs)
        return Apply(op: elemwise, inputs: inputs, outputTypes: (try? elemwise.outputTypes(for: inputs)) ?? [])
    }

    /// The increment node of the unfused graph, reading `value`.
    private func unfusedIncrement(_ node: Apply, value: Variable) -> Apply {
        Apply(op: increment, inputs: [node.inputs[0], value] + indexInputs(node.inputs), outputTypes: [node.outputTypes[0]])
    }

    /// The unfused graph's types: the increment's, then the elementwise op's other outputs'.
    /// The elementwise inputs must share one rank (as an `Elemwise` node's do after padding).
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard elementwiseInputCount >= 1, inputs.count >= 1 + elementwiseInputCount else {
            throw CotangentError(.invalidGraph,
                "\(self): expects the tensor, \(elementwiseInputCount) elementwise inputs and the index inputs, got "
                    + "\(inputs.count) inputs (\(describeTypes(inputs)))")
        }
        let values = elementwiseInputs(inputs)
        let rank = values[0].ndim
        guard values.allSatisfy({ $0.ndim == rank }) else {
            throw CotangentError(.invalidGraph, "\(self): the elementwise inputs must share one rank, got \(describeTypes(values))")
        }
        let types = try elemwise.outputTypes(for: values)
        guard position >= 0, position < types.count else {
            throw CotangentError(.invalidGraph, "\(self): no output \(position) among the elementwise op's \(types.count)")
        }
        let value = Apply(op: elemwise, inputs: values, outputTypes: types).output(position)
        let updated = try increment.outputTypes(for: [inputs[0], value] + indexInputs(inputs))
        return updated + types.indices.filter { $0 != position }.map { types[$0] }
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try perform(inputs, node: node, destroying: .none)
    }

    /// x's memory can hold the increment's output.
    public func destroyCandidates(_ node: Apply) -> [Int] { [0] }

    /// Updates x where it lies when x is handed over and dense, otherwise a copy (as
    /// `IncSubtensor` does); the region is computed in one pass when it has the elementwise
    /// shape, else the value is computed and then added.
    public func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        let x = inputs[0]
        let values = elementwiseInputs(inputs)
        let declared = elementwiseInputs(node.inputs)
        // The other outputs' dtypes in the node, with the region's value's (x's dtype when fused)
        // in its place.
        var dtypes = node.outputTypes.dropFirst().map(\.dtype)
        dtypes.insert(x.dtype, at: position)
        let shape = try elemwise.runtimeShape(values, of: declared, outputDTypes: dtypes)
        let result = IncSubtensor.output(from: x, destroying: destroying)
        let region = try BasicIndexing.region(
            of: result, entries: increment.idxList, values: inputs[(1 + elementwiseInputCount)...], op: increment)
        if region.shape == shape, let program = try fusedProgram(inputs: [x.dtype] + values.map(\.dtype)) {
            return fusedPass(program, into: result, region: region, inputs: inputs, node: node)
        }
        let program = try ElemwiseProgram.compiled(scalarOp, arity: values.count, inputs: values.map(\.dtype))
        var outputs = program.run(values, shape: shape)
        let type = try elemwise.outputTypes(for: declared)[position]
        try increment.update(region, with: outputs[position], declared: type, x: x)
        outputs.remove(at: position)
        return [result] + zip(outputs, node.outputTypes.dropFirst()).map { value, type in
            value.dtype == type.dtype ? value : value.converted(to: type.dtype)
        }
    }

    /// The fused pass's program for these dtypes (x's, then the elementwise inputs'), or nil
    /// when it does not take them: an increment of a non-float tensor (numpy adds those in
    /// int64 or as logical or), or a region value the program computes in another dtype than
    /// x's (the unfused graph converts it first).
    fileprivate func fusedProgram(inputs dtypes: some Collection<DType>) throws -> ElemwiseProgram? {
        let dtypes = Array(dtypes)
        guard let fused, increment.setInstead || dtypes[0].isFloat else { return nil }
        let program = try ElemwiseProgram.compiled(fused, arity: dtypes.count, inputs: dtypes)
        return program.outputDTypes[position] == dtypes[0] ? program : nil
    }

    /// x's shape, then the elementwise broadcast shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let dims = elemwise.broadcastShape(of: elementwiseInputs(node.inputs), inputShapes: elementwiseInputs(inputShapes))
        return [inputShapes[0]] + Array(repeating: dims, count: node.outputs.count - 1)
    }
}

// MARK: - Prepared kernel

extension ElemwiseIncSubtensor {
    /// With constant indices, the region's layout is kept per shape of x and the fused program
    /// per node, so a call does the pass and little else. Symbolic indices run `perform`.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        guard indexInputs(node.inputs).allSatisfy({ BasicIndexing.constantInt($0) != nil }),
            increment.setInstead || node.inputs[0].dtype.isFloat
        else { return nil }
        return PreparedElemwiseIncSubtensor(op: self, node: node)
    }

    /// The fused pass into `region` (a view of `result`, the increment's output) over the
    /// node's elementwise inputs (in `inputs`, the node's inputs): the node's outputs, the
    /// elementwise op's other ones in the node's dtypes.
    fileprivate func fusedPass(
        _ program: ElemwiseProgram, into result: NDArray, region: NDArray, inputs: [NDArray], node: Apply
    ) -> [NDArray] {
        var operands: [NDArray] = []
        operands.reserveCapacity(1 + elementwiseInputCount)
        operands.append(region)
        for k in 1...elementwiseInputCount { operands.append(inputs[k]) }
        var reuse: InputReuse = [:]
        reuse.add(output: position, input: 0)
        var outputs = program.run(operands, shape: region.shape, reusing: reuse)
        if position == 0 {
            outputs[0] = result
        } else {
            outputs.remove(at: position)
            outputs.insert(result, at: 0)
        }
        for k in 1..<outputs.count where outputs[k].dtype != node.outputTypes[k].dtype {
            outputs[k] = outputs[k].converted(to: node.outputTypes[k].dtype)
        }
        return outputs
    }
}

/// An ``ElemwiseIncSubtensor`` node's kernel for constant indices. Inputs that do not fill the
/// region exactly (another dtype or rank, lengths that differ from the region's) go to
/// `perform`, which computes them the unfused way or says what is wrong.
final class PreparedElemwiseIncSubtensor: PreparedKernel {
    private let op: ElemwiseIncSubtensor
    private let node: Apply
    private let inputDTypes: [DType]
    private let rank: Int
    /// `takesPart[k * rank + axis]`: whether elementwise input `k` is not statically 1 along
    /// `axis` (so it must have the region's length there; else it must be 1).
    private let takesPart: [Bool]
    /// Whether some elementwise input takes part along each axis (else the value is 1 there).
    private let spans: [Bool]
    private let layout = RegionLayout()
    /// The fused program, compiled on the first call (as `Elemwise`'s kernel does).
    private let program = Mutex<ElemwiseProgram?>(nil)

    init(op: ElemwiseIncSubtensor, node: Apply) {
        self.op = op
        self.node = node
        inputDTypes = node.inputs.map(\.dtype)
        let values = node.inputs[1...op.elementwiseInputCount]
        rank = values.first?.ndim ?? 0
        takesPart = values.flatMap { input in input.type.shape.map { $0 != 1 } }
        spans = (0..<rank).map { axis in values.contains { $0.type.shape[axis] != 1 } }
    }

    func perform(_ inputs: [NDArray], destroying: InputSet) throws -> [NDArray] {
        let count = op.elementwiseInputCount
        guard inputs.count == inputDTypes.count, zip(inputs, inputDTypes).allSatisfy({ $0.dtype == $1 }),
            let program = fusedProgram()
        else { return try op.perform(inputs, node: node, destroying: destroying) }
        let result = IncSubtensor.output(from: inputs[0], destroying: destroying)
        let region = try layout.region(
            of: result, entries: op.increment.idxList, values: inputs[(1 + count)...], op: op.increment)
        guard region.ndim == rank, fills(region.shape, inputs) else {
            // Nothing is written yet: `perform` takes x again as it is.
            return try op.perform(inputs, node: node, destroying: destroying)
        }
        return op.fusedPass(program, into: result, region: region, inputs: inputs, node: node)
    }

    /// Whether the elementwise inputs broadcast to exactly `shape`.
    private func fills(_ shape: [Int], _ inputs: [NDArray]) -> Bool {
        for axis in 0..<rank where shape[axis] != 1 && !spans[axis] { return false }
        for k in 0..<op.elementwiseInputCount {
            let lengths = inputs[1 + k].shape
            guard lengths.count == rank else { return false }
            for axis in 0..<rank where lengths[axis] != (takesPart[k * rank + axis] ? shape[axis] : 1) {
                return false
            }
        }
        return true
    }

    /// The fused program for the node's dtypes, or nil when the fused pass does not take them.
    private func fusedProgram() -> ElemwiseProgram? {
        if let known = program.withLock({ $0 }) { return known }
        guard let compiled = try? op.fusedProgram(inputs: inputDTypes.prefix(1 + op.elementwiseInputCount)) else {
            return nil
        }
        program.withLock { $0 = compiled }
        return compiled
    }
}

// MARK: - Derivatives and batching: those of the unfused graph

extension ElemwiseIncSubtensor {
    /// The node's output for the elementwise op's output `k` (nil for the one in the region).
    private func outputIndex(ofElemwiseOutput k: Int) -> Int? {
        k == position ? nil : (k < position ? k + 1 : k)
    }

    /// x reaches the increment's output as the increment says; an elementwise input reaches
    /// it through the region's value, and the other outputs directly.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let full = unfusedElemwise(node)
        let inc = increment.connectionPattern(unfusedIncrement(node, value: full.output(position)))
        let inner = elemwise.connectionPattern(full)
        let others = full.outputs.indices.filter { $0 != position }
        let xRow = [inc[0][0]] + others.map { _ in false }
        let elementwiseRows = inner.map { row in [row[position] && inc[1][0]] + others.map { row[$0] } }
        return [xRow] + elementwiseRows + indexInputs(node.inputs).map { _ in [false] + others.map { _ in false } }
    }

    /// The increment's rule, whose value cotangent joins the other outputs' in the elementwise
    /// rule.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let full = unfusedElemwise(node)
        let inc = increment.pullback(unfusedIncrement(node, value: full.output(position)), cotangents: [cotangents[0]])
        let inner = full.outputs.indices.map { k -> Variable? in
            if let index = outputIndex(ofElemwiseOutput: k) { return cotangents[index] }
            if case .value(let g) = inc[1] { return g }
            return nil
        }
        return [inc[0]] + elemwise.pullback(full, cotangents: inner) + inc.dropFirst(2)
    }

    /// The elementwise tangents, the region's one added by the increment's rule.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        unfusedRule(
            node, tangents, elementwise: { elemwise.pushforward($0, tangents: $1) },
            increment: { increment.pushforward($0, tangents: $1) })
    }

    /// The batched elementwise op, then the batched increment.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        unfusedRule(
            node, batchedInputs, elementwise: { elemwise.vectorize($0, batchedInputs: $1) },
            increment: { increment.vectorize($0, batchedInputs: $1) })
    }

    /// A forward rule of the unfused graph: `elementwise`'s for the elementwise node (given its
    /// inputs' entries), then `increment`'s for the increment reading the region's entry; the
    /// node's outputs in order, or nil when either rule gives none.
    private func unfusedRule<T>(
        _ node: Apply, _ entries: [T], elementwise: (Apply, [T]) -> [T]?, increment: (Apply, [T]) -> [T]?
    ) -> [T]? {
        let full = unfusedElemwise(node)
        guard let inner = elementwise(full, elementwiseInputs(entries)),
            let updated = increment(
                unfusedIncrement(node, value: full.output(position)), [entries[0], inner[position]] + indexInputs(entries))
        else { return nil }
        return updated + inner.indices.filter { $0 != position }.map { inner[$0] }
    }
}

// MARK: - StableHLO

extension ElemwiseIncSubtensor {
    /// The elementwise lowering, then the increment's.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let full = unfusedElemwise(node)
        let values = elementwiseInputs(operands)
        // The broadcast of the operands' static shapes (they share one rank).
        let rank = values.first?.rank ?? 0
        let shape = (0..<rank).map { axis in values.map { $0.shape[axis] }.first { $0 != 1 } ?? 1 }
        let broadcast = values.map { b.broadcast($0, to: shape) }
        let inner = try scalarOp.lowerToStableHLO(broadcast, outputDTypes: full.outputTypes.map(\.dtype), builder: b)
        let updated = try increment.lowerToStableHLO(
            unfusedIncrement(node, value: full.output(position)),
            operands: [operands[0], inner[position]] + indexInputs(operands), context: context)
        return updated + inner.indices.filter { $0 != position }.map { inner[$0] }
    }
}
