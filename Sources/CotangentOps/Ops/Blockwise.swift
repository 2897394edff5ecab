import CotangentArrays
import CotangentGraph
import Synchronization

/// A core op applied over leading batch dimensions, gufunc style: PyTensor's `Blockwise`.
///
/// The ``signature`` names each input's and output's core (trailing) dimensions; every other
/// dimension is a batch dimension. Scalar-kind inputs (for `()` cores) become 0-d tensors
/// through `TensorFromScalar`, inputs with fewer batch dimensions are left-padded with
/// `ExpandDims`, and batch dimensions broadcast as in ``Elemwise``: statically, only where a
/// length is statically 1. The kernel runs the core op's kernel once per batch index on views of
/// the inputs' core blocks and stacks the results.
///
/// Printed `Blockwise{Convolve1d, (n),(k),()->(o)}`: the core op, then the signature as written.
public struct Blockwise: Op {
    /// The op applied to each core block.
    public let core: any Op
    /// The signature as written (`(n),(k),()->(o)`).
    public let signature: String
    /// The parsed signature, or why it does not parse (reported when the op is applied).
    package let parsed: Result<GufuncSignature, CotangentError>

    /// - Parameters:
    ///   - core: the op to batch; it must not itself be a `Blockwise`.
    ///   - signature: the core dimensions, e.g. `(m,n),(n)->(m)`. A malformed signature is a
    ///     construction error when the op is applied.
    public init(_ core: some Op, signature: String) {
        self.core = core
        self.signature = signature
        self.parsed = Result { try GufuncSignature(parsing: signature) }.mapError(asCotangentError)
    }

    public var description: String { "Blockwise{\(core), \(signature)}" }

    public static func == (lhs: Blockwise, rhs: Blockwise) -> Bool {
        lhs.signature == rhs.signature && lhs.core.isEqual(to: rhs.core)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(AnyOp(core))
        hasher.combine(signature)
    }

    /// The parsed signature, or the parse error naming this op.
    package func parsedSignature() throws -> GufuncSignature {
        switch parsed {
        case .success(let signature): return signature
        case .failure(let error): throw CotangentError(error.kind, "\(self): " + error.message)
        }
    }

    // MARK: Building

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        let signature = try parsedSignature()
        guard !(core is Blockwise) else {
            throw CotangentError(.invalidGraph, "\(self): the core op is already a Blockwise")
        }
        guard inputs.count == signature.inputs.count else {
            throw CotangentError(.invalidGraph, 
                "\(self): the signature has \(signature.inputs.count) inputs, got \(inputs.count) "
                    + "(\(describeTypes(inputs)))")
        }
        for (position, (input, coreDims)) in zip(inputs, signature.inputs).enumerated()
        where input.type.isScalarKind && !coreDims.isEmpty {
            throw CotangentError(.invalidGraph, 
                "\(self): input \(position) is scalar-kind (\(input.type)) but its core dimensions are "
                    + "(\(coreDims.joined(separator: ","))); a scalar-kind input needs the core '()'. "
                    + "Input types: \(describeTypes(inputs))")
        }
        // PyTensor's `as_tensor_variable`: scalar-kind inputs become 0-d tensors.
        let inputs = inputs.map(asTensor)
        for (position, (input, coreDims)) in zip(inputs, signature.inputs).enumerated() {
            guard input.ndim >= coreDims.count else {
                throw CotangentError(.invalidGraph, 
                    "\(self): input \(position) of type \(input.type) has \(input.ndim) dimensions, fewer "
                        + "than its \(coreDims.count) core dimensions (\(coreDims.joined(separator: ",")))"
                        + "; input types: \(describeTypes(inputs))")
            }
        }
        let batchRank = zip(inputs, signature.inputs).map { $0.ndim - $1.count }.max() ?? 0
        let coreNode = try makeCoreNode(inputs, signature: signature).node

        let padded = zip(inputs, signature.inputs).map { input, coreDims in
            let missing = batchRank - (input.ndim - coreDims.count)
            guard missing > 0 else { return input }
            let order = Array(repeating: nil, count: missing) + (0..<input.ndim).map { Optional($0) }
            return build(DimShuffle(inputNdim: input.ndim, newOrder: order), input)
        }
        let batchShape = try staticBatchShape(padded.map { Array($0.type.shape.prefix(batchRank)) }, inputs: inputs)
        let outputTypes = coreNode.outputTypes.map { TensorType(dtype: $0.dtype, shape: batchShape + $0.shape) }
        return Apply(op: self, inputs: padded, outputTypes: outputTypes)
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try makeNode(inputs).outputTypes
    }

    /// The core op's node on stand-ins for one core block of each input, and the stand-ins
    /// that vary across the batch.
    ///
    /// An input without batch dimensions is the same for every block: a constant (also one
    /// behind `TensorFromScalar`) stays a constant, so the core op can use its value (Convolve1d
    /// its mode flag, Subtensor a step), and any other such input is used as it is. Every other
    /// input is a fresh variable of its core type; a scalar core `()` is scalar-kind where the
    /// core op takes a scalar-kind input.
    /// The one core block of `input` when it is a constant whose batch dimensions are all
    /// statically 1: itself, through scalar/tensor conversions, or behind the `DimShuffle` that
    /// ``makeNode(_:)`` pads it with (so a node rebuilt from its own padded inputs keeps the
    /// constant, and its static output shape).
    static func singleBlockConstant(_ input: Variable, batchRank: Int) -> NDArray? {
        var current = input
        var leadingOnes = batchRank
        // Each step removes leading broadcast axes; a loop, since padding may be nested.
        while let owner = current.owner, let shuffle = owner.castOp(to: DimShuffle.self), shuffle.isExpandDims,
            shuffle.augment == Array(0..<shuffle.augment.count)
        {
            leadingOnes -= shuffle.augment.count
            current = owner.inputs[0]
        }
        guard leadingOnes >= 0, let value = constantThroughConversions(current), value.ndim >= leadingOnes,
            value.shape.prefix(leadingOnes).allSatisfy({ $0 == 1 })
        else { return nil }
        return leadingOnes == 0 ? value : value.reshaped(Array(value.shape.dropFirst(leadingOnes)))
    }

    package func makeCoreNode(
        _ inputs: [Variable], signature: GufuncSignature
    ) throws -> (node: Apply, standIns: Set<Variable>) {
        let scalarKindPositions = Set((core as? TakesScalarKindInputs)?.scalarKindInputPositions ?? [])
        var standIns = Set<Variable>()
        var coreInputs: [Variable] = []
        for (position, (input, coreDims)) in zip(inputs, signature.inputs).enumerated() {
            let coreType =
                coreDims.isEmpty && scalarKindPositions.contains(position)
                ? TensorType.scalar(input.dtype)
                : TensorType(dtype: input.dtype, shape: Array(input.type.shape.suffix(coreDims.count)))
            let unbatched = input.ndim == coreDims.count
            if let value = Blockwise.singleBlockConstant(input, batchRank: input.ndim - coreDims.count) {
                coreInputs.append(Variable(constant: value, type: coreType))
            } else if unbatched, input.type == coreType {
                coreInputs.append(input)
            } else if unbatched, coreType.isScalarKind, input.ndim == 0 {
                // The same value as a scalar kind (what the core op, built alone, would wrap it
                // in): the core shape rule can then use it, as it will once the unbatched node
                // is replaced by its core op.
                coreInputs.append(scalarFromTensor(input))
            } else {
                let standIn = Variable(type: coreType, name: input.name)
                standIns.insert(standIn)
                coreInputs.append(standIn)
            }
        }
        let node = try core.makeNode(coreInputs)
        // The kernel hands the core op the raw blocks, so its node must take them as they are.
        guard node.inputs.count == coreInputs.count, zip(node.inputs, coreInputs).allSatisfy({ $0 === $1 }) else {
            throw CotangentError(.invalidGraph, 
                "\(self): the core op rewrites its core inputs (types \(describeTypes(coreInputs)) became "
                    + "\(describeTypes(node.inputs))); give each core input the rank and kind the op takes")
        }
        guard node.outputTypes.count == signature.outputs.count else {
            throw CotangentError(.invalidGraph, 
                "\(self): the core op has \(node.outputTypes.count) outputs but the signature "
                    + "\(signature.outputs.count); input types: \(describeTypes(inputs))")
        }
        for (position, (type, coreDims)) in zip(node.outputTypes, signature.outputs).enumerated()
        where type.ndim != coreDims.count {
            throw CotangentError(.invalidGraph, 
                "\(self): core output \(position) has type \(type) (\(type.ndim) dimensions) but the "
                    + "signature gives it \(coreDims.count) (\(coreDims.joined(separator: ",")))")
        }
        return (node, standIns)
    }

    /// The static batch shape: known lengths must agree except where a length is statically 1.
    package func staticBatchShape(_ shapes: [[Int?]], inputs: [Variable]) throws -> [Int?] {
        let rank = shapes.first?.count ?? 0
        return try (0..<rank).map { axis in
            var known: Int? = nil
            var allOne = true
            for shape in shapes {
                let length = shape[axis]
                if length != 1 { allOne = false }
                guard let length, length != 1 else { continue }
                if let existing = known, existing != length {
                    throw CotangentError(.invalidGraph, 
                        "\(self): incompatible batch shapes "
                            + shapes.map(TensorType.format).joined(separator: " and ")
                            + " (batch dimension \(axis): \(existing) vs \(length)); only statically "
                            + "length-1 dimensions broadcast. Input types: \(describeTypes(inputs))")
                }
                known = length
            }
            return allOne ? 1 : known
        }
    }

    /// Number of batch dimensions of a node of this op.
    package func batchRank(_ node: Apply, signature: GufuncSignature) -> Int {
        node.outputTypes[0].ndim - signature.outputs[0].count
    }

    // MARK: Shapes

    /// Batch dims broadcast as in Elemwise; a core output dim named like an input's core dim is
    /// that input's length; other core dims come from the core op's `inferShape` on a core node,
    /// unless they depend on a block that varies across the batch (then they are read from the
    /// output at run time, `Shape_i`).
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        guard let signature = try? parsedSignature() else { return nil }
        let batchRank = batchRank(node, signature: signature)
        let batchDims = (0..<batchRank).map { axis -> Variable in
            for (k, input) in node.inputs.enumerated() where input.type.shape[axis] != 1 {
                return inputShapes[k][axis]
            }
            return shapeConstant(1)
        }
        var namedDims: [String: Variable] = [:]
        for (shape, coreDims) in zip(inputShapes, signature.inputs) {
            for (name, dim) in zip(coreDims, shape.dropFirst(batchRank))
            where namedDims[name] == nil || (!namedDims[name]!.isConstant && dim.isConstant) {
                namedDims[name] = dim
            }
        }
        // The core op's answer, computed only when a name does not settle a dim.
        var coreAnswer: (shapes: [[Variable]]?, standIns: Set<Variable>)?
        func coreDim(output: Int, axis: Int) -> Variable? {
            if coreAnswer == nil {
                if let (coreNode, standIns) = try? makeCoreNode(node.inputs, signature: signature) {
                    let coreShapes = inputShapes.map { Array($0.dropFirst(batchRank)) }
                    coreAnswer = (core.inferShape(coreNode, inputShapes: coreShapes), standIns)
                } else {
                    coreAnswer = (nil, [])
                }
            }
            guard let dim = coreAnswer!.shapes?[output][axis] else { return nil }
            let roots = GraphTraversal.graphInputs([dim])
            return roots.contains(where: coreAnswer!.standIns.contains) ? nil : dim
        }
        return signature.outputs.enumerated().map { output, coreDims in
            batchDims
                + coreDims.enumerated().map { axis, name in
                    namedDims[name] ?? coreDim(output: output, axis: axis)
                        ?? build(ShapeI(axis: batchRank + axis), node.output(output))
                }
        }
    }

    // MARK: Kernel

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let signature = try parsedSignature()
        let coreNode = try makeCoreNode(node.inputs, signature: signature).node
        return try perform(inputs, node: node, signature: signature, coreNode: coreNode, coreKernel: nil)
    }

    /// The kernel given the node's core node (and, when prepared, the core op's kernel for it).
    package func perform(
        _ inputs: [NDArray], node: Apply, signature: GufuncSignature, coreNode: Apply,
        coreKernel: (any PreparedKernel)?
    ) throws -> [NDArray] {
        let batchRank = batchRank(node, signature: signature)
        let batchShape = try runtimeBatchShape(inputs, node: node, batchRank: batchRank)
        let batchCount = batchShape.reduce(1, *)
        if batchCount == 0 {
            return try emptyOutputs(
                inputs, node: node, coreNode: coreNode, signature: signature, batchShape: batchShape)
        }

        var outputs: [NDArray] = []
        var coreShapes: [[Int]] = []
        var firstIndex: [Int] = []
        var index = [Int](repeating: 0, count: batchRank)
        // Every block of an input has the same core shape and strides: made once, shared.
        let layouts = inputs.map { $0.coreLayout(batchRank: batchRank) }
        for block in 0..<batchCount {
            let blocks = zip(inputs, layouts).map { $0.batchBlock(at: index, layout: $1) }
            let results: [NDArray]
            do {
                results = try coreKernel?.perform(blocks, destroying: .none) ?? core.perform(blocks, node: coreNode)
            } catch let error as CotangentError where batchRank > 0 {
                // Name the block, so a failure in one matrix of a stack can be found.
                throw CotangentError(error.kind, error.message + " (at batch index \(index))")
            }
            guard results.count == node.outputTypes.count else {
                throw CotangentError(.invalidValue, 
                    "\(self): the core op returned \(results.count) outputs, expected \(node.outputTypes.count)")
            }
            if block == 0 {
                coreShapes = results.map(\.shape)
                firstIndex = index
                for (type, coreShape) in zip(node.outputTypes, coreShapes) {
                    try checkAllocation(batchShape + coreShape, dtype: type.dtype, op: self,
                        context: "input shapes " + inputs.map { formatShape($0.shape) }.joined(separator: ", "))
                }
                outputs = zip(node.outputTypes, coreShapes).map { type, coreShape in
                    NDArray.uninitialized(dtype: type.dtype, shape: batchShape + coreShape)
                }
            }
            for (k, result) in results.enumerated() {
                guard result.shape == coreShapes[k] else {
                    throw CotangentError(.shapeMismatch, 
                        "\(self): core output \(k) has shape \(formatShape(result.shape)) at batch index "
                            + "\(index) but \(formatShape(coreShapes[k])) at batch index \(firstIndex); "
                            + "input shapes " + inputs.map { formatShape($0.shape) }.joined(separator: ", "))
                }
                let converted = result.converted(to: outputs[k].dtype)
                outputs[k].dtype.dispatch(BlockCopy(source: converted, target: outputs[k], offset: block * result.count))
            }
            // Odometer step over the batch index.
            var axis = batchRank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < batchShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return outputs
    }

    /// The batch shape at run time: lengths must agree among inputs whose length is not
    /// statically 1 (no runtime broadcasting, as in Elemwise).
    package func runtimeBatchShape(_ inputs: [NDArray], node: Apply, batchRank: Int) throws -> [Int] {
        for (k, input) in inputs.enumerated() where input.ndim != node.inputs[k].ndim {
            throw CotangentError(.shapeMismatch, 
                "\(self): input \(k) has shape \(formatShape(input.shape)) (dtype \(input.dtype)), "
                    + "expected \(node.inputs[k].ndim) dimensions (\(node.inputs[k].type))")
        }
        return try (0..<batchRank).map { axis in
            var length: Int? = nil
            for (k, input) in inputs.enumerated() {
                let actual = input.shape[axis]
                let staticallyOne = node.inputs[k].type.shape[axis] == 1
                if staticallyOne ? actual == 1 : (length == nil || length == actual) {
                    if !staticallyOne { length = actual }
                    continue
                }
                throw CotangentError(.shapeMismatch, 
                    "\(self): input shapes " + inputs.map { formatShape($0.shape) }.joined(separator: ", ")
                        + " do not match in batch dimension \(axis): input \(k) has length \(actual) but "
                        + (staticallyOne ? "is statically 1" : "another input has \(length!)")
                        + "; only dimensions that are statically 1 broadcast. Input types: "
                        + describeTypes(node.inputs))
            }
            return length ?? 1
        }
    }

    /// Outputs of an empty batch, whose core lengths no core call can tell: they come from
    /// input dims of the same name, the static output type, or the core op's shape rule on the
    /// core input dims and on the blocks that are the same for every batch index (inputs whose
    /// batch dims are all 1, such as a gradient's padded convolution mode flag).
    package func emptyOutputs(
        _ inputs: [NDArray], node: Apply, coreNode: Apply, signature: GufuncSignature, batchShape: [Int]
    ) throws -> [NDArray] {
        let batchRank = batchShape.count
        // No core call happens, but the core op's type rule still judges the core shapes (numpy
        // and JAX reject an empty convolution input whatever the batch).
        let coreTypedInputs = zip(inputs, coreNode.inputs).map { input, coreInput in
            coreInput.isConstant || coreInput.type.isScalarKind
                ? coreInput
                : Variable(type: TensorType(dtype: coreInput.dtype, shape: input.shape.dropFirst(batchRank).map { $0 }))
        }
        do {
            _ = try core.outputTypes(for: coreTypedInputs)
        } catch let error as CotangentError {
            throw CotangentError(.invalidValue, 
                "\(self): the core op rejects the core shapes of an empty batch of shape "
                    + "\(formatShape(batchShape)): \(error.message)")
        }
        var lengths: [String: Int] = [:]
        for (input, coreDims) in zip(inputs, signature.inputs) {
            for (name, length) in zip(coreDims, input.shape.dropFirst(batchRank)) { lengths[name] = length }
        }
        return try zip(node.outputTypes, signature.outputs).enumerated().map { output, typeAndDims in
            let (type, coreDims) = typeAndDims
            let core = try coreDims.enumerated().map { axis, name in
                guard let length = lengths[name] ?? type.shape[batchRank + axis]
                    ?? inferredCoreLength(output: output, axis: axis, inputs: inputs, coreNode: coreNode, batchRank: batchRank)
                else {
                    throw CotangentError(.invalidValue, 
                        "\(self): cannot tell the core output length '\(name)' for an empty batch of "
                            + "shape \(formatShape(batchShape)); input shapes "
                            + inputs.map { formatShape($0.shape) }.joined(separator: ", "))
                }
                return length
            }
            return NDArray.zeros(batchShape + core, dtype: type.dtype)
        }
    }

    /// A core output length from the core op's `inferShape`, when it depends only on core input
    /// dims and on blocks shared by every batch index; nil otherwise.
    private func inferredCoreLength(
        output: Int, axis: Int, inputs: [NDArray], coreNode: Apply, batchRank: Int
    ) -> Int? {
        let coreShapes = inputs.map { $0.shape.dropFirst(batchRank).map(shapeConstant) }
        guard let dim = core.inferShape(coreNode, inputShapes: coreShapes)?[output][axis] else { return nil }
        var shared: [Variable: Variable] = [:]
        for (input, coreInput) in zip(inputs, coreNode.inputs)
        where !coreInput.isConstant && input.shape.prefix(batchRank).allSatisfy({ $0 == 1 }) {
            let block = input.batchBlock(at: Array(repeating: 0, count: batchRank))
            shared[coreInput] = Variable(constant: block, type: coreInput.type)
        }
        let fixed = replacing([dim], shared)[0]
        guard GraphTraversal.graphInputs([fixed]).isEmpty, let value = StaticFolding.value(of: fixed),
            value.count == 1
        else { return nil }
        let length = Int(value.item(Int64.self))
        return length >= 0 ? length : nil
    }
}

/// An op some of whose inputs are PyTensor scalar-kind values (`TensorType/scalar(_:)`), such
/// as ``Convolve1d``'s mode flag. ``Blockwise`` gives those core inputs a scalar-kind type.
public protocol TakesScalarKindInputs {
    /// Positions of the inputs taken as scalar kinds.
    var scalarKindInputPositions: [Int] { get }
}

extension NDArray {
    /// The view of the core block at a batch index (the leading `index.count` dims); a
    /// length-1 batch dim is broadcast (every index reads its single entry).
    package func batchBlock(at index: [Int]) -> NDArray {
        batchBlock(at: index, layout: coreLayout(batchRank: index.count))
    }

    /// The shape and strides of a core block (the dims after the first `batchRank`).
    package func coreLayout(batchRank: Int) -> (shape: [Int], strides: [Int]) {
        (Array(shape[batchRank...]), Array(strides[batchRank...]))
    }

    /// ``batchBlock(at:)`` with the core layout already made.
    package func batchBlock(at index: [Int], layout: (shape: [Int], strides: [Int])) -> NDArray {
        var blockOffset = offset
        for (axis, i) in index.enumerated() where shape[axis] != 1 { blockOffset += i * strides[axis] }
        return NDArray(dtype: dtype, shape: layout.shape, strides: layout.strides, offset: blockOffset, storage: storage)
    }
}

/// Copies an array (any strides) into a contiguous target starting at element `offset`.
private struct BlockCopy: DTypeVisitor {
    package let source: NDArray
    package let target: NDArray
    package let offset: Int

    package func visit<T: ArrayElement>(_: T.Type) {
        let from = source.basePointer(as: T.self)
        let to = target.basePointer(as: T.self)
        if source.isContiguous {
            // A core op's fresh result (the usual case): one run, no loop plan.
            (to + offset).update(from: from + source.offset, count: source.count)
            return
        }
        let loop = StridedLoop(
            shape: source.shape,
            operands: [(source.strides, source.offset), (NDArray.contiguousStrides(source.shape), offset)])
        let (step, targetStep) = (loop.rowStride(0), loop.rowStride(1))
        let length = loop.rowLength
        loop.forEachRow { starts in
            var (s, t) = (starts[0], starts[1])
            for _ in 0..<length {
                to[t] = from[s]
                s += step
                t += targetStep
            }
        }
    }
}

// MARK: - Prepared kernel

extension Blockwise {
    /// The kernel with the node's core node built once, on the first call (building it takes a
    /// fifth of a small convolution's call), and the core op's own prepared kernel for it.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        PreparedBlockwise(op: self, node: node)
    }
}

/// A ``Blockwise`` node's kernel: the core node (which depends only on the node's inputs as
/// variables) is made on the first call and kept. When it cannot be made, every call goes to
/// `perform`, which reports why.
final class PreparedBlockwise: PreparedKernel {
    private let op: Blockwise
    private let node: Apply
    private struct Core {
        let signature: GufuncSignature
        let node: Apply
        let kernel: (any PreparedKernel)?
    }
    /// `.none` before the first call; then the core, or nil when it cannot be made.
    private let core = Mutex<Core??>(nil)

    init(op: Blockwise, node: Apply) {
        self.op = op
        self.node = node
    }

    private func prepared() -> Core? {
        if let known = core.locked({ $0 }) { return known }
        var made: Core? = nil
        if let signature = try? op.parsedSignature(),
            let coreNode = try? op.makeCoreNode(node.inputs, signature: signature).node
        {
            made = Core(signature: signature, node: coreNode, kernel: op.core.preparedKernel(coreNode))
        }
        core.locked { $0 = .some(made) }
        return made
    }

    func perform(_ inputs: [NDArray], destroying: InputSet) throws -> [NDArray] {
        guard let prepared = prepared() else { return try op.perform(inputs, node: node) }
        return try op.perform(
            inputs, node: node, signature: prepared.signature, coreNode: prepared.node, coreKernel: prepared.kernel)
    }
}

// MARK: - API

/// Applies `op` to each core block of `inputs` (see ``Blockwise``) and returns its first output.
///
/// - Parameters:
///   - op: the core op.
///   - signature: core dimensions of its inputs and outputs, e.g. `(n),(k),()->(o)`.
///   - inputs: tensors with the signature's core dimensions last; leading dimensions are batch
///     dimensions and broadcast.
public func blockwise(_ op: some Op, signature: String, _ inputs: [Variable]) -> Variable {
    build(Blockwise(op, signature: signature), inputs)
}

/// Applies `op` blockwise (see ``blockwise(_:signature:_:)``) and returns all its outputs.
public func blockwiseOutputs(_ op: some Op, signature: String, _ inputs: [Variable]) -> [Variable] {
    let blockwise = Blockwise(op, signature: signature)
    let count = (try? blockwise.parsedSignature().outputs.count) ?? 1
    return buildOutputs(blockwise, inputs, outputCount: count)
}

// MARK: - StableHLO

extension Blockwise {
    /// A core op that takes batch dims (`BatchedStableHLOLowering`: the linear-algebra ops,
    /// whose StableHLO forms batch natively) gets the operands broadcast to the batch shape in
    /// one call. Any other core op is lowered once, on one block, inside a `stablehlo.while`
    /// over the flattened batch index: each operand's block is a `dynamic_slice` (index 0 along
    /// a length-1 batch dim, which broadcasts), and each result is written into its output with
    /// `dynamic_update_slice`.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let signature = try parsedSignature()
        let rank = batchRank(node, signature: signature)
        let b = context.builder
        let outputTypes = node.outputs.indices.map { context.outputType(node, $0) }
        let batchShape = Array(outputTypes[0].shape.prefix(rank))
        let coreNode = try makeCoreNode(node.inputs, signature: signature).node
        let coreShapes = zip(operands, signature.inputs).map { Array($0.shape.suffix($1.count)) }

        if let batched = core as? any BatchedStableHLOLowering {
            let broadcast = zip(operands, coreShapes).map { operand, coreShape in
                b.broadcastInDim(operand, shape: batchShape + coreShape, dimensions: Array(0..<operand.rank))
            }
            return try batched.lowerToStableHLO(
                batched: coreNode, operands: broadcast, batchRank: rank, outputTypes: outputTypes, context: context)
        }

        let coreOutputTypes = outputTypes.map { $0.with(shape: Array($0.shape.dropFirst(rank))) }
        let initial = outputTypes.map { b.constant(0, $0.dtype, shape: $0.shape) }
        let ones = Array(repeating: 1, count: rank)
        return try b.countedLoop(count: batchShape.reduce(1, *), carried: initial) { body, flat, carried in
            // The batch index, row-major.
            var index: [StableHLOValue] = []
            var rest = flat
            for length in batchShape.reversed() {
                let size = body.constant(Double(length), .int64)
                index.insert(body.binary("stablehlo.remainder", rest, size), at: 0)
                rest = body.divide(rest, size)
            }
            let zero = body.constant(0, .int64)
            let blocks = zip(operands, coreShapes).map { operand, coreShape in
                let starts = (0..<rank).map { operand.shape[$0] == 1 ? zero : index[$0] } + coreShape.map { _ in zero }
                return body.reshape(body.dynamicSlice(operand, starts: starts, sizes: ones + coreShape), coreShape)
            }
            let blockContext = BlockLoweringContext(outer: context, builder: body)
            for (input, block) in zip(coreNode.inputs, blocks) { blockContext.types[input] = block.type }
            for (output, type) in zip(coreNode.outputs, coreOutputTypes) { blockContext.types[output] = type }
            let results = try core.lowerToStableHLO(coreNode, operands: blocks, context: blockContext)
            guard results.map(\.type) == coreOutputTypes else {
                throw StableHLONotExportable(
                    "its core op's lowering gave " + results.map(\.type.description).joined(separator: ", ")
                        + " for a block of " + coreOutputTypes.map(\.description).joined(separator: ", "))
            }
            return zip(carried, results).map { output, result in
                body.dynamicUpdateSlice(
                    output, body.reshape(result, ones + result.shape), starts: index + result.shape.map { _ in zero })
            }
        }
    }
}

/// The context a core op is lowered in for one block of a ``Blockwise``: the loop body's
/// builder, the core node's own (unbatched) types, and the outer lowering for everything else.
private final class BlockLoweringContext: StableHLOContext {
    let outer: any StableHLOContext
    let builder: StableHLOBuilder
    /// The types of the core node's inputs and outputs, which the outer lowering does not know.
    var types: [Variable: StableHLOType] = [:]

    init(outer: any StableHLOContext, builder: StableHLOBuilder) {
        self.outer = outer
        self.builder = builder
    }

    func type(of variable: Variable) -> StableHLOType { types[variable] ?? outer.type(of: variable) }

    func staticValue(of variable: Variable) -> NDArray? { outer.staticValue(of: variable) }

    func lowerInnerGraph(_ graph: InnerGraph, arguments: [StableHLOValue], into builder: StableHLOBuilder) throws
        -> [StableHLOValue]
    {
        try outer.lowerInnerGraph(graph, arguments: arguments, into: builder)
    }
}

// MARK: - Sparsity

extension Blockwise {
    /// Sparsity: the core op's rule on the core shapes, repeated over the batch (each input's
    /// batch dims broadcast to the output's); no rule when the core op has none.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        guard case .success(let signature) = parsed, output < signature.outputs.count else { return nil }
        let coreOutputRank = signature.outputs[output].count
        let batchShape = Array(outputShape.prefix(outputShape.count - coreOutputRank))
        let coreInputShapes = zip(inputShapes, signature.inputs).map { shape, core in Array(shape.suffix(core.count)) }
        let coreOutputShape = Array(outputShape.suffix(coreOutputRank))
        guard let core = self.core.elementDependencies(
            node, output: output, inputShapes: coreInputShapes, outputShape: coreOutputShape)
        else { return nil }
        if batchShape.allSatisfy({ $0 == 1 }), inputShapes.elementsEqual(coreInputShapes) { return core }
        let coreOutputCount = coreOutputShape.reduce(1, *)
        let maps = zip(core.inputs.indices, core.inputs).map { k, coreMap -> ElementMap? in
            guard let coreMap else { return nil }
            let inputBatch = Array(inputShapes[k].prefix(inputShapes[k].count - coreInputShapes[k].count))
            guard case .gather(let batchSources) = ElementMap.broadcast(from: inputBatch, to: batchShape) else { return nil }
            let coreInputCount = coreInputShapes[k].reduce(1, *)
            return ElementMap.computed { o, elements in
                let (b, coreOutput) = o.quotientAndRemainder(dividingBy: coreOutputCount)
                let start = elements.count
                coreMap.append(coreOutput, inputCount: coreInputCount, to: &elements)
                let base = batchSources[b] * coreInputCount
                for p in start..<elements.count { elements[p] += base }
            }
        }
        return ElementDependencies(inputs: maps, interaction: core.interaction)
    }
}
