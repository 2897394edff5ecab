import CotangentArrays
import CotangentGraph

// Scan: a loop whose body is a graph (lax.scan's contract, PyTensor's `Scan` op).

/// The inner graph of a ``Scan``: placeholders for one step's carries, sequence slices and
/// non-sequences, and what one step computes from them.
///
/// A class so that a scan's identity is its body (two scans are the same computation only
/// for the same body object).
package final class ScanBody: Hashable, @unchecked Sendable {
    /// The carry fed to a step.
    package let carries: [Variable]
    /// This step's slice of each sequence.
    package let slices: [Variable]
    /// The values every step reads unchanged.
    package let nonSequences: [Variable]
    /// The carry a step hands to the next, one per carry.
    package let newCarries: [Variable]
    /// What a step contributes to the stacked outputs.
    package let outputs: [Variable]
    /// For a while loop: a bool scalar of the carries and non-sequences, tested before each step.
    package let condition: Variable?
    /// The lengths of each output's dims from the carries and non-sequences, when the builder
    /// knows them (a Jacobian's rows have the shape of `wrt`): what a loop of no step needs for
    /// its empty stacks when the body's graph does not tell it.
    package let outputShapes: [[Variable]]?

    package init(
        carries: [Variable], slices: [Variable], nonSequences: [Variable], newCarries: [Variable],
        outputs: [Variable], condition: Variable?, outputShapes: [[Variable]]? = nil
    ) {
        self.carries = carries
        self.slices = slices
        self.nonSequences = nonSequences
        self.newCarries = newCarries
        self.outputs = outputs
        self.condition = condition
        self.outputShapes = outputShapes
    }

    package static func == (a: ScanBody, b: ScanBody) -> Bool { a === b }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// The step graph: inputs carries, slices, non-sequences; outputs new carries, outputs.
    package var step: InnerGraph {
        InnerGraph(inputs: carries + slices + nonSequences, outputs: newCarries + outputs)
    }
}

/// A loop over the leading axis of its sequences, threading carries from step to step and
/// stacking each step's outputs: PyTensor's `Scan`, JAX's `lax.scan` (and, with a condition,
/// `while_loop`).
///
/// Node inputs: the number of steps (int64 scalar), the initial carries, the sequences, the
/// non-sequences. Node outputs: the final carries, the stacked outputs, and — when
/// ``storesHistory`` — the stacked carry each step received (what the pullback's reverse scan
/// reads). The body is one inner graph the engine prepares once; with a condition the loop
/// stops before the first step whose carries fail it, so the stacked values are as long as the
/// steps that ran. Printed `Scan{scan_fn, while_loop=False, inplace=none}` as PyTensor does.
public struct Scan: InnerGraphOp {
    package let body: ScanBody
    /// Whether steps run from the last index of the sequences to the first.
    public let reverse: Bool
    /// Whether the op also outputs the carry each step received (the states a reverse-mode
    /// derivative needs). A rewrite turns it off when nothing reads them.
    public let storesHistory: Bool
    /// Whether the pullback recomputes each step's values from the stored carries instead of
    /// reading the stacked outputs back (less memory kept for the backward pass, more work).
    public let checkpoint: Bool

    package init(body: ScanBody, reverse: Bool, storesHistory: Bool, checkpoint: Bool = false) {
        self.body = body
        self.reverse = reverse
        self.storesHistory = storesHistory
        self.checkpoint = checkpoint
    }

    public var description: String {
        "Scan{scan_fn, while_loop=\(body.condition == nil ? "False" : "True"), inplace=none}"
    }

    var carryCount: Int { body.carries.count }
    var sequenceCount: Int { body.slices.count }
    var nonSequenceCount: Int { body.nonSequences.count }
    var outputCount: Int { body.outputs.count }

    // MARK: Building

    /// Builds a scan node from a body, moving everything in it that depends on neither the
    /// carries nor the slices out of the loop (PyTensor's scan push-out): those values become
    /// non-sequences computed once. `nonSequences` are body placeholders standing for
    /// `nonSequenceValues`; the body may also read outer variables directly (a closure's
    /// captures). Returns the final carries, the stacked outputs and the carry histories.
    package static func make(
        carries: [Variable], slices: [Variable], nonSequences: [Variable] = [],
        newCarries: [Variable], outputs: [Variable], condition: Variable? = nil,
        length: Variable, initial: [Variable], sequences: [Variable], nonSequenceValues: [Variable] = [],
        reverse: Bool, storesHistory: Bool = true, checkpoint: Bool = false, outputShapes: [[Variable]]? = nil
    ) -> (carries: [Variable], outputs: [Variable], histories: [Variable]) {
        let inner = newCarries + outputs + (condition.map { [$0] } ?? []) + (outputShapes?.flatMap { $0 } ?? [])
        var varying = Set(carries + slices)
        let bound = Dictionary(uniqueKeysWithValues: zip(nonSequences, nonSequenceValues))
        let cut = InnerGraphCut(
            inner, own: carries + slices,
            moves: { node in
                // Shape arithmetic stays beside what reads it (a reshape back to a captured
                // value's shape): cheap, and the body's own graph then tells the shapes of its
                // outputs without running a step (the empty stacks of a loop of no step).
                guard node.inputs.contains(where: varying.contains) else {
                    return node.isOp(ShapeOp.self) || node.isOp(ShapeI.self) || node.isOp(MakeVector.self)
                }
                varying.formUnion(node.outputs)
                return true
            },
            outer: { replacing($0, bound) })
        let (placeholders, values, rebuilt) = (cut.placeholders, cut.values, cut.outputs)
        var shapes: [[Variable]]? = nil
        if let outputShapes {
            var next = newCarries.count + outputs.count + (condition == nil ? 0 : 1)
            shapes = outputShapes.map { dims in
                defer { next += dims.count }
                return Array(rebuilt[next..<(next + dims.count)])
            }
        }
        let body = ScanBody(
            carries: carries, slices: slices, nonSequences: placeholders,
            newCarries: Array(rebuilt[..<newCarries.count]),
            outputs: Array(rebuilt[newCarries.count..<(newCarries.count + outputs.count)]),
            condition: condition == nil ? nil : rebuilt[newCarries.count + outputs.count],
            outputShapes: shapes)
        let op = Scan(body: body, reverse: reverse, storesHistory: storesHistory, checkpoint: checkpoint)
        let results = buildOutputs(
            op, [length.dtype == .int64 ? length : length.cast(to: .int64)] + initial + sequences + values,
            outputCount: carries.count * (storesHistory ? 2 : 1) + outputs.count)
        // Inside an enclosing loop's body, a generator this loop reads unchanged (a Jacobian's
        // row loop reading the generator of a draw it differentiates) follows that loop's steps.
        let firstValue = 1 + initial.count + sequences.count
        for (k, value) in values.enumerated() where value.type.isRandomGenerator {
            LoopDrawRecorder.record(results.first?.owner, input: firstValue + k)
        }
        let c = carries.count
        return (Array(results[..<c]), Array(results[c..<(c + outputs.count)]),
                storesHistory ? Array(results[(c + outputs.count)...]) : [])
    }

    /// Checks that a body keeps each carry's dtype, rank and static shape, naming the carry.
    package static func checkCarries(
        _ newCarries: [Variable], initial: [Variable], transform: String
    ) throws {
        guard newCarries.count == initial.count else {
            throw CotangentError(
                .invalidGraph,
                "\(transform): the body returns \(newCarries.count) carries for \(initial.count) initial carries")
        }
        for (index, (new, old)) in zip(newCarries, initial).enumerated() {
            let compatible = new.dtype == old.dtype && new.ndim == old.ndim
                && zip(new.type.shape, old.type.shape).allSatisfy { a, b in a == nil || b == nil || a == b }
            guard compatible else {
                let name = old.name.map { " '\($0)'" } ?? ""
                throw CotangentError(
                    .invalidGraph,
                    "\(transform): the body turns carry \(index)\(name) of type \(old.type) into \(new.type); "
                        + "a carry must keep its dtype and shape from step to step")
            }
        }
    }

    // MARK: Types and shapes

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let (c, s, m) = (carryCount, sequenceCount, nonSequenceCount)
        guard inputs.count == 1 + c + s + m else {
            throw CotangentError(
                .invalidGraph, "\(self): \(inputs.count) inputs for \(c) carries, \(s) sequences, \(m) non-sequences")
        }
        guard inputs[0].ndim == 0, inputs[0].dtype == .int64 else {
            throw CotangentError(.invalidGraph, "\(self): the number of steps must be an int64 scalar, got \(inputs[0].type)")
        }
        let values: [Variable] = Array(inputs[1..<(1 + c)]) + Array(inputs[(1 + c + s)...])
        let placeholders: [Variable] = body.carries + body.nonSequences
        let fixed = zip(values, placeholders)
        for (value, placeholder) in fixed where value.dtype != placeholder.dtype || value.ndim != placeholder.ndim {
            throw CotangentError(
                .invalidGraph, "\(self): an input of type \(value.type) does not fit the body's \(placeholder.type)")
        }
        for (sequence, slice) in zip(inputs[(1 + c)..<(1 + c + s)], body.slices) {
            guard sequence.dtype == slice.dtype, sequence.ndim == slice.ndim + 1 else {
                throw CotangentError(
                    .invalidGraph, "\(self): a sequence of type \(sequence.type) does not fit slices of type \(slice.type)")
            }
        }
        var length: Int? = nil
        if body.condition == nil {
            if let value = inputs[0].constantValue {
                length = Int(value.item(Int64.self))
            } else {
                length = inputs[(1 + c)..<(1 + c + s)].lazy.compactMap { $0.type.shape[0] }.first
            }
        }
        let carries = inputs[1..<(1 + c)].map(\.type)
        let stacked = body.outputs.map { TensorType(dtype: $0.dtype, shape: [length] + $0.type.shape) }
        let histories = storesHistory ? carries.map { TensorType(dtype: $0.dtype, shape: [length] + $0.shape) } : []
        return carries + stacked + histories
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        guard body.condition == nil else { return nil }
        let c = carryCount
        let carries = Array(inputShapes[1..<(1 + c)])
        let s = sequenceCount
        // The steps: the sequences' common length when there are sequences (a shape, which
        // folds when shapes are known), else the node's step count.
        let length = s > 0 ? inputShapes[1 + c][0] : node.inputs[0]
        var stacked: [[Variable]] = []
        for output in body.outputs {
            let dims = output.type.shape.compactMap { $0 }
            guard dims.count == output.ndim else {
                guard let rows = rowShapes(inputShapes) else { return nil }
                return carries + rows.map { [length] + $0 } + (storesHistory ? carries.map { [length] + $0 } : [])
            }
            stacked.append([length] + dims.map { Variable(constant: NDArray(scalar: Int64($0))) })
        }
        return carries + stacked + (storesHistory ? carries.map { [length] + $0 } : [])
    }

    /// The shapes of one step's outputs from the shapes of the node's inputs: the body's shape
    /// rules applied to the carries', slices' (a sequence's without its leading length) and
    /// non-sequences' shapes. Nil when some length depends on a value the body computes (the
    /// expressions would then read the body's own variables).
    private func rowShapes(_ inputShapes: [[Variable]]) -> [[Variable]]? {
        let (c, s) = (carryCount, sequenceCount)
        var cache: [Variable: [Variable]] = [:]
        for (i, carry) in body.carries.enumerated() { cache[carry] = inputShapes[1 + i] }
        for (j, slice) in body.slices.enumerated() { cache[slice] = Array(inputShapes[1 + c + j].dropFirst()) }
        for (k, value) in body.nonSequences.enumerated() { cache[value] = inputShapes[1 + c + s + k] }
        let rows = body.outputs.map { $0.symbolicShape(cache: &cache) }
        let own = Set(body.carries + body.slices + body.nonSequences)
        guard !GraphTraversal.ancestors(rows.flatMap { $0 }).contains(where: own.contains) else { return nil }
        return rows
    }

    // MARK: Kernel

    /// The step, the condition of a while loop, and (auxiliary, last) the lengths of every
    /// output's dims from the carries and non-sequences alone, which a loop of no step needs
    /// for the shape of its empty stacks (a Jacobian of no rows) when rewriting has removed
    /// their dependence on the slices.
    public func innerGraphs(_ node: Apply) -> [InnerGraph] {
        [body.step] + (body.condition.map { [InnerGraph(inputs: body.carries + body.nonSequences, outputs: [$0])] } ?? [])
            + [InnerGraph(
                inputs: body.carries + body.nonSequences,
                outputs: body.outputShapes?.flatMap { $0 } ?? body.outputs.flatMap(\.symbolicShape),
                isAuxiliary: true)]
    }

    public func perform(_ inputs: [NDArray], node: Apply, programs: [any InnerProgram]) throws -> [NDArray] {
        let (c, s) = (carryCount, sequenceCount)
        let limit = Int(inputs[0].item(Int64.self))
        guard limit >= 0 else {
            throw CotangentError(.invalidValue, "\(self): the number of steps is \(limit); it must be at least 0")
        }
        let sequences = Array(inputs[(1 + c)..<(1 + c + s)])
        let nonSequences = Array(inputs[(1 + c + s)...])
        for (index, sequence) in sequences.enumerated() where sequence.shape[0] != limit {
            throw CotangentError(
                .shapeMismatch,
                "\(self): sequence \(index) has \(sequence.shape[0]) steps of shape \(formatShape(Array(sequence.shape.dropFirst()))), "
                    + "but the loop runs \(limit) steps (all sequences must have the same length)")
        }
        var state = ScanState(
            scan: self, limit: limit, carries: Array(inputs[1..<(1 + c)]), sequences: sequences,
            nonSequences: nonSequences)
        let growing = state.growing
        // The body (and the condition) run step after step in one frame each; each step may
        // compute a carry into the memory of the carry two steps before (see `ScanState`).
        try programs[0].runRepeatedly(donating:) { runStep in
            if growing {
                try programs[1].runRepeatedly { runTest in try state.run(runStep, runTest) }
            } else {
                try state.run(runStep) { _ in [] }
            }
        }
        let (arguments, stacks, rows) = (state.arguments, state.stacks, state.rows)
        var stacked: [NDArray] = []
        for slot in stacks.indices {
            if growing {
                let ordered = reverse ? rows[slot].reversed() : rows[slot]
                stacked.append(try stack(Array(ordered), slot: slot, arguments: arguments, programs: programs))
            } else if let array = stacks[slot] {
                stacked.append(array)
            } else {
                stacked.append(try stack([], slot: slot, arguments: arguments, programs: programs))
            }
        }
        return Array(arguments[..<c]) + stacked
    }

    /// Stacks collected rows; with none, an empty stack whose row shape is the output's static
    /// shape or, failing that, the shape one step computes from zero slices.
    private func stack(_ rows: [NDArray], slot: Int, arguments: [NDArray], programs: [any InnerProgram]) throws -> NDArray {
        let k = outputCount
        let dtype = slot < k ? body.outputs[slot].dtype : body.carries[slot - k].dtype
        guard let first = rows.first else {
            if slot >= k { return NDArray.zeros([0] + arguments[slot - k].shape, dtype: dtype) }
            let staticShape = body.outputs[slot].type.shape.compactMap { $0 }
            if staticShape.count == body.outputs[slot].ndim { return NDArray.zeros([0] + staticShape, dtype: dtype) }
            let (c, s) = (carryCount, sequenceCount)
            if let lengths = try? programs[programs.count - 1].run(Array(arguments[..<c]) + Array(arguments[(c + s)...])) {
                let start = body.outputs[..<slot].reduce(0) { $0 + $1.ndim }
                let shape = lengths[start..<(start + body.outputs[slot].ndim)].map { Int($0.item(Int64.self)) }
                return NDArray.zeros([0] + shape, dtype: dtype)
            }
            var probe = arguments
            for j in 0..<sequenceCount {
                let sequence = arguments[carryCount + j]
                probe[carryCount + j] = NDArray.zeros(sequence.shape, dtype: sequence.dtype)
            }
            let shape = try programs[0].run(probe)[carryCount + slot].shape
            return NDArray.zeros([0] + shape, dtype: dtype)
        }
        let result = NDArray.uninitialized(dtype: dtype, shape: [rows.count] + first.shape)
        for (index, row) in rows.enumerated() {
            result.indexed(axis: 0, at: index).overwrite(with: row.dtype == dtype ? row : row.converted(to: dtype))
        }
        return result
    }
}

/// The values a running ``Scan`` keeps from step to step. The loop is a method of this
/// struct rather than a closure over local variables: captured variables are checked for
/// exclusive access at run time on every use, several hundred instructions per step.
private struct ScanState {
    let scan: Scan
    let limit: Int
    /// A while loop: its condition runs before each step and its outputs are collected as rows.
    let growing: Bool
    /// The carries, this step's slices of the sequences, then the non-sequences.
    var arguments: [NDArray]
    let sequenceRows: [RowViews]
    let nonSequences: [NDArray]
    /// Each output's stack, then each stored carry's, once allocated.
    var stacks: [NDArray?]
    /// A while loop's rows of each stack.
    var rows: [[NDArray]]
    /// Per carry, the carry a step received, kept after the step as memory the step after next
    /// may compute that carry into: fixed-size carries then need no new memory per step (two
    /// arrays take turns). Used only while nothing else references it.
    var spares: [NDArray?]
    /// The spares given to the current step, per carry.
    var buffers: [NDArray?]
    /// Per carry, whether spares are kept for it: until a step is given one and computes the
    /// carry elsewhere (its kernel overwrote an input instead, or cannot take memory), after
    /// which keeping them would only cost time.
    var donating: [Bool]

    init(scan: Scan, limit: Int, carries: [NDArray], sequences: [NDArray], nonSequences: [NDArray]) {
        self.scan = scan
        self.limit = limit
        growing = scan.body.condition != nil
        sequenceRows = sequences.map(RowViews.init)
        arguments = carries + sequenceRows.map { $0.row(0) } + nonSequences
        self.nonSequences = nonSequences
        let k = scan.outputCount
        stacks = Array(repeating: nil, count: k + (scan.storesHistory ? carries.count : 0))
        rows = Array(repeating: [], count: stacks.count)
        spares = Array(repeating: nil, count: carries.count)
        buffers = spares
        donating = Array(repeating: true, count: carries.count)
        // The stored carries' stacks are allocated now (a while loop, whose length is unknown,
        // collects rows instead); the outputs' when the first step gives their shape.
        if scan.storesHistory && !growing {
            for (i, carry) in carries.enumerated() {
                stacks[k + i] = NDArray.uninitialized(dtype: carry.dtype, shape: [limit] + carry.shape)
            }
        }
    }

    /// Runs every step (a while loop: until its condition fails).
    mutating func run(
        _ runStep: ([NDArray], inout [NDArray?]) throws -> [NDArray], _ runTest: ([NDArray]) throws -> [NDArray]
    ) throws {
        let (c, k) = (scan.carryCount, scan.outputCount)
        for steps in 0..<limit {
            let index = scan.reverse ? limit - 1 - steps : steps
            if growing, try !runTest(Array(arguments[..<c]) + nonSequences)[0].item(Bool.self) { break }
            if scan.storesHistory {
                for i in 0..<c { try record(arguments[i], at: k + i, index: index) }
            }
            for (j, rows) in sequenceRows.enumerated() { arguments[c + j] = rows.row(index) }
            for i in 0..<c where donating[i] {
                // A spare nothing references any more (not stored, not a view, not an input).
                if var spare = spares[i] {
                    spares[i] = nil
                    if isKnownUniquelyReferenced(&spare.storage), spare.isContiguous { buffers[i] = spare }
                }
            }
            let results = try runStep(arguments, &buffers)
            // A buffer the step did not take out was of no use to the carry's kernel.
            for i in 0..<c where donating[i] {
                if case .some = buffers[i] { donating[i] = false }
                buffers[i] = nil
            }
            for i in 0..<c {
                guard results[i].shape == arguments[i].shape else {
                    throw CotangentError(
                        .shapeMismatch,
                        "\(scan): step \(index) turns carry \(i) of shape \(formatShape(arguments[i].shape)) into "
                            + "\(formatShape(results[i].shape)); a carry must keep its shape")
                }
                let next = results[i].dtype == arguments[i].dtype ? results[i] : results[i].converted(to: arguments[i].dtype)
                if donating[i] { spares[i] = arguments[i] }
                arguments[i] = next
            }
            for j in 0..<k { try record(results[c + j], at: j, index: index) }
        }
    }

    /// Stores a step's value as row `index` of stack `slot`.
    private mutating func record(_ value: NDArray, at slot: Int, index: Int) throws {
        if growing {
            rows[slot].append(value)
            return
        }
        if stacks[slot] == nil {
            stacks[slot] = NDArray.uninitialized(dtype: value.dtype, shape: [limit] + value.shape)
        }
        let stack = stacks[slot]!
        guard stack.shape.dropFirst().elementsEqual(value.shape) else {
            throw CotangentError(
                .shapeMismatch,
                "\(scan): output \(slot) has shape \(formatShape(value.shape)) at step \(index) but "
                    + "\(formatShape(Array(stack.shape.dropFirst()))) before; a step's outputs must keep their shape")
        }
        stack.overwriteRow(index, with: value.dtype == stack.dtype ? value : value.converted(to: stack.dtype))
    }
}

// MARK: - Building loops

/// A loop with one carry over one sequence (JAX's `lax.scan`): `body(carry, x[t])` returns the
/// next carry and this step's output; the result is the final carry and the outputs stacked
/// along a new leading axis.
///
/// ```swift
/// let (hT, hs) = scan(initial: h0, over: xs) { h, x in
///     let next = tanh(matmul(x, Wx) + matmul(h, Wh))
///     return (next, next)
/// }
/// ```
/// Tensors the closure captures become the loop's non-sequences; whatever the body computes
/// from them alone is computed once, outside the loop. `reverse` runs from the last step to the
/// first (outputs stay aligned with the sequence). A body that changes the carry's dtype or
/// shape stops with an error naming the carry (thrown inside `checked(_:)`).
///
/// The pullback runs a reverse scan over the stored carries and reads back the stacked
/// outputs where it needs a step's output (the state of an RNN); with `checkpoint` it
/// recomputes them from the carries instead (`jax.checkpoint`'s trade: less memory held
/// for the backward pass, one more evaluation of the step).
public func scan(
    initial: Variable, over sequence: Variable, reverse: Bool = false, checkpoint: Bool = false,
    _ body: (Variable, Variable) -> (Variable, Variable)
) -> (Variable, Variable) {
    let (carries, outputs) = scan(
        initial: [initial], over: [sequence], reverse: reverse, checkpoint: checkpoint
    ) { carry, step in
        let (next, output) = body(carry[0], step[0])
        return ([next], [output])
    }
    return (carries[0], outputs[0])
}

/// A loop with several carries and sequences: `body(carries, slices)` returns the next
/// carries and this step's outputs (any number); the result is the final carries and each
/// output stacked along a new leading axis.
///
/// With no sequence, `length` gives the number of steps (an int scalar, known statically or
/// only when the function runs); with sequences it may be omitted, and all sequences must
/// have the same length. `checkpoint` is as for the one-carry form.
public func scan(
    initial: [Variable], over sequences: [Variable] = [], length: Variable? = nil, reverse: Bool = false,
    checkpoint: Bool = false, _ body: ([Variable], [Variable]) -> ([Variable], [Variable])
) -> ([Variable], [Variable]) {
    let initial = initial.map(strongCarry)
    let carries = initial.map { Variable(type: $0.type, name: $0.name) }
    let slices = sequences.map { sequence in
        Variable(
            type: TensorType(dtype: sequence.dtype, shape: Array(sequence.type.shape.dropFirst())),
            name: sequence.name.map { "\($0)[t]" })
    }
    let failed = (initial, [Variable]())
    if let problem = sequences.first(where: { $0.ndim == 0 }) {
        reportBuildError(
            CotangentError(.invalidGraph, "scan: the sequence \(problem) of type \(problem.type) has no axis to loop over"))
        return failed
    }
    guard !sequences.isEmpty || length != nil else {
        reportBuildError(CotangentError(.invalidGraph, "scan: give at least one sequence or a length"))
        return failed
    }
    let lengths = Set(sequences.compactMap { $0.type.shape[0] })
    guard lengths.count <= 1 else {
        reportBuildError(
            CotangentError(
                .shapeMismatch,
                "scan: the sequences have different lengths (\(sequences.map { TensorType.format($0.type.shape) }.joined(separator: ", ")))"))
        return failed
    }
    if let length, length.ndim != 0 || !length.dtype.isInteger {
        reportBuildError(CotangentError(.invalidGraph, "scan: the length must be an integer scalar, got \(length.type)"))
        return failed
    }
    let ((newCarries, outputs), draws) = LoopDrawRecorder.recording { body(carries, slices) }
    do {
        try Scan.checkCarries(newCarries, initial: initial, transform: "scan")
    } catch {
        reportBuildError(asCotangentError(error))
        return (initial, outputs.map { placeholderVariable(TensorType(dtype: $0.dtype, shape: [nil] + $0.type.shape)) })
    }
    let steps: Variable = length
        ?? lengths.first.map { Variable(constant: NDArray(scalar: Int64($0))) }
        ?? sequences[0].length(ofDimension: 0)
    // Generators the body's draws capture become carries, so each step draws anew.
    let generators = LoopGenerators(values: newCarries + outputs, own: carries + slices, recorder: draws)
    let result = Scan.make(
        carries: carries + generators.carries, slices: slices,
        newCarries: Array(generators.values[..<newCarries.count]) + generators.next,
        outputs: Array(generators.values[newCarries.count...]), length: steps,
        initial: initial + generators.initial, sequences: sequences, reverse: reverse, checkpoint: checkpoint)
    generators.recordInitialValues(
        of: (result.carries + result.outputs).first?.owner, from: 1 + initial.count)
    return (Array(result.carries.prefix(initial.count)), result.outputs)
}

/// A number used as a carry (`initial: [0.0]`) as the tensor it stands for alone (float64 or
/// int64): a weak scalar would take another dtype when the loop node is built.
package func strongCarry(_ value: Variable) -> Variable {
    guard value.isWeaklyTyped, let constant = value.constantValue else { return value }
    return Variable(constant: constant, name: value.name)
}

/// `body` applied to each slice of `sequence` along its leading axis, the results stacked:
/// `map(over: A) { row in row.sum() }` is `A.sum(axis: 1)` (a scan with no carry).
public func map(over sequence: Variable, _ body: (Variable) -> Variable) -> Variable {
    map(over: [sequence]) { [body($0[0])] }[0]
}

/// `body` applied to the matching slices of several sequences, each result stacked.
public func map(over sequences: [Variable], _ body: ([Variable]) -> [Variable]) -> [Variable] {
    scan(initial: [], over: sequences) { _, slices in ([], body(slices)) }.1
}
