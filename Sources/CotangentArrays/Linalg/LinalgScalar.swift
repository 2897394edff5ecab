import Glibc

/// A float element type the dense linear-algebra kernels (``Linalg``) work in: `Float` and
/// `Double`.
///
/// Every kernel reads and writes matrices as row-major contiguous buffers (NDArray's C order):
/// element `(i, j)` of an `m × n` matrix is `buffer[i * n + j]`.
package protocol LinalgScalar: ArrayElement, BinaryFloatingPoint, SIMDScalar {
    /// The natural logarithm (for `slogdet`).
    static func naturalLog(_ x: Self) -> Self

    /// `c[m × n] (row stride cRowStride) -= a · b` for an `m × k` matrix `a` and a `k × n`
    /// matrix `b` read through strides: the blocked updates of the factorizations.
    static func subtractProduct(
        _ a: StridedOperand<Self>, _ b: StridedOperand<Self>, m: Int, k: Int, n: Int,
        from c: UnsafeMutablePointer<Self>, cRowStride: Int)

    /// `c[m × n] (row stride cRowStride) = a · b` (overwritten), for any `k ≥ 0`.
    static func storeProduct(
        _ a: StridedOperand<Self>, _ b: StridedOperand<Self>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<Self>, cRowStride: Int)
}

/// A read-only matrix operand of a product: element `(i, j)` is
/// `base[i * rowStride + j * columnStride]`, so transposes are the same memory with the strides
/// swapped.
package struct StridedOperand<T> {
    /// The address of element `(0, 0)`.
    package var base: UnsafePointer<T>
    /// The distance between consecutive rows, in elements.
    package var rowStride: Int
    /// The distance between consecutive columns, in elements.
    package var columnStride: Int

    /// A row-major matrix with row stride `rowStride`.
    package init(_ base: UnsafePointer<T>, rowStride: Int) {
        self.init(base, rowStride: rowStride, columnStride: 1)
    }

    /// A matrix read through arbitrary strides.
    package init(_ base: UnsafePointer<T>, rowStride: Int, columnStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    /// The transpose: the same elements with the strides swapped.
    package var transposed: StridedOperand { StridedOperand(base, rowStride: columnStride, columnStride: rowStride) }

    @inline(__always) subscript(row: Int, column: Int) -> T {
        base[row &* rowStride + column &* columnStride]
    }
}

extension Double: LinalgScalar {
    @inlinable package static func naturalLog(_ x: Double) -> Double { Glibc.log(x) }

    package static func subtractProduct(
        _ a: StridedOperand<Double>, _ b: StridedOperand<Double>, m: Int, k: Int, n: Int,
        from c: UnsafeMutablePointer<Double>, cRowStride: Int
    ) {
        LinalgProduct.subtract(a, b, m: m, k: k, n: n, from: c, cRowStride: cRowStride)
    }

    package static func storeProduct(
        _ a: StridedOperand<Double>, _ b: StridedOperand<Double>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<Double>, cRowStride: Int
    ) {
        LinalgProduct.store(a, b, m: m, k: k, n: n, into: c, cRowStride: cRowStride)
    }
}

extension Float: LinalgScalar {
    @inlinable package static func naturalLog(_ x: Float) -> Float { Glibc.logf(x) }

    package static func subtractProduct(
        _ a: StridedOperand<Float>, _ b: StridedOperand<Float>, m: Int, k: Int, n: Int,
        from c: UnsafeMutablePointer<Float>, cRowStride: Int
    ) {
        LinalgProduct.subtract(a, b, m: m, k: k, n: n, from: c, cRowStride: cRowStride)
    }

    package static func storeProduct(
        _ a: StridedOperand<Float>, _ b: StridedOperand<Float>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<Float>, cRowStride: Int
    ) {
        LinalgProduct.store(a, b, m: m, k: k, n: n, into: c, cRowStride: cRowStride)
    }
}
