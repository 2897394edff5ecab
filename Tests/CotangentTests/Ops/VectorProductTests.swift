import CVectorMath
import Foundation
import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentOps

// The vector product kernels (C, AVX-512 or AVX2 with FMA, CGemm.h) against the portable Swift
// kernels, on every kernel this CPU runs.
//
// Tolerance: both kernels sum each element in blocks of at most 256 terms, so each is within
// γ_{k+1} ≈ (k + 1)·u of the exact value relative to (|A|·|B| + |C₀|)_ij (u = ε/2 the unit
// roundoff, C₀ the accumulated-into values). Fused multiply-adds change the rounding, not the
// bound, so the two kernels may differ by twice that; the tests assert
//     |C_vec − C_port|_ij ≤ 2·(k + 2)·ε·(|A|·|B| + |C₀|)_ij
// for every element (a lost or doubled term is off by about |a b|, far above it). Inputs
// holding small integers are summed exactly by both kernels and must agree bit for bit.

/// The stated tolerance: 2·(k + 2)·ε·magnitude, magnitude = (|A|·|B| + |C₀|)_ij.
private func allowedDifference<T: BlockedProductElement>(_: T.Type, k: Int, magnitude: Double) -> Double {
    2 * Double(k + 2) * Double(T.ulpOfOne) * magnitude
}

/// The vector kernels this CPU runs, by name (AVX-512 machines run the AVX2 kernel too).
private let vectorKernels: [String] = [("avx2", CotangentGemmAVX2), ("avx512", CotangentGemmAVX512)]
    .filter { $0.1.rawValue <= VectorProduct.best.rawValue }.map(\.0)

private func kernel(named name: String) -> CotangentGemmKernel {
    name == "avx512" ? CotangentGemmAVX512 : CotangentGemmAVX2
}

/// A strided view of a `rows × columns` matrix of `values(i, j)`, laid out as `layout` says:
/// row-major, transposed storage (column-major), or every other row and third column of a larger
/// buffer. The buffer is returned for the caller to free.
private func layoutMatrix<T: BlockedProductElement>(
    _ rows: Int, _ columns: Int, layout: String, as _: T.Type, _ values: (Int, Int) -> Double
) -> (StridedMatrix<T>, UnsafeMutablePointer<T>) {
    let (rowStride, columnStride, capacity): (Int, Int, Int)
    switch layout {
    case "transposed": (rowStride, columnStride, capacity) = (1, max(rows, 1), rows * columns)
    case "strided": (rowStride, columnStride, capacity) = (2 * 3 * max(columns, 1), 3, 2 * rows * 3 * max(columns, 1))
    default: (rowStride, columnStride, capacity) = (max(columns, 1), 1, rows * columns)
    }
    let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(capacity, 1))
    buffer.initialize(repeating: T(-777), count: max(capacity, 1))
    for i in 0..<rows {
        for j in 0..<columns { buffer[i * rowStride + j * columnStride] = T(values(i, j)) }
    }
    return (StridedMatrix(base: UnsafePointer(buffer), rowStride: rowStride, columnStride: columnStride), buffer)
}

/// Deterministic values in [-1, 1) with many significant bits (rounding shows).
private func noise(_ i: Int, _ j: Int, seed: Int) -> Double {
    var x = UInt64(truncatingIfNeeded: i &* 7919 &+ j &* 104_729 &+ seed &* 1_000_003)
    x = (x ^ (x >> 31)) &* 0x9E37_79B9_7F4A_7C15
    x = (x ^ (x >> 29)) &* 0xBF58_476D_1CE4_E5B9
    return Double(x >> 11) / Double(1 << 52) - 1
}

/// Small integers in [-8, 8]: every product and sum here is exact in float32 and float64.
private func small(_ i: Int, _ j: Int, seed: Int) -> Double {
    Double((i * 7 + j * 13 + seed) % 17 - 8)
}

/// One product's operands and outputs: `c` computed by `kernel` (CotangentGemmNone: the
/// portable kernel) into rows padded by 3 with a sentinel, starting from `initial` values.
private struct ProductCase<T: BlockedProductElement> {
    let m: Int, k: Int, n: Int
    let a: StridedMatrix<T>, b: StridedMatrix<T>
    let buffers: [UnsafeMutablePointer<T>]
    var rowStride: Int { n + 3 }

    init(m: Int, k: Int, n: Int, layouts: (String, String), values: (Int, Int, Int) -> Double) {
        (self.m, self.k, self.n) = (m, k, n)
        let (a, aBuffer) = layoutMatrix(m, k, layout: layouts.0, as: T.self) { values($0, $1, 1) }
        let (b, bBuffer) = layoutMatrix(k, n, layout: layouts.1, as: T.self) { values($0, $1, 2) }
        (self.a, self.b, buffers) = (a, b, [aBuffer, bBuffer])
    }

    /// C (rows padded, padding 12345) after `C = A·B`, or `C = C₀ + A·B` with C₀ = initial.
    func product(kernel: CotangentGemmKernel, accumulating: Bool, initial: (Int, Int) -> Double) -> [T] {
        var c = [T](repeating: 12345, count: max(m * rowStride, 1))
        for i in 0..<m {
            for j in 0..<n { c[i * rowStride + j] = accumulating ? T(initial(i, j)) : T(-1) }
        }
        c.withUnsafeMutableBufferPointer { out in
            if kernel.isVector {
                let done = T.vectorMultiply(
                    a, b, m: m, k: k, n: n, into: out.baseAddress!, cRowStride: rowStride, accumulating: accumulating,
                    kernel: kernel)
                #expect(done)
            } else if k > 0 && m > 0 && n > 0 {
                BlockedProduct.multiply(
                    a, b, m: m, k: k, n: n, into: out.baseAddress!, cRowStride: rowStride, accumulating: accumulating,
                    kernel: CotangentGemmNone)
            } else if !accumulating {
                // The portable GEMM needs m, n, k > 0; the empty sum is zero.
                for i in 0..<m { for j in 0..<n { out[i * rowStride + j] = 0 } }
            }
        }
        return c
    }

    /// (|A|·|B|)_ij in float64.
    func magnitude(_ i: Int, _ j: Int) -> Double {
        var sum = 0.0
        for p in 0..<k { sum += Swift.abs(Double(a[i, p])) * Swift.abs(Double(b[p, j])) }
        return sum
    }

    func release() { for buffer in buffers { buffer.deallocate() } }
}

/// (m, k, n): 1×1, tile edges, k = 0, m or n = 0 or 1, sizes around the tiles and blocks.
private let productShapes: [(Int, Int, Int)] = [
    (1, 1, 1), (0, 5, 7), (7, 5, 0), (7, 0, 17), (1, 33, 1), (1, 17, 130), (130, 17, 1), (7, 7, 7),
    (17, 33, 7), (33, 130, 17), (130, 7, 33), (13, 513, 29), (15, 257, 33), (33, 17, 513), (130, 130, 130),
    (513, 33, 17), (29, 600, 31),
]

private let layouts = [("row-major", "row-major"), ("transposed", "row-major"), ("row-major", "transposed"),
    ("strided", "strided"), ("transposed", "strided")]

@Suite("Vector product kernels")
struct VectorProductTests {
    /// The kernel chosen matches the CPU: AVX-512F machines get the AVX-512 kernel, AVX2+FMA
    /// ones the AVX2 kernel (read from /proc/cpuinfo, so only on x86-64 Linux).
    @Test func detectedKernelMatchesTheCPU() throws {
        #if arch(x86_64) && os(Linux)
            let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
            let expected =
                flags.contains("avx512f") ? CotangentGemmAVX512
                : flags.contains("avx2") && flags.contains("fma") ? CotangentGemmAVX2 : CotangentGemmNone
            #expect(VectorProduct.best == expected)
        #else
            #expect(VectorProduct.best == CotangentGemmNone)
        #endif
        // A kernel the CPU lacks (or none) is refused without touching C.
        var c: [Double] = [5]
        let one: [Double] = [1]
        let refused = one.withUnsafeBufferPointer { x in
            cotangent_gemm_f64(CotangentGemmNone, 1, 1, 1, x.baseAddress, 1, 1, x.baseAddress, 1, 1, &c, 1, 0)
        }
        #expect(refused == 0 && c == [5])
    }

    /// Non-integer operands of every shape and layout, both modes: within the stated tolerance
    /// of the portable kernel, the row padding untouched.
    @Test(arguments: vectorKernels)
    func vectorKernelIsWithinToleranceOfPortable(kernelName: String) {
        checkTolerance(kernel(named: kernelName), as: Double.self)
        checkTolerance(kernel(named: kernelName), as: Float.self)
    }

    private func checkTolerance<T: BlockedProductElement>(_ kernel: CotangentGemmKernel, as _: T.Type) {
        forEveryCase(T.self, values: { noise($0, $1, seed: $2) }) { product, accumulating, what in
            let initial = { (i: Int, j: Int) in noise(i, j, seed: 3) }
            let vector = product.product(kernel: kernel, accumulating: accumulating, initial: initial)
            let portable = product.product(kernel: CotangentGemmNone, accumulating: accumulating, initial: initial)
            var worst = 0.0
            for i in 0..<product.m {
                for j in 0..<product.n {
                    let start = accumulating ? Swift.abs(Double(T(initial(i, j)))) : 0
                    let bound = allowedDifference(T.self, k: product.k, magnitude: product.magnitude(i, j) + start)
                    let difference = Swift.abs(Double(vector[i * product.rowStride + j] - portable[i * product.rowStride + j]))
                    worst = Swift.max(worst, difference - bound)
                }
                for j in product.n..<product.rowStride { #expect(vector[i * product.rowStride + j] == 12345) }
            }
            #expect(worst <= 0, "\(what): over the bound by \(worst)")
        }
    }

    /// Calls `body` with every shape of `productShapes` in every layout, operands of `values`,
    /// once storing and once accumulating, and a description of the case.
    private func forEveryCase<T: BlockedProductElement>(
        _: T.Type, values: (Int, Int, Int) -> Double, _ body: (ProductCase<T>, Bool, String) -> Void
    ) {
        for (m, k, n) in productShapes {
            for layout in layouts {
                let product = ProductCase<T>(m: m, k: k, n: n, layouts: layout, values: values)
                defer { product.release() }
                for accumulating in [false, true] {
                    body(product, accumulating, "\(T.self) \(m)×\(k)×\(n) \(layout) accumulating: \(accumulating)")
                }
            }
        }
    }

    /// Small-integer operands: both kernels are exact, so they agree bit for bit (and with
    /// k = 0 the result is 0, or C₀ unchanged when accumulating).
    @Test(arguments: vectorKernels)
    func integerProductsAreExact(kernelName: String) {
        checkExact(kernel(named: kernelName), as: Double.self)
        checkExact(kernel(named: kernelName), as: Float.self)
    }

    private func checkExact<T: BlockedProductElement>(_ kernel: CotangentGemmKernel, as _: T.Type) {
        forEveryCase(T.self, values: { small($0, $1, seed: $2) }) { product, accumulating, what in
            let initial = { (i: Int, j: Int) in Double((i + 2 * j) % 5) }
            let vector = product.product(kernel: kernel, accumulating: accumulating, initial: initial)
            var expected = [T](repeating: 12345, count: max(product.m * product.rowStride, 1))
            for i in 0..<product.m {
                for j in 0..<product.n {
                    var sum = accumulating ? initial(i, j) : 0
                    for p in 0..<product.k { sum += Double(product.a[i, p]) * Double(product.b[p, j]) }
                    expected[i * product.rowStride + j] = T(sum)
                }
            }
            #expect(vector == expected, "\(what)")
        }
    }

    /// Rows split anywhere (as threads split them) give the same bits: each element's sum
    /// depends only on k. Also through `Dot` with one and two threads.
    @Test func rowSplitsAreBitIdentical() {
        checkSplits(as: Double.self)
        checkSplits(as: Float.self)
    }

    private func checkSplits<T: BlockedProductElement>(as _: T.Type) {
        let (m, k, n) = (300, 700, 90)
        let product = ProductCase<T>(m: m, k: k, n: n, layouts: ("row-major", "transposed")) { noise($0, $1, seed: $2) }
        defer { product.release() }
        for name in vectorKernels {
            let whole = product.product(kernel: kernel(named: name), accumulating: false) { _, _ in 0 }
            var pieces = [T](repeating: 12345, count: m * product.rowStride)
            pieces.withUnsafeMutableBufferPointer { out in
                var start = 0
                for rows in [1, 13, 37, 100, 149] {
                    _ = T.vectorMultiply(
                        product.a.shifted(row: start, column: 0), product.b, m: rows, k: k, n: n,
                        into: out.baseAddress! + start * product.rowStride, cRowStride: product.rowStride,
                        accumulating: false, kernel: kernel(named: name))
                    start += rows
                }
                #expect(start == m)
            }
            #expect(pieces == whole, "\(T.self) \(name)")
        }
        // Through Dot: large enough to split over two threads.
        let a = NDArray(shape: [600, 300], elements: (0..<180_000).map { noise($0 / 300, $0 % 300, seed: 5) })
            .converted(to: T.dtype)
        let b = NDArray(shape: [300, 200], elements: (0..<60_000).map { noise($0 / 200, $0 % 200, seed: 6) })
            .converted(to: T.dtype)
        let one = KernelOptions(matrixProductThreads: 1).withCurrent {
            #expect(ParallelProduct.parts(m: 600, k: 300, n: 200, rowBlock: T.rowBlock) == 1)
            return DotKernel.run(a, b, dtype: T.dtype, allowingBLAS: false).asArray(Double.self)
        }
        let two = KernelOptions(matrixProductThreads: 2).withCurrent {
            #expect(ParallelProduct.parts(m: 600, k: 300, n: 200, rowBlock: T.rowBlock) == 2)
            return DotKernel.run(a, b, dtype: T.dtype, allowingBLAS: false).asArray(Double.self)
        }
        #expect(one == two)
    }

    /// A thin product (10 columns, most of a register tile's width padding) is computed as its
    /// transpose Cᵀ = Bᵀ·Aᵀ; every element is the same chain of fused multiply-adds, so the
    /// bits equal those of the product written the other way round, which takes the direct path.
    @Test func thinProductsEqualTheirTransposeBitForBit() {
        for dtype in [DType.float64, .float32] {
            // 1100 rows: the transposed product runs in blocks of 16 tiles' width of rows.
            let a = NDArray(shape: [1100, 200], elements: (0..<220_000).map { noise($0 / 200, $0 % 200, seed: 7) })
                .converted(to: dtype)
            let b = NDArray(shape: [200, 10], elements: (0..<2_000).map { noise($0 / 10, $0 % 10, seed: 8) })
                .converted(to: dtype)
            let thin = DotKernel.run(a, b, dtype: dtype, allowingBLAS: false)
            let wide = DotKernel.run(b.transposed([1, 0]), a.transposed([1, 0]), dtype: dtype, allowingBLAS: false)
            #expect(thin.shape == [1100, 10] && thin.dtype == dtype)
            #expect(thin == wide.transposed([1, 0]), "\(dtype)")
        }
    }

    /// matrix·vector in both orientations (contiguous rows, contiguous columns, neither) with
    /// contiguous and strided x, k = 0 and m = 0: within the tolerance of the portable loops,
    /// exact on small integers.
    @Test(arguments: vectorKernels)
    func matrixVectorMatchesPortable(kernelName: String) {
        checkMatrixVector(kernel(named: kernelName), as: Double.self)
        checkMatrixVector(kernel(named: kernelName), as: Float.self)
    }

    private func checkMatrixVector<T: BlockedProductElement>(_ kernel: CotangentGemmKernel, as _: T.Type) {
        let shapes = [(1, 1), (0, 7), (7, 0), (1, 513), (513, 1), (7, 33), (17, 130), (130, 17), (33, 600), (1030, 7)]
        for (m, k) in shapes {
            for layout in ["row-major", "transposed", "strided"] {
                for step in [1, 3] {
                    for integers in [false, true] {
                        let values = { (i: Int, j: Int, seed: Int) in integers ? small(i, j, seed: seed) : noise(i, j, seed: seed) }
                        let (a, aBuffer) = layoutMatrix(m, k, layout: layout, as: T.self) { values($0, $1, 7) }
                        let (x, xBuffer) = layoutMatrix(k, 1, layout: "row-major", as: T.self) { values($0, $1, 8) }
                        defer {
                            aBuffer.deallocate()
                            xBuffer.deallocate()
                        }
                        // x with stride `step`: the first k elements of a stepped copy.
                        let stepped = (0..<max(k * step, 1)).map { $0 % step == 0 && $0 / step < k ? x.base[$0 / step] : T(99) }
                        var vector = [T](repeating: 12345, count: m + 1), portable = vector
                        stepped.withUnsafeBufferPointer { xs in
                            vector.withUnsafeMutableBufferPointer { out in
                                #expect(T.vectorMatrixVector(a, xs.baseAddress!, step: step, m: m, k: k, into: out.baseAddress!, kernel: kernel))
                            }
                            portable.withUnsafeMutableBufferPointer { out in
                                if k == 0 {
                                    for i in 0..<m { out[i] = 0 }
                                } else {
                                    DotKernel.matrixVector(a, xs.baseAddress!, step: step, m: m, k: k, into: out.baseAddress!, kernel: CotangentGemmNone)
                                }
                            }
                        }
                        let what = "\(T.self) \(m)×\(k) \(layout) step \(step) integers: \(integers)"
                        #expect(vector[m] == 12345, "\(what) wrote past y")
                        for i in 0..<m {
                            var magnitude = 0.0, exact = 0.0
                            for p in 0..<k {
                                magnitude += Swift.abs(Double(a[i, p]) * Double(x.base[p]))
                                exact += Double(a[i, p]) * Double(x.base[p])
                            }
                            if integers {
                                #expect(vector[i] == T(exact) && portable[i] == T(exact), "\(what) row \(i)")
                            } else {
                                let difference = Swift.abs(Double(vector[i] - portable[i]))
                                #expect(difference <= allowedDifference(T.self, k: k, magnitude: magnitude), "\(what) row \(i)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// `Dot` uses the vector kernel unless a scope disables it (then it equals the portable
    /// kernel bit for bit); on non-integer data the two differ somewhere, so this shows which
    /// one ran. A batched `matmul` (Blockwise over Dot) reaches the same kernels.
    @Test(arguments: [DType.float64, .float32])
    func dotAndBatchedMatmulUseTheVectorKernel(dtype: DType) throws {
        try #require(VectorProduct.best.isVector, "no vector kernel on this CPU")
        let (batch, m, k, n) = (3, 40, 300, 50)
        let a = NDArray(shape: [batch, m, k], elements: (0..<batch * m * k).map { noise($0 / k, $0 % k, seed: 11) })
            .converted(to: dtype)
        let b = NDArray(shape: [batch, k, n], elements: (0..<batch * k * n).map { noise($0 / n, $0 % n, seed: 12) })
            .converted(to: dtype)
        func slice(_ x: NDArray, _ index: Int) -> NDArray {
            x.sliced(axis: 0, start: index, step: 1, count: 1).reshaped(Array(x.shape.dropFirst()))
        }
        func perSlice() -> [Double] {
            (0..<batch).flatMap { DotKernel.run(slice(a, $0), slice(b, $0), dtype: dtype, allowingBLAS: false).asArray(Double.self) }
        }
        let x = Tensor.tensor3("x", dtype: dtype), y = Tensor.tensor3("y", dtype: dtype)
        let product = matmul(x, y)
        func batched() throws -> [Double] { try product.eval(["x": a, "y": b]).asArray(Double.self) }

        let vector = perSlice()
        let portable = VectorProduct.$isDisabled.withValue(true) { perSlice() }
        #expect(vector != portable, "the kernels round alike here: this test cannot tell them apart")
        // The vector kernel called directly gives the first slice.
        let direct =
            dtype == .float64
            ? directProduct(slice(a, 0), slice(b, 0), as: Double.self) : directProduct(slice(a, 0), slice(b, 0), as: Float.self)
        #expect(Array(vector[0..<m * n]) == direct)
        #if !OpenBLAS
            #expect(try batched() == vector)
            #expect(try VectorProduct.$isDisabled.withValue(true) { try batched() } == portable)
        #endif
    }

    private func directProduct<T: BlockedProductElement>(_ a: NDArray, _ b: NDArray, as _: T.Type) -> [Double] {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var c = [T](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { out in
            _ = T.vectorMultiply(
                StridedMatrix(a, as: T.self), StridedMatrix(b, as: T.self), m: m, k: k, n: n, into: out.baseAddress!,
                cRowStride: n, accumulating: false, kernel: VectorProduct.best)
        }
        return c.map { Double($0) }
    }
}
