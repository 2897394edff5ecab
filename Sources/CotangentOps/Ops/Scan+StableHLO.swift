import CotangentArrays
import CotangentGraph

// Scan's StableHLO form: one `stablehlo.while` whose state holds the step counter, the carries,
// the stacked outputs and carry histories (preallocated, one row written per step), and the
// loop's read-only inputs.

extension Scan {
    /// A `stablehlo.while`: the condition is `step < n_steps` (and, for a while loop, the body's
    /// condition of the carries); the body slices the sequences at the step's index, lowers the
    /// step graph, and writes its outputs (and, when the op stores them, the carries it
    /// received) into row `index` of their stacks with `dynamic_update_slice`.
    ///
    /// The stacks need a length when compiling: a loop with a fixed number of steps has one,
    /// but a while loop's stacked outputs and histories are as long as the steps that ran,
    /// which only the run knows, so a while loop exports only when nothing reads them (its
    /// final carries alone).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let (c, s, k) = (carryCount, sequenceCount, outputCount)
        let h = storesHistory ? c : 0
        if body.condition != nil && k + h > 0 {
            throw StableHLONotExportable(
                "a while loop's stacked \(k > 0 ? "outputs" : "carry histories") are as long as the steps that ran, "
                    + "known only at run time (StableHLO needs their length when compiling); only its final carries export")
        }
        let graphs = innerGraphs(node)
        let steps = operands[0]
        let carries = Array(operands[1..<(1 + c)])
        let sequences = Array(operands[(1 + c)..<(1 + c + s)])
        let nonSequences = Array(operands[(1 + c + s)...])
        let b = context.builder
        let stackTypes = (0..<(k + h)).map { context.outputType(node, c + $0) }
        let stacks = stackTypes.map { b.constant(0, $0.dtype, shape: $0.shape) }
        // State: counter, carries, stacks, then the read-only sequences, non-sequences and n_steps.
        let initial = [b.index(0)] + carries + stacks + sequences + nonSequences + [steps]
        let fixed = 1 + c + k + h
        let final = try b.whileLoop(
            initial,
            condition: { b, state in
                let running = b.compare("LT", state[0], state[state.count - 1])
                guard body.condition != nil else { return running }
                let readOnly = Array(state[(fixed + s)..<(state.count - 1)])
                let test = try context.lowerInnerGraph(
                    graphs[1], arguments: Array(state[1..<(1 + c)]) + readOnly, into: b)[0]
                return b.and(running, test.dtype == .bool ? test : b.compare("NE", test, b.constant(0, like: test)))
            },
            body: { b, state in
                let counter = state[0]
                let limit = state[state.count - 1]
                let index = reverse ? b.subtract(b.subtract(limit, b.index(1)), counter) : counter
                let received = Array(state[1..<(1 + c)])
                let slices = state[fixed..<(fixed + s)].map { sequence in
                    Self.row(of: sequence, at: index, b)
                }
                let readOnly = Array(state[(fixed + s)..<(state.count - 1)])
                let results = try context.lowerInnerGraph(graphs[0], arguments: received + slices + readOnly, into: b)
                var next = [b.add(counter, b.index(1))]
                for i in 0..<c {
                    guard results[i].shape == received[i].shape else {
                        throw StableHLONotExportable(
                            "the step turns carry \(i) of shape \(formatShape(received[i].shape)) into "
                                + "\(formatShape(results[i].shape)); a carry must keep its shape")
                    }
                    next.append(b.convert(results[i], to: received[i].dtype))
                }
                let rows = Array(results[c...]) + (storesHistory ? received : [])
                for (slot, row) in rows.enumerated() {
                    next.append(try Self.write(row, into: state[1 + c + slot], at: index, b))
                }
                return next + state[fixed...]
            })
        return Array(final[1..<fixed])
    }

    /// Row `index` of `sequence` along its leading axis (the axis dropped).
    static func row(of sequence: StableHLOValue, at index: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
        let rest = Array(sequence.shape.dropFirst())
        let zero = b.index(0)
        let slice = b.dynamicSlice(sequence, starts: [index] + rest.map { _ in zero }, sizes: [1] + rest)
        return b.reshape(slice, rest)
    }

    /// `stack` with row `index` along its leading axis replaced by `row` (converted to its dtype).
    static func write(_ row: StableHLOValue, into stack: StableHLOValue, at index: StableHLOValue, _ b: StableHLOBuilder)
        throws -> StableHLOValue
    {
        let rest = Array(stack.shape.dropFirst())
        guard row.shape == rest else {
            throw StableHLONotExportable(
                "a step's output has shape \(formatShape(row.shape)) but its stack's rows \(formatShape(rest))")
        }
        let zero = b.index(0)
        let update = b.reshape(b.convert(row, to: stack.dtype), [1] + rest)
        return b.dynamicUpdateSlice(stack, update, starts: [index] + rest.map { _ in zero })
    }
}
