import CotangentArrays
import CotangentGraph

// Scan's derivative and batching rules: each builds another scan.

extension Scan {
    /// The node's inputs split by role.
    private func roles(_ node: Apply) -> (initial: [Variable], sequences: [Variable], values: [Variable]) {
        let (c, s) = (carryCount, sequenceCount)
        return (Array(node.inputs[1..<(1 + c)]), Array(node.inputs[(1 + c)..<(1 + c + s)]),
                Array(node.inputs[(1 + c + s)...]))
    }

    /// The carry each step received, from this node or (when it does not store them) from a
    /// twin that does.
    private func histories(_ node: Apply) -> [Variable] {
        let (c, k) = (carryCount, outputCount)
        if storesHistory { return Array(node.outputs[(c + k)...]) }
        let twin = buildOutputs(
            Scan(body: body, reverse: reverse, storesHistory: true, checkpoint: checkpoint), node.inputs,
            outputCount: 2 * c + k)
        return Array(twin[(c + k)...])
    }

    /// The reverse-mode rule: a scan running the other way over the stored carries.
    ///
    /// Its carries are the cotangent of the carry and the running sums of the non-sequences'
    /// gradients; its sequences are the stored carries, the sequences, and only the output
    /// cotangents that exist (the gradient of the last carry alone reads no sequence of zeros);
    /// each step pulls the cotangents back through one step of the body (recomputing the
    /// step's intermediates from its stored carry, so only carries are kept between passes).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let (c, s, m, k) = (carryCount, sequenceCount, nonSequenceCount, outputCount)
        let (initial, sequences, values) = roles(node)
        let histories = histories(node)
        let carryCotangents = Array(cotangents[..<c])
        let outputCotangents = Array(cotangents[c..<(c + k)])
        let historyCotangents = storesHistory ? Array(cotangents[(c + k)...]) : Array(repeating: nil, count: c)

        let floatCarries = (0..<c).filter { body.carries[$0].dtype.isFloat }
        let floatSlices = (0..<s).filter { body.slices[$0].dtype.isFloat }
        let floatValues = (0..<m).filter { body.nonSequences[$0].dtype.isFloat }
        let liveOutputs = (0..<k).filter { outputCotangents[$0] != nil && body.outputs[$0].dtype.isFloat }
        let liveHistories = floatCarries.filter { historyCotangents[$0] != nil }

        let carryGradients = floatCarries.map { Variable(type: body.carries[$0].type, name: "carry_cotangent") }
        let sums = floatValues.map { Variable(type: body.nonSequences[$0].type, name: "gradient_sum") }
        let outputSlices = liveOutputs.map { Variable(type: body.outputs[$0].type, name: "output_cotangent") }
        let historySlices = liveHistories.map { Variable(type: body.carries[$0].type, name: "state_cotangent") }

        let wrt = floatCarries.map { body.carries[$0] } + floatSlices.map { body.slices[$0] }
            + floatValues.map { body.nonSequences[$0] }
        let pulled = gradients(
            of: floatCarries.map { body.newCarries[$0] } + liveOutputs.map { body.outputs[$0] }, wrt: wrt,
            seeds: carryGradients + outputSlices, disconnected: .none
        ).enumerated().map { index, value in value ?? zerosLike(wrt[index]) }
        var newCarryGradients = Array(pulled[..<floatCarries.count])
        for (position, carry) in liveHistories.enumerated() {
            let index = floatCarries.firstIndex(of: carry)!
            newCarryGradients[index] = newCarryGradients[index] + historySlices[position]
        }
        var sliceGradients = Array(pulled[floatCarries.count..<(floatCarries.count + floatSlices.count)])
        var newSums = zip(sums, pulled[(floatCarries.count + floatSlices.count)...]).map { $0 + $1 }

        // What the forward pass already stacks (its outputs) is read back rather than
        // recomputed: for `h = tanh(…)` returned as an output, the backward step reads h_t and
        // skips the step's matrix products. A checkpointing scan recomputes instead, so its
        // outputs need not outlive the forward pass.
        var residualSlices: [Variable] = []
        var residualSequences: [Variable] = []
        if !checkpoint {
            let read = Set(GraphTraversal.toposort(newCarryGradients + newSums + sliceGradients).flatMap(\.inputs))
            var substitution: [Variable: Variable] = [:]
            for j in 0..<k where body.outputs[j].owner != nil && read.contains(body.outputs[j])
                && substitution[body.outputs[j]] == nil {
                let slice = Variable(type: body.outputs[j].type, name: "residual")
                substitution[body.outputs[j]] = slice
                residualSlices.append(slice)
                residualSequences.append(node.outputs[c + j])
            }
            if !substitution.isEmpty {
                let rebuilt = replacing(newCarryGradients + newSums + sliceGradients, substitution)
                newCarryGradients = Array(rebuilt[..<newCarryGradients.count])
                newSums = Array(rebuilt[newCarryGradients.count..<(newCarryGradients.count + newSums.count)])
                sliceGradients = Array(rebuilt[(newCarryGradients.count + newSums.count)...])
            }
        }

        let length = body.condition == nil ? node.inputs[0] : histories[0].length(ofDimension: 0)
        let backward = Scan.make(
            carries: carryGradients + sums,
            slices: body.carries + body.slices + outputSlices + historySlices + residualSlices,
            nonSequences: body.nonSequences, newCarries: newCarryGradients + newSums, outputs: sliceGradients,
            length: length,
            initial: floatCarries.map { carryCotangents[$0] ?? zerosLike(initial[$0]) }
                + floatValues.map { zerosLike(values[$0]) },
            sequences: histories + sequences + liveOutputs.map { outputCotangents[$0]! }
                + liveHistories.map { historyCotangents[$0]! } + residualSequences,
            nonSequenceValues: values, reverse: !reverse, checkpoint: checkpoint)
        var results: [InputGradient] = [.disconnected]
        for i in 0..<c {
            results.append(floatCarries.firstIndex(of: i).map { .value(backward.carries[$0]) } ?? .disconnected)
        }
        for j in 0..<s {
            results.append(floatSlices.firstIndex(of: j).map { .value(backward.outputs[$0]) } ?? .disconnected)
        }
        for j in 0..<m {
            results.append(
                floatValues.firstIndex(of: j).map { .value(backward.carries[floatCarries.count + $0]) } ?? .disconnected)
        }
        return results
    }

    /// The forward-mode rule: a scan carrying tangents beside the carries, its body the
    /// body's pushforward (with a while loop's condition on the primal carries).
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let (c, s, m, k) = (carryCount, sequenceCount, nonSequenceCount, outputCount)
        let (initial, sequences, values) = roles(node)
        let floatCarries = (0..<c).filter { body.carries[$0].dtype.isFloat }
        let liveSlices = (0..<s).filter { tangents[1 + c + $0] != nil && body.slices[$0].dtype.isFloat }
        let liveValues = (0..<m).filter { tangents[1 + c + s + $0] != nil && body.nonSequences[$0].dtype.isFloat }
        let carryTangents = floatCarries.map { Variable(type: body.carries[$0].type, name: "carry_tangent") }
        let sliceTangents = liveSlices.map { Variable(type: body.slices[$0].type, name: "slice_tangent") }
        let valueTangents = liveValues.map { Variable(type: body.nonSequences[$0].type, name: "value_tangent") }
        let floatOutputs = (0..<k).filter { body.outputs[$0].dtype.isFloat }
        let primal = floatCarries.map { body.newCarries[$0] } + floatOutputs.map { body.outputs[$0] }
        let pushed = CotangentOps.pushforward(
            primal,
            wrt: floatCarries.map { body.carries[$0] } + liveSlices.map { body.slices[$0] }
                + liveValues.map { body.nonSequences[$0] },
            tangents: carryTangents + sliceTangents + valueTangents, disconnected: .zero)
        let forward = Scan.make(
            carries: body.carries + carryTangents, slices: body.slices + sliceTangents,
            nonSequences: body.nonSequences + valueTangents,
            newCarries: body.newCarries + Array(pushed[..<floatCarries.count]),
            outputs: Array(pushed[floatCarries.count...]), condition: body.condition,
            length: node.inputs[0],
            initial: initial + floatCarries.map { tangents[1 + $0] ?? zerosLike(initial[$0]) },
            sequences: sequences + liveSlices.map { tangents[1 + c + $0]! },
            nonSequenceValues: values + liveValues.map { tangents[1 + c + s + $0]! },
            reverse: reverse, storesHistory: storesHistory, checkpoint: checkpoint)
        var results: [Variable?] = []
        for i in 0..<c { results.append(floatCarries.firstIndex(of: i).map { forward.carries[c + $0] }) }
        for j in 0..<k { results.append(floatOutputs.firstIndex(of: j).map { forward.outputs[$0] }) }
        if storesHistory {
            for i in 0..<c { results.append(floatCarries.firstIndex(of: i).map { forward.histories[c + $0] }) }
        }
        return results
    }

    /// The batching rule: the batch moves inside the loop. Batched sequences have their time
    /// axis moved first, every carry is batched (broadcast when only its initial value was
    /// not), the body is vectorized over the batched placeholders, and the stacked outputs get
    /// their batch dims back in front.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let (c, s, m, k) = (carryCount, sequenceCount, nonSequenceCount, outputCount)
        let batch = batchRank(node, batchedInputs)
        guard batch > 0, batchedInputs[0].ndim == 0 else { return nil }
        // The batch shape, from any batched input.
        let reference = zip(batchedInputs, node.inputs).first { $0.ndim > $1.ndim }!.0
        let batchShape = (0..<batch).map { reference.length(ofDimension: $0) }
        func batched(_ value: Variable, original: Variable) -> Variable {
            value.ndim == original.ndim + batch
                ? value : alloc(padBatch(value, original: original, to: batch), shape: batchShape + original.symbolicShape)
        }
        var mapping: [Variable: Variable] = [:]
        let carries = body.carries.map { carry -> Variable in
            let placeholder = Variable(
                type: TensorType(dtype: carry.dtype, shape: Array(repeating: nil, count: batch) + carry.type.shape),
                name: carry.name)
            mapping[carry] = placeholder
            return placeholder
        }
        let initial = (0..<c).map { batched(batchedInputs[1 + $0], original: node.inputs[1 + $0]) }
        var slices: [Variable] = []
        var sequences: [Variable] = []
        for j in 0..<s {
            let value = batchedInputs[1 + c + j]
            let extra = value.ndim - node.inputs[1 + c + j].ndim
            if extra == 0 {
                slices.append(body.slices[j])
                sequences.append(value)
                continue
            }
            let axes = [extra] + Array(0..<extra) + Array((extra + 1)..<value.ndim)
            let moved = value.transposed(axes: axes)
            let placeholder = Variable(
                type: TensorType(dtype: value.dtype, shape: Array(moved.type.shape.dropFirst())), name: body.slices[j].name)
            mapping[body.slices[j]] = placeholder
            slices.append(placeholder)
            sequences.append(moved)
        }
        var nonSequences: [Variable] = []
        for j in 0..<m {
            let value = batchedInputs[1 + c + s + j]
            if value.ndim == node.inputs[1 + c + s + j].ndim {
                nonSequences.append(body.nonSequences[j])
                continue
            }
            let placeholder = Variable(type: value.type, name: body.nonSequences[j].name)
            mapping[body.nonSequences[j]] = placeholder
            nonSequences.append(placeholder)
        }
        // Inside the body the batch shape is read from the first carry (with no carry, every
        // output must come out batched).
        let innerBatchShape = c == 0 ? [] : (0..<batch).map { carries[0].length(ofDimension: $0) }
        let vectorized = vectorizeGraph(
            body.newCarries + body.outputs + (body.condition.map { [$0] } ?? []), replacing: mapping)
        // Every new carry must be batched like its placeholder; outputs are broadcast if not.
        func full(_ value: Variable, like original: Variable) -> Variable {
            value.ndim == original.ndim + batch
                ? value : alloc(padBatch(value, original: original, to: batch), shape: innerBatchShape + original.symbolicShape)
        }
        let newCarries = zip(vectorized[..<c], body.newCarries).map { full($0, like: $1) }
        // A condition that came out batched cannot steer one loop: no rule (the vectorizer
        // then reports the node).
        if let condition = body.condition, vectorized.last!.ndim != condition.ndim { return nil }
        guard c > 0 || (0..<k).allSatisfy({ vectorized[c + $0].ndim == body.outputs[$0].ndim + batch }) else {
            return nil
        }
        let outputs = zip(vectorized[c..<(c + k)], body.outputs).map { c > 0 ? full($0, like: $1) : $0 }
        let result = Scan.make(
            carries: carries, slices: slices, nonSequences: nonSequences, newCarries: newCarries,
            outputs: outputs, condition: body.condition == nil ? nil : vectorized.last,
            length: batchedInputs[0], initial: initial, sequences: sequences,
            nonSequenceValues: (0..<m).map { batchedInputs[1 + c + s + $0] },
            reverse: reverse, storesHistory: storesHistory, checkpoint: checkpoint)
        // Stacked values come out (time, batch…, dims); the batch goes back in front.
        func batchFirst(_ value: Variable) -> Variable {
            value.transposed(axes: Array(1...batch) + [0] + Array((batch + 1)..<value.ndim))
        }
        return result.carries + result.outputs.map(batchFirst) + result.histories.map(batchFirst)
    }
}
