import Glibc

/// A float element type the dense linear-algebra kernels (``Linalg``) work in: `Float` and
/// `Double`. Products inside the factorizations go through the blocked GEMM
/// (``LinalgProduct``).
///
/// Every kernel reads and writes matrices as row-major contiguous buffers (NDArray's C order):
/// element `(i, j)` of an `m × n` matrix is `buffer[i * n + j]`.
package protocol LinalgScalar: ArrayElement, BlockedProductElement {
    /// The natural logarithm (for `slogdet`).
    static func naturalLog(_ x: Self) -> Self
}

extension StridedMatrix {
    /// The matrix at `base` with row stride `rowStride` and column stride `columnStride`
    /// (1 for row-major storage).
    init(_ base: UnsafePointer<T>, rowStride: Int, columnStride: Int = 1) {
        self.init(base: base, rowStride: rowStride, columnStride: columnStride)
    }
}

extension Double: LinalgScalar {
    @inlinable package static func naturalLog(_ x: Double) -> Double { Glibc.log(x) }
}

extension Float: LinalgScalar {
    @inlinable package static func naturalLog(_ x: Float) -> Float { Glibc.logf(x) }
}
