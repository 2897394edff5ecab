import Synchronization
import CotangentArrays
import CotangentGraph

/// The runtime shape of a tensor as an int64 vector: PyTensor's `Shape`.
public struct ShapeOp: Op {
    /// The output type (an int64 vector of the input's rank) follows from the input type alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The op (it has no properties).
    public init() {}
    public var description: String { "Shape" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "Shape: expects 1 input, got \(inputs.count)")
        }
        return [TensorType(dtype: .int64, shape: [inputs[0].ndim])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [NDArray(inputs[0].shape.map { Int64($0) })]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        [[shapeConstant(node.inputs[0].ndim)]]
    }

    /// A shape does not depend differentiably on the values.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false]] }
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
}

/// The length of one dimension as an int64 scalar: PyTensor's `Shape_i{i}`.
public struct ShapeI: Op {
    /// The output type (an int64 scalar) follows from the input type alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The dimension whose length the op reads.
    public let axis: Int
    /// The length of dimension `axis`.
    public init(axis: Int) { self.axis = axis }
    public var description: String { "Shape_i{\(axis)}" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1, (0..<inputs[0].ndim).contains(axis) else {
            throw CotangentError(.invalidGraph, 
                "Shape_i{\(axis)}: axis out of range for input type \(describeTypes(inputs))")
        }
        return [TensorType(dtype: .int64, shape: [])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [NDArray(scalar: Int64(inputs[0].shape[axis]))]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [[]] }

    /// A length does not depend differentiably on the values.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[false]] }
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] { [.disconnected] }
}

/// Asserts a runtime shape: PyTensor's `SpecifyShape`. Entries that are nil stay unknown;
/// the others refine the static type and are checked at run time.
public struct SpecifyShape: Op {
    /// The asserted lengths; `nil` entries are not checked.
    public let shape: [Int?]
    /// An assertion of `shape` (one entry per input dimension).
    public init(shape: [Int?]) { self.shape = shape }
    public var description: String { "SpecifyShape" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "SpecifyShape: expects 1 input, got \(inputs.count)")
        }
        let type = inputs[0].type
        guard type.ndim == shape.count else {
            throw CotangentError(.invalidGraph, 
                "SpecifyShape: shape \(TensorType.format(shape)) has \(shape.count) dimensions but the "
                    + "input \(type) has \(type.ndim)")
        }
        var refined: [Int?] = []
        for (axis, (known, wanted)) in zip(type.shape, shape).enumerated() {
            if let known, let wanted, known != wanted {
                throw CotangentError(.invalidGraph, 
                    "SpecifyShape: dimension \(axis) of \(type) is statically \(known), not \(wanted)")
            }
            refined.append(wanted ?? known)
        }
        return [type.with(shape: refined)]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let x = inputs[0]
        guard TensorType(dtype: x.dtype, shape: shape).accepts(shape: x.shape) else {
            throw CotangentError(.shapeMismatch, 
                "SpecifyShape: expected shape \(TensorType.format(shape)), got \(formatShape(x.shape))")
        }
        return [x]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        // A given length stands for the input's only after the run-time check.
        [shape.enumerated().map { axis, length in
            guard let length else { return inputShapes[0][axis] }
            return checkedLength([shapeConstant(length), inputShapes[0][axis]],
                message: "SpecifyShape: dimension \(axis) is not \(length)")
        }]
    }

    /// The identity on values: the cotangent passes through.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        [cotangents[0].map(InputGradient.value) ?? .disconnected]
    }

    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? { [tangents[0]] }
}

/// An int64 0-d constant, the element type of symbolic shapes.
package func shapeConstant(_ value: Int) -> Variable {
    Variable(constant: NDArray(scalar: Int64(value)))
}

/// The product of shape lengths, its known factors multiplied now and put first: the form the
/// mul canonicalizer gives, so a shape graph that the shape feature builds after
/// canonicalization (in a later phase) is not rewritten by a second rewrite.
package func shapeProduct(_ factors: [Variable]) -> Variable {
    foldingKnownTerms(factors, identity: 1, op: .mul) { $0.multipliedReportingOverflow(by: $1) }
}

/// The sum of shape lengths, its known terms added now and put first (as ``shapeProduct(_:)``,
/// the add canonicalizer's form: one n-ary add).
package func shapeSum(_ terms: [Variable]) -> Variable {
    foldingKnownTerms(terms, identity: 0, op: .add) { $0.addingReportingOverflow($1) }
}

private func foldingKnownTerms(
    _ terms: [Variable], identity: Int, op: ScalarOp, combine: (Int, Int) -> (partialValue: Int, overflow: Bool)
) -> Variable {
    var known = identity
    var symbolic: [Variable] = []
    for term in terms {
        // A term whose value would overflow the folded constant stays symbolic (and the kernel
        // reports the absurd length at run time).
        if let value = StaticFolding.integer(term), case let next = combine(known, Int(value)), !next.overflow {
            known = next.partialValue
        } else {
            symbolic.append(term)
        }
    }
    let operands = (known == identity && !symbolic.isEmpty ? [] : [shapeConstant(known)]) + symbolic
    return operands.count == 1 ? operands[0] : elemwise(op, operands)
}

extension Variable {
    /// The symbolic shape (an int64 vector), PyTensor's `x.shape`.
    public var shape: Variable { build(ShapeOp(), self) }

    /// The symbolic length of dimension `axis` (PyTensor's `x.shape[axis]`, built as `Shape_i`).
    public func length(ofDimension axis: Int) -> Variable {
        build(ShapeI(axis: axis < 0 ? axis + ndim : axis), self)
    }

    /// The same tensor with a shape asserted at run time and refined statically.
    public func specifyingShape(_ shape: [Int?]) -> Variable {
        build(SpecifyShape(shape: shape), self)
    }

    /// Symbolic dims of this variable, one int64 scalar per dimension, inferred through the
    /// ops' `inferShape` down to graph inputs: static lengths become constants, unknown lengths
    /// of roots become `Shape_i`.
    public var symbolicShape: [Variable] {
        guard let shared = SymbolicShapeCache.current else {
            var cache: [Variable: [Variable]] = [:]
            return symbolicShape(cache: &cache)
        }
        // A call made while another holds the shared table (from inside an op's `inferShape`)
        // finds it empty: correct, only slower.
        var cache = shared.take()
        defer { shared.keep(cache) }
        return symbolicShape(cache: &cache)
    }

    package func symbolicShape(cache: inout [Variable: [Variable]]) -> [Variable] {
        // No lengths, so nothing of the ancestors' shapes (or their checks) is needed.
        if ndim == 0 { return [] }
        if let known = cache[self] { return known }
        var dims: [Variable]
        if let owner, let shapes = owner.op.inferShape(
            owner, inputShapes: owner.inputs.map { $0.symbolicShape(cache: &cache) })
        {
            dims = shapes[index]
        } else {
            dims = (0..<ndim).map { axis in
                type.shape[axis].map(shapeConstant) ?? build(ShapeI(axis: axis), self)
            }
        }
        // A static length wins over a symbolic expression, except one that carries a check.
        for axis in 0..<ndim where !(dims[axis].owner?.isOp(Assert.self) == true) {
            if let length = type.shape[axis] { dims[axis] = shapeConstant(length) }
        }
        cache[self] = dims
        return dims
    }
}

/// The symbolic shapes worked out during one graph transformation, shared by every rule it
/// runs: vectorizing a Hessian asks, in each batched increment, for the shape of a value whose
/// shape graph reaches back through the whole gradient, and a table per question rebuilt it
/// (and its length checks) every time. Variables never change, so a shape worked out once
/// stays right; sharing also leaves one copy of each shape expression in the graph.
package final class SymbolicShapeCache: Sendable {
    /// The table of the transformation running in this task, if any.
    @TaskLocal package static var current: SymbolicShapeCache?

    private let shapes = Mutex<[Variable: [Variable]]>([:])

    package init() {}

    /// Runs `body` with a shared table (the enclosing one, if a transformation is running).
    package static func sharing<T>(_ body: () throws -> T) rethrows -> T {
        if current != nil { return try body() }
        return try $current.withValue(SymbolicShapeCache(), operation: body)
    }

    /// Takes the table out (the next taker finds it empty until it is kept again).
    func take() -> [Variable: [Variable]] { shapes.locked { table in defer { table = [:] }; return table } }

    /// Puts a table back.
    func keep(_ table: [Variable: [Variable]]) { shapes.locked { $0 = table } }
}

// Batching rule.
extension ShapeOp {
    /// The shape of a batched tensor without its batch dims.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        let dims = batchedInputs[0].symbolicShape.dropFirst(batch)
        return [makeVector(Array(dims), dtype: .int64)]
    }
}

// Batching rule.
extension ShapeI {
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        return [batchedInputs[0].length(ofDimension: axis + batch)]
    }
}

// Batching rule.
extension SpecifyShape {
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let batch = batchRank(node, batchedInputs)
        return [batchedInputs[0].specifyingShape(Array(repeating: nil, count: batch) + shape)]
    }
}

// MARK: - StableHLO

extension ShapeOp {
    /// The input's shape, a constant once the input shapes are fixed.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [context.builder.constant(NDArray(operands[0].shape.map { Int64($0) }))]
    }
}

extension ShapeI {
    /// The input's length along the axis, a constant once the input shapes are fixed.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [context.builder.constant(NDArray(scalar: Int64(operands[0].shape[axis])))]
    }
}

extension SpecifyShape {
    /// The identity: every shape is static in the exported module, and the exporter has
    /// checked them against the shapes given for the inputs.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [operands[0]]
    }
}

// MARK: - Sparsity

extension SpecifyShape {
    /// Sparsity: the identity on the value; the shape inputs have no derivative.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        .identityOnFirstInput(outputShape.reduce(1, *), inputCount: inputShapes.count)
    }
}
