import Testing

@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps
@testable import CotangentRewriting

// The float product kernels: the blocked GEMM (register tiles 4×4 float64 / 4×8 float32, depth
// blocks of ≤ 256, row blocks of ≤ 128, column blocks of ≤ 2048 / 4096), the matrix·vector and
// vector·matrix paths, the small-product loop and the row split over threads.
//
// Most operands hold small integers, so every float product is exact and must equal the int64
// triple loop bit for bit (this checks indexing, packing, padding and edges without tolerances);
// accuracy on non-integer data is checked against numpy 2.4 values.

/// A `rows × columns` matrix of integers in [-8, 8] (exact in float32 sums of < 2^24 / 64 terms),
/// times `scale`.
private func integerMatrix(_ rows: Int, _ columns: Int, seed: Int, dtype: DType, scale: Double = 1) -> NDArray {
    let values = (0..<rows * columns).map { index in
        Double((index / Swift.max(columns, 1) * 7 + index % Swift.max(columns, 1) * 13 + seed) % 17 - 8) * scale
    }
    return NDArray(shape: [rows, columns], elements: values).converted(to: dtype)
}

/// The exact product by the int64 triple loop, as float64 values (row-major).
private func naiveProduct(_ a: NDArray, _ b: NDArray) -> [Double] {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    let x = a.asArray(Int64.self), y = b.asArray(Int64.self)
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: Int64 = 0
            for p in 0..<k { sum += x[i * k + p] * y[p * n + j] }
            c[i * n + j] = Double(sum)
        }
    }
    return c
}

/// The Swift kernels, and in an `OpenBLAS` build also the BLAS path.
#if OpenBLAS
    private let kernelChoices = [false, true]
#else
    private let kernelChoices = [false]
#endif

/// (m, k, n) triples around every block and tile edge of both float kernels.
private let blockedShapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 5, 1), (3, 1, 5), (4, 4, 4), (4, 3, 8), (5, 3, 9), (7, 257, 13), (8, 256, 8),
    (9, 600, 17), (130, 10, 4), (261, 3, 33), (5, 3, 2050), (3, 2, 4100), (131, 513, 9),
]

@Suite("Dot kernels")
struct DotKernelTests {
    /// The blocked GEMM called directly (it needs k > 0), into an output whose rows are padded:
    /// the padding must stay untouched and every real element must be exact.
    @Test(arguments: [DType.float64, .float32])
    func blockedKernelIsExactAtEveryEdge(dtype: DType) {
        for (m, k, n) in blockedShapes {
            let a = integerMatrix(m, k, seed: 1, dtype: dtype), b = integerMatrix(k, n, seed: 5, dtype: dtype)
            let expected = naiveProduct(a, b)
            let rowStride = n + 3
            let got: [Double]
            if dtype == .float64 {
                got = runBlocked(a, b, rowStride: rowStride, as: Double.self)
            } else {
                got = runBlocked(a, b, rowStride: rowStride, as: Float.self)
            }
            let real = (0..<m).flatMap { i in got[(i * rowStride)..<(i * rowStride + n)] }
            let padding = (0..<m).flatMap { i in got[(i * rowStride + n)..<((i + 1) * rowStride)] }
            #expect(real == expected, "\(dtype) \(m)×\(k)×\(n)")
            #expect(padding.allSatisfy { $0 == 12345 }, "\(dtype) \(m)×\(k)×\(n) wrote outside its rows")
        }
    }

    private func runBlocked<T: BlockedProductElement>(_ a: NDArray, _ b: NDArray, rowStride: Int, as _: T.Type) -> [Double] {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let c = UnsafeMutablePointer<T>.allocate(capacity: m * rowStride)
        defer { c.deallocate() }
        c.initialize(repeating: 12345, count: m * rowStride)
        BlockedProduct.multiply(
            StridedMatrix(a, as: T.self), StridedMatrix(b, as: T.self), m: m, k: k, n: n, into: c, cRowStride: rowStride)
        return (0..<m * rowStride).map { Double(c[$0]) }
    }

    /// Every path of `DotKernel.run` (empty, k = 0, vector·vector, matrix·vector,
    /// vector·matrix, the small loop, the blocked GEMM) against the exact product; in an
    /// `OpenBLAS` build both the BLAS calls and the Swift kernels.
    @Test(arguments: [DType.float64, .float32], kernelChoices)
    func everyPathIsExact(dtype: DType, allowingBLAS: Bool) {
        let shapes: [(Int, Int, Int)] = [
            (0, 3, 4), (3, 4, 0), (3, 0, 4), (1, 0, 1), (2, 1, 3), (1, 1, 1), (1, 37, 1), (1, 1000, 1),
            (19, 33, 1), (1, 33, 19), (130, 701, 1), (1, 701, 130), (6, 7, 5), (16, 16, 16),
            (17, 16, 16), (64, 300, 70), (1, 5, 1000),
        ]
        for (m, k, n) in shapes {
            let a = integerMatrix(m, k, seed: 2, dtype: dtype), b = integerMatrix(k, n, seed: 3, dtype: dtype)
            let product = DotKernel.run(a, b, dtype: dtype, allowingBLAS: allowingBLAS)
            #expect(product.shape == [m, n] && product.dtype == dtype)
            #expect(product.asArray(Double.self) == naiveProduct(a, b), "\(dtype) \(m)×\(k)×\(n)")
            // The vector forms of the same products.
            if m == 1 {
                let vector = DotKernel.run(a.reshaped([k]), b, dtype: dtype, allowingBLAS: allowingBLAS)
                #expect(vector.shape == [n] && vector.asArray(Double.self) == naiveProduct(a, b))
            }
            if n == 1 {
                let vector = DotKernel.run(a, b.reshaped([k]), dtype: dtype, allowingBLAS: allowingBLAS)
                #expect(vector.shape == [m] && vector.asArray(Double.self) == naiveProduct(a, b))
            }
        }
    }

    /// Transposed, stepped and reversed operands are read in place by the packing and the
    /// matrix·vector paths (or passed to BLAS, packed where it cannot address them), on both
    /// sides, for each path.
    @Test(arguments: [DType.float64, .float32], kernelChoices)
    func stridedOperandsAreExact(dtype: DType, allowingBLAS: Bool) {
        func views(_ array: NDArray) -> [(String, NDArray)] {
            let (rows, columns) = (array.shape[0], array.shape[1])
            // The same values stored transposed; every other row and column of a matrix twice
            // as large; both axes reversed.
            let transposed = array.transposed([1, 0]).contiguous().transposed([1, 0])
            let doubled = NDArray(
                shape: [2 * rows, 2 * columns],
                elements: (0..<4 * rows * columns).map { index -> Double in
                    let (i, j) = (index / (2 * columns), index % (2 * columns))
                    return i % 2 == 0 && j % 2 == 0 ? array.asArray(Double.self)[i / 2 * columns + j / 2] : 99
                }
            ).converted(to: dtype)
            let stepped = doubled.sliced(axis: 0, start: 0, step: 2, count: rows)
                .sliced(axis: 1, start: 0, step: 2, count: columns)
            let flipped = array.sliced(axis: 0, start: rows - 1, step: -1, count: rows)
                .sliced(axis: 1, start: columns - 1, step: -1, count: columns).contiguous()
            let reversed = flipped.sliced(axis: 0, start: rows - 1, step: -1, count: rows)
                .sliced(axis: 1, start: columns - 1, step: -1, count: columns)
            return [("contiguous", array), ("transposed", transposed), ("stepped", stepped), ("reversed", reversed)]
        }
        for (m, k, n) in [(37, 45, 29), (1, 45, 29), (37, 45, 1), (9, 300, 6), (130, 20, 9)] {
            let a = integerMatrix(m, k, seed: 4, dtype: dtype), b = integerMatrix(k, n, seed: 9, dtype: dtype)
            let expected = naiveProduct(a, b)
            for (aName, aView) in views(a) {
                for (bName, bView) in views(b) {
                    #expect(aView.asArray(Double.self) == a.asArray(Double.self))
                    let product = DotKernel.run(aView, bView, dtype: dtype, allowingBLAS: allowingBLAS)
                    #expect(product.asArray(Double.self) == expected, "\(dtype) \(m)×\(k)×\(n) \(aName)·\(bName)")
                }
            }
        }
    }

    /// Non-integer data through the blocked GEMM (k = 700: three depth blocks), numpy's
    /// `A @ B` for A[i, j] = (n·37 mod 101)·0.01 − 0.5 (300×700) and B = (n·53 mod 97)·0.02 − 1
    /// (700×130), n the row-major index. float32 stays within 1e-5 of the largest |C| from the
    /// exact product of its rounded inputs (numpy's float32 matmul: 9.3e-7).
    @Test func nonIntegerProductMatchesNumpy() throws {
        let (m, k, n) = (300, 700, 130)
        let a = NDArray(shape: [m, k], elements: (0..<m * k).map { Double($0 * 37 % 101) * 0.01 - 0.5 })
        let b = NDArray(shape: [k, n], elements: (0..<k * n).map { Double($0 * 53 % 97) * 0.02 - 1.0 })
        let c = DotKernel.run(a, b, dtype: .float64).asArray(Double.self)
        #expect(Swift.abs(c.reduce(0, +) - 2.7077999999884925) < 1e-9)
        #expect(Swift.abs(c[0] - 0.8397999999999988) < 1e-13)
        #expect(Swift.abs(c[299 * n + 129] - 0.001000000000000556) < 1e-13)
        #expect(Swift.abs(c[150 * n + 64] - -2.3294000000000006) < 1e-13)

        let (a32, b32) = (a.converted(to: .float32), b.converted(to: .float32))
        let exact = DotKernel.run(a32.converted(to: .float64), b32.converted(to: .float64), dtype: .float64)
            .asArray(Double.self)
        #expect(Swift.abs(exact.reduce(0, +) - 2.7077996192597023) < 1e-9)
        #expect(Swift.abs(exact[150 * n + 64] - -2.329399969479443) < 1e-13)
        let single = DotKernel.run(a32, b32, dtype: .float32).asArray(Double.self)
        let largest = exact.map(Swift.abs).max() ?? 0
        let worst = zip(single, exact).map { Swift.abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5 * largest, "float32 error \(worst) vs max |C| \(largest)")
    }

    /// Long float32 sums are summed in chunks, as accurate as OpenBLAS: x · x for 2^20 copies of
    /// 0.1f is 10485.760312500002 (exact); a sequential float32 sum gives 10339.6 (1.4e-2 off),
    /// numpy's sdot 10486.03 (2.6e-5); the bound here is 3e-5. The same through vector·matrix,
    /// matrix·vector with transposed rows, and the GEMM. (Debian's OpenBLAS 0.3.21 sgemv is
    /// 8.6e-4 off on the vector·matrix case: this is a property of the Swift kernels.)
    @Test func longFloat32SumsStayAccurate() {
        let k = 1 << 20
        let exact = 10485.760312500002
        let tolerance = 3e-5
        let x = NDArray(shape: [k], elements: [Float](repeating: 0.1, count: k))
        let inner = DotKernel.run(x, x, dtype: .float32, allowingBLAS: false).item(Double.self)
        #expect(Swift.abs(inner - exact) <= tolerance * exact, "vector·vector \(inner)")

        let columns = NDArray(shape: [k, 3], elements: [Float](repeating: 0.1, count: 3 * k))
        for value in DotKernel.run(x, columns, dtype: .float32, allowingBLAS: false).asArray(Double.self) {
            #expect(Swift.abs(value - exact) <= tolerance * exact, "vector·matrix \(value)")
        }
        let transposed = columns.transposed([1, 0])
        for value in DotKernel.run(transposed, x, dtype: .float32, allowingBLAS: false).asArray(Double.self) {
            #expect(Swift.abs(value - exact) <= tolerance * exact, "matrix·vector \(value)")
        }
        let rows = NDArray(shape: [5, k / 64], elements: [Float](repeating: 0.1, count: 5 * k / 64))
        let gemm = DotKernel.run(rows, rows.transposed([1, 0]), dtype: .float32, allowingBLAS: false).asArray(Double.self)
        for value in gemm {
            #expect(Swift.abs(value - exact / 64) <= tolerance * exact / 64, "blocked \(value)")
        }
    }

    /// With two threads the rows split in two parts (m > 2·128 rows, ≥ 2^22 multiply-adds);
    /// each element is summed in the same order, so the result equals one thread's bit for bit.
    @Test(arguments: [DType.float64, .float32])
    func twoThreadsGiveTheSameProduct(dtype: DType) {
        // Scoped options, not the process-wide defaults: tests running at the same time keep theirs.
        let one = KernelOptions(matrixProductThreads: 1), two = KernelOptions(matrixProductThreads: 2)
        for (m, k, n) in [(300, 140, 100), (517, 300, 29), (1000, 65, 70)] {
            #expect(m * k * n >= ParallelProduct.threadingThreshold && m > 2 * 128)
            let a = integerMatrix(m, k, seed: 6, dtype: dtype), b = integerMatrix(k, n, seed: 7, dtype: dtype)
            // Non-integer operands too, where summation order would show.
            let u = integerMatrix(m, k, seed: 6, dtype: dtype, scale: 0.37)
            let v = integerMatrix(k, n, seed: 7, dtype: dtype, scale: 1.3).transposed([1, 0]).contiguous().transposed([1, 0])
            let single = one.withCurrent {
                #expect(ParallelProduct.parts(m: m, k: k, n: n, rowBlock: 128) == 1)
                return DotKernel.run(u, v, dtype: dtype, allowingBLAS: false).asArray(Double.self)
            }
            let split = two.withCurrent {
                #expect(ParallelProduct.parts(m: m, k: k, n: n, rowBlock: 128) == 2)
                return DotKernel.run(u, v, dtype: dtype, allowingBLAS: false).asArray(Double.self)
            }
            #expect(split == single, "\(dtype) \(m)×\(k)×\(n)")
            #expect(DotKernel.run(a, b, dtype: dtype, allowingBLAS: false).asArray(Double.self) == naiveProduct(a, b))
        }
        #expect(KernelOptions(matrixProductThreads: 0).matrixProductThreads == 1)
    }
}
