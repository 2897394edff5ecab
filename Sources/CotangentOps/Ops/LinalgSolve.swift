import CotangentArrays
import CotangentGraph

// Linear solves and the inverse: Solve, SolveTriangular, CholeskySolve, MatrixInverse. Each is
// a core op on one matrix (and one right-hand side); the user functions wrap it in Blockwise so
// it batches over leading dims, as PyTensor's `pytensor.tensor.linalg` does.

/// What ``solve(_:_:assume:)`` may assume about the matrix (scipy's `assume_a`).
public enum MatrixStructure: String, Sendable, Hashable {
    /// Any square matrix: LU with partial pivoting (`'gen'`).
    case general = "gen"
    /// Symmetric: only the lower triangle is read (`'sym'`).
    case symmetric = "sym"
    /// Symmetric positive definite: Cholesky, reading the lower triangle (`'pos'`).
    case positiveDefinite = "pos"
}

/// `A x = b` for a square `A`: PyTensor's `Solve`, printed `Solve{assume_a='gen', lower=True, b_ndim=2}`.
///
/// With ``MatrixStructure/symmetric`` or ``MatrixStructure/positiveDefinite`` only the lower
/// triangle of `A` is read (the upper one is taken as its mirror), and the gradient with respect
/// to `A` is that of the triangle actually read.
public struct Solve: LinearSolveOp {
    /// What the kernel assumes about `A`.
    public let assume: MatrixStructure
    /// 1 when `b` is a vector, 2 when it is a matrix of right-hand sides.
    public let bNdim: Int

    /// - Parameters:
    ///   - assume: the structure of `A` the kernel uses.
    ///   - bNdim: the core rank of `b` (1 or 2).
    public init(assume: MatrixStructure = .general, bNdim: Int = 2) {
        self.assume = assume
        self.bNdim = bNdim
    }

    public var description: String { "Solve{assume_a='\(assume.rawValue)', lower=True, b_ndim=\(bNdim)}" }

    package func solve<T: LinalgElement>(
        _ a: UnsafeMutablePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns: Int
    ) throws(LinalgError) {
        switch assume {
        case .general:
            try Linalg.solve(a, order: n, b, columns: columns)
        case .symmetric:
            // Mirror the lower triangle, then LU.
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { a[i * n + j] = a[j * n + i] } }
            try Linalg.solve(a, order: n, b, columns: columns)
        case .positiveDefinite:
            try Linalg.cholesky(a, order: n, lower: true)
            try Linalg.solveTriangular(a, order: n, b, columns: columns, lower: true)
            try Linalg.solveTriangular(a, order: n, b, columns: columns, lower: true, transposed: true)
        }
    }
}

/// `op(A) x = b` for a triangular `A` (`op` the identity or the transpose): scipy's
/// `solve_triangular`, PyTensor's `SolveTriangular`. Only the triangle named by ``lower`` is read;
/// ``unitDiagonal`` takes the diagonal as ones without reading it.
public struct SolveTriangular: LinearSolveOp {
    /// Whether `A` is lower (else upper) triangular.
    public let lower: Bool
    /// Whether to solve with `Aᵀ` (scipy's `trans=1`).
    public let transposed: Bool
    /// Whether the diagonal is taken as ones.
    public let unitDiagonal: Bool
    /// 1 when `b` is a vector, 2 when it is a matrix.
    public let bNdim: Int

    /// - Parameters:
    ///   - lower: whether `A` is lower triangular.
    ///   - transposed: solve `Aᵀ x = b` instead.
    ///   - unitDiagonal: take the diagonal as ones.
    ///   - bNdim: the core rank of `b` (1 or 2).
    public init(lower: Bool = true, transposed: Bool = false, unitDiagonal: Bool = false, bNdim: Int = 2) {
        self.lower = lower
        self.transposed = transposed
        self.unitDiagonal = unitDiagonal
        self.bNdim = bNdim
    }

    public var description: String {
        "SolveTriangular{trans=\(transposed ? 1 : 0), unit_diagonal=\(unitDiagonal ? "True" : "False"), "
            + "lower=\(lower ? "True" : "False"), b_ndim=\(bNdim)}"
    }

    package func solve<T: LinalgElement>(
        _ a: UnsafeMutablePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns: Int
    ) throws(LinalgError) {
        try Linalg.solveTriangular(
            a, order: n, b, columns: columns, lower: lower, transposed: transposed, unitDiagonal: unitDiagonal)
    }

    /// The triangle of `x` this op reads (strictly off the diagonal with a unit diagonal).
    package func readPart(_ x: Variable) -> Variable {
        triangularPart(x, lower: lower, strict: unitDiagonal)
    }
}

/// `(L Lᵀ) x = b` given the Cholesky factor `L` (or `(Uᵀ U) x = b` given `U` when not
/// ``lower``): scipy's `cho_solve`, PyTensor's `CholeskySolve`. Only that triangle is read.
public struct CholeskySolve: LinearSolveOp {
    /// Whether the factor is lower (`L`) or upper (`U = Lᵀ`) triangular.
    public let lower: Bool
    /// 1 when `b` is a vector, 2 when it is a matrix.
    public let bNdim: Int

    /// - Parameters:
    ///   - lower: whether the factor is lower triangular.
    ///   - bNdim: the core rank of `b` (1 or 2).
    public init(lower: Bool = true, bNdim: Int = 2) {
        self.lower = lower
        self.bNdim = bNdim
    }

    public var description: String { "CholeskySolve{lower=\(lower ? "True" : "False"), b_ndim=\(bNdim)}" }

    package func solve<T: LinalgElement>(
        _ a: UnsafeMutablePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns: Int
    ) throws(LinalgError) {
        // L Lᵀ x = b: L y = b, then Lᵀ x = y (Uᵀ U: Uᵀ y = b, then U x = y).
        try Linalg.solveTriangular(a, order: n, b, columns: columns, lower: lower, transposed: !lower)
        try Linalg.solveTriangular(a, order: n, b, columns: columns, lower: lower, transposed: lower)
    }
}

/// `A⁻¹` by LU with partial pivoting: PyTensor's `MatrixInverse`.
public struct MatrixInverse: SquareMatrixTransformOp {
    /// The op (it has no properties).
    public init() {}

    public var description: String { "MatrixInverse" }

    package func transform<T: LinalgElement>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError) {
        try Linalg.invert(a, order: n)
    }
}

// MARK: - The shared op body

/// A core op solving `op(A) x = b` for one square matrix and a right-hand side of core rank
/// ``bNdim``: Solve, SolveTriangular and CholeskySolve differ only in their kernel, so the
/// signature, static types, dtype dispatch and shape inference live here once.
package protocol LinearSolveOp: Op {
    /// 1 when `b` is a vector, 2 when it is a matrix of right-hand sides.
    var bNdim: Int { get }

    /// Overwrites the `n × columns` row-major `b` with the solution, given a row-major copy of
    /// the order-`n` matrix `a` that it may overwrite.
    func solve<T: LinalgElement>(
        _ a: UnsafeMutablePointer<T>, order n: Int, _ b: UnsafeMutablePointer<T>, columns: Int
    ) throws(LinalgError)
}

extension LinearSolveOp {
    /// `(m,m),(m)->(m)` or `(m,m),(m,n)->(m,n)`.
    public var gufuncSignature: String? { bNdim == 1 ? "(m,m),(m)->(m)" : "(m,m),(m,n)->(m,n)" }

    /// The right-hand side's static shape, float32 only when both inputs are float32.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkSolveInputs(self, inputs, bNdim: bNdim)
        return [TensorType(dtype: linalgDType(inputs), shape: inputs[1].type.shape)]
    }

    /// Runs ``solve(_:order:_:columns:)`` in the output's dtype on copies of the inputs.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireSolveShapes(self, inputs)
        return node.outputTypes[0].dtype == .float32 ? [try run(inputs, Float.self)] : [try run(inputs, Double.self)]
    }

    private func run<T: LinalgElement>(_ inputs: [NDArray], _: T.Type) throws -> NDArray {
        try solving(self, inputs, bNdim: bNdim, T.self) { a, n, b, columns throws(LinalgError) in
            try self.solve(a, order: n, b, columns: columns)
        }
    }

    /// The right-hand side's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[1]] }
}

// MARK: - Checks

/// One square matrix input.
package func checkSquareInput(_ op: some Op, _ inputs: [Variable]) throws {
    guard inputs.count == 1 else {
        throw CotangentError(.invalidGraph, "\(op): expects 1 input, got \(inputs.count) (\(describeTypes(inputs)))")
    }
    try checkLinalgOperand(op, inputs, position: 0, ranks: 2...2, square: true)
}

/// A square matrix and a right-hand side of core rank `bNdim` with as many rows.
private func checkSolveInputs(_ op: some Op, _ inputs: [Variable], bNdim: Int) throws {
    guard inputs.count == 2 else {
        throw CotangentError(.invalidGraph, "\(op): expects 2 inputs, got \(inputs.count) (\(describeTypes(inputs)))")
    }
    guard bNdim == 1 || bNdim == 2 else {
        throw CotangentError(.invalidGraph, "\(op): b_ndim must be 1 or 2, got \(bNdim)")
    }
    try checkLinalgOperand(op, inputs, position: 0, ranks: 2...2, square: true)
    try checkRightHandSide(op, inputs, bNdim: bNdim)
}

private func requireSolveShapes(_ op: some Op, _ inputs: [NDArray]) throws {
    try requireSquare(op, inputs[0])
    guard inputs[1].shape.first == inputs[0].shape[0] else {
        throw CotangentError(
            .shapeMismatch,
            "\(op): the right-hand side of shape \(formatShape(inputs[1].shape)) does not match the matrix "
                + "of shape \(formatShape(inputs[0].shape))")
    }
}

// MARK: - Derivatives

extension Solve {
    /// The matrix the kernel uses: `A`, or the symmetric matrix mirrored from its lower triangle.
    package func effective(_ a: Variable) -> Variable { assume == .general ? a : symmetrized(a, lower: true) }

    /// Giles: `b̄ = A⁻ᵀ ḡ`, `Ā = −b̄ xᵀ` (for a symmetric kernel, the adjoint of the triangle read).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected, .disconnected] }
        let (a, x) = (node.inputs[0], node.outputs[0])
        let bBar = assume == .general ? solveCore(a.T, g, assume: .general) : solveCore(a, g, assume: assume)
        let aBar = -outerOrProduct(bBar, x)
        return [.value(assume == .general ? aBar : symmetrizedAdjoint(aBar, lower: true)), .value(bBar)]
    }

    /// `dx = A⁻¹ (db − dA x)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let (a, x) = (node.inputs[0], node.outputs[0])
        var rhs: Variable? = tangents[1]
        if let da = tangents[0] {
            let term = dot(effective(da), x)
            rhs = rhs.map { $0 - term } ?? -term
        }
        return [rhs.map { solveCore(a, $0, assume: assume) }]
    }
}

extension SolveTriangular {
    /// `b̄ = op(A)⁻ᵀ ḡ`, `Ā = −b̄ xᵀ` (or `−x b̄ᵀ` when transposed) on the triangle read.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected, .disconnected] }
        let (a, x) = (node.inputs[0], node.outputs[0])
        let bBar = solveTriangularCore(
            a, g, lower: lower, transposed: !transposed, unitDiagonal: unitDiagonal)
        let aBar = transposed ? -outerOrProduct(x, bBar) : -outerOrProduct(bBar, x)
        return [.value(readPart(aBar)), .value(bBar)]
    }

    /// `dx = op(A)⁻¹ (db − op(dA) x)`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let (a, x) = (node.inputs[0], node.outputs[0])
        var rhs: Variable? = tangents[1]
        if let da = tangents[0] {
            let part = readPart(da)
            let term = dot(transposed ? part.T : part, x)
            rhs = rhs.map { $0 - term } ?? -term
        }
        return [rhs.map {
            solveTriangularCore(a, $0, lower: lower, transposed: transposed, unitDiagonal: unitDiagonal)
        }]
    }
}

extension CholeskySolve {
    /// With `C = L Lᵀ`: `b̄ = C⁻¹ ḡ`, `C̄ = −b̄ xᵀ`, and `L̄ = tril((C̄ + C̄ᵀ) L)`
    /// (`Ū = triu(U (C̄ + C̄ᵀ))` for `C = Uᵀ U`).
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected, .disconnected] }
        // The kernel reads one triangle; the other may hold anything.
        let factor = triangularPart(node.inputs[0], lower: lower)
        let x = node.outputs[0]
        let bBar = choleskySolveCore(node.inputs[0], g, lower: lower)
        let cBar = -outerOrProduct(bBar, x)
        let symmetric = cBar + cBar.T
        let factorBar = lower ? dot(symmetric, factor) : dot(factor, symmetric)
        return [.value(triangularPart(factorBar, lower: lower)), .value(bBar)]
    }

    /// `dx = C⁻¹ (db − dC x)` with `dC = dL Lᵀ + L dLᵀ`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        let factor = triangularPart(node.inputs[0], lower: lower)
        let x = node.outputs[0]
        var rhs: Variable? = tangents[1]
        if let dFactor = tangents[0] {
            let part = triangularPart(dFactor, lower: lower)
            let dC = lower ? dot(part, factor.T) + dot(factor, part.T) : dot(part.T, factor) + dot(factor.T, part)
            let term = dot(dC, x)
            rhs = rhs.map { $0 - term } ?? -term
        }
        return [rhs.map { choleskySolveCore(node.inputs[0], $0, lower: lower) }]
    }
}

extension MatrixInverse {
    /// `Ā = −Xᵀ Ḡ Xᵀ` for `X = A⁻¹`.
    public func pullback(_ node: Apply, cotangents: [Variable?]) -> [InputGradient] {
        guard let g = cotangents[0] else { return [.disconnected] }
        let xT = node.outputs[0].T
        return [.value(-dot(dot(xT, g), xT))]
    }

    /// `dX = −X dA X`.
    public func pushforward(_ node: Apply, tangents: [Variable?]) -> [Variable?]? {
        guard let da = tangents[0] else { return [nil] }
        let x = node.outputs[0]
        return [-dot(dot(x, da), x)]
    }
}

// MARK: - Core builders (used by the rules, which work on unbatched core matrices)

/// The ``Solve`` of core operands, wrapped in Blockwise like the user function.
package func solveCore(_ a: Variable, _ b: Variable, assume: MatrixStructure) -> Variable {
    let op = Solve(assume: assume, bNdim: b.ndim == 1 ? 1 : 2)
    return blockwise(op, signature: op.gufuncSignature!, [a, b])
}

package func solveTriangularCore(
    _ a: Variable, _ b: Variable, lower: Bool, transposed: Bool = false, unitDiagonal: Bool = false
) -> Variable {
    let op = SolveTriangular(lower: lower, transposed: transposed, unitDiagonal: unitDiagonal, bNdim: b.ndim == 1 ? 1 : 2)
    return blockwise(op, signature: op.gufuncSignature!, [a, b])
}

package func choleskySolveCore(_ factor: Variable, _ b: Variable, lower: Bool) -> Variable {
    let op = CholeskySolve(lower: lower, bNdim: b.ndim == 1 ? 1 : 2)
    return blockwise(op, signature: op.gufuncSignature!, [factor, b])
}

// MARK: - User API

/// Whether `b` is read as a stack of vectors: PyTensor's rule, a 1-d `b` is one vector and any
/// other is a (stack of) matrix of right-hand sides.
private func rightHandSideRank(_ b: Variable) -> Int { b.ndim == 1 ? 1 : 2 }

/// Batched operands of a solve: `a` needs 2 dims, `b` at least its core rank.
private func solveOperandsAreValid(_ name: String, _ a: Variable, _ b: Variable) -> Bool {
    guard a.ndim >= 2, b.ndim >= 1 else {
        reportBuildError(
            CotangentError(
                .invalidGraph,
                "\(name): expects a (stack of) square matrix and a right-hand side of at least 1 dim; input "
                    + "types: \(describeTypes([a, b]))"))
        return false
    }
    return true
}

/// The solution `x` of `A x = b`, scipy's `solve`, batched over leading dims.
///
/// ```swift
/// let x = solve(A, b)                              // LU
/// let y = solve(K, b, assume: .positiveDefinite)   // Cholesky
/// ```
///
/// A 1-d `b` is one right-hand side; otherwise `b`'s last two dims are a matrix of right-hand
/// sides. A singular (or, for `.positiveDefinite`, not positive definite) matrix is a run-time
/// error naming the op and the batch index.
public func solve(_ a: Variable, _ b: Variable, assume: MatrixStructure = .general) -> Variable {
    guard solveOperandsAreValid("solve", a, b) else { return placeholderVariable(TensorType(dtype: linalgDType([a, b]), shape: b.type.shape)) }
    let op = Solve(assume: assume, bNdim: rightHandSideRank(b))
    return blockwise(op, signature: op.gufuncSignature!, [a, b])
}

/// The solution of `A x = b` (or `Aᵀ x = b` when `transposed`) for a triangular `A`, scipy's
/// `solve_triangular`, batched over leading dims. Only the triangle named by `lower` is read.
public func solveTriangular(
    _ a: Variable, _ b: Variable, lower: Bool = true, transposed: Bool = false, unitDiagonal: Bool = false
) -> Variable {
    guard solveOperandsAreValid("solveTriangular", a, b) else { return placeholderVariable(TensorType(dtype: linalgDType([a, b]), shape: b.type.shape)) }
    let op = SolveTriangular(lower: lower, transposed: transposed, unitDiagonal: unitDiagonal, bNdim: rightHandSideRank(b))
    return blockwise(op, signature: op.gufuncSignature!, [a, b])
}

/// The solution of `L Lᵀ x = b` given the Cholesky factor `L` (`Uᵀ U x = b` given `U` when
/// `lower` is false), scipy's `cho_solve`, batched over leading dims.
public func choleskySolve(_ factor: Variable, _ b: Variable, lower: Bool = true) -> Variable {
    guard solveOperandsAreValid("choleskySolve", factor, b) else { return placeholderVariable(TensorType(dtype: linalgDType([factor, b]), shape: b.type.shape)) }
    let op = CholeskySolve(lower: lower, bNdim: rightHandSideRank(b))
    return blockwise(op, signature: op.gufuncSignature!, [factor, b])
}

/// The inverse of a (stack of) square matrix, numpy's `inv`. A singular matrix is a run-time
/// error naming the op and the batch index.
public func inv(_ a: Variable) -> Variable {
    blockwise(MatrixInverse(), signature: "(m,m)->(m,m)", [a])
}

// MARK: - StableHLO

extension Solve: BatchedStableHLOLowering {
    /// General: the portable LU with partial pivoting (``StableHLOBuilder/luDecomposition(_:)``)
    /// and two triangular solves; symmetric: the same on the matrix mirrored from its lower
    /// triangle; positive definite: `stablehlo.cholesky` and two triangular solves. Any batch
    /// dims. XLA cannot raise: a singular (or not positive definite) matrix gives infinities
    /// or NaNs where Cotangent's kernel throws.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let dtype = outputTypes[0].dtype
        let a = b.convert(operands[0], to: dtype)
        let rhs = rightHandSideMatrix(b.convert(operands[1], to: dtype), bNdim: bNdim, builder: b)
        let x: StableHLOValue
        switch assume {
        case .general, .symmetric:
            let matrix = assume == .general ? a : b.select(b.triangleMask(a.shape, lower: true), a, b.matrixTranspose(a))
            let (lu, perm, _) = b.luDecomposition(matrix)
            x = b.luSolve(lu: lu, perm: perm, rhs)
        case .positiveDefinite:
            let factor = b.choleskyLower(a)
            let y = b.triangularSolve(factor, rhs, lower: true)
            x = b.triangularSolve(factor, y, lower: true, transposeA: true)
        }
        return [b.reshape(x, outputTypes[0].shape)]
    }
}

extension SolveTriangular: BatchedStableHLOLowering {
    /// `stablehlo.triangular_solve` with the op's triangle, transpose and unit diagonal (it
    /// reads only that triangle, as the kernel does). Any batch dims.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let dtype = outputTypes[0].dtype
        let a = b.convert(operands[0], to: dtype)
        let rhs = rightHandSideMatrix(b.convert(operands[1], to: dtype), bNdim: bNdim, builder: b)
        let x = b.triangularSolve(a, rhs, lower: lower, transposeA: transposed, unitDiagonal: unitDiagonal)
        return [b.reshape(x, outputTypes[0].shape)]
    }
}

extension CholeskySolve: BatchedStableHLOLowering {
    /// Two `stablehlo.triangular_solve`s with the factor: `L y = b`, `Lᵀ x = y` (or `Uᵀ y = b`,
    /// `U x = y`). Any batch dims.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let dtype = outputTypes[0].dtype
        let factor = b.convert(operands[0], to: dtype)
        let rhs = rightHandSideMatrix(b.convert(operands[1], to: dtype), bNdim: bNdim, builder: b)
        let y = b.triangularSolve(factor, rhs, lower: lower, transposeA: !lower)
        let x = b.triangularSolve(factor, y, lower: lower, transposeA: lower)
        return [b.reshape(x, outputTypes[0].shape)]
    }
}

extension MatrixInverse: BatchedStableHLOLowering {
    /// The LU solve of the identity (any batch dims); a singular matrix gives infinities or
    /// NaNs where Cotangent's kernel throws.
    package func lowerToStableHLO(
        batched node: Apply, operands: [StableHLOValue], batchRank: Int, outputTypes: [StableHLOType],
        context: any StableHLOContext
    ) throws -> [StableHLOValue] {
        let b = context.builder
        let a = b.convert(operands[0], to: outputTypes[0].dtype)
        let eye = b.convert(
            b.compare(
                "EQ", b.iota(.int64, shape: a.shape, dimension: a.rank - 2),
                b.iota(.int64, shape: a.shape, dimension: a.rank - 1)), to: a.dtype)
        let (lu, perm, _) = b.luDecomposition(a)
        return [b.luSolve(lu: lu, perm: perm, eye)]
    }
}
