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
    /// The op (it has no properties).
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
    /// The op (it has no properties).
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

// MARK: - StableHLO

extension Expm: BatchedStableHLOLowering {
    /// Higham's scaling and squaring with the degree-13 Padé approximant, in portable ops:
    /// `A` is scaled by `2^-s` with `s = max(0, ⌈log₂(‖A‖₁ / θ₁₃)⌉)`, the approximant
    /// `(V − U)⁻¹ (V + U)` comes from the portable LU, and a `stablehlo.while` squares it `s`
    /// times (the largest `s` of the batch; each matrix stops squaring at its own). Degree 13
    /// is used for every norm, where scipy picks a lower degree for small ones: both are
    /// accurate to about the unit roundoff, so results agree to rounding. Any batch dims.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let a = b.convert(operands[0], to: outputTypes[0].dtype)
        let r = a.rank
        let batch = Array(a.shape.prefix(batchRank))
        let batchDims = Array(0..<batchRank)
        func product(_ x: StableHLOValue, _ y: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
            b.dotGeneral(x, y, batchA: batchDims, batchB: batchDims, contractA: [r - 1], contractB: [r - 2])
        }
        func perBatch(_ x: StableHLOValue, _ b: StableHLOBuilder) -> StableHLOValue {
            b.broadcastInDim(x, shape: a.shape, dimensions: batchDims)
        }
        // The 1-norm (largest column sum of |A|) and the squaring count.
        let columnSums = b.reduce(
            b.unary("stablehlo.abs", a), initial: b.constant(0, a.dtype), dimensions: [r - 2], combiner: "stablehlo.add")
        let norm = b.reduce(columnSums, initial: b.constant(0, a.dtype), dimensions: [r - 2], combiner: "stablehlo.maximum")
        let theta13 = 5.371920351148152
        let log2 = b.divide(
            b.unary("stablehlo.log", b.divide(norm, b.constant(theta13, a.dtype, shape: batch))),
            b.constant(0.6931471805599453, a.dtype, shape: batch))
        let ceiling = b.unary("stablehlo.ceil", log2)
        // Non-positive and NaN counts (comparisons false) become 0, and counts are at most
        // 1022: 2^1022 θ₁₃ exceeds every finite float64 norm.
        let clamped = b.select(
            b.compare("GT", ceiling, b.constant(0, like: ceiling)),
            b.binary("stablehlo.minimum", ceiling, b.constant(1022, like: ceiling)), b.constant(0, like: ceiling))
        let squarings = b.convert(clamped, to: .int64)
        // 2^-s exactly: the float64 whose exponent field is 1023 - s.
        let exponentBits = b.binary(
            "stablehlo.shift_left", b.subtract(b.constant(1023, .int64, shape: batch), squarings),
            b.constant(52, .int64, shape: batch))
        let scale = b.convert(
            b.emit1("stablehlo.bitcast_convert", [exponentBits], result: StableHLOType(.float64, batch)), to: a.dtype)
        let x = b.multiply(a, perBatch(scale, b))

        let coefficients: [Double] = [
            64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000,
            10559470521600, 670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
        ]
        func c(_ k: Int) -> StableHLOValue { b.constant(coefficients[k], like: x) }
        let identity = b.convert(
            b.compare(
                "EQ", b.iota(.int64, shape: a.shape, dimension: r - 2), b.iota(.int64, shape: a.shape, dimension: r - 1)),
            to: a.dtype)
        let x2 = product(x, x, b)
        let x4 = product(x2, x2, b)
        let x6 = product(x4, x2, b)
        func combination(_ terms: [(Int, StableHLOValue)]) -> StableHLOValue {
            terms.dropFirst().reduce(b.multiply(c(terms[0].0), terms[0].1)) { b.add($0, b.multiply(c($1.0), $1.1)) }
        }
        let uInner = product(x6, combination([(13, x6), (11, x4), (9, x2)]), b)
        let u = product(x, b.add(uInner, combination([(7, x6), (5, x4), (3, x2), (1, identity)])), b)
        let vInner = product(x6, combination([(12, x6), (10, x4), (8, x2)]), b)
        let v = b.add(vInner, combination([(6, x6), (4, x4), (2, x2), (0, identity)]))
        let (lu, perm, _) = b.luDecomposition(b.subtract(v, u))
        let pade = b.luSolve(lu: lu, perm: perm, b.add(v, u))

        let most = batchRank == 0
            ? squarings
            : b.reduce(squarings, initial: b.constant(0, .int64), dimensions: batchDims, combiner: "stablehlo.maximum")
        let squared = b.countedLoop(count: most, carried: [pade]) { b, i, carried in
            let more = b.compare("LT", b.broadcastInDim(i, shape: batch, dimensions: []), squarings)
            return [b.select(perBatch(more, b), product(carried[0], carried[0], b), carried[0])]
        }
        return [squared[0]]
    }
}

extension MatrixPinv {
    /// Not exportable: numpy's pseudo-inverse is defined through the SVD (its rank cutoff on
    /// the singular values), which StableHLO does not have.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        throw StableHLONotExportable(
            "the pseudo-inverse needs a singular value decomposition (for its rank cutoff), which StableHLO lacks "
                + "and XLA computes only through per-platform LAPACK/cuSOLVER custom calls")
    }
}
