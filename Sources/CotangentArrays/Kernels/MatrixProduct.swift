// The portable float GEMM behind `Dot`: cache blocking with packed panels (the BLIS/GotoBLAS
// loop structure) around a register-tiled micro-kernel written with SIMD types.
//
// Portability: the default build targets baseline x86-64 (SSE2, no FMA), so the micro-kernels
// use a separate multiply and add. `addProduct` would become an `fma@plt` call per lane there
// (swift-notes §3.2(d)); plain `*` and `+` on `SIMD2<Double>`/`SIMD4<Float>` compile to packed
// `mulpd`/`addpd` (`mulps`/`addps`), and to wider or fused code when built for a newer CPU.
// Where the CPU has AVX2 or AVX-512, `BlockedProduct.multiply` hands the product to the C
// kernels of VectorProduct.swift instead; this kernel is the fallback and the tests' reference.

import CVectorMath

/// Strided read access to a matrix: element `(i, j)` is `base[i * rowStride + j * columnStride]`.
/// Transposed and sliced views are read in place, so no operand is copied whole.
package struct StridedMatrix<T> {
    package var base: UnsafePointer<T>
    package var rowStride: Int
    package var columnStride: Int

    /// The same elements read as the transpose (strides swapped).
    package var transposed: StridedMatrix { StridedMatrix(base: base, rowStride: columnStride, columnStride: rowStride) }

    /// The submatrix starting at `(row, column)`.
    package func shifted(row: Int, column: Int) -> StridedMatrix {
        StridedMatrix(base: base + (row &* rowStride &+ column &* columnStride), rowStride: rowStride, columnStride: columnStride)
    }

    @inline(__always) package subscript(row: Int, column: Int) -> T {
        base[row &* rowStride &+ column &* columnStride]
    }
}

/// A float element type with a register-tiled micro-kernel and cache block sizes.
///
/// The micro-kernel multiplies a packed `tileRows × depth` panel of A (column by column:
/// `a[p * tileRows + r]`) by a packed `depth × tileColumns` panel of B (row by row:
/// `b[p * tileColumns + j]`) and stores (or, with `accumulate`, adds) the
/// `tileRows × tileColumns` result into `c` with row stride `cRowStride`.
package protocol BlockedProductElement: DotElement, BinaryFloatingPoint, SIMDScalar, Codable {
    /// The SSE-width vector (two doubles, four floats) of the matrix·vector kernels.
    associatedtype Vector: SIMD & BitwiseCopyable where Vector.Scalar == Self

    /// Rows of the register tile (MR).
    static var tileRows: Int { get }
    /// Columns of the register tile (NR).
    static var tileColumns: Int { get }
    /// Rows of the packed A block kept in L2 (MC, a multiple of `tileRows`).
    static var rowBlock: Int { get }
    /// Depth of the packed panels (KC): an A and a B micro-panel fit in L1 together.
    static var depthBlock: Int { get }
    /// Columns of the packed B block (NC, a multiple of `tileColumns`).
    static var columnBlock: Int { get }

    static func microKernel(
        depth: Int, a: UnsafePointer<Self>, b: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>,
        cRowStride: Int, accumulate: Bool)
}

extension Double: BlockedProductElement {
    package typealias Vector = SIMD2<Double>
    package static var tileRows: Int { 4 }
    package static var tileColumns: Int { 4 }
    package static var rowBlock: Int { 128 }
    package static var depthBlock: Int { 256 }
    package static var columnBlock: Int { 2048 }

    /// A 4×4 tile in eight `SIMD2<Double>` accumulators (16 SSE registers hold them, two B
    /// vectors, the broadcast A value and a product).
    package static func microKernel(
        depth: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
        cRowStride: Int, accumulate: Bool
    ) {
        typealias V = SIMD2<Double>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V()
        var c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<depth {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 16, as: V.self)
            let a0 = V(repeating: pa[0]), a1 = V(repeating: pa[1])
            c00 += a0 * b0
            c01 += a0 * b1
            c10 += a1 * b0
            c11 += a1 * b1
            let a2 = V(repeating: pa[2]), a3 = V(repeating: pa[3])
            c20 += a2 * b0
            c21 += a2 * b1
            c30 += a3 * b0
            c31 += a3 * b1
            pa += 4
            pb += 32
        }
        let row = UnsafeMutableRawPointer(c)
        let step = cRowStride &* 8
        storeTileRow(row, c00, c01, accumulate: accumulate)
        storeTileRow(row + step, c10, c11, accumulate: accumulate)
        storeTileRow(row + 2 &* step, c20, c21, accumulate: accumulate)
        storeTileRow(row + 3 &* step, c30, c31, accumulate: accumulate)
    }
}

extension Float: BlockedProductElement {
    package typealias Vector = SIMD4<Float>
    package static var tileRows: Int { 4 }
    package static var tileColumns: Int { 8 }
    package static var rowBlock: Int { 128 }
    package static var depthBlock: Int { 256 }
    package static var columnBlock: Int { 4096 }

    /// A 4×8 tile in eight `SIMD4<Float>` accumulators.
    package static func microKernel(
        depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        cRowStride: Int, accumulate: Bool
    ) {
        typealias V = SIMD4<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V()
        var c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<depth {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 16, as: V.self)
            let a0 = V(repeating: pa[0]), a1 = V(repeating: pa[1])
            c00 += a0 * b0
            c01 += a0 * b1
            c10 += a1 * b0
            c11 += a1 * b1
            let a2 = V(repeating: pa[2]), a3 = V(repeating: pa[3])
            c20 += a2 * b0
            c21 += a2 * b1
            c30 += a3 * b0
            c31 += a3 * b1
            pa += 4
            pb += 32
        }
        let row = UnsafeMutableRawPointer(c)
        let step = cRowStride &* 4
        storeTileRow(row, c00, c01, accumulate: accumulate)
        storeTileRow(row + step, c10, c11, accumulate: accumulate)
        storeTileRow(row + 2 &* step, c20, c21, accumulate: accumulate)
        storeTileRow(row + 3 &* step, c30, c31, accumulate: accumulate)
    }
}

/// Stores (or adds) two vectors to a row of a C tile.
@inline(__always)
private func storeTileRow<V: SIMD>(_ row: UnsafeMutableRawPointer, _ left: V, _ right: V, accumulate: Bool)
where V.Scalar: FloatingPoint {
    let width = MemoryLayout<V>.size
    if accumulate {
        row.storeBytes(of: row.loadUnaligned(as: V.self) + left, as: V.self)
        row.storeBytes(of: row.loadUnaligned(fromByteOffset: width, as: V.self) + right, toByteOffset: width, as: V.self)
    } else {
        row.storeBytes(of: left, as: V.self)
        row.storeBytes(of: right, toByteOffset: width, as: V.self)
    }
}

package enum BlockedProduct {
    /// `c = a · b` for an `m × k` and a `k × n` strided matrix, `c` row-major with row stride
    /// `cRowStride`; `k > 0` (every element of `c` is written). With `accumulating`, `c += a · b`.
    ///
    /// `kernel` is the vector kernel to use (the default is read here, on the calling thread:
    /// threads a product is split over get it passed in); `CotangentGemmNone`, or a kernel the
    /// CPU lacks, runs the portable kernel below.
    package static func multiply<T: BlockedProductElement>(
        _ a: StridedMatrix<T>, _ b: StridedMatrix<T>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<T>, cRowStride: Int, accumulating: Bool = false,
        kernel: CotangentGemmKernel = VectorProduct.current
    ) {
        if kernel.isVector,
            T.vectorMultiply(a, b, m: m, k: k, n: n, into: c, cRowStride: cRowStride, accumulating: accumulating, kernel: kernel)
        {
            return
        }
        let (tileRows, tileColumns) = (T.tileRows, T.tileColumns)
        // Equal blocks rather than full blocks and a sliver (k = 784 is 4 × 196, not 3 × 256 + 16).
        let depthBlock = evenBlock(k, limit: T.depthBlock, multiple: 1)
        let rowBlock = evenBlock(m, limit: T.rowBlock, multiple: tileRows)
        let columnBlock = evenBlock(n, limit: T.columnBlock, multiple: tileColumns)
        let packedA = UnsafeMutablePointer<T>.allocate(capacity: rowBlock &* depthBlock)
        let packedB = UnsafeMutablePointer<T>.allocate(capacity: depthBlock &* columnBlock)
        let edgeTile = UnsafeMutablePointer<T>.allocate(capacity: tileRows &* tileColumns)
        defer {
            packedA.deallocate()
            packedB.deallocate()
            edgeTile.deallocate()
        }
        for jc in stride(from: 0, to: n, by: columnBlock) {
            let nc = min(columnBlock, n &- jc)
            for pc in stride(from: 0, to: k, by: depthBlock) {
                let kc = min(depthBlock, k &- pc)
                packColumnPanels(b.shifted(row: pc, column: jc), depth: kc, columns: nc, width: tileColumns, into: packedB)
                for ic in stride(from: 0, to: m, by: rowBlock) {
                    let mc = min(rowBlock, m &- ic)
                    packColumnPanels(
                        a.shifted(row: ic, column: pc).transposed, depth: kc, columns: mc, width: tileRows, into: packedA)
                    for jr in stride(from: 0, to: nc, by: tileColumns) {
                        let nr = min(tileColumns, nc &- jr)
                        let bPanel = UnsafePointer(packedB + jr &* kc)
                        var cTile = c + (ic &* cRowStride &+ jc &+ jr)
                        for ir in stride(from: 0, to: mc, by: tileRows) {
                            let mr = min(tileRows, mc &- ir)
                            let aPanel = UnsafePointer(packedA + ir &* kc)
                            if mr == tileRows && nr == tileColumns {
                                T.microKernel(
                                    depth: kc, a: aPanel, b: bPanel, c: cTile, cRowStride: cRowStride,
                                    accumulate: accumulating || pc > 0)
                            } else {
                                // A partial tile: the padded panels give a full tile of which
                                // only the `mr × nr` corner is real.
                                T.microKernel(depth: kc, a: aPanel, b: bPanel, c: edgeTile, cRowStride: tileColumns, accumulate: false)
                                for r in 0..<mr {
                                    let source = edgeTile + r &* tileColumns
                                    let target = cTile + r &* cRowStride
                                    let adding = accumulating || pc > 0
                                    for j in 0..<nr { target[j] = adding ? target[j] + source[j] : source[j] }
                                }
                            }
                            cTile += tileRows &* cRowStride
                        }
                    }
                }
            }
        }
    }

    /// The largest block length up to `limit` (rounded up to `multiple`) that splits `length`
    /// into equal blocks, or `length` rounded up when it fits in one.
    package static func evenBlock(_ length: Int, limit: Int, multiple: Int) -> Int {
        let blocks = (length &+ limit &- 1) / limit
        let even = (length &+ blocks &- 1) / blocks
        return (even &+ multiple &- 1) / multiple &* multiple
    }

    /// Packs the `depth × columns` matrix `source` into panels of `width` columns, each stored
    /// row by row (`panel[p * width + j]`), the last one padded with zeros. A's panels are the
    /// same layout of Aᵀ.
    package static func packColumnPanels<T: BlockedProductElement>(
        _ source: StridedMatrix<T>, depth: Int, columns: Int, width: Int, into target: UnsafeMutablePointer<T>
    ) {
        var panel = target
        for j0 in stride(from: 0, to: columns, by: width) {
            let real = min(width, columns &- j0)
            let block = source.shifted(row: 0, column: j0)
            if real == width && block.columnStride == 1 {
                // Contiguous rows (B row-major, or A transposed): copy `width` at a time.
                for p in 0..<depth {
                    let row = block.base + p &* block.rowStride
                    let out = panel + p &* width
                    for j in 0..<width { out[j] = row[j] }
                }
            } else {
                // Contiguous columns walk down a column; otherwise gather, zero-padding.
                for j in 0..<width {
                    var out = panel + j
                    if j < real {
                        var element = block.base + j &* block.columnStride
                        for _ in 0..<depth {
                            out.pointee = element.pointee
                            out += width
                            element += block.rowStride
                        }
                    } else {
                        for _ in 0..<depth {
                            out.pointee = .zero
                            out += width
                        }
                    }
                }
            }
            panel += width &* depth
        }
    }
}
