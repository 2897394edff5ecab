/// Why a dense linear-algebra kernel could not produce its result. Indices are 0-based.
package enum LinalgError: Error, Equatable, Sendable {
    /// Cholesky: the leading principal minor of order `pivot + 1` is not positive (or is NaN),
    /// so the matrix is not positive definite (LAPACK's `info = pivot + 1`).
    case notPositiveDefinite(pivot: Int)
    /// The matrix is singular: the diagonal element `pivot` of its triangular (or LU `U`)
    /// factor is exactly zero.
    case singular(pivot: Int)
    /// An iterative eigenvalue or singular-value solver did not converge (NaN or infinite input).
    case noConvergence
}
