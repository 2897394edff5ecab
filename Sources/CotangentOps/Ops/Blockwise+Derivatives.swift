import CotangentArrays
import CotangentGraph

// Blockwise derivative and batching rules (the forward op is in Blockwise.swift).

// MARK: - Derivatives

extension Blockwise {
    /// PyTensor's dummy core node for derivatives: the core op applied to fresh tensors of each
    /// input's core type (0-d tensors for `()` cores, which a core op taking a scalar kind
    /// converts itself, as Convolve1d does), or nil when the core op rejects them.
    package func derivativeCoreNode(_ node: Apply) -> (signature: GufuncSignature, inputs: [Variable], node: Apply)? {
        guard let signature = try? parsedSignature(), signature.inputs.count == node.inputs.count else {
            return nil
        }
        let standIns = zip(node.inputs, signature.inputs).map { input, coreDims in
            Variable(
                type: TensorType(dtype: input.dtype, shape: Array(input.type.shape.suffix(coreDims.count))),
                name: input.name)
        }
        guard let coreNode = try? core.makeNode(standIns), coreNode.inputs.count == node.inputs.count,
            coreNode.outputTypes.count == node.outputTypes.count
        else { return nil }
        return (signature, standIns, coreNode)
    }

    /// A stand-in for the core part of a batched variable (a cotangent or a tangent).
    private static func coreStandIn(_ variable: Variable, coreRank: Int) -> Variable {
        Variable(
            type: TensorType(dtype: variable.dtype, shape: Array(variable.type.shape.suffix(coreRank))),
            name: variable.name)
    }

    /// The core graph `results` (built on the stand-ins of `coreNode`) for the real node: the
    /// stand-ins are replaced by the node's inputs, outputs and the batched `extras`, and
    /// ``vectorizeGraph(_:replacing:)`` gives every op of it the node's batch dims.
    private func batched(
        _ results: [Variable], node: Apply, coreInputs: [Variable], coreNode: Apply,
        extras: [(standIn: Variable, batched: Variable)]
    ) -> [Variable] {
        var replacements: [Variable: Variable] = [:]
        for (standIn, input) in zip(coreInputs, node.inputs) { replacements[standIn] = input }
        for (k, coreOutput) in coreNode.outputs.enumerated() { replacements[coreOutput] = node.output(k) }
        for (standIn, value) in extras { replacements[standIn] = value }
        return vectorizeGraph(results, replacing: replacements)
    }

    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        guard let (_, _, coreNode) = derivativeCoreNode(node) else {
            return node.inputs.map { _ in node.outputTypes.map { _ in true } }
        }
        return core.connectionPattern(coreNode)
    }

    /// PyTensor's rule: the core op's pullback on a dummy core node and dummy core cotangents,
    /// vectorized back to the node's inputs, outputs and cotangents. An input that batching
    /// broadcast (statically 1 where the output's batch dim is not) received the same value in
    /// every block, so its gradient is summed over those dims (kept, so the rank is the
    /// input's; padded leading dims are then dropped by the padding `ExpandDims`'s pullback).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard cotangents.contains(where: { $0 != nil }) else { return node.inputs.map { _ in .disconnected } }
        guard let (signature, coreInputs, coreNode) = derivativeCoreNode(node) else {
            return node.inputs.map { _ in
                .undefined("\(self): the core op does not accept core stand-ins of types \(describeTypes(node.inputs))")
            }
        }
        let coreCotangents = zip(cotangents, signature.outputs).map { g, coreDims in
            g.map { Self.coreStandIn($0, coreRank: coreDims.count) }
        }
        let coreGradients = core.pullback(coreNode, cotangents: coreCotangents)
        let values = coreGradients.compactMap { result -> Variable? in
            if case .value(let gradient) = result { return gradient }
            return nil
        }
        let extras = zip(coreCotangents, cotangents).compactMap { standIn, g in
            standIn.map { ($0, g!) }
        }
        var gradients = batched(values, node: node, coreInputs: coreInputs, coreNode: coreNode, extras: extras)
            .makeIterator()
        let batchRank = batchRank(node, signature: signature)
        let outputBatchShape = node.outputTypes[0].shape.prefix(batchRank)
        return zip(coreGradients, node.inputs).map { result, input in
            guard case .value = result else { return result }
            var gradient = gradients.next()!
            // A gradient that depends on nothing batched (a constant) is the same for every block.
            if gradient.ndim < input.ndim { gradient = second(input, gradient) }
            let broadcast = (0..<batchRank).filter { input.type.shape[$0] == 1 && outputBatchShape[$0] != 1 }
            return .value(broadcast.isEmpty ? gradient : gradient.sum(axes: broadcast, keepDims: true))
        }
    }

    /// The core op's pushforward, vectorized the same way; nil (the double-pullback default)
    /// when the core op has no native forward rule.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let (signature, coreInputs, coreNode) = derivativeCoreNode(node) else { return nil }
        let coreTangents = zip(tangents, signature.inputs).map { t, coreDims in
            t.map { Self.coreStandIn($0, coreRank: coreDims.count) }
        }
        guard let coreResults = core.pushforward(coreNode, tangents: coreTangents) else { return nil }
        let extras = zip(coreTangents, tangents).compactMap { standIn, t in standIn.map { ($0, t!) } }
        var results = batched(
            coreResults.compactMap { $0 }, node: node, coreInputs: coreInputs, coreNode: coreNode, extras: extras
        ).makeIterator()
        let batchRank = batchRank(node, signature: signature)
        return zip(coreResults, node.outputs).map { coreResult, output in
            guard coreResult != nil else { return nil }
            let tangent = results.next()!
            // A tangent carried only by broadcast inputs (or none) is stretched to the output.
            let stretched =
                tangent.ndim < output.ndim
                || (0..<batchRank).contains { tangent.type.shape[$0] == 1 && output.type.shape[$0] != 1 }
            return stretched ? second(output, tangent) : tangent
        }
    }
}

// MARK: - Batching

extension Blockwise {
    /// More batch dims are the same Blockwise: it pads and broadcasts them itself.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        buildOutputs(self, batchedInputs, outputCount: node.outputTypes.count)
    }
}
