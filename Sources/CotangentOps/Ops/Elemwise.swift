import CotangentArrays
import CotangentGraph

/// A scalar op applied element by element with static broadcasting: PyTensor's `Elemwise`.
///
/// Inputs of lower rank are left-padded with `ExpandDims`, so all inputs of the node share the
/// output's rank. A dimension broadcasts only where an input's static length is 1; at run time a
/// dimension of length 1 that was not statically 1 is an error (PyTensor forbids runtime
/// broadcasting, which would make gradients silently wrong).
public struct Elemwise: Op {
    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The scalar operation applied to each element (a `Composite` for fused nodes).
    public let scalarOp: ScalarOp

    /// An elementwise application of `scalarOp`.
    public init(_ scalarOp: ScalarOp) { self.scalarOp = scalarOp }

    /// The scalar op, boxed for a working-graph node to keep (see `ScalarOpBox`).
    public var nodePayload: AnyObject? { ScalarOpBox(scalarOp) }

    /// `Add`, `True_div`, `Cast{int32}`: the scalar op's name, capitalised as Python's
    /// `str.capitalize` does; a fused op prints as its composite, `Composite{(1.0 + exp(i0))}`.
    public var description: String {
        scalarOp.elemwiseName
    }

    /// Weak scalars get their dtype here, from the other inputs.
    public var resolvesWeakScalars: Bool { true }

    /// Weakly typed scalars among `inputs` first take the dtype of the other inputs (see
    /// `Variable/isWeaklyTyped`); a `switch` condition does not count among those.
    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let isSwitch = if case .switch = scalarOp { true } else { false }
        let inputs = try WeakScalars.resolved(inputs, excluding: isSwitch ? [0] : []) { input, dtype in
            build(Elemwise(.cast(dtype)), input)
        }
        let expected = scalarOp.arity
        let arityOK = scalarOp.isVariadic ? inputs.count >= 1 : inputs.count == expected
        guard arityOK else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects \(expected) inputs, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let rank = inputs.map(\.ndim).max() ?? 0
        let padded = inputs.map { input in
            input.ndim == rank
                ? input
                : build(
                    DimShuffle(
                        inputNdim: input.ndim,
                        newOrder: Array(repeating: nil, count: rank - input.ndim)
                            + (0..<input.ndim).map { Optional($0) }), input)
        }
        return Apply(op: self, inputs: padded, outputTypes: try outputTypes(for: padded))
    }

    /// One output per output of the scalar op (a composite may have several), all with the
    /// broadcast shape.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let dtypes: [DType]
        do {
            if let graph = scalarOp.compositeGraph {
                dtypes = try graph.outputDTypes(inputs: inputs.map(\.dtype))
            } else {
                dtypes = [try scalarOp.outputDType(inputs.map(\.dtype))]
            }
        } catch let error as CotangentError {
            throw CotangentError(.invalidGraph, "\(error.message); input types: \(describeTypes(inputs))")
        }
        let shape = try Elemwise.broadcastStaticShapes(inputs.map(\.type.shape), op: self, inputs: inputs)
        return dtypes.map { TensorType(dtype: $0, shape: shape) }
    }

    /// The output static shape: 1 where every input is 1, the known length where one is known,
    /// else unknown. Two different known lengths (neither 1) can never broadcast.
    package static func broadcastStaticShapes(_ shapes: [[Int?]], op: some Op, inputs: [Variable]) throws -> [Int?] {
        let rank = shapes.map(\.count).max() ?? 0
        var result: [Int?] = []
        for axis in 0..<rank {
            var known: Int? = nil
            var allOne = true
            for shape in shapes {
                let dim = shape[axis]
                if dim != 1 { allOne = false }
                if let length = dim, length != 1 {
                    if let existing = known, existing != length {
                        throw CotangentError(.invalidGraph, 
                            "\(op): incompatible static shapes "
                                + inputs.map { TensorType.format($0.type.shape) }.joined(separator: " and ")
                                + " (dimension \(axis): \(existing) vs \(length)); input types: "
                                + describeTypes(inputs))
                    }
                    known = length
                }
            }
            result.append(allOne ? 1 : known)
        }
        return result
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try perform(inputs, node: node, destroying: .none)
    }

    /// Any input can hold an output of its dtype and rank (whether its shape is the full output
    /// shape is checked per call).
    public func destroyCandidates(_ node: Apply) -> [Int] {
        node.inputs.indices.filter { k in
            node.outputTypes.contains { $0.dtype == node.inputs[k].dtype && $0.ndim == node.inputs[k].ndim }
        }
    }

    /// Writes each output into a handed-over input of the same dtype and full shape when one
    /// is dense, so elementwise chains run in the memory of their first temporary.
    public func perform(_ inputs: [NDArray], node: Apply, destroying: InputSet) throws -> [NDArray] {
        let outputShape = try runtimeShape(inputs, node: node)
        let program = try ElemwiseProgram.compiled(scalarOp, arity: inputs.count, inputs: inputs.map(\.dtype))
        let outputDTypes = node.outputTypes.map(\.dtype)
        let reusing = Self.overwrittenInputs(
            inputs, shape: outputShape, destroying: destroying, program: program, outputDTypes: outputDTypes)
        return zip(program.run(inputs, shape: outputShape, reusing: reusing), outputDTypes).map { value, dtype in
            value.dtype == dtype ? value : value.converted(to: dtype)
        }
    }

    /// Which input (among `destroying`) each output overwrites: one of the output's dtype and
    /// full shape, dense, not already taken; outputs the program computes in another dtype take
    /// none (they are converted afterwards).
    package static func overwrittenInputs(
        _ inputs: [NDArray], shape: [Int], destroying: InputSet, program: ElemwiseProgram, outputDTypes: [DType]
    ) -> InputReuse {
        var reusing: InputReuse = [:]
        var available = destroying
        for (k, dtype) in outputDTypes.enumerated() where !available.isEmpty && program.outputDTypes[k] == dtype {
            guard let j = inputs.indices.first(where: { j in
                available.contains(j) && inputs[j].dtype == dtype && inputs[j].shape == shape && inputs[j].isContiguous
            }) else { continue }
            reusing.add(output: k, input: j)
            available.remove(j)
        }
        return reusing
    }

    /// The output shape at run time, enforcing static broadcasting.
    package func runtimeShape(_ inputs: [NDArray], node: Apply) throws -> [Int] {
        try runtimeShape(inputs, of: node.inputs, outputDTypes: node.outputTypes.map(\.dtype))
    }

    /// The broadcast shape of `inputs`, the values of the node inputs `variables` (all of one
    /// rank), checked as the kernel needs and for an allocation of the widest output dtype.
    package func runtimeShape(_ inputs: [NDArray], of variables: [Variable], outputDTypes: [DType]) throws -> [Int] {
        let rank = variables.first?.ndim ?? 0
        // (Only an unchecked call, `trustInput`, can pass another rank.)
        for (k, input) in inputs.enumerated() where input.ndim != rank {
            throw CotangentError(.shapeMismatch,
                "\(self): input \(k) has shape \(formatShape(input.shape)), of rank \(input.ndim), where the node "
                    + "expects rank \(rank); input types: " + describeTypes(variables))
        }
        var shape = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            var length: Int? = nil
            for (k, input) in inputs.enumerated() where variables[k].type.shape[axis] != 1 {
                if let existing = length, existing != input.shape[axis] {
                    throw CotangentError(.shapeMismatch, 
                        "\(self): input shapes "
                            + inputs.map { formatShape($0.shape) }.joined(separator: ", ")
                            + " do not match in dimension \(axis) (\(existing) vs \(input.shape[axis])); "
                            + "only dimensions that are statically 1 broadcast. Input types: "
                            + describeTypes(variables))
                }
                length = input.shape[axis]
            }
            shape[axis] = length ?? 1
        }
        let widest = outputDTypes.max { $0.itemSize < $1.itemSize } ?? .float64
        try checkAllocation(shape, dtype: widest, op: self,
            context: "input shapes " + inputs.map { formatShape($0.shape) }.joined(separator: ", ")
                + "; input types: " + describeTypes(variables))
        return shape
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let dims = broadcastShape(of: node.inputs, inputShapes: inputShapes)
        return node.outputTypes.map { _ in dims }
    }

    /// The symbolic broadcast shape of the node inputs `variables` (all of one rank).
    package func broadcastShape(of variables: [Variable], inputShapes: [[Variable]]) -> [Variable] {
        let rank = variables.first?.ndim ?? 0
        return (0..<rank).map { axis -> Variable in
            let lengths = variables.indices.filter { variables[$0].type.shape[axis] != 1 }.map { inputShapes[$0][axis] }
            guard !lengths.isEmpty else { return shapeConstant(1) }
            // The kernel rejects non-broadcasting inputs of different lengths; so does the shape.
            return checkedLength(lengths, message: "\(self): input lengths differ in dimension \(axis)")
        }
    }
}

// MARK: - Derivatives (each scalar op's rule is its table entry's `partials`)

extension Elemwise {
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        if let graph = scalarOp.compositeGraph { return graph.connectionPattern(inputs: node.inputs.map(\.dtype)) }
        let connected = scalarOp.isVariadic
            ? Array(repeating: true, count: node.inputs.count) : scalarOp.connectedInputs
        return connected.map { [$0 && node.outputTypes[0].dtype.isFloat] }
    }

    /// Each input's term, summed over the dimensions where the input is statically 1 but the
    /// output is not (broadcasting copied the input there, so its cotangent adds up).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        if let graph = scalarOp.compositeGraph { return graph.pullback(node, cotangents: cotangents) }
        guard let g = cotangents[0] else { return node.inputs.map { _ in .disconnected } }
        let output = node.output(0)
        return scalarOp.partials(g, inputs: node.inputs, output: output).enumerated().map { i, term in
            guard case .value(let gradient) = term else { return term }
            let input = node.inputs[i]
            guard input.dtype.isFloat else { return .disconnected }
            return .value(reduceToBroadcastPattern(gradient, of: input, output: output))
        }
    }

    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        if let graph = scalarOp.compositeGraph { return graph.pushforward(node, tangents: tangents) }
        let output = node.output(0)
        var total: Variable? = nil
        for (i, tangent) in tangents.enumerated() {
            guard let tangent else { continue }
            let terms = scalarOp.partials(tangent, inputs: node.inputs, output: output)
            guard case .value(let term) = terms[i] else { continue }
            total = total.map { $0 + term } ?? term
        }
        // A tangent of inputs that broadcast (statically 1 where the output is not) is still
        // shaped like them: stretch it to the output's shape, as the tangent of the output.
        if let sum = total, zip(sum.type.shape, output.type.shape).contains(where: { $0 == 1 && $1 != 1 }) {
            total = second(output, sum)
        }
        return [total]
    }
}

/// Sums a cotangent of the output's shape over the dimensions that broadcasting stretched for
/// `input` (statically 1 in the input, not in the output), keeping them as length 1.
package func reduceToBroadcastPattern(_ gradient: Variable, of input: Variable, output: Variable) -> Variable {
    let axes = input.type.shape.indices.filter { axis in
        input.type.shape[axis] == 1 && output.type.shape[axis] != 1
    }
    let reduced = axes.isEmpty ? gradient : gradient.sum(axes: axes, keepDims: true)
    return reduced.dtype == input.dtype ? reduced : reduced.cast(to: input.dtype)
}

/// Runs one scalar op elementwise (kernel tests call it directly).
package enum ElemwiseKernel {
    /// `op` over `inputs` broadcast to `shape`, with the result converted to `dtype`.
    package static func run(_ op: ScalarOp, _ inputs: [NDArray], shape: [Int], dtype: DType) -> NDArray {
        let program = try! ElemwiseProgram.compiled(op, arity: inputs.count, inputs: inputs.map(\.dtype))
        let result = program.run(inputs, shape: shape)[0]
        return result.converted(to: dtype)
    }
}

// Batching rule.
extension Elemwise {
    /// Elementwise ops broadcast: rebuilding with the batched inputs pads the others (every
    /// output of a multi-output composite).
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        buildOutputs(self, batchedInputs, outputCount: node.outputTypes.count)
    }
}

/// An `Elemwise` node's scalar op as its working-graph node keeps it (``Op/nodePayload``): the
/// rewriters read it on almost every node they look at, and a cast of the node's `any Op` to
/// `Elemwise` each time cost a dynamic cast and a copy of the op.
package final class ScalarOpBox: Sendable {
    package let scalarOp: ScalarOp
    package init(_ scalarOp: ScalarOp) { self.scalarOp = scalarOp }
}

// MARK: - StableHLO

extension Elemwise {
    /// The operands broadcast to the output shape (Elemwise's inputs share its rank), then the
    /// scalar op's table rule; a composite is inlined op by op.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let shape = context.outputType(node).shape
        let broadcast = operands.map { b.broadcast($0, to: shape) }
        let dtypes = node.outputs.indices.map { context.outputType(node, $0).dtype }
        return try scalarOp.lowerToStableHLO(broadcast, outputDTypes: dtypes, builder: b)
    }
}

/// Which input's memory each output of an elementwise kernel overwrites (in place): a few
/// pairs in a list, since a kernel reuses at most one input per output and most reuse one.
/// (A dictionary cost a hash and an allocation per call of every in-place kernel.)
package struct InputReuse: ExpressibleByDictionaryLiteral, Sendable {
    private var pairs: [(output: Int, input: Int)] = []
    /// The inputs some output overwrites.
    package private(set) var inputs = InputSet.none

    package init(dictionaryLiteral elements: (Int, Int)...) {
        for (output, input) in elements { add(output: output, input: input) }
    }

    package mutating func add(output: Int, input: Int) {
        pairs.append((output, input))
        inputs.insert(input)
    }

    /// The input output `k` overwrites, if any.
    package func input(for output: Int) -> Int? {
        for pair in pairs where pair.output == output { return pair.input }
        return nil
    }
}

// MARK: - Sparsity

extension Elemwise {
    /// Sparsity: each output element reads the element of each input it broadcasts from. Sums,
    /// differences, negation and casts are linear (no second derivatives), products bilinear,
    /// every other scalar op, a fused composite included, nonlinear. An input the scalar op has
    /// no derivative along (a comparison's) or whose derivative is zero (`floor`, `sign`) is
    /// not read.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        let connected = scalarOp.parameter.graph != nil ? []
            : scalarOp.isPiecewiseConstant ? inputShapes.map { _ in false } : scalarOp.definition.connectedInputs
        let maps = inputShapes.enumerated().map { k, shape -> ElementMap? in
            k < connected.count && !connected[k] ? nil : ElementMap.broadcast(from: shape, to: outputShape)
        }
        return ElementDependencies(inputs: maps, interaction: scalarOp.secondOrderInteraction)
    }
}

extension ScalarOp {
    /// Rounding and `sign`: a derivative of zero wherever it exists.
    package var isPiecewiseConstant: Bool {
        self == .floor || self == .ceil || self == .trunc || self == .round || self == .sign
    }

    /// Which pairs of its operands the op combines nonlinearly (see ``SecondOrderInteraction``).
    package var secondOrderInteraction: SecondOrderInteraction {
        if self == .add || self == .sub || self == .neg || self == .identity
            || definition === ScalarOp.castDefinition
        {
            return .none
        }
        return self == .mul ? .acrossInputs : .all
    }
}
