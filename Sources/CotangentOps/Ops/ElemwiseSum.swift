import CotangentArrays
import CotangentGraph

/// An elementwise computation with some of its outputs summed over every element while they
/// are computed: what the fusion phase makes of `sum(Elemwise(…))` (XLA's reduction fusion).
///
/// Output `k` of the scalar op is either the full broadcast array, as ``Elemwise`` returns it,
/// or, where `summed[k]`, a 0-d array holding its sum (same dtype, accumulated in double, numpy's
/// pairwise order), bit for bit what `sum()` of that output gives. The summed arrays are never
/// materialised when the inputs are dense, so `sum(exp(-x²) · log1p(y²))` reads `x` and `y`
/// once and writes nothing but the total; several sums of one computation (sibling reductions)
/// come from the same pass. Only float outputs can be summed.
///
/// Graphs are not built with it: the `reduction_fusion` rewrite introduces it, after
/// differentiation. Its derivative and batching rules are those of the unfused graph.
public struct ElemwiseSum: Op {
    /// The elementwise computation (usually a fused composite).
    public let scalarOp: ScalarOp
    /// Per output of `scalarOp`: whether the node returns its sum instead of the array.
    public let summed: [Bool]

    /// The computation with the flagged outputs summed.
    public init(_ scalarOp: ScalarOp, summed: [Bool]) {
        self.scalarOp = scalarOp
        self.summed = summed
    }

    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    /// `Sum{Composite{...}, outputs=(0,)}`: the elementwise op and which outputs are summed.
    public var description: String {
        let positions = summed.indices.filter { summed[$0] }.map(String.init)
        return "Sum{\(scalarOp.elemwiseName), outputs=(\(positions.joined(separator: ", ")),)}"
    }

    private var elemwise: Elemwise { Elemwise(scalarOp) }

    /// The inputs must share one rank (as an `Elemwise` node's do after padding).
    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let rank = inputs.first?.ndim ?? 0
        guard !inputs.isEmpty, inputs.allSatisfy({ $0.ndim == rank }) else {
            throw CotangentError(
                .invalidGraph, "\(self): inputs must share one rank, got \(describeTypes(inputs))")
        }
        return Apply(op: self, inputs: inputs, outputTypes: try outputTypes(for: inputs))
    }

    /// The elementwise op's output types, 0-d where summed.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let types = try elemwise.outputTypes(for: inputs)
        guard types.count == summed.count else {
            throw CotangentError(
                .invalidGraph, "\(self): \(summed.count) summed flags for \(types.count) outputs")
        }
        return try zip(types, summed).map { type, isSummed in
            guard isSummed else { return type }
            guard type.dtype.isFloat else {
                throw CotangentError(.invalidGraph, "\(self): only float outputs can be summed, got \(type.dtype)")
            }
            return TensorType(dtype: type.dtype, shape: [])
        }
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let arrayTypes = try elemwise.outputTypes(for: node.inputs)
        let shape = try elemwise.runtimeShape(inputs, of: node.inputs, outputDTypes: arrayTypes.map(\.dtype))
        let program = try ElemwiseProgram.compiled(scalarOp, arity: inputs.count, inputs: inputs.map(\.dtype))
        // A program output of another dtype than the node's is converted before it is summed,
        // as the unfused graph would: sum those from the full array.
        let direct = summed.indices.map { summed[$0] && program.outputDTypes[$0] == arrayTypes[$0].dtype }
        let values = program.runSummingOutputs(inputs, shape: shape, summed: direct)
        return values.indices.map { k in
            let value = values[k].dtype == arrayTypes[k].dtype ? values[k] : values[k].converted(to: arrayTypes[k].dtype)
            guard summed[k], !direct[k] else { return value }
            return ReduceKernel.run(.sum, value, axes: Array(value.shape.indices), outputDType: arrayTypes[k].dtype)
        }
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let dims = elemwise.broadcastShape(of: node.inputs, inputShapes: inputShapes)
        return summed.map { $0 ? [] : dims }
    }
}

// MARK: - Derivatives and batching: those of the unfused graph

extension ElemwiseSum {
    /// The `Elemwise` node this one fuses with its sums.
    private func unfused(_ node: Apply) -> Apply {
        Apply(op: elemwise, inputs: node.inputs, outputTypes: (try? elemwise.outputTypes(for: node.inputs)) ?? [])
    }

    /// The elementwise op's: a sum connects what its summand connects (summed outputs are
    /// float, which `makeNode` checks).
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        elemwise.connectionPattern(unfused(node))
    }

    /// A summed output's cotangent spread over the array (`second(x, g)`), then the
    /// elementwise rules.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let full = unfused(node)
        let spread = cotangents.indices.map { k in
            cotangents[k].map { summed[k] ? second(full.output(k), $0) : $0 }
        }
        return elemwise.pullback(full, cotangents: spread)
    }

    /// Sum is linear: the elementwise tangents, summed where the output is.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let full = elemwise.pushforward(unfused(node), tangents: tangents) else { return nil }
        return full.indices.map { k in full[k].map { summed[k] ? $0.sum() : $0 } }
    }

    /// The batched elementwise op, each summed output summed over its core axes only.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        let rank = node.inputs.first?.ndim ?? 0
        guard let full = elemwise.vectorize(unfused(node), batchedInputs: batchedInputs) else { return nil }
        return full.indices.map { k in summed[k] ? full[k].sum(axes: Array(batch..<(batch + rank))) : full[k] }
    }
}

// MARK: - StableHLO

extension ElemwiseSum {
    /// The elementwise lowering, then a sum (accumulated in float64, as the kernel does) of each
    /// summed output.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let full = unfused(node)
        // The broadcast of the operands' static shapes (they share one rank).
        let rank = operands.first?.rank ?? 0
        let shape = (0..<rank).map { axis in operands.map { $0.shape[axis] }.first { $0 != 1 } ?? 1 }
        let broadcast = operands.map { b.broadcast($0, to: shape) }
        let values = try scalarOp.lowerToStableHLO(broadcast, outputDTypes: full.outputTypes.map(\.dtype), builder: b)
        return values.indices.map { k in
            guard summed[k] else { return values[k] }
            let dtype = full.outputTypes[k].dtype
            let wide = b.convert(values[k], to: .float64)
            let total = b.reduce(
                wide, initial: b.constant(0, .float64), dimensions: Array(0..<shape.count), combiner: "stablehlo.add")
            return b.convert(total, to: dtype)
        }
    }
}
