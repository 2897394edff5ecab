import CotangentArrays
import CotangentGraph

/// The same elements in a new shape: PyTensor's `Reshape`, printed `Reshape{2}` (the output
/// rank).
///
/// Inputs are `(x, shape)` where `shape` is an integer vector of `ndim` entries, constant or
/// symbolic. One entry may be `-1`: that length is inferred from the element count. The output
/// is a view of `x` when `x` is contiguous (as numpy's), else a copy.
public struct Reshape: Op {
    /// The output rank.
    public let ndim: Int

    /// A reshape to rank `ndim` (stops building when `ndim` is negative).
    public init(ndim: Int) {
        if ndim < 0 { stopBuilding("Reshape: the output rank must be 0 or greater, got \(ndim)") }
        self.ndim = ndim
    }

    public var description: String { "Reshape{\(ndim)}" }

    public func makeNode(_ inputs: [Variable]) throws -> Apply {
        guard inputs.count == 2 else {
            throw CotangentError(.invalidGraph, 
                "\(self): expects 2 inputs (x, shape), got \(inputs.count) (\(describeTypes(inputs)))")
        }
        var shape = inputs[1]
        // PyTensor pins a shape vector of unknown length to the output rank, so the length is
        // checked before the kernel runs.
        if shape.ndim == 1, shape.type.shape[0] == nil {
            shape = build(SpecifyShape(shape: [ndim]), shape)
        }
        let checked = [asTensor(inputs[0]), shape]
        return Apply(op: self, inputs: checked, outputTypes: try outputTypes(for: checked))
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        let (x, shape) = (inputs[0], inputs[1])
        let context = { "input types: \(describeTypes(inputs))" }  // formatted only for an error
        guard shape.ndim == 1, !shape.type.isScalarKind else {
            throw CotangentError(.invalidGraph, "\(self): the shape must be a vector; \(context())")
        }
        let isEmptyConstant = shape.constantValue.map { $0.count == 0 } ?? false
        guard shape.dtype.isInteger || isEmptyConstant else {
            throw CotangentError(.invalidGraph, 
                "\(self): the shape must have an integer dtype, got \(shape.dtype); \(context())")
        }
        if let length = shape.type.shape[0], length != ndim {
            throw CotangentError(.invalidGraph, 
                "\(self): the shape vector has \(length) entries, expected \(ndim); \(context())")
        }
        let entries = StaticFolding.vectorEntries(shape, count: ndim)
        let known = entries.compactMap { $0 }
        if known.filter({ $0 == -1 }).count > 1 {
            throw CotangentError(.invalidGraph, 
                "\(self): the shape \(Reshape.format(entries)) has more than one -1 entry; \(context())")
        }
        if let negative = known.first(where: { $0 < -1 }) {
            throw CotangentError(.invalidGraph, 
                "\(self): the shape \(Reshape.format(entries)) has a negative length \(negative); \(context())")
        }
        var outShape: [Int?] = entries.map { entry in entry.flatMap { $0 >= 0 ? Int($0) : nil } }
        // With every input length known, a single unknown output length (a -1 or a symbolic
        // entry) follows from the element count, as in PyTensor.
        let inputLengths = x.type.shape.compactMap { $0 }
        let inputSize = inputLengths.count == x.ndim ? exactProduct(inputLengths) : nil
        let unknownPositions = outShape.indices.filter { outShape[$0] == nil }
        // nil when the known lengths overflow: no array has that many elements.
        let knownSize = exactProduct(outShape.compactMap { $0 })
        if let inputSize, unknownPositions.count == 1, let knownSize, knownSize != 0 {
            outShape[unknownPositions[0]] = inputSize / knownSize
        }
        if let inputSize, !outShape.contains(nil), exactProduct(outShape.compactMap { $0 }) != inputSize {
            throw CotangentError(.invalidGraph, 
                "\(self): cannot reshape a tensor of static shape \(TensorType.format(x.type.shape)) "
                    + "into shape \(Reshape.format(entries)); \(context())")
        }
        return [TensorType(dtype: x.dtype, shape: outShape)]
    }

    /// `(2, -1, ?)`-style text of partly known shape entries.
    package static func format(_ entries: [Int64?]) -> String {
        TensorType.format(entries.map { $0.map { Int($0) } })
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        let (x, shapeValue) = (inputs[0], inputs[1])
        let context = { "input shape \(formatShape(x.shape)) (dtype \(x.dtype))" }  // formatted only for an error
        guard shapeValue.shape == [ndim] else {
            throw CotangentError(.shapeMismatch, 
                "\(self): the shape argument has \(shapeValue.count) entries (shape "
                    + "\(formatShape(shapeValue.shape))), expected \(ndim); \(context())")
        }
        let requested = shapeValue.asArray(Int64.self)
        let text = formatShape(requested.map { Int(truncatingIfNeeded: $0) })
        var inferred: Int? = nil
        for (position, entry) in requested.enumerated() where entry < 0 {
            guard entry == -1 else {
                throw CotangentError(.invalidValue, 
                    "\(self): negative length \(entry) in shape \(text); \(context())")
            }
            guard inferred == nil else {
                throw CotangentError(.invalidValue, 
                    "\(self): can only specify one unknown length (-1), got shape \(text); \(context())")
            }
            inferred = position
        }
        func mismatch() -> CotangentError {
            CotangentError(.shapeMismatch, 
                "\(self): cannot reshape an array of size \(x.count) into shape \(text); \(context())")
        }
        // The product of the given lengths (0 when one is 0, however large the others).
        var knownSize = 1
        if !requested.contains(0) {
            for entry in requested where entry >= 0 {
                let (product, overflow) = knownSize.multipliedReportingOverflow(by: Int(entry))
                guard !overflow else { throw mismatch() }
                knownSize = product
            }
        } else {
            knownSize = 0
        }
        var newShape = requested.map { Int(truncatingIfNeeded: $0) }
        if let inferred {
            guard knownSize != 0, x.count % knownSize == 0 else { throw mismatch() }
            newShape[inferred] = x.count / knownSize
        } else if knownSize != x.count {
            throw mismatch()
        }
        return [x.reshaped(newShape)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        // A 0-d input has one element: every output length is 1.
        if inputShapes[0].isEmpty { return [Array(repeating: shapeConstant(1), count: ndim)] }
        guard ndim > 0 else { return [[]] }
        guard let entries = Reshape.symbolicEntries(node.inputs[1], count: ndim) else { return nil }
        let inputSize = shapeProduct(inputShapes[0])
        let statics = entries.map(StaticFolding.integer)
        if let minusOne = statics.firstIndex(of: -1) {
            // The inferred length: element count over the product of the other entries.
            var others = entries
            others.remove(at: minusOne)
            let otherStatic = others.map(StaticFolding.integer)
            var dims = entries
            if others.isEmpty {
                dims[minusOne] = inputSize
            } else if otherStatic.allSatisfy({ $0 != nil }),
                let size = exactProduct(otherStatic.map { Int($0!) })
            {
                let inferred = intDiv(inputSize, shapeConstant(size == 0 ? 1 : size))
                // The kernel rejects an element count the other lengths do not divide.
                dims[minusOne] = node.inputs[0].type.shape.contains(nil)
                    ? assert(inferred, [inferred * shapeConstant(size) .== inputSize],
                        message: "\(self): cannot reshape into shape \(Reshape.format(statics))")
                    : inferred
            } else {
                dims[minusOne] = intDiv(inputSize, maximum(shapeProduct(others), shapeConstant(1)))
            }
            return [dims]
        }
        if statics.allSatisfy({ $0 != nil }) {
            // The kernel rejects a shape of another element count; so does the inferred shape.
            guard node.inputs[0].type.shape.contains(nil), let size = exactProduct(statics.map { Int($0!) })
            else { return [entries] }
            var dims = entries
            dims[0] = assert(dims[0], [inputSize .== shapeConstant(size)],
                message: "\(self): cannot reshape into shape \(Reshape.format(statics))")
            return [dims]
        }
        // Symbolic entries may be -1 at run time: PyTensor's formula picks the inferred length
        // where an entry is -1. Its product over all entries is minus the product of the others.
        let restSize = intDiv(inputSize, maximum(-shapeProduct(entries), shapeConstant(1)))
        return [entries.enumerated().map { position, entry in
            statics[position] != nil || Reshape.isNonNegative(entry)
                ? entry : select(entry .== shapeConstant(-1), restSize, entry)
        }]
    }

    /// The shape vector's entries as int64 scalars, when they can be read without indexing:
    /// a constant, a `MakeVector`, a `Shape` (as `Shape_i`), through `SpecifyShape`.
    package static func symbolicEntries(_ shape: Variable, count: Int) -> [Variable]? {
        var current = shape
        while let owner = current.owner, owner.isOp(SpecifyShape.self) { current = owner.inputs[0] }
        if let constant = current.constantValue, constant.count == count {
            return constant.asArray(Int64.self).map { shapeConstant(Int($0)) }
        }
        guard let owner = current.owner else { return nil }
        if owner.isOp(MakeVector.self), owner.inputs.count == count {
            return owner.inputs.map { $0.cast(to: .int64) }
        }
        if owner.isOp(ShapeOp.self), owner.inputs[0].ndim == count {
            let source = owner.inputs[0]
            return (0..<count).map { axis in
                source.type.shape[axis].map(shapeConstant) ?? build(ShapeI(axis: axis), source)
            }
        }
        return nil
    }

    /// Lengths read from a shape are never negative, so they need no `-1` switch.
    private static func isNonNegative(_ entry: Variable) -> Bool {
        entry.owner?.isOp(ShapeI.self) == true
    }
}

/// The product of lengths, or nil when it overflows (0 when any length is 0).
package func exactProduct(_ lengths: [Int]) -> Int? {
    if lengths.contains(0) { return 0 }
    var result = 1
    for length in lengths {
        let (product, overflow) = result.multipliedReportingOverflow(by: length)
        if overflow { return nil }
        result = product
    }
    return result
}

/// The product of int64 scalars as one node (PyTensor's `mul(*dims)`); a single factor is
/// returned as is and no factor gives 1.
extension Variable {
    /// The same elements in a new shape (PyTensor's `reshape`); one length may be `-1`, inferred
    /// from the element count. A view when the values are contiguous.
    ///
    /// ```swift
    /// let m = x.reshaped(to: [2, -1])
    /// ```
    public func reshaped(to shape: [Int]) -> Variable {
        let vector = Variable(constant: NDArray(shape.map { Int64($0) }))
        return build(Reshape(ndim: shape.count), self, vector)
    }

    /// The same elements in the shape held by an integer vector (e.g. `y.shape`). `ndim` is
    /// needed only when the vector's length is not static.
    public func reshaped(to shape: Variable, ndim: Int? = nil) -> Variable {
        guard let rank = ndim ?? (shape.ndim == 1 ? shape.type.shape[0] : 0) else {
            reportBuildError(
                CotangentError(.invalidGraph, 
                    "Reshape: the length of the shape \(shape) of type \(shape.type) cannot be "
                        + "determined statically; pass ndim"))
            return placeholderVariable(TensorType(dtype: dtype, shape: []))
        }
        return build(Reshape(ndim: rank), self, shape)
    }

    /// The same elements in the shape given by int64 scalars (built as a `MakeVector`).
    ///
    /// ```swift
    /// let m = x.reshaped(to: [y.length(ofDimension: 0), -1])
    /// ```
    public func reshaped(to shape: [Variable]) -> Variable {
        build(Reshape(ndim: shape.count), self, makeVector(shape, dtype: .int64))
    }

    /// The elements as a vector, in row-major order: PyTensor's `ravel()`, built as
    /// `Reshape{1}(x, [-1])`.
    public func flattened() -> Variable {
        reshaped(to: [-1])
    }
}

// MARK: - Derivatives

extension Reshape {
    /// The values depend on `x` only; the shape vector is disconnected.
    public func connectionPattern(_ node: Apply) -> [[Bool]] { [[true], [false]] }

    /// The cotangent put back in `x`'s shape: `Reshape{x.ndim}(g, Shape(x))`, PyTensor's form
    /// (the seed's transpose Jacobian is this rule vectorized).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected, .disconnected] }
        let x = node.inputs[0]
        return [.value(g.reshaped(to: x.shape, ndim: x.ndim)), .disconnected]
    }

    /// Linear: the tangent reshaped the same way.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let t = tangents[0] else { return [nil] }
        return [build(self, t, node.inputs[1])]
    }
}

// MARK: - Batching

extension Reshape {
    /// PyTensor's `_vectorize_reshape`: the batch lengths of the batched `x` are prepended to the
    /// shape vector, `Reshape{ndim + B}(x, MakeVector(x.shape[:B][0], …, shape[0], …))`. A batched
    /// shape vector (a different shape per batch entry) falls back to Blockwise.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let (x, shape) = (batchedInputs[0], batchedInputs[1])
        guard shape.ndim == node.inputs[1].ndim else { return nil }
        let batch = x.ndim - node.inputs[0].ndim
        let core = Reshape.entries(of: shape, count: ndim)
        return [x.reshaped(to: batchLengths(of: x, count: batch) + core)]
    }

    /// The entries of a shape vector as 0-d integer tensors: a constant's or a `MakeVector`'s
    /// own entries, otherwise `shape[i]` (a `Subtensor`), as PyTensor iterates a vector.
    package static func entries(of shape: Variable, count: Int) -> [Variable] {
        if let constant = shape.constantValue, constant.count == count {
            return constant.asArray(Int64.self).map { shapeConstant(Int($0)) }
        }
        if let owner = shape.owner, owner.isOp(MakeVector.self), owner.inputs.count == count {
            return owner.inputs
        }
        return (0..<count).map { shape[$0] }
    }
}

/// The lengths of the first `count` (batch) dimensions of `batched`, built as PyTensor's
/// `batched.shape[:count]` iterated: `Subtensor{i}(Subtensor{:stop}(Shape(batched), count), i)`.
package func batchLengths(of batched: Variable, count: Int) -> [Variable] {
    guard count > 0 else { return [] }
    let leading = batched.shape[..<count]
    return (0..<count).map { leading[$0] }
}

// MARK: - StableHLO

extension Reshape {
    /// `stablehlo.reshape` to the output's static shape (the shape input is known at export).
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        [context.builder.reshape(operands[0], context.outputType(node).shape)]
    }
}

// MARK: - Sparsity

extension Reshape {
    /// Sparsity: row-major order is kept, so element `o` reads element `o`; the shape input has
    /// no derivative.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        .identityOnFirstInput(outputShape.reduce(1, *), inputCount: inputShapes.count)
    }
}
