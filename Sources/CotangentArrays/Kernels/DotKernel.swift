// The kernels behind `Dot`: float products through the vector kernels (VectorProduct.swift)
// where the CPU has them, else the portable blocked GEMM (MatrixProduct.swift) and the
// matrix·vector paths below, or, with the `OpenBLAS` trait, the system BLAS (DotBLAS.swift);
// integer and bool products exactly in int64.

import CVectorMath

/// An element type the product kernels accumulate in.
package protocol DotElement: ArrayElement {
    static var zero: Self { get }
    /// `accumulator + a * b` (wrapping for integers).
    static func multiplyAdd(_ accumulator: Self, _ a: Self, _ b: Self) -> Self
}

extension Double: DotElement {
    @inline(__always) package static func multiplyAdd(_ accumulator: Double, _ a: Double, _ b: Double) -> Double {
        accumulator + a * b
    }
}

extension Float: DotElement {
    @inline(__always) package static func multiplyAdd(_ accumulator: Float, _ a: Float, _ b: Float) -> Float {
        accumulator + a * b
    }
}

extension Int64: DotElement {
    @inline(__always) package static func multiplyAdd(_ accumulator: Int64, _ a: Int64, _ b: Int64) -> Int64 {
        accumulator &+ a &* b
    }
}

package enum DotKernel {
    /// `a · b` for 1-d/2-d arrays with agreeing inner lengths, as a contiguous `dtype` array.
    /// `allowingBLAS: false` keeps float products on the Swift kernels in an `OpenBLAS` build.
    ///
    /// `buffer`, when given, is memory the caller gives up: a matrix·vector product of its
    /// dtype and length is written there (a loop's spare carry); other products ignore it.
    package static func run(
        _ a: NDArray, _ b: NDArray, dtype: DType, allowingBLAS: Bool = true, into buffer: NDArray? = nil
    ) -> NDArray {
        if a.ndim + b.ndim == 3, a.dtype == dtype, b.dtype == dtype {
            switch dtype {
            case .float64: return floatMatrixVector(a, b, as: Double.self, allowingBLAS: allowingBLAS, into: buffer)
            case .float32: return floatMatrixVector(a, b, as: Float.self, allowingBLAS: allowingBLAS, into: buffer)
            default: break
            }
        }
        // A vector operand is a 1×k row (left) or a k×1 column (right): views, no copy.
        let left = a.ndim == 1 ? a.expandingDims([0]) : a
        let right = b.ndim == 1 ? b.expandingDims([1]) : b
        let product: NDArray
        switch dtype {
        case .float64:
            product = floatProduct(
                left.converted(to: .float64), right.converted(to: .float64), as: Double.self, allowingBLAS: allowingBLAS)
        case .float32:
            product = floatProduct(
                left.converted(to: .float32), right.converted(to: .float32), as: Float.self, allowingBLAS: allowingBLAS)
        default:
            // Integers and bool in exact int64; the conversion back wraps (or tests nonzero).
            product = multiply(left.converted(to: .int64), right.converted(to: .int64), as: Int64.self)
                .converted(to: dtype)
        }
        return product.reshaped((a.ndim == 2 ? [a.shape[0]] : []) + (b.ndim == 2 ? [b.shape[1]] : []))
    }

    /// matrix·vector or vector·matrix of one float dtype, read in place into a fresh vector:
    /// the general path's row and column views cost more than 64 × 64 multiply-adds (a loop
    /// body's product).
    private static func floatMatrixVector<T: BlockedProductElement>(
        _ a: NDArray, _ b: NDArray, as _: T.Type, allowingBLAS: Bool, into buffer: NDArray?
    ) -> NDArray {
        let (matrix, vector) = a.ndim == 2 ? (a, b) : (b, a)
        var rows = StridedMatrix(matrix, as: T.self)
        var (m, k) = (matrix.shape[0], matrix.shape[1])
        if a.ndim == 1 {
            // x · B is Bᵀ · x.
            rows = rows.transposed
            (m, k) = (k, m)
        }
        let result: NDArray
        if let buffer, buffer.dtype == T.dtype, buffer.shape == [m], buffer.isContiguous {
            result = buffer
        } else {
            result = NDArray.uninitialized(dtype: T.dtype, shape: [m])
        }
        let c = result.basePointer(as: T.self) + result.offset
        guard k > 0 else {
            for i in 0..<m { c[i] = T.zero }
            return result
        }
        let x = UnsafePointer(vector.basePointer(as: T.self) + vector.offset)
        #if OpenBLAS
            if allowingBLAS && m &* k > smallProductLimit {
                let column = StridedMatrix(base: x, rowStride: vector.strides[0], columnStride: 1)
                BLASProduct.multiply(rows, column, m: m, k: k, n: 1, into: c)
                return result
            }
        #endif
        matrixVector(rows, x, step: vector.strides[0], m: m, k: k, into: c, kernel: VectorProduct.current)
        return result
    }

    /// Products with at most this many multiply-adds skip packing (the simple loop is as fast).
    package static let smallProductLimit = 16 * 16 * 16

    /// The m×n float product of an m×k and a k×n matrix of any strides.
    package static func floatProduct<T: BlockedProductElement>(
        _ a: NDArray, _ b: NDArray, as _: T.Type, allowingBLAS: Bool = true
    ) -> NDArray {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        guard m > 0, n > 0, k > 0 else { return NDArray(shape: [m, n], filledWith: T.zero) }
        let result = NDArray.uninitialized(dtype: T.dtype, shape: [m, n])
        let c = result.basePointer(as: T.self)
        let left = StridedMatrix(a, as: T.self), right = StridedMatrix(b, as: T.self)
        #if OpenBLAS
            if allowingBLAS && m &* n &* k > smallProductLimit {
                BLASProduct.multiply(left, right, m: m, k: k, n: n, into: c)
                return result
            }
        #endif
        let kernel = VectorProduct.current
        if n == 1 {
            matrixVector(left, right.base, step: right.rowStride, m: m, k: k, into: c, kernel: kernel)
        } else if m == 1 {
            // a row · B is Bᵀ · (the row as a vector).
            matrixVector(right.transposed, left.base, step: left.columnStride, m: n, k: k, into: c, kernel: kernel)
        } else if m &* n &* k <= smallProductLimit {
            simpleProduct(left, right, m: m, k: k, n: n, into: c)
        } else {
            ParallelProduct.multiply(left, right, m: m, k: k, n: n, into: c, kernel: kernel)
        }
        return result
    }

    /// `c = a · b` in i-k-j order for small products (no packing); `c` is overwritten.
    package static func simpleProduct<T: DotElement>(
        _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int, into c: UnsafeMutablePointer<T>
    ) {
        for i in 0..<m {
            let cRow = c + i &* n
            for j in 0..<n { cRow[j] = T.zero }
            for p in 0..<k {
                let aip = a[i, p]
                let bRow = b.base + p &* b.rowStride
                let step = b.columnStride
                for j in 0..<n { cRow[j] = T.multiplyAdd(cRow[j], aip, bRow[j &* step]) }
            }
        }
    }

    /// `c[i] = Σ_p a[i, p] x[p]` (x read with stride `step`), `c` overwritten: by the vector
    /// kernel `kernel` when it runs here, else by the portable loops below.
    package static func matrixVector<T: BlockedProductElement>(
        _ a: StridedMatrix<T>, _ x: UnsafePointer<T>, step: Int, m: Int, k: Int, into c: UnsafeMutablePointer<T>,
        kernel: CotangentGemmKernel
    ) {
        if kernel.isVector, T.vectorMatrixVector(a, x, step: step, m: m, k: k, into: c, kernel: kernel) { return }
        if a.columnStride == 1 {
            // Contiguous rows: SIMD inner products, four rows per pass over x.
            if step == 1 {
                T.rowDots(a, x, m: m, k: k, into: c)
            } else {
                let packed = UnsafeMutablePointer<T>.allocate(capacity: k)
                defer { packed.deallocate() }
                for p in 0..<k { packed[p] = x[p &* step] }
                T.rowDots(a, UnsafePointer(packed), m: m, k: k, into: c)
            }
        } else if a.rowStride == 1 {
            // Contiguous columns (a transposed matrix, or B in vector·matrix): c = Σ x[p] a[:, p].
            // Long sums go through a partial sum per `chunk` columns, so each element is a sum
            // of short sums (float32 accuracy), as in the blocked GEMM and `rowDots`.
            if k <= accumulationChunk {
                accumulateColumns(a, x, step: step, columns: 0..<k, m: m, into: c)
            } else {
                let partial = UnsafeMutablePointer<T>.allocate(capacity: m)
                defer { partial.deallocate() }
                for i in 0..<m { c[i] = T.zero }
                for start in stride(from: 0, to: k, by: accumulationChunk) {
                    accumulateColumns(
                        a, x, step: step, columns: start..<min(k, start &+ accumulationChunk), m: m, into: partial)
                    for i in 0..<m { c[i] = c[i] + partial[i] }
                }
            }
        } else {
            for i in 0..<m {
                var sum = T.zero
                for p in 0..<k { sum = T.multiplyAdd(sum, a[i, p], x[p &* step]) }
                c[i] = sum
            }
        }
    }

    /// Terms per partial sum in the matrix·vector kernels (the GEMM's depth block plays this role).
    package static let accumulationChunk = 256

    /// `c[i] = Σ_{p in columns} x[p] a[i, p]` for contiguous columns of `a`, four columns per
    /// pass over `c`.
    package static func accumulateColumns<T: BlockedProductElement>(
        _ a: StridedMatrix<T>, _ x: UnsafePointer<T>, step: Int, columns: Range<Int>, m: Int,
        into c: UnsafeMutablePointer<T>
    ) {
        for i in 0..<m { c[i] = T.zero }
        var p = columns.lowerBound
        while p &+ 4 <= columns.upperBound {
            let x0 = x[p &* step], x1 = x[(p &+ 1) &* step], x2 = x[(p &+ 2) &* step], x3 = x[(p &+ 3) &* step]
            let a0 = a.base + p &* a.columnStride
            let a1 = a0 + a.columnStride, a2 = a1 + a.columnStride, a3 = a2 + a.columnStride
            for i in 0..<m { c[i] = c[i] + ((x0 * a0[i] + x1 * a1[i]) + (x2 * a2[i] + x3 * a3[i])) }
            p &+= 4
        }
        while p < columns.upperBound {
            let xp = x[p &* step]
            let column = a.base + p &* a.columnStride
            for i in 0..<m { c[i] = c[i] + xp * column[i] }
            p &+= 1
        }
    }

    /// The m×n product of an m×k and a k×n matrix of any strides (the exact integer path).
    package static func multiply<T: DotElement>(_ a: NDArray, _ b: NDArray, as _: T.Type) -> NDArray {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let result = NDArray(shape: [m, n], filledWith: T.zero)
        guard m > 0, n > 0, k > 0 else { return result }
        let c = result.basePointer(as: T.self)
        let pa = UnsafePointer(a.basePointer(as: T.self) + a.offset)
        let (aRow, aColumn) = (a.strides[0], a.strides[1])
        if n == 1 {
            integerMatrixVector(pa, aRow, aColumn, b, m: m, k: k, into: c)
            return result
        }
        // i-k-j order over contiguous rows of b and c: the inner loop is a contiguous
        // `c[i, :] += a[i, p] * b[p, :]`, which vectorizes once the row pointers are hoisted.
        let rows = b.strides[1] == 1 ? b : b.contiguous()
        let pb = UnsafePointer(rows.basePointer(as: T.self) + rows.offset)
        let bRow = rows.strides[0]
        for i in 0..<m {
            let cRow = c + i &* n
            let aStart = pa + i &* aRow
            for p in 0..<k {
                let aip = aStart[p &* aColumn]
                let bRowStart = pb + p &* bRow
                for j in 0..<n { cRow[j] = T.multiplyAdd(cRow[j], aip, bRowStart[j]) }
            }
        }
        return result
    }

    /// `c[i] = Σ_p a[i, p] b[p]`: one strided inner product per row, or, when the columns of `a`
    /// are contiguous (a transposed matrix), `c += a[:, p] b[p]` column by column.
    package static func integerMatrixVector<T: DotElement>(
        _ pa: UnsafePointer<T>, _ aRow: Int, _ aColumn: Int, _ b: NDArray, m: Int, k: Int,
        into c: UnsafeMutablePointer<T>
    ) {
        let pb = UnsafePointer(b.basePointer(as: T.self) + b.offset)
        let bStep = b.strides[0]
        if aRow == 1 && aColumn != 1 {
            for p in 0..<k {
                let column = pa + p &* aColumn
                let bp = pb[p &* bStep]
                for i in 0..<m { c[i] = T.multiplyAdd(c[i], column[i], bp) }
            }
            return
        }
        for i in 0..<m {
            var sum = T.zero
            var (ia, ib) = (i &* aRow, 0)
            for _ in 0..<k {
                sum = T.multiplyAdd(sum, pa[ia], pb[ib])
                ia &+= aColumn
                ib &+= bStep
            }
            c[i] = sum
        }
    }
}

extension StridedMatrix {
    /// The elements of the 2-d array `array` (of element type `T`), read in place.
    package init(_ array: NDArray, as _: T.Type) {
        self.init(
            base: UnsafePointer(array.basePointer(as: T.self) + array.offset),
            rowStride: array.strides[0], columnStride: array.strides[1])
    }
}

extension BlockedProductElement {
    /// `c[i] = Σ_p a[i, p] x[p]` for contiguous rows of `a` and a contiguous `x`: four rows per
    /// pass, each summed in a SIMD accumulator (chunk by chunk, lanes summed at the end), then a
    /// scalar tail.
    package static func rowDots(
        _ a: StridedMatrix<Self>, _ x: UnsafePointer<Self>, m: Int, k: Int, into c: UnsafeMutablePointer<Self>
    ) {
        let width = Vector.scalarCount
        let vectorBytes = k / width &* width &* MemoryLayout<Self>.stride
        let vectorStep = MemoryLayout<Vector>.stride
        // Each lane sums at most `accumulationChunk` terms before its partial sum is added.
        let chunkBytes = DotKernel.accumulationChunk &* vectorStep
        let xBytes = UnsafeRawPointer(x)
        var i = 0
        while i &+ 4 <= m {
            let row0 = a.base + i &* a.rowStride
            let row1 = row0 + a.rowStride, row2 = row1 + a.rowStride, row3 = row2 + a.rowStride
            let (bytes0, bytes1) = (UnsafeRawPointer(row0), UnsafeRawPointer(row1))
            let (bytes2, bytes3) = (UnsafeRawPointer(row2), UnsafeRawPointer(row3))
            var (s0, s1, s2, s3) = (Vector(), Vector(), Vector(), Vector())
            var offset = 0
            while offset < vectorBytes {
                // A partial sum per chunk keeps long float32 sums accurate.
                let end = min(vectorBytes, offset &+ chunkBytes)
                var (u0, u1, u2, u3) = (Vector(), Vector(), Vector(), Vector())
                while offset < end {
                    let xv = xBytes.loadUnaligned(fromByteOffset: offset, as: Vector.self)
                    u0 += bytes0.loadUnaligned(fromByteOffset: offset, as: Vector.self) * xv
                    u1 += bytes1.loadUnaligned(fromByteOffset: offset, as: Vector.self) * xv
                    u2 += bytes2.loadUnaligned(fromByteOffset: offset, as: Vector.self) * xv
                    u3 += bytes3.loadUnaligned(fromByteOffset: offset, as: Vector.self) * xv
                    offset &+= vectorStep
                }
                s0 += u0
                s1 += u1
                s2 += u2
                s3 += u3
            }
            var (t0, t1, t2, t3) = (s0.sum(), s1.sum(), s2.sum(), s3.sum())
            for p in (k / width &* width)..<k {
                t0 += row0[p] * x[p]
                t1 += row1[p] * x[p]
                t2 += row2[p] * x[p]
                t3 += row3[p] * x[p]
            }
            (c[i], c[i &+ 1], c[i &+ 2], c[i &+ 3]) = (t0, t1, t2, t3)
            i &+= 4
        }
        while i < m {
            let row = a.base + i &* a.rowStride
            let bytes = UnsafeRawPointer(row)
            var s = Vector()
            var offset = 0
            while offset < vectorBytes {
                let end = min(vectorBytes, offset &+ chunkBytes)
                var u = Vector()
                while offset < end {
                    u += bytes.loadUnaligned(fromByteOffset: offset, as: Vector.self)
                        * xBytes.loadUnaligned(fromByteOffset: offset, as: Vector.self)
                    offset &+= vectorStep
                }
                s += u
            }
            var t = s.sum()
            for p in (k / width &* width)..<k { t += row[p] * x[p] }
            c[i] = t
            i &+= 1
        }
    }
}
