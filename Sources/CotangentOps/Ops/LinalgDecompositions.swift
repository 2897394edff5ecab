import CotangentArrays
import CotangentGraph

// Factorizations: Cholesky, Eigh (and Eigvalsh), SVD, QR. Core ops on one matrix, batched by
// Blockwise. Their derivative rules are the standard matrix-calculus ones (Murray 2016 for
// Cholesky, Giles 2008 and Townsend 2016 for the spectral ones), written as graphs of the other
// linalg ops so that second derivatives come from the same rules.

/// What ``cholesky(_:lower:onError:)`` does with a matrix that is not positive definite.
public enum CholeskyFailure: String, Sendable, Hashable {
    /// Throw a typed error naming the op and the batch index.
    case raise
    /// Return a factor full of NaNs (for samplers that must not stop).
    case nan
}

/// The Cholesky factor of a symmetric positive-definite matrix: PyTensor's `Cholesky`,
/// `(m,m)->(m,m)`. Only the lower triangle of the input is read; the result is `L` with
/// `A = L Lᵀ` (``lower``) or `U = Lᵀ`, with zeros in the other triangle.
public struct Cholesky: SquareMatrixTransformOp {
    /// Whether the result is the lower factor `L` (else the upper `U = Lᵀ`).
    public let lower: Bool
    /// What a matrix that is not positive definite gives.
    public let onError: CholeskyFailure

    /// - Parameters:
    ///   - lower: return `L` (else `U = Lᵀ`).
    ///   - onError: throw, or return NaNs, for a matrix that is not positive definite.
    public init(lower: Bool = true, onError: CholeskyFailure = .raise) {
        self.lower = lower
        self.onError = onError
    }

    public var description: String { "Cholesky{lower=\(lower ? "True" : "False"), on_error='\(onError.rawValue)'}" }

    package func transform<T: LinalgElement>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError) {
        try Linalg.cholesky(a, order: n, lower: lower)
    }

    /// With `onError: .nan`, a matrix that is not positive definite gives NaNs.
    package func transformed<T: LinalgElement>(_ input: NDArray, _: T.Type) throws -> NDArray {
        do {
            return try transformingSquare(self, input, T.self) { a, n throws(LinalgError) in
                try self.transform(a, order: n)
            }
        } catch where onError == .nan {
            return NDArray(shape: input.shape, filledWith: T.nan)
        }
    }

    /// `Φ(x)`: the lower triangle with the diagonal halved.
    private static func lowerHalvingDiagonal(_ x: Variable) -> Variable {
        triangularPart(x, lower: true) - 0.5 * diagonalPart(x)
    }

    /// Murray's rule: `S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹`; the input's gradient is `tril(S + Sᵀ) − diag(S)`,
    /// the adjoint of reading the lower triangle.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let factor = lower ? node.outputs[0] : node.outputs[0].T
        let gL = lower ? g : g.T
        let p = Self.lowerHalvingDiagonal(dot(factor.T, gL))
        // L⁻ᵀ P L⁻¹ = (L⁻ᵀ (L⁻ᵀ P)ᵀ)ᵀ.
        let left = solveTriangularCore(factor, p, lower: true, transposed: true)
        let s = solveTriangularCore(factor, left.T, lower: true, transposed: true).T
        return [.value(triangularPart(s + s.T, lower: true) - diagonalPart(s))]
    }

    /// `dL = L Φ(L⁻¹ dA L⁻ᵀ)` for the symmetric `dA` the lower triangle stands for.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil] }
        let factor = lower ? node.outputs[0] : node.outputs[0].T
        let left = solveTriangularCore(factor, symmetrized(da, lower: true), lower: true)
        let inner = solveTriangularCore(factor, left.T, lower: true)
        let dL = dot(factor, Self.lowerHalvingDiagonal(inner))
        return [lower ? dL : dL.T]
    }
}

/// Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix, reading
/// its lower triangle: numpy's `eigh`, PyTensor's `Eigh` (`(m,m)->(m),(m,m)`), or with
/// ``computeVectors`` false PyTensor's `Eigvalsh` (`(m,m)->(m)`).
///
/// The eigenvector derivatives divide by eigenvalue gaps `w_j − w_i`: with repeated eigenvalues
/// the vectors are not unique and their derivatives are infinite or NaN (the eigenvalues'
/// derivatives stay defined). Functions invariant to the basis of each eigenspace (such as
/// `V f(w) Vᵀ`) are differentiable in theory but not through this rule.
public struct Eigh: Op {
    /// Whether eigenvectors are returned too.
    public let computeVectors: Bool

    /// - Parameter computeVectors: also return the eigenvectors (PyTensor's `Eigh`; else `Eigvalsh`).
    public init(computeVectors: Bool = true) { self.computeVectors = computeVectors }

    public var description: String { computeVectors ? "Eigh{lower=True}" : "Eigvalsh{lower=True}" }

    /// `(m,m)->(m),(m,m)` or `(m,m)->(m)`.
    public var gufuncSignature: String? { computeVectors ? "(m,m)->(m),(m,m)" : "(m,m)->(m)" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkSquareInput(self, inputs)
        let dtype = linalgDType(inputs[0].dtype)
        let values = TensorType(dtype: dtype, shape: [inputs[0].type.shape[0] ?? inputs[0].type.shape[1]])
        return computeVectors ? [values, TensorType(dtype: dtype, shape: inputs[0].type.shape)] : [values]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireSquare(self, inputs[0])
        return node.outputTypes[0].dtype == .float32 ? try run(inputs[0], Float.self) : try run(inputs[0], Double.self)
    }

    private func run<T: LinalgElement>(_ input: NDArray, _: T.Type) throws -> [NDArray] {
        let n = input.shape[0]
        guard n > 0 else {
            let values = NDArray.zeros([0], dtype: T.dtype)
            return computeVectors ? [values, NDArray.zeros([0, 0], dtype: T.dtype)] : [values]
        }
        let a = input.linalgElements(T.self)
        let result: SymmetricEigenDecomposition<T>
        do {
            result = try a.withUnsafeBufferPointer { a throws(LinalgError) in
                try Linalg.symmetricEigen(a.baseAddress!, order: n, computeVectors: computeVectors)
            }
        } catch { throw linalgFailure(self, error) }
        let values = NDArray(shape: [n], elements: result.values)
        return computeVectors ? [values, NDArray(shape: [n, n], elements: result.vectors)] : [values]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        computeVectors ? [[inputShapes[0][0]], inputShapes[0]] : [[inputShapes[0][0]]]
    }

    /// `F_ij = 1 / (w_j − w_i)` off the diagonal, 0 on it.
    private static func inverseGaps(_ w: Variable) -> Variable {
        let gaps = w.expandingDims([0]) - w.expandingDims([1])
        let identity = eye(w.length(ofDimension: 0), dtype: w.dtype)
        return (1 - identity) / (gaps + identity)
    }

    /// `Ā = V (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ`, then the adjoint of reading the lower triangle.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard cotangents.contains(where: { $0 != nil }) else { return [.disconnected] }
        let a = node.inputs[0]
        let (w, v) =
            computeVectors ? (node.outputs[0], node.outputs[1]) : { let e = eigh(a); return (e.eigenvalues, e.eigenvectors) }()
        var inner: Variable? = nil
        if let wBar = cotangents[0] { inner = diagonalMatrix(wBar) }
        if computeVectors, let vBar = cotangents[1] {
            let term = Self.inverseGaps(w) * dot(v.T, vBar)
            inner = inner.map { $0 + term } ?? term
        }
        let g = dot(dot(v, inner!), v.T)
        return [.value(symmetrizedAdjoint(g, lower: true))]
    }

    /// With `P = Vᵀ dA V` (`dA` the symmetric matrix the lower triangle stands for):
    /// `dw = diag(P)`, `dV = V (F ∘ P)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return computeVectors ? [nil, nil] : [nil] }
        let a = node.inputs[0]
        let (w, v) =
            computeVectors ? (node.outputs[0], node.outputs[1]) : { let e = eigh(a); return (e.eigenvalues, e.eigenvectors) }()
        let p = dot(dot(v.T, symmetrized(da, lower: true)), v)
        let dw = (p * rowIdentity(p)).sum(axis: 0)
        guard computeVectors else { return [dw] }
        return [dw, dot(v, Self.inverseGaps(w) * p)]
    }
}

/// The singular value decomposition `A = U diag(s) Vᵀ`, singular values descending: numpy's
/// `svd`, PyTensor's `SVD`. Full (`(m,n)->(m,m),(k),(n,n)`), reduced (`(m,n)->(m,k),(k),(k,n)`)
/// or values only (`(m,n)->(k)`), `k = min(m, n)`.
///
/// The singular-vector derivatives divide by `s_j² − s_i²` and by `s_i`: with repeated or zero
/// singular values they are infinite or NaN (the values' own derivatives stay defined). With
/// full matrices of a non-square `A`, the extra singular vectors are not determined by `A` and
/// have no derivative (as in JAX); use `fullMatrices: false`.
public struct SVD: Op {
    /// Whether `U` and `Vᵀ` are square (`m × m`, `n × n`).
    public let fullMatrices: Bool
    /// Whether `U` and `Vᵀ` are returned (else only the singular values).
    public let computeUV: Bool

    /// - Parameters:
    ///   - fullMatrices: square `U` and `Vᵀ` (numpy's default) or reduced ones.
    ///   - computeUV: return `U` and `Vᵀ` too.
    public init(fullMatrices: Bool = true, computeUV: Bool = true) {
        self.fullMatrices = fullMatrices
        self.computeUV = computeUV
    }

    public var description: String {
        "SVD{full_matrices=\(fullMatrices ? "True" : "False"), compute_uv=\(computeUV ? "True" : "False")}"
    }

    /// `(m,n)->(m,m),(k),(n,n)`, `(m,n)->(m,k),(k),(k,n)` or `(m,n)->(k)`.
    public var gufuncSignature: String? {
        !computeUV ? "(m,n)->(k)" : fullMatrices ? "(m,n)->(m,m),(k),(n,n)" : "(m,n)->(m,k),(k),(k,n)"
    }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        try checkLinalgOperand(self, inputs, position: 0, ranks: 2...2)
        let dtype = linalgDType(inputs[0].dtype)
        let (m, n) = (inputs[0].type.shape[0], inputs[0].type.shape[1])
        let k: Int? = if let m, let n { Swift.min(m, n) } else if m == 0 || n == 0 { 0 } else { nil }
        let values = TensorType(dtype: dtype, shape: [k])
        guard computeUV else { return [values] }
        return fullMatrices
            ? [TensorType(dtype: dtype, shape: [m, m]), values, TensorType(dtype: dtype, shape: [n, n])]
            : [TensorType(dtype: dtype, shape: [m, k]), values, TensorType(dtype: dtype, shape: [k, n])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        node.outputTypes[0].dtype == .float32 ? try run(inputs[0], Float.self) : try run(inputs[0], Double.self)
    }

    private func run<T: LinalgElement>(_ input: NDArray, _: T.Type) throws -> [NDArray] {
        let (m, n) = (input.shape[0], input.shape[1])
        let k = Swift.min(m, n)
        if k == 0 {
            let values = NDArray.zeros([0], dtype: T.dtype)
            guard computeUV else { return [values] }
            let u = NDArray(shape: [m, fullMatrices ? m : 0], elements: eyeElements(T.self, m, fullMatrices ? m : 0))
            let vt = NDArray(shape: [fullMatrices ? n : 0, n], elements: eyeElements(T.self, fullMatrices ? n : 0, n))
            return [u, values, vt]
        }
        let a = input.linalgElements(T.self)
        let mode: SVDMode = !computeUV ? .valuesOnly : fullMatrices ? .full : .reduced
        let result: SingularValueDecomposition<T>
        do {
            result = try a.withUnsafeBufferPointer { a throws(LinalgError) in
                try Linalg.singularValueDecomposition(a.baseAddress!, rows: m, columns: n, mode: mode)
            }
        } catch { throw linalgFailure(self, error) }
        let values = NDArray(shape: [k], elements: result.values)
        guard computeUV else { return [values] }
        return [
            NDArray(shape: result.uShape, elements: result.u), values, NDArray(shape: result.vtShape, elements: result.vt),
        ]
    }

    private func eyeElements<T: LinalgElement>(_: T.Type, _ rows: Int, _ columns: Int) -> [T] {
        (0..<(rows * columns)).map { $0 / Swift.max(columns, 1) == $0 % Swift.max(columns, 1) ? T(1) : T.zero }
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let (m, n) = (inputShapes[0][0], inputShapes[0][1])
        let k = minimum(m, n)
        guard computeUV else { return [[k]] }
        return fullMatrices ? [[m, m], [k], [n, n]] : [[m, k], [k], [k, n]]
    }

    /// Whether the rule applies: values only, reduced factors, or a statically square matrix.
    private func hasDerivatives(_ node: Apply) -> Bool {
        guard computeUV && fullMatrices else { return true }
        let shape = node.inputs[0].type.shape
        return shape[0] != nil && shape[0] == shape[1]
    }

    private static var fullMatricesMessage: String {
        "SVD: derivatives of full_matrices=True factors need a statically square matrix; use "
            + "svd(_:fullMatrices: false)"
    }

    /// The reduced factors `(U, s, V)` the rules use (the node's own when it has them).
    private func reducedFactors(_ node: Apply) -> (u: Variable, s: Variable, v: Variable) {
        if computeUV { return (node.outputs[0], node.outputs[1], node.outputs[2].T) }
        let factors = svd(node.inputs[0], fullMatrices: false)
        return (factors.u, factors.s, factors.vt.T)
    }

    /// `F_ij = 1 / (s_j² − s_i²)` off the diagonal, 0 on it.
    private static func inverseSquaredGaps(_ s: Variable) -> Variable {
        let squares = sqr(s)
        let gaps = squares.expandingDims([0]) - squares.expandingDims([1])
        let identity = eye(s.length(ofDimension: 0), dtype: s.dtype)
        return (1 - identity) / (gaps + identity)
    }

    /// Townsend's rule for the reduced factors: with `M = F ∘ (Uᵀ Ū)`, `N = F ∘ (Vᵀ V̄)`,
    /// `Ā = U (diag(s̄) + (M + Mᵀ) S + S (N + Nᵀ)) Vᵀ + (I − U Uᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − V Vᵀ)`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard cotangents.contains(where: { $0 != nil }) else { return [.disconnected] }
        guard hasDerivatives(node) else { return [.undefined(Self.fullMatricesMessage)] }
        let (u, s, v) = reducedFactors(node)
        let (uBar, sBar, vBar): (Variable?, Variable?, Variable?) =
            computeUV ? (cotangents[0], cotangents[1], cotangents[2]?.T) : (nil, cotangents[0], nil)
        let rowScale = s.expandingDims([0])  // X * rowScale scales column j by s_j.
        var core: Variable? = sBar.map(diagonalMatrix)
        var extra: [Variable] = []
        let f = Self.inverseSquaredGaps(s)
        if let uBar {
            let m = f * dot(u.T, uBar)
            let term = (m + m.T) * rowScale
            core = core.map { $0 + term } ?? term
            let projected = uBar - dot(u, dot(u.T, uBar))
            extra.append(dot(projected / rowScale, v.T))
        }
        if let vBar {
            let n = f * dot(v.T, vBar)
            let term = s.expandingDims([1]) * (n + n.T)
            core = core.map { $0 + term } ?? term
            let projected = vBar - dot(v, dot(v.T, vBar))
            extra.append(dot(u, (projected / rowScale).T))
        }
        let main = dot(dot(u, core!), v.T)
        return [.value(extra.reduce(main, +))]
    }

    /// With `dP = Uᵀ dA V`: `ds = diag(dP)`, `dU = U (F ∘ (dP S + S dPᵀ)) + (I − U Uᵀ) dA V S⁻¹`,
    /// `dV = V (F ∘ (S dP + dPᵀ S)) + (I − V Vᵀ) dAᵀ U S⁻¹`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return node.outputs.map { _ in nil } }
        guard hasDerivatives(node) else { return nil }
        let (u, s, v) = reducedFactors(node)
        let dp = dot(dot(u.T, da), v)
        let ds = (dp * rowIdentity(dp)).sum(axis: 0)
        guard computeUV else { return [ds] }
        let f = Self.inverseSquaredGaps(s)
        let rowScale = s.expandingDims([0])
        let columnScale = s.expandingDims([1])
        let dpS = dp * rowScale
        let sdp = columnScale * dp
        let daV = dot(da, v)
        let daTU = dot(da.T, u)
        let du = dot(u, f * (dpS + dpS.T)) + (daV - dot(u, dot(u.T, daV))) / rowScale
        let dv = dot(v, f * (sdp + sdp.T)) + (daTU - dot(v, dot(v.T, daTU))) / rowScale
        return [du, ds, dv.T]
    }
}

/// What ``qr(_:mode:)`` returns, numpy's `qr` modes.
public enum QRMode: String, Sendable, Hashable {
    /// `Q` is `m × k`, `R` is `k × n`, `k = min(m, n)` (numpy's default `'reduced'`).
    case reduced
    /// `Q` is `m × m`, `R` is `m × n` (`'complete'`, PyTensor's `'full'`).
    case complete
}

/// The QR decomposition `A = Q R` by Householder reflections with LAPACK's signs: numpy's `qr`,
/// PyTensor's `QR`. Reduced: `(m,n)->(m,k),(k,n)`; complete: `(m,n)->(m,m),(m,n)`.
///
/// Derivatives (Walter & Lehmann; PyTensor's and JAX's rule) need `m ≥ n` and a full-rank `A`;
/// in complete mode only a statically square `A` (where it equals the reduced one).
public struct QR: Op {
    /// Which factors are returned.
    public let mode: QRMode

    /// - Parameter mode: reduced or complete factors.
    public init(mode: QRMode = .reduced) { self.mode = mode }

    public var description: String { "QR{mode='\(mode.rawValue)'}" }

    /// `(m,n)->(m,k),(k,n)` or `(m,n)->(m,m),(m,n)`.
    public var gufuncSignature: String? { mode == .reduced ? "(m,n)->(m,k),(k,n)" : "(m,n)->(m,m),(m,n)" }

    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        guard inputs.count == 1 else {
            throw CotangentError(.invalidGraph, "\(self): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
        }
        try checkLinalgOperand(self, inputs, position: 0, ranks: 2...2)
        let dtype = linalgDType(inputs[0].dtype)
        let (m, n) = (inputs[0].type.shape[0], inputs[0].type.shape[1])
        let k: Int? = if let m, let n { Swift.min(m, n) } else if m == 0 || n == 0 { 0 } else { nil }
        return mode == .reduced
            ? [TensorType(dtype: dtype, shape: [m, k]), TensorType(dtype: dtype, shape: [k, n])]
            : [TensorType(dtype: dtype, shape: [m, m]), TensorType(dtype: dtype, shape: [m, n])]
    }

    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        node.outputTypes[0].dtype == .float32 ? run(inputs[0], Float.self) : run(inputs[0], Double.self)
    }

    private func run<T: LinalgElement>(_ input: NDArray, _: T.Type) -> [NDArray] {
        let (m, n) = (input.shape[0], input.shape[1])
        if m == 0 || n == 0 {
            // No reflections: Q is the identity (complete) or has no columns (reduced), R is zero.
            let q = NDArray.zeros([m, mode == .reduced ? 0 : m], dtype: T.dtype)
            let identity = mode == .reduced ? q : NDArray(shape: [m, m], elements: (0..<(m * m)).map { $0 % (m + 1) == 0 ? T(1) : T.zero })
            return [identity, NDArray.zeros(mode == .reduced ? [0, n] : [m, n], dtype: T.dtype)]
        }
        let a = input.linalgElements(T.self)
        let factors = a.withUnsafeBufferPointer { a in
            Linalg.qr(a.baseAddress!, rows: m, columns: n, mode: mode == .reduced ? .reduced : .complete)
        }
        return [NDArray(shape: factors.qShape, elements: factors.q), NDArray(shape: factors.rShape, elements: factors.r)]
    }

    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? {
        let (m, n) = (inputShapes[0][0], inputShapes[0][1])
        let k = minimum(m, n)
        return mode == .reduced ? [[m, k], [k, n]] : [[m, m], [m, n]]
    }

    private func hasDerivatives(_ node: Apply) -> Bool {
        let shape = node.inputs[0].type.shape
        if mode == .complete { return shape[0] != nil && shape[0] == shape[1] }
        if let m = shape[0], let n = shape[1] { return m >= n }
        return true
    }

    private static var shapeMessage: String {
        "QR: derivatives need m ≥ n (and, in complete mode, a statically square matrix)"
    }

    /// `Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ` with `M = R R̄ᵀ − Q̄ᵀ Q` and `copyltu(M) = tril(M) + tril(M, −1)ᵀ`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard cotangents.contains(where: { $0 != nil }) else { return [.disconnected] }
        guard hasDerivatives(node) else { return [.undefined(Self.shapeMessage)] }
        let (q, r) = (node.outputs[0], node.outputs[1])
        var m: Variable? = cotangents[1].map { dot(r, $0.T) }
        if let qBar = cotangents[0] {
            let term = dot(qBar.T, q)
            m = m.map { $0 - term } ?? -term
        }
        var b = dot(q, symmetrized(m!, lower: true))
        if let qBar = cotangents[0] { b = b + qBar }
        // B R⁻ᵀ = (R⁻¹ Bᵀ)ᵀ.
        return [.value(solveTriangularCore(r, b.T, lower: false).T)]
    }

    /// With `C = Qᵀ dA R⁻¹` and `Ω = tril(C, −1) − tril(C, −1)ᵀ`: `dQ = Q (Ω − C) + dA R⁻¹`,
    /// `dR = (C − Ω) R`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil, nil] }
        guard hasDerivatives(node) else { return nil }
        let (q, r) = (node.outputs[0], node.outputs[1])
        let daRInverse = solveTriangularCore(r, da.T, lower: false, transposed: true).T
        let c = dot(q.T, daRInverse)
        let strict = triangularPart(c, lower: true, strict: true)
        let omega = strict - strict.T
        return [dot(q, omega - c) + daRInverse, dot(c - omega, r)]
    }
}

/// `diag(x)` for a vector: the square matrix with `x` on its diagonal (local to the linalg rules).
package func diagonalMatrix(_ x: Variable) -> Variable {
    x.expandingDims([0]) * eye(x.length(ofDimension: 0), dtype: x.dtype)
}

// MARK: - User API

/// The Cholesky factor of a (stack of) symmetric positive-definite matrix, reading the lower
/// triangle: `L` with `A = L Lᵀ`, or `U = Lᵀ` when `lower` is false.
///
/// A matrix that is not positive definite is a run-time error naming the op and the batch index,
/// or, with `onError: .nan`, a factor of NaNs (PyTensor's `on_error='nan'`).
public func cholesky(_ a: Variable, lower: Bool = true, onError: CholeskyFailure = .raise) -> Variable {
    blockwise(Cholesky(lower: lower, onError: onError), signature: "(m,m)->(m,m)", [a])
}

/// Eigenvalues (ascending) and eigenvectors (the columns of `eigenvectors`) of a (stack of)
/// symmetric matrix, reading its lower triangle: numpy's `eigh`. See ``Eigh`` for the
/// derivatives' caveat on repeated eigenvalues.
public func eigh(_ a: Variable) -> (eigenvalues: Variable, eigenvectors: Variable) {
    let outputs = blockwiseOutputs(Eigh(), signature: "(m,m)->(m),(m,m)", [a])
    return (outputs[0], outputs[1])
}

/// The eigenvalues (ascending) of a (stack of) symmetric matrix: numpy's `eigvalsh`.
public func eigvalsh(_ a: Variable) -> Variable {
    blockwise(Eigh(computeVectors: false), signature: "(m,m)->(m)", [a])
}

/// The singular value decomposition `A = U diag(s) Vᵀ` of a (stack of) matrix: numpy's `svd`
/// (`vt` is `Vᵀ`; singular values descending). See ``SVD`` for the derivatives' caveats.
public func svd(_ a: Variable, fullMatrices: Bool = true) -> (u: Variable, s: Variable, vt: Variable) {
    let op = SVD(fullMatrices: fullMatrices)
    let outputs = blockwiseOutputs(op, signature: op.gufuncSignature!, [a])
    return (outputs[0], outputs[1], outputs[2])
}

/// The singular values (descending) of a (stack of) matrix: numpy's `svd(a, compute_uv=False)`.
public func singularValues(_ a: Variable) -> Variable {
    blockwise(SVD(computeUV: false), signature: "(m,n)->(k)", [a])
}

/// The QR decomposition `A = Q R` of a (stack of) matrix: numpy's `qr`.
public func qr(_ a: Variable, mode: QRMode = .reduced) -> (q: Variable, r: Variable) {
    let op = QR(mode: mode)
    let outputs = blockwiseOutputs(op, signature: op.gufuncSignature!, [a])
    return (outputs[0], outputs[1])
}

// MARK: - StableHLO

extension Cholesky: BatchedStableHLOLowering {
    /// `stablehlo.cholesky` of the lower triangle (any batch dims), the other triangle zeroed,
    /// transposed for the upper factor.
    ///
    /// XLA cannot raise: for a matrix that is not positive definite its factor holds NaNs
    /// from the failing pivot on. The lowering turns any NaN in a factor into a factor full of
    /// NaNs, so both `onError` modes give what `.nan` gives here (with `.raise`, Cotangent's
    /// own kernel throws instead).
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let a = b.convert(operands[0], to: outputTypes[0].dtype)
        let factor = b.triangularPart(b.choleskyLower(a), lower: true)
        let isNaN = b.compare("NE", factor, factor)
        let anyNaN = b.reduce(
            isNaN, initial: b.constant(0, .bool), dimensions: [a.rank - 2, a.rank - 1], combiner: "stablehlo.or")
        let failed = b.broadcastInDim(anyNaN, shape: a.shape, dimensions: Array(0..<batchRank))
        let result = b.select(failed, b.constant(.nan, like: factor), factor)
        return [lower ? result : b.matrixTranspose(result)]
    }
}

extension Eigh {
    /// Not exportable: StableHLO has no eigensolver.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        throw StableHLONotExportable(
            "StableHLO has no symmetric eigensolver and XLA no portable one (JAX calls LAPACK syevd or cuSOLVER "
                + "through per-platform custom calls)")
    }
}

extension SVD {
    /// Not exportable: StableHLO has no singular value decomposition.
    public func lowerToStableHLO(_ node: Apply, operands: [StableHLOValue], context: any StableHLOContext) throws
        -> [StableHLOValue]
    {
        throw StableHLONotExportable(
            "StableHLO has no singular value decomposition and XLA no portable one (JAX calls LAPACK gesdd or "
                + "cuSOLVER through per-platform custom calls)")
    }
}

extension QR: BatchedStableHLOLowering {
    /// Householder reflections with LAPACK's conventions (`geqrf`: `β = −sign(α)‖x‖`, no
    /// reflection where the part below the diagonal is zero), in a `stablehlo.while` over the
    /// `min(m, n)` columns built from portable ops: each step reflects the trailing columns of
    /// `R` and accumulates `Q ← Q H_k` from the identity. Vectors keep their full length, masked
    /// above the pivot row, so every shape is static. Any batch dims.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let a = b.convert(operands[0], to: outputTypes[0].dtype)
        let (m, n) = (a.shape[batchRank], a.shape[batchRank + 1])
        let k = Swift.min(m, n)
        let batch = Array(a.shape.prefix(batchRank))
        let batchDims = Array(0..<batchRank)
        let squareShape = batch + [m, m]
        let identity = b.convert(
            b.compare(
                "EQ", b.iota(.int64, shape: squareShape, dimension: batchRank),
                b.iota(.int64, shape: squareShape, dimension: batchRank + 1)), to: a.dtype)
        let results = b.countedLoop(count: k, carried: [a, identity]) { b, step, carried in
            let (r, q) = (carried[0], carried[1])
            let zero = b.constant(0, .int64)
            let batchStarts = Array(repeating: zero, count: batchRank)
            let rowIndex = b.iota(.int64, shape: batch + [m], dimension: batchRank)
            let stepVector = b.broadcastInDim(step, shape: batch + [m], dimensions: [])
            let column = b.reshape(b.dynamicSlice(r, starts: batchStarts + [zero, step], sizes: batch + [m, 1]), batch + [m])
            let alpha = b.reshape(b.dynamicSlice(r, starts: batchStarts + [step, step], sizes: batch + [1, 1]), batch)
            let below = b.compare("GT", rowIndex, stepVector)
            let tail = b.select(below, column, b.constant(0, like: column))
            let tailSquares = b.reduce(
                b.multiply(tail, tail), initial: b.constant(0, a.dtype), dimensions: [batchRank], combiner: "stablehlo.add")
            let norm = b.unary("stablehlo.sqrt", b.add(b.multiply(alpha, alpha), tailSquares))
            let beta = b.select(
                b.compare("GE", alpha, b.constant(0, like: alpha)), b.unary("stablehlo.negate", norm), norm)
            let reflects = b.compare("NE", tailSquares, b.constant(0, like: tailSquares))
            let one = b.constant(1, like: alpha)
            let tau = b.select(reflects, b.divide(b.subtract(beta, alpha), b.select(reflects, beta, one)), b.constant(0, like: alpha))
            let scale = b.select(reflects, b.subtract(alpha, beta), one)
            let v = b.select(
                b.compare("EQ", rowIndex, stepVector), b.constant(1, like: column),
                b.divide(tail, b.broadcastInDim(scale, shape: batch + [m], dimensions: batchDims)))
            // R ← H R on the trailing columns; column `step` becomes (…, β, 0, …, 0).
            let vR = b.dotGeneral(v, r, batchA: batchDims, batchB: batchDims, contractA: [batchRank], contractB: [batchRank])
            let tauR = b.broadcastInDim(tau, shape: r.shape, dimensions: batchDims)
            let update = b.multiply(
                tauR,
                b.multiply(
                    b.broadcastInDim(v, shape: r.shape, dimensions: batchDims + [batchRank]),
                    b.broadcastInDim(vR, shape: r.shape, dimensions: batchDims + [batchRank + 1])))
            let columns = b.iota(.int64, shape: r.shape, dimension: batchRank + 1)
            let rows = b.iota(.int64, shape: r.shape, dimension: batchRank)
            let stepR = b.broadcastInDim(step, shape: r.shape, dimensions: [])
            let reflected = b.select(b.compare("GT", columns, stepR), b.subtract(r, update), r)
            let onColumn = b.compare("EQ", columns, stepR)
            let pivotColumn = b.select(
                b.compare("EQ", rows, stepR), b.broadcastInDim(b.select(reflects, beta, alpha), shape: r.shape, dimensions: batchDims),
                b.constant(0, like: r))
            let newR = b.select(
                b.binary("stablehlo.and", onColumn, b.compare("GE", rows, stepR)), pivotColumn, reflected)
            // Q ← Q H = Q − τ (Q v) vᵀ.
            let qv = b.dotGeneral(q, v, batchA: batchDims, batchB: batchDims, contractA: [batchRank + 1], contractB: [batchRank])
            let tauQ = b.broadcastInDim(tau, shape: q.shape, dimensions: batchDims)
            let newQ = b.subtract(
                q,
                b.multiply(
                    tauQ,
                    b.multiply(
                        b.broadcastInDim(qv, shape: q.shape, dimensions: batchDims + [batchRank]),
                        b.broadcastInDim(v, shape: q.shape, dimensions: batchDims + [batchRank + 1]))))
            return [newR, newQ]
        }
        let (r, q) = (results[0], results[1])
        let zeros = Array(repeating: 0, count: batchRank + 2)
        guard mode == .reduced else { return [q, r] }
        return [
            b.slice(q, start: zeros, limit: batch + [m, k]), b.slice(r, start: zeros, limit: batch + [k, n]),
        ]
    }
}
