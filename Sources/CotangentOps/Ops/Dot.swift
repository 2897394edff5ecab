import CotangentArrays
import CotangentGraph

/// The matrix product of 1-d and 2-d operands: PyTensor's `Dot`, printed `Dot`.
///
/// vector·vector gives a 0-d inner product, matrix·vector and vector·matrix a vector,
/// matrix·matrix a matrix. The output dtype is numpy's promotion of the operands' dtypes;
/// integer products are computed exactly in int64 (wrapping like numpy) and bool products are
/// logical (or of ands).
public struct Dot: Op {
    /// Output types and shapes follow from the input types and shapes alone.
    public var readsOnlyInputTypes: Bool { true }

    /// The op (it has no properties).
    public init() {}

    public var description: String { "Dot" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 2 else {
            throw CotangentError(.invalidGraph, 
                "Dot: expects 2 inputs, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        let (a, b) = (inputs[0].type, inputs[1].type)
        guard (1...2).contains(a.ndim), (1...2).contains(b.ndim) else {
            throw CotangentError(.invalidGraph, 
                "Dot: expects 1-d or 2-d operands, got \(describeTypes(inputs))")
        }
        if let left = a.shape[a.ndim - 1], let right = b.shape[0], left != right {
            throw CotangentError(.invalidGraph, 
                "Dot: incompatible shared dimension for dot product: shapes \(TensorType.format(a.shape)) "
                    + "and \(TensorType.format(b.shape)) (\(left) vs \(right)); input types: "
                    + describeTypes(inputs))
        }
        return [
            TensorType(
                dtype: DType.promote(a.dtype, b.dtype),
                shape: Dot.outputDims(a.shape, b.shape))
        ]
    }

    /// The rows of `a` (if a matrix) then the columns of `b` (if a matrix).
    package static func outputDims<D>(_ a: [D], _ b: [D]) -> [D] {
        (a.count == 2 ? [a[0]] : []) + (b.count == 2 ? [b[1]] : [])
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        [try product(inputs, node: node, into: nil)]
    }

    /// `a · b`, written into `buffer` when it is given and fits (see `DotKernel.run`); throws
    /// for unaligned shapes or a product too big to allocate.
    fileprivate func product(_ inputs: [NDArray], node: Apply, into buffer: NDArray?) throws -> NDArray {
        let (a, b) = (inputs[0], inputs[1])
        guard a.shape[a.ndim - 1] == b.shape[0] else {
            throw CotangentError(.shapeMismatch, 
                "Dot: shapes \(formatShape(a.shape)) and \(formatShape(b.shape)) not aligned: "
                    + "\(a.shape[a.ndim - 1]) (dim \(a.ndim - 1)) != \(b.shape[0]) (dim 0); dtypes "
                    + "\(a.dtype), \(b.dtype)")
        }
        let dtype = node.outputTypes[0].dtype
        // The output's dims are built (an array) only when the product could be too big.
        let (m, n) = (a.ndim == 2 ? a.shape[0] : 1, b.ndim == 2 ? b.shape[1] : 1)
        let (elements, overflow) = m.multipliedReportingOverflow(by: n)
        if overflow || elements > maximumAllocationBytes / dtype.itemSize {
            try checkAllocation(Dot.outputDims(a.shape, b.shape), dtype: dtype, op: self,
                context: "shapes \(formatShape(a.shape)) and \(formatShape(b.shape))")
        }
        return DotKernel.run(a, b, dtype: dtype, into: buffer)
    }

    /// A kernel that can compute a matrix·vector product into donated memory (a loop's spare
    /// carry, see `PreparedKernel.performSingle(_:destroying:into:)`); otherwise `perform`.
    public func preparedKernel(_ node: Apply) -> (any PreparedKernel)? {
        PreparedDot(op: self, node: node)
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let (a, b) = (inputShapes[0], inputShapes[1])
        var dims = Dot.outputDims(a, b)
        // The kernel checks the shared dimension; the shape keeps that check on its first dim.
        let shared = [a[a.count - 1], b[0]]
        if !dims.isEmpty, !sameLength(shared[0], shared[1]) {
            dims[0] = assert(dims[0], [shared[0] .== shared[1]], message: "Dot: shapes not aligned")
        }
        return [dims]
    }
}

// MARK: - User API

/// The dot product, PyTensor's `dot`: an inner product for two vectors, matrix·vector,
/// vector·matrix and matrix·matrix products through ``Dot``; a 0-d operand multiplies
/// elementwise.
///
/// ```swift
/// let A = Tensor.matrix("A"), x = Tensor.vector("x")
/// let y = dot(A, x)     // Dot, a vector
/// ```
public func dot(_ a: Variable, _ b: Variable) -> Variable {
    if a.ndim == 0 || b.ndim == 0 { return a * b }
    if a.ndim > 2 || b.ndim > 2 { return higherRankDot(a, b) }
    return build(Dot(), a, b)
}

/// The matrix product, numpy's `matmul` (`@`): equal to ``dot(_:_:)`` for 1-d and 2-d
/// operands. Operands cannot be 0-d.
public func matmul(_ a: Variable, _ b: Variable) -> Variable {
    if a.ndim == 0 || b.ndim == 0 {
        reportBuildError(
            CotangentError(.invalidGraph, 
                "matmul: operands cannot be scalars (0-d); use * to scale. Input types: "
                    + describeTypes([a, b])))
        return placeholderVariable(TensorType(dtype: DType.promote(a.dtype, b.dtype), shape: []))
    }
    if a.ndim > 2 || b.ndim > 2 { return batchedMatmul(a, b) }
    return dot(a, b)
}

/// matmul of stacks of matrices (an operand with more than 2 dimensions), numpy's rules:
/// `Blockwise(Dot(), "(m,k),(k,n)->(m,n)")` over the batch dims, which broadcast where a length
/// is statically 1. A 1-d operand is promoted to a matrix (a row on the left, a column on the
/// right) and the unit dim is squeezed from the result.
package func batchedMatmul(_ a: Variable, _ b: Variable) -> Variable {
    let left = a.ndim == 1 ? a.expandingDims([0]) : a
    let right = b.ndim == 1 ? b.expandingDims([1]) : b
    var product = blockwise(Dot(), signature: matmulSignature, [left, right])
    if b.ndim == 1 { product = product.squeezed(axes: [-1]) }
    if a.ndim == 1 { product = product.squeezed(axes: [b.ndim == 1 ? -1 : -2]) }
    return product
}

/// The gufunc signature of a matrix product.
package let matmulSignature = "(m,k),(k,n)->(m,n)"

/// dot with an operand of more than 2 dimensions, numpy's rule (PyTensor's `tensordot`): the
/// sum over the last axis of `a` and the second-to-last of `b` (its only axis when 1-d), the
/// result's axes `a`'s others, then `b`'s.
package func higherRankDot(_ a: Variable, _ b: Variable) -> Variable {
    tensordot(a, b, axes: ([a.ndim - 1], [Swift.max(b.ndim - 2, 0)]))
}

// MARK: - Derivatives

extension Dot {
    /// Float operands of a float product are connected; integer and bool ones are not.
    public func connectionPattern(_ node: Apply) -> [[Bool]] {
        let floatOutput = node.outputTypes[0].dtype.isFloat
        return node.inputs.map { [floatOutput && $0.dtype.isFloat] }
    }

    /// PyTensor's rule by ranks: vector·vector `(g·y, g·x)`; vector·matrix `(dot(g, yᵀ),
    /// outer(x, g))`; matrix·vector `(outer(g, y), dot(xᵀ, g))`; matrix·matrix `(dot(g, yᵀ),
    /// dot(xᵀ, g))`. A result that lost an operand's statically-1 dims gets them asserted.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        let (x, y) = (node.inputs[0], node.inputs[1])
        guard let g = cotangents[0], node.outputTypes[0].dtype.isFloat else { return [.disconnected, .disconnected] }
        let xGradient: Variable
        let yGradient: Variable
        switch (x.ndim, y.ndim) {
        case (1, 1):
            (xGradient, yGradient) = (g * y, g * x)
        case (1, 2):
            (xGradient, yGradient) = (dot(g, y.T), outer(x, g))
        case (2, 1):
            (xGradient, yGradient) = (outer(g, y), dot(x.T, g))
        default:
            (xGradient, yGradient) = (dot(g, y.T), dot(x.T, g))
        }
        return zip([x, y], [xGradient, yGradient]).map { operand, gradient in
            guard operand.dtype.isFloat else { return .disconnected }
            return .value(Dot.keepingUnitDims(gradient, of: operand))
        }
    }

    /// Bilinear: `dot(tx, y) + dot(x, ty)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let (x, y) = (node.inputs[0], node.inputs[1])
        var terms: [Variable] = []
        if let tx = tangents[0], x.dtype.isFloat { terms.append(dot(tx, y)) }
        if let ty = tangents[1], y.dtype.isFloat { terms.append(dot(x, ty)) }
        guard let first = terms.first, node.outputTypes[0].dtype.isFloat else { return [nil] }
        return [terms.dropFirst().reduce(first, +)]
    }

    /// `gradient` with the operand's statically-1 dims asserted where it does not know them
    /// (PyTensor's `specify_broadcastable`, gh-1461).
    private static func keepingUnitDims(_ gradient: Variable, of operand: Variable) -> Variable {
        let shape = zip(gradient.type.shape, operand.type.shape).map { known, wanted in wanted == 1 ? 1 : known }
        return shape == gradient.type.shape ? gradient : gradient.specifyingShape(shape)
    }
}

/// numpy's `outer(x, y)`: the matrix `result[i, j] = x[i] * y[j]`, PyTensor's `outer`, built as
/// `dot(x[:, None], y[None, :])` (so its derivatives and batching are `Dot`'s). Operands that
/// are not vectors are flattened first, as numpy and PyTensor do.
///
/// ```swift
/// let m = outer(u, v)    // shape (len(u), len(v))
/// ```
public func outer(_ x: Variable, _ y: Variable) -> Variable {
    let (u, v) = (x.ndim == 1 ? x : x.flattened(), y.ndim == 1 ? y : y.flattened())
    return dot(u.expandingDims([1]), v.expandingDims([0]))
}

// MARK: - Batching

extension Dot {
    /// PyTensor's `vectorize_node_dot`: batched operands make a batched product, as the
    /// matching numpy-style product of stacks (vector·vector an elementwise product summed over
    /// the last axis; matrix·vector, vector·matrix and matrix·matrix a `matmul` with the
    /// vectors promoted explicitly, so a batched vector is never read as a matrix).
    ///
    /// When only the vector side of a matrix·vector (or vector·matrix) product gains one batch
    /// dimension, the stack of products is one plain matrix product — `V·Mᵀ` (or `V·M`) — which
    /// is what a vectorized Jacobian of `M·x` needs, and which rewrites can see through.
    public func vectorize(_ node: Apply, batchedInputs: [Variable]) -> [Variable]? {
        let (x, y) = (batchedInputs[0], batchedInputs[1])
        let (xBatch, yBatch) = (x.ndim - node.inputs[0].ndim, y.ndim - node.inputs[1].ndim)
        switch (node.inputs[0].ndim, node.inputs[1].ndim, xBatch, yBatch) {
        case (2, 1, 0, 1): return [dot(y, x.T)]
        case (1, 2, 1, 0): return [dot(x, y)]
        case (1, 1, 1, 0): return [dot(x, y)]
        case (1, 1, 0, 1): return [dot(y, x)]
        default: break
        }
        switch (node.inputs[0].ndim, node.inputs[1].ndim) {
        case (1, 1):
            // Cast back: sums of integers and bools are int64, Dot keeps the promoted dtype.
            return [(x * y).sum(axis: -1).cast(to: node.outputTypes[0].dtype)]
        case (2, 1):
            return [batchedMatmul(x, y.expandingDims([-1])).squeezed(axes: [-1])]
        case (1, 2):
            return [batchedMatmul(x.expandingDims([-2]), y).squeezed(axes: [-2])]
        default:
            return [batchedMatmul(x, y)]
        }
    }
}

// MARK: - StableHLO

extension Dot {
    /// `stablehlo.dot_general` contracting the first operand's last dimension with the second's
    /// first, both converted to the output dtype.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        let b = context.builder
        let dtype = context.outputType(node).dtype
        let (x, y) = (b.convert(operands[0], to: dtype), b.convert(operands[1], to: dtype))
        return [b.dotGeneral(x, y, contractA: [x.rank - 1], contractB: [0])]
    }
}

/// A ``Dot`` node's kernel: `perform`, with donated memory taken where it fits.
final class PreparedDot: SingleOutputKernel {
    private let op: Dot
    private let node: Apply

    init(op: Dot, node: Apply) {
        self.op = op
        self.node = node
    }

    func performSingle(_ inputs: [NDArray], destroying: InputSet) throws -> NDArray {
        try op.product(inputs, node: node, into: nil)
    }

    func performSingle(_ inputs: [NDArray], destroying: InputSet, into buffer: NDArray) throws -> NDArray {
        try op.product(inputs, node: node, into: buffer)
    }
}

// MARK: - Sparsity

extension Dot {
    /// Sparsity: output `(i, j)` reads row `i` of `a` and column `j` of `b` (vectors as one
    /// row or column). Bilinear: pairs of `a`'s and `b`'s elements.
    public func elementDependencies(
        _ node: Apply, output: Int, inputShapes: [[Int]], outputShape: [Int]
    ) -> ElementDependencies? {
        let (a, b) = (inputShapes[0], inputShapes[1])
        let inner = a[a.count - 1]
        let columns = b.count == 2 ? b[1] : 1
        let left = ElementMap.computed { o, elements in
            let i = o / columns
            for t in 0..<inner { elements.append(i * inner + t) }
        }
        let right = ElementMap.computed { o, elements in
            let j = o % columns
            for t in 0..<inner { elements.append(t * columns + j) }
        }
        return ElementDependencies(inputs: [left, right], interaction: .acrossInputs)
    }
}
