import CotangentArrays
import CotangentGraph

// Matrix functions: the pseudo-inverse and the exponential (core ops batched by Blockwise), and
// functions built from other ops, whose derivatives and batching come from those ops: lstsq,
// matrixPower, norm, kron, blockDiagonal.

/// The Moore–Penrose pseudo-inverse by SVD (singular values below `1e-15 · max(s)` count as
/// zero, numpy's `pinv`): PyTensor's `MatrixPinv`, `(m,n)->(n,m)`.
///
/// The derivative (Golub & Pereyra) holds where the rank is locally constant.
public struct MatrixPinv: Op {
    public init() {}

    public var description: String { "MatrixPinv{hermitian=False}" }

    /// `(m,n)->(n,m)`.
    public var gufuncSignature: String? { "(m,n)->(n,m)" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        try checkLinalgOperand(self, inputs, position: 0, ranks: 2...2)
        return [TensorType(dtype: linalgDType(inputs[0].dtype), shape: inputs[0].type.shape.reversed())]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        node.outputTypes[0].dtype == .float32 ? [try run(inputs[0], Float.self)] : [try run(inputs[0], Double.self)]
    }

    private func run<T: LinalgElement>(_ input: NDArray, _: T.Type) throws -> NDArray {
        let (m, n) = (input.shape[0], input.shape[1])
        guard m > 0 && n > 0 else { return NDArray.zeros([n, m], dtype: T.dtype) }
        let a = input.linalgElements(T.self)
        do {
            let result = try a.withUnsafeBufferPointer { a throws(LinalgError) in
                try Linalg.pseudoInverse(a.baseAddress!, rows: m, columns: n)
            }
            return NDArray(shape: [n, m], elements: result)
        } catch { throw linalgFailure(self, error) }
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0].reversed()] }

    /// `Ā = −Zᵀ Ḡ Zᵀ + (I − A Z) Ḡᵀ Z Zᵀ + Zᵀ Z Ḡᵀ (I − Z A)` for `Z = A⁺`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let (a, z) = (node.inputs[0], node.outputs[0])
        let leftResidual = rowIdentity(a) - dot(a, z)
        let rightResidual = rowIdentity(z) - dot(z, a)
        return [.value(
            -dot(dot(z.T, g), z.T) + dot(dot(leftResidual, g.T), dot(z, z.T))
                + dot(dot(z.T, z), dot(g.T, rightResidual)))]
    }

    /// `dZ = −Z dA Z + Z Zᵀ dAᵀ (I − A Z) + (I − Z A) dAᵀ Zᵀ Z`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil] }
        let (a, z) = (node.inputs[0], node.outputs[0])
        let leftResidual = rowIdentity(a) - dot(a, z)
        let rightResidual = rowIdentity(z) - dot(z, a)
        return [
            -dot(dot(z, da), z) + dot(dot(z, z.T), dot(da.T, leftResidual))
                + dot(dot(rightResidual, da.T), dot(z.T, z))
        ]
    }
}

/// The matrix exponential `e^A` (scaling and squaring with a Padé approximant, scipy's
/// `expm`): PyTensor's `Expm`, `(m,m)->(m,m)`.
public struct Expm: SquareMatrixTransformOp {
    public init() {}

    public var description: String { "Expm" }

    package func transform<T: LinalgElement>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError) {
        try Linalg.matrixExponential(a, order: n)
    }

    /// The Fréchet derivative `L(X, E)` of the exponential at `X` in direction `E`: the
    /// upper-right block of `exp([[X, E], [0, X]])` (Mathias 1996).
    private static func frechet(_ x: Variable, _ e: Variable) -> Variable {
        let zero = zerosLike(x)
        let block = concatenate([concatenate([x, e], axis: 1), concatenate([zero, x], axis: 1)], axis: 0)
        let exponential = blockwise(Expm(), signature: "(m,m)->(m,m)", [block])
        // Rows 0..<n and columns n..<2n, picked with selector matrices (no symbolic slicing).
        let identity = rowIdentity(x)
        let top = concatenate([identity, zero], axis: 1)
        let right = concatenate([zero, identity], axis: 0)
        return dot(dot(top, exponential), right)
    }

    /// `Ā = L(Aᵀ, Ḡ)`: the Fréchet derivative is self-adjoint up to transposing `A`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        return [.value(Self.frechet(node.inputs[0].T, g))]
    }

    /// `dX = L(A, dA)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil] }
        return [Self.frechet(node.inputs[0], da)]
    }
}

// MARK: - User API

/// The pseudo-inverse of a (stack of) matrix: numpy's `pinv`.
public func pinv(_ a: Variable) -> Variable {
    blockwise(MatrixPinv(), signature: "(m,n)->(n,m)", [a])
}

/// The matrix exponential of a (stack of) square matrix: scipy's `expm`.
public func expm(_ a: Variable) -> Variable {
    blockwise(Expm(), signature: "(m,m)->(m,m)", [a])
}

/// The least-squares solution `x` minimizing `‖A x − b‖` (the minimum-norm one when `A` is rank
/// deficient or wide): numpy's `lstsq(a, b)[0]`, computed as `pinv(A) b`, batched over leading dims.
public func lstsq(_ a: Variable, _ b: Variable) -> Variable {
    matmul(pinv(a), b)
}

/// `A` to an integer power by repeated squaring (numpy's `matrix_power`): the identity for 0,
/// powers of `inv(A)` for negative powers. Batched over leading dims; its derivatives are the
/// products'.
public func matrixPower(_ a: Variable, _ power: Int) -> Variable {
    guard a.ndim >= 2 else {
        reportBuildError(
            CotangentError(.invalidGraph, "matrixPower: expects a (stack of) square matrix, got \(a.type)"))
        return placeholderVariable(a.type)
    }
    if power == 0 {
        let n = a.length(ofDimension: a.ndim - 1)
        return second(a, eye(n, dtype: linalgDType(a.dtype)))
    }
    var base = power < 0 ? inv(a) : a
    var remaining = power.magnitude
    var result: Variable? = nil
    while true {
        if remaining & 1 == 1 { result = result.map { matmul($0, base) } ?? base }
        remaining >>= 1
        if remaining == 0 { break }
        base = matmul(base, base)
    }
    return result!
}

/// The order of a vector or matrix norm (numpy's `ord`).
public enum NormOrder: Hashable, Sendable {
    /// Vectors: `(Σ|x|ᵖ)^(1/p)` (p = 0 counts the nonzeros). Matrices: 1 and −1 are the largest
    /// and smallest column sums of `|A|`, 2 and −2 the largest and smallest singular values.
    case p(Double)
    /// Vectors: `max|x|`. Matrices: the largest row sum of `|A|`.
    case infinity
    /// Vectors: `min|x|`. Matrices: the smallest row sum of `|A|`.
    case negativeInfinity
    /// Matrices: `sqrt(Σ A²)`.
    case frobenius
    /// Matrices: the sum of the singular values.
    case nuclear
}

/// A vector or matrix norm, numpy's `norm`.
///
/// Without `ord`, the 2-norm of all elements (Frobenius for matrices). With `axis`, vector norms
/// along that axis; otherwise a 1-d `x` takes vector orders and an `x` of 2 or more dims matrix
/// orders over its last two dims (batched over the others).
public func norm(_ x: Variable, ord: NormOrder? = nil, axis: Int? = nil) -> Variable {
    func invalid(_ message: String) -> Variable {
        reportBuildError(CotangentError(.invalidGraph, "norm: \(message); input type \(x.type)"))
        return placeholderVariable(TensorType(dtype: linalgDType(x.dtype), shape: []))
    }
    let value = x.dtype.isFloat ? x : x.cast(to: linalgDType(x.dtype))
    guard let ord else { return axis.map { sqrt(sqr(value).sum(axis: $0)) } ?? sqrt(sqr(value).sum()) }
    if axis != nil || x.ndim == 1 {
        let axis = axis ?? 0
        switch ord {
        case .infinity: return abs(value).max(axis: axis)
        case .negativeInfinity: return abs(value).min(axis: axis)
        case .p(0): return (value .!= 0).cast(to: value.dtype).sum(axis: axis)
        case .p(1): return abs(value).sum(axis: axis)
        case .p(2): return sqrt(sqr(value).sum(axis: axis))
        case .p(let p): return pow(pow(abs(value), Variable.constant(p)).sum(axis: axis), Variable.constant(1 / p))
        case .frobenius, .nuclear: return invalid("\(ord) is a matrix order; give a matrix and no axis")
        }
    }
    guard x.ndim >= 2 else { return invalid("a 0-d input has no norm order") }
    switch ord {
    case .frobenius: return sqrt(sqr(value).sum(axes: [-2, -1]))
    case .nuclear: return singularValues(value).sum(axis: -1)
    case .p(2): return singularValues(value).max(axis: -1)
    case .p(-2): return singularValues(value).min(axis: -1)
    case .p(1): return abs(value).sum(axis: -2).max(axis: -1)
    case .p(-1): return abs(value).sum(axis: -2).min(axis: -1)
    case .infinity: return abs(value).sum(axis: -1).max(axis: -1)
    case .negativeInfinity: return abs(value).sum(axis: -1).min(axis: -1)
    case .p(let p): return invalid("matrix norms take orders 1, -1, 2, -2, infinity, frobenius and nuclear, not \(p)")
    }
}

/// The Kronecker product of two vectors or two matrices (numpy's `kron`): block `(i, j)` of the
/// result is `a[i, j] · b`. Built from a broadcast product and a reshape.
public func kron(_ a: Variable, _ b: Variable) -> Variable {
    switch (a.ndim, b.ndim) {
    case (1, 1):
        return (a.expandingDims([1]) * b.expandingDims([0])).flattened()
    case (2, 2):
        let product = a.expandingDims([1, 3]) * b.expandingDims([0, 2])
        let rows = a.length(ofDimension: 0) * b.length(ofDimension: 0)
        let columns = a.length(ofDimension: 1) * b.length(ofDimension: 1)
        return product.reshaped(to: [rows, columns])
    default:
        reportBuildError(
            CotangentError(.invalidGraph, "kron: expects two vectors or two matrices; input types: \(describeTypes([a, b]))"))
        return placeholderVariable(TensorType(dtype: DType.promote(a.dtype, b.dtype), shape: [nil, nil]))
    }
}

/// The block-diagonal matrix with `matrices` on its diagonal and zeros elsewhere (scipy's
/// `block_diag`), built by padding each block with zeros and joining.
public func blockDiagonal(_ matrices: [Variable]) -> Variable {
    guard !matrices.isEmpty, matrices.allSatisfy({ $0.ndim == 2 }) else {
        reportBuildError(
            CotangentError(.invalidGraph, "blockDiagonal: expects one or more matrices; input types: \(describeTypes(matrices))"))
        return placeholderVariable(TensorType(dtype: .float64, shape: [nil, nil]))
    }
    let dtype = matrices.dropFirst().reduce(matrices[0].dtype) { DType.promote($0, $1.dtype) }
    let widths = matrices.map { $0.length(ofDimension: 1) }
    let rows = matrices.enumerated().map { k, block -> Variable in
        let height = block.length(ofDimension: 0)
        var pieces: [Variable] = []
        if k > 0 { pieces.append(zeros(shape: [height, widths[..<k].dropFirst().reduce(widths[0], +)], dtype: dtype)) }
        pieces.append(block.cast(to: dtype))
        if k < matrices.count - 1 {
            let after = widths[(k + 1)...]
            pieces.append(zeros(shape: [height, after.dropFirst().reduce(after.first!, +)], dtype: dtype))
        }
        return pieces.count == 1 ? pieces[0] : concatenate(pieces, axis: 1)
    }
    return rows.count == 1 ? rows[0] : concatenate(rows, axis: 0)
}
