import CotangentArrays
import CotangentGraph

// Shared pieces of the linear-algebra op families (LinalgDecompositions.swift,
// LinalgSolve.swift, LinalgDeterminants.swift, LinalgFunctions.swift): the dtype rule, the
// checks every core op makes on its inputs, the copies between NDArrays and the row-major
// buffers of CotangentArrays' `Linalg` kernels, and the small graph helpers their derivative
// rules share.

/// A float element type the `Linalg` kernels compute in.
package protocol LinalgElement: LinalgScalar, ArrayElement {}
extension Float: LinalgElement {}
extension Double: LinalgElement {}

/// The dtype a linear-algebra op computes and returns: float32 stays float32, every other dtype
/// (float64, integers, bool) becomes float64, as PyTensor's linalg ops upcast to `floatX`.
package func linalgDType(_ dtype: DType) -> DType { dtype == .float32 ? .float32 : .float64 }

/// The dtype of several operands together (float32 only when all are float32).
package func linalgDType(_ inputs: [Variable]) -> DType {
    inputs.allSatisfy { $0.dtype == .float32 } ? .float32 : .float64
}

/// A graph-building check of a core linear-algebra op: `input` has `rank` dims (and, when
/// `square`, equal last two static lengths).
package func checkLinalgOperand(
    _ op: some Op, _ inputs: [Variable], position: Int, ranks: ClosedRange<Int>, square: Bool = false,
    role: String = "a matrix"
) throws {
    let input = inputs[position]
    guard ranks.contains(input.ndim) else {
        throw CotangentError(
            .invalidGraph,
            "\(op): input \(position) must be \(role) (\(ranks.lowerBound == ranks.upperBound ? "\(ranks.lowerBound)" : "\(ranks.lowerBound) or \(ranks.upperBound)")-d), "
                + "got \(input.type); input types: \(describeTypes(inputs))")
    }
    if square, let rows = input.type.shape[0], let columns = input.type.shape[1], rows != columns {
        throw CotangentError(
            .invalidGraph,
            "\(op): input \(position) must be a square matrix, got shape \(TensorType.format(input.type.shape)); "
                + "input types: \(describeTypes(inputs))")
    }
}

/// A graph-building check that a right-hand side's leading length matches the matrix order.
package func checkRightHandSide(_ op: some Op, _ inputs: [Variable], bNdim: Int) throws {
    try checkLinalgOperand(op, inputs, position: 1, ranks: bNdim...bNdim, role: bNdim == 1 ? "a vector" : "a matrix")
    if let order = inputs[0].type.shape[0], let rows = inputs[1].type.shape[0], order != rows {
        throw CotangentError(
            .invalidGraph,
            "\(op): the right-hand side has \(rows) rows but the matrix has order \(order); input types: "
                + describeTypes(inputs))
    }
}

/// The run-time check that a core block is square.
package func requireSquare(_ op: some Op, _ a: NDArray) throws {
    guard a.ndim == 2, a.shape[0] == a.shape[1] else {
        throw CotangentError(.shapeMismatch, "\(op): expected a square matrix, got shape \(formatShape(a.shape))")
    }
}

/// A `LinalgError` as the typed error of the op that met it.
package func linalgFailure(_ op: some Op, _ error: any Error) -> CotangentError {
    guard let error = error as? LinalgError else {
        return error as? CotangentError ?? CotangentError(.invalidValue, "\(op): \(error)")
    }
    switch error {
    case .notPositiveDefinite(let pivot):
        return CotangentError(
            .invalidValue,
            "\(op): the matrix is not positive definite (the leading minor of order \(pivot + 1) is not positive)")
    case .singular(let pivot):
        return CotangentError(.invalidValue, "\(op): the matrix is singular (zero pivot at index \(pivot))")
    case .noConvergence:
        return CotangentError(.invalidValue, "\(op): the iteration did not converge (NaN or infinite input?)")
    }
}

extension NDArray {
    /// The elements, row-major, converted to `T`.
    package func linalgElements<T: LinalgElement>(_: T.Type) -> [T] {
        converted(to: T.dtype).asArray(T.self)
    }
}

// MARK: - Kernel drivers

/// Runs `kernel` in place on a row-major `T` copy of the square matrix `input` (skipped for an
/// empty one) and returns the result; a kernel failure becomes the op's typed error.
package func transformingSquare<T: LinalgElement>(
    _ op: some Op, _ input: NDArray, _: T.Type,
    _ kernel: (UnsafeMutablePointer<T>, _ order: Int) throws(LinalgError) -> Void
) throws -> NDArray {
    let n = input.shape[0]
    var a = input.linalgElements(T.self)
    do {
        try a.withUnsafeMutableBufferPointer { a throws(LinalgError) in
            guard n > 0 else { return }
            try kernel(a.baseAddress!, n)
        }
    } catch { throw linalgFailure(op, error) }
    return NDArray(shape: input.shape, elements: a)
}

/// Runs the solve `kernel` on row-major `T` copies of the square matrix `inputs[0]` and the
/// right-hand side `inputs[1]` (a vector when `bNdim` is 1) and returns the solution.
package func solving<T: LinalgElement>(
    _ op: some Op, _ inputs: [NDArray], bNdim: Int, _: T.Type,
    _ kernel: (UnsafeMutablePointer<T>, _ order: Int, UnsafeMutablePointer<T>, _ columns: Int) throws(LinalgError) -> Void
) throws -> NDArray {
    let n = inputs[0].shape[0]
    let columns = bNdim == 1 ? 1 : inputs[1].shape[1]
    var a = inputs[0].linalgElements(T.self)
    var b = inputs[1].linalgElements(T.self)
    do {
        try a.withUnsafeMutableBufferPointer { a throws(LinalgError) in
            try b.withUnsafeMutableBufferPointer { b throws(LinalgError) in
                guard n > 0, columns > 0 else { return }
                try kernel(a.baseAddress!, n, b.baseAddress!, columns)
            }
        }
    } catch { throw linalgFailure(op, error) }
    return NDArray(shape: inputs[1].shape, elements: b)
}

// MARK: - Square matrix in, same-shape matrix out

/// A core op taking one square matrix to a matrix of the same shape with an in-place kernel
/// (MatrixInverse, Expm, Cholesky): the signature, static types, dtype dispatch and shape
/// inference live here once.
package protocol SquareMatrixTransformOp: Op {
    /// Overwrites the row-major order-`n` matrix `a` (n > 0) with the result.
    func transform<T: LinalgElement>(_ a: UnsafeMutablePointer<T>, order n: Int) throws(LinalgError)

    /// The result for one core matrix in `T`; by default ``transform(_:order:)`` on a copy,
    /// a kernel failure becoming the op's typed error.
    func transformed<T: LinalgElement>(_ input: NDArray, _: T.Type) throws -> NDArray
}

extension SquareMatrixTransformOp {
    /// `(m,m)->(m,m)`.
    public var gufuncSignature: String? { "(m,m)->(m,m)" }

    /// The input's static shape, float32 for float32 input and float64 for every other dtype.
    public func outputTypes(for inputs: [Variable]) throws -> [TensorType] {
        try checkSquareInput(self, inputs)
        return [TensorType(dtype: linalgDType(inputs[0].dtype), shape: inputs[0].type.shape)]
    }

    /// Runs ``transformed(_:_:)`` in the output's dtype.
    public func perform(_ inputs: [NDArray], node: Apply) throws -> [NDArray] {
        try requireSquare(self, inputs[0])
        return node.outputTypes[0].dtype == .float32
            ? [try transformed(inputs[0], Float.self)] : [try transformed(inputs[0], Double.self)]
    }

    /// The input's shape.
    public func inferShape(_ node: Apply, inputShapes: [[Variable]]) -> [[Variable]]? { [inputShapes[0]] }

    package func transformed<T: LinalgElement>(_ input: NDArray, _: T.Type) throws -> NDArray {
        try transformingSquare(self, input, T.self) { a, n throws(LinalgError) in try self.transform(a, order: n) }
    }
}

// MARK: - Graph helpers for the derivative rules (2-d core matrices)

/// The identity matrix of `x`'s order (its number of rows) in `x`'s dtype.
package func rowIdentity(_ x: Variable) -> Variable {
    eye(x.length(ofDimension: 0), dtype: x.dtype)
}

/// The part of the square `x` on and below (`lower`) or above the diagonal, shifted by
/// `strict` off it. Built from an index comparison so it needs no static shape.
package func triangularPart(_ x: Variable, lower: Bool, strict: Bool = false) -> Variable {
    let i = arange(x.length(ofDimension: 0))
    let rows = i.expandingDims([1])
    let columns = i.expandingDims([0])
    let mask: Variable =
        switch (lower, strict) {
        case (true, false): rows .>= columns
        case (true, true): rows .> columns
        case (false, false): rows .<= columns
        case (false, true): rows .< columns
        }
    return select(mask, x, zerosLike(x))
}

/// The diagonal of the square `x` as a diagonal matrix.
package func diagonalPart(_ x: Variable) -> Variable { x * rowIdentity(x) }

/// For a kernel that reads one triangle of a symmetric matrix (the lower one when `lower`):
/// the matrix it actually uses, `tril(x) + tril(x, -1)ᵀ`.
package func symmetrized(_ x: Variable, lower: Bool) -> Variable {
    let strict = triangularPart(x, lower: lower, strict: true)
    return triangularPart(x, lower: lower) + strict.T
}

/// The adjoint of ``symmetrized(_:lower:)``: the gradient with respect to the input of a kernel
/// reading one triangle, given a gradient `g` valid for symmetric perturbations:
/// `tril(g + gᵀ) − diag(g)` (triu for `lower: false`), so entries of the unread triangle get none.
package func symmetrizedAdjoint(_ g: Variable, lower: Bool) -> Variable {
    triangularPart(g + g.T, lower: lower) - diagonalPart(g)
}

/// A right-hand side as a matrix (a vector becomes one column), and back.
package func asColumns(_ b: Variable) -> Variable { b.ndim == 1 ? b.expandingDims([1]) : b }

/// `u vᵀ` for vectors, `u vᵀ` for matrices (the rank-k update a solve's gradient needs).
package func outerOrProduct(_ u: Variable, _ v: Variable) -> Variable {
    u.ndim == 1 ? outer(u, v) : dot(u, v.T)
}
