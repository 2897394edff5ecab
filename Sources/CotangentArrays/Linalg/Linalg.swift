/// Dense linear-algebra kernels in pure Swift (Cholesky, LU, triangular solves, QR, symmetric
/// eigendecomposition, SVD, matrix exponential and powers), each on one matrix.
///
/// Matrices are row-major contiguous buffers (NDArray's C order): element `(i, j)` of an
/// `m × n` matrix is `buffer[i * n + j]`. Right-hand sides `b` of shape `n × k` are row-major
/// too. Batching over leading dimensions is the caller's job. Failures (singular or not
/// positive definite matrices, no convergence) are thrown as ``LinalgError``; no input traps.
///
/// The entry points carry `@_specialize` for `Float` and `Double`: callers in other modules
/// cannot specialize them, and unspecialized generic loops run about a hundred times slower.
package enum Linalg {
    /// The block size of the blocked factorizations: panels this wide are factored with
    /// vector loops, the rest of the matrix is updated with the GEMM.
    static let blockSize = 64
}
