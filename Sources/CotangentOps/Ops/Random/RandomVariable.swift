import CotangentArrays
import CotangentGraph

/// A draw from a distribution: PyTensor's `RandomVariable` (`normal_rv{"(),()->()"}`).
///
/// Inputs: the generator, then the size (an int64 vector, when ``hasSize``), then the
/// distribution's parameters. The output's shape is the size (or, without one, the parameters'
/// broadcast batch shape) followed by the distribution's event dimensions; parameters broadcast
/// against it as numpy's do.
///
/// A draw is a pure function of the generator's value, the op's ``stream`` and the parameters
/// (see `GeneratorValue`): drawing does not change the generator, so two draws from one
/// generator differ only because each node has its own stream. A compiled function moves a
/// shared generator on after each call (its default update), so the next call draws afresh.
public struct RandomVariable: Op {
    /// The distribution.
    public let distribution: RandomDistribution
    /// The dtype of a draw (int64 for discrete distributions).
    public let dtype: DType
    /// This draw's stream: its number among the draws built on its generator.
    public let stream: UInt64
    /// Whether input 1 is the size.
    public let hasSize: Bool

    /// The op; build draws with the distribution functions (``normal(mean:std:shape:rng:dtype:)``, …).
    public init(_ distribution: RandomDistribution, dtype: DType, stream: UInt64, hasSize: Bool) {
        self.distribution = distribution
        self.dtype = dtype
        self.stream = stream
        self.hasSize = hasSize
    }

    /// PyTensor's `normal_rv{"(),()->()"}`.
    public var description: String { "\(distribution.name)_rv{\"\(distribution.signature)\"}" }

    /// The position of the first parameter among the inputs.
    package var firstParameter: Int { hasSize ? 2 : 1 }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let names = distribution.parameterNames
        guard inputs.count == firstParameter + names.count else {
            throw CotangentError(.invalidGraph,
                "\(self): expects a generator\(hasSize ? ", a size" : "") and \(names.count) parameters (\(names.joined(separator: ", "))), got \(describeTypes(inputs))")
        }
        guard inputs[0].type.canHoldRandomGenerator else {
            throw CotangentError(.invalidGraph,
                "\(self): the generator must be a random generator (RandomGeneratorType), got \(inputs[0].type)")
        }
        guard distribution.isDiscrete ? dtype == .int64 : dtype.isFloat else {
            throw CotangentError(.invalidGraph,
                "\(self): draws of \(distribution.name) are \(distribution.isDiscrete ? "int64" : "float32 or float64"), not \(dtype)")
        }
        let parameters = Array(inputs[firstParameter...])
        for (k, p) in parameters.enumerated() {
            let core = distribution.coreRanks[k]
            guard !p.type.isRandomGenerator, p.dtype != .bool || distribution.isDiscrete, p.ndim >= core else {
                throw CotangentError(.invalidGraph,
                    "\(self): parameter \(names[k]) must be a numeric tensor of rank ≥ \(core), got \(p.type)")
            }
        }
        let batchStatic: [Int?]
        if hasSize {
            let size = inputs[1]
            guard size.dtype.isInteger, size.ndim == 1, let length = size.type.shape[0] else {
                throw CotangentError(.invalidGraph,
                    "\(self): the size must be an integer vector of known length, got \(size.type)")
            }
            if let value = StaticFolding.value(of: size) {
                let dims = value.asArray(Int64.self).map(Int.init)
                if let negative = dims.first(where: { $0 < 0 }) {
                    throw CotangentError(.invalidGraph, "\(self): the size \(formatShape(dims)) has a negative length \(negative)")
                }
                batchStatic = dims
            } else {
                batchStatic = Array(repeating: nil, count: length)
            }
            for (k, p) in parameters.enumerated() {
                let batch = Array(p.type.shape.dropLast(distribution.coreRanks[k]))
                guard batch.count <= batchStatic.count, Self.broadcasts(batch, to: batchStatic) else {
                    throw CotangentError(.invalidGraph,
                        "\(self): parameter \(names[k]) of shape \(TensorType.format(p.type.shape)) does not broadcast to the size \(TensorType.format(batchStatic))")
                }
            }
        } else {
            batchStatic = try Elemwise.broadcastStaticShapes(
                parameters.enumerated().map { k, p in rightAligned(Array(p.type.shape.dropLast(distribution.coreRanks[k])), to: batchRank(parameters)) },
                op: self, inputs: parameters)
        }
        return [TensorType(dtype: dtype, shape: batchStatic + eventStatic(parameters))]
    }

    /// Whether a static batch shape can broadcast to a static size (right-aligned).
    private static func broadcasts(_ shape: [Int?], to size: [Int?]) -> Bool {
        for (dim, target) in zip(shape.reversed(), size.reversed()) {
            guard let dim, dim != 1, let target else { continue }
            if dim != target { return false }
        }
        return true
    }

    /// The parameters' largest batch rank.
    private func batchRank(_ parameters: [Variable]) -> Int {
        parameters.enumerated().map { k, p in p.ndim - distribution.coreRanks[k] }.max() ?? 0
    }

    private func rightAligned(_ shape: [Int?], to rank: Int) -> [Int?] {
        Array(repeating: 1, count: rank - shape.count) + shape
    }

    /// The event dimensions' static lengths.
    private func eventStatic(_ parameters: [Variable]) -> [Int?] {
        switch distribution.event {
        case .scalar: return []
        case .lastDimension(let k): return [parameters[k].type.shape.last ?? nil]
        case .valueOf(let k): return [StaticFolding.value(of: parameters[k]).map { Int($0.item(Int64.self)) }]
        }
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        guard let generator = GeneratorValue(inputs[0]) else {
            throw CotangentError(.inputMismatch,
                "\(self): the generator must be an int64 array of shape (2,), got dtype \(inputs[0].dtype) and shape \(formatShape(inputs[0].shape))")
        }
        let parameters = Array(inputs[firstParameter...])
        let cores = parameters.enumerated().map { k, p in Array(p.shape.suffix(distribution.coreRanks[k])) }
        let batches = parameters.enumerated().map { k, p in Array(p.shape.dropLast(distribution.coreRanks[k])) }
        let batch: [Int]
        if hasSize {
            batch = inputs[1].asArray(Int64.self).map(Int.init)
            if let negative = batch.first(where: { $0 < 0 }) {
                throw CotangentError(.invalidValue, "\(self): the size \(formatShape(batch)) has a negative length \(negative)")
            }
        } else {
            guard let shape = broadcastShapes(batches) else {
                throw CotangentError(.shapeMismatch,
                    "\(self): the parameters' shapes \(parameters.map { formatShape($0.shape) }.joined(separator: ", ")) do not broadcast")
            }
            batch = shape
        }
        var broadcast: [NDArray] = []
        for (k, p) in parameters.enumerated() {
            guard let view = p.broadcast(to: batch + cores[k]) else {
                throw CotangentError(.shapeMismatch,
                    "\(self): parameter \(distribution.parameterNames[k]) of shape \(formatShape(p.shape)) does not broadcast to the batch shape \(formatShape(batch))")
            }
            broadcast.append(view)
        }
        let draw = RandomDraw(
            op: self, state: generator.drawState(stream: stream), batchShape: batch, parameters: broadcast,
            dtype: dtype, threads: KernelOptions.current.elementwiseThreads)
        return [try distribution.kernel(draw)]
    }

    /// The size's entries (or the parameters' broadcast batch dims), then the event dims.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let parameters = Array(node.inputs[firstParameter...])
        let parameterShapes = Array(inputShapes[firstParameter...])
        var dims: [Variable]
        if hasSize {
            let length = node.inputs[1].type.shape[0] ?? 0
            dims = (0..<length).map { i in
                node.outputTypes[0].shape[i].map(shapeConstant) ?? node.inputs[1][i]
            }
        } else {
            let rank = batchRank(parameters)
            dims = (0..<rank).map { axis in
                var lengths: [Variable] = []
                for (k, p) in parameters.enumerated() {
                    let pRank = p.ndim - distribution.coreRanks[k]
                    let position = axis - (rank - pRank)
                    guard position >= 0, p.type.shape[position] != 1 else { continue }
                    lengths.append(parameterShapes[k][position])
                }
                guard !lengths.isEmpty else { return shapeConstant(1) }
                return checkedLength(lengths, message: "\(self): parameter lengths differ in batch dimension \(axis)")
            }
        }
        switch distribution.event {
        case .scalar: break
        case .lastDimension(let k): dims.append(parameterShapes[k].last!)
        case .valueOf(let k):
            guard let value = parameters[k].constantValue else { return nil }
            dims.append(shapeConstant(Int(value.item(Int64.self))))
        }
        return [dims]
    }

    // Derivatives: the generator and the size carry none; the parameters have the pathwise
    // rule of the distribution, or an undefined gradient saying why there is none.

    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        node.inputs.indices.map { k in [k >= firstParameter && !distribution.isDiscrete] }
    }

    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let lead: [InputGradient] = Array(repeating: .disconnected, count: firstParameter)
        let parameters = Array(node.inputs[firstParameter...])
        guard let g = cotangents[0], !distribution.isDiscrete else {
            return lead + parameters.map { _ in .disconnected }
        }
        switch distribution.derivative {
        case .none(let reason):
            return lead + parameters.map { _ in .undefined("\(self): \(reason)") }
        case .pathwise(let rule):
            let terms = rule(PathwiseInputs(node: node, value: node.output(0), cotangent: g, parameters: parameters))
            return lead + zip(parameters, terms).map { p, term in
                guard p.dtype.isFloat else { return .disconnected }
                guard case .value(let term) = term else { return term }
                return .value(sumToParameterShape(term, p))
            }
        }
    }

    /// Sums a term shaped like the batch followed by `parameter`'s core down to `parameter`'s
    /// shape: over the leading dims it lacks, then over the dims where it is statically 1.
    private func sumToParameterShape(_ term: Variable, _ parameter: Variable) -> Variable {
        let extra = term.ndim - parameter.ndim
        var summed = extra > 0 ? term.sum(axes: Array(0..<extra)) : term
        let axes = parameter.type.shape.indices.filter { parameter.type.shape[$0] == 1 && summed.type.shape[$0] != 1 }
        if !axes.isEmpty { summed = summed.sum(axes: axes, keepDims: true) }
        return summed.dtype == parameter.dtype ? summed : summed.cast(to: parameter.dtype)
    }

    /// Not a native rule: the pullback is linear in the cotangent, so the double-pullback
    /// trick gives the pushforward.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? { nil }

    /// Batched parameters draw a batch of draws: their batch dims go in front of the size (or
    /// of the other parameters' batch dims, which they are padded to align with). A batched
    /// generator or size falls back to `Blockwise`.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        guard batchedInputs[0].ndim == node.inputs[0].ndim,
            !hasSize || batchedInputs[1].ndim == node.inputs[1].ndim
        else { return nil }
        let parameters = Array(node.inputs[firstParameter...])
        let batched = Array(batchedInputs[firstParameter...])
        let b = zip(parameters, batched).map { $1.ndim - $0.ndim }.max() ?? 0
        guard b > 0 else { return [build(self, batchedInputs)] }
        let outputBatchRank = node.outputTypes[0].ndim - eventStatic(parameters).count
        var aligned: [Variable] = []
        for (k, (p, q)) in zip(parameters, batched).enumerated() {
            let own = q.ndim - p.ndim
            guard own > 0 else { aligned.append(p); continue }
            // Missing batch dims go between the new ones and the parameter's own.
            let pad = outputBatchRank - (p.ndim - distribution.coreRanks[k])
            var padded = own < b ? q.expandingDims(Array(0..<(b - own))) : q
            if pad > 0 { padded = padded.expandingDims(Array(b..<(b + pad))) }
            aligned.append(padded)
        }
        guard hasSize else { return [build(self, [node.inputs[0]] + aligned)] }
        let batchDims = (0..<b).map { axis -> Variable in
            let lengths = aligned.filter { $0.ndim > 0 && $0.type.shape[axis] != 1 }.map { $0.length(ofDimension: axis) }
            return lengths.isEmpty ? shapeConstant(1) : checkedLength(lengths, message: "\(self): batch lengths differ")
        }
        let size = concatenate([makeVector(batchDims, dtype: .int64), node.inputs[1].cast(to: .int64)])
        return [build(self, [node.inputs[0], size] + aligned)]
    }
}
