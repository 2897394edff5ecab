// The float products' vector kernels: C micro-kernels for AVX-512 or AVX2 with FMA (CGemm.h in
// CVectorMath), chosen at run time. The default Swift build targets baseline x86-64 (SSE2, no
// FMA), where the portable Swift GEMM reaches about a third of what these kernels do; on CPUs
// (and architectures) without either instruction set the portable kernels run instead.

import CVectorMath

/// Which kernel float products use, decided once per product on the calling thread.
package enum VectorProduct {
    /// Whether products started in this scope use only the portable Swift kernels. Task-local,
    /// so a test comparing the two kernels does not change what tests running beside it use.
    @TaskLocal package static var isDisabled = false

    /// The best vector kernel this CPU runs (`CotangentGemmNone` when it has none).
    package static let best: CotangentGemmKernel = cotangent_gemm_best_kernel()

    /// The instruction set of ``best``, for reports.
    package static var bestName: String {
        switch best {
        case CotangentGemmAVX512: "AVX-512"
        case CotangentGemmAVX2: "AVX2+FMA"
        default: "none"
        }
    }

    /// The vector kernel products started here use: ``best``, or `CotangentGemmNone` (the
    /// portable Swift kernels) inside an ``isDisabled`` scope.
    package static var current: CotangentGemmKernel { isDisabled ? CotangentGemmNone : best }
}

extension CotangentGemmKernel {
    /// Whether this names a vector kernel (not `CotangentGemmNone`).
    package var isVector: Bool { self != CotangentGemmNone }
}

// The protocol requirements of `BlockedProductElement`, one C entry point each.

extension Double {
    package static func vectorMultiply(
        _ a: StridedMatrix<Double>, _ b: StridedMatrix<Double>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<Double>, cRowStride: Int, accumulating: Bool, kernel: CotangentGemmKernel
    ) -> Bool {
        let (ra, ca, rb, cb) = (a.rowStride, a.columnStride, b.rowStride, b.columnStride)
        return cotangent_gemm_f64(kernel, m, n, k, a.base, ra, ca, b.base, rb, cb, c, cRowStride, accumulating ? 1 : 0) != 0
    }

    package static func vectorMatrixVector(
        _ a: StridedMatrix<Double>, _ x: UnsafePointer<Double>, step: Int, m: Int, k: Int,
        into c: UnsafeMutablePointer<Double>, kernel: CotangentGemmKernel
    ) -> Bool {
        cotangent_gemv_f64(kernel, m, k, a.base, a.rowStride, a.columnStride, x, step, c) != 0
    }
}

extension Float {
    package static func vectorMultiply(
        _ a: StridedMatrix<Float>, _ b: StridedMatrix<Float>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<Float>, cRowStride: Int, accumulating: Bool, kernel: CotangentGemmKernel
    ) -> Bool {
        let (ra, ca, rb, cb) = (a.rowStride, a.columnStride, b.rowStride, b.columnStride)
        return cotangent_gemm_f32(kernel, m, n, k, a.base, ra, ca, b.base, rb, cb, c, cRowStride, accumulating ? 1 : 0) != 0
    }

    package static func vectorMatrixVector(
        _ a: StridedMatrix<Float>, _ x: UnsafePointer<Float>, step: Int, m: Int, k: Int,
        into c: UnsafeMutablePointer<Float>, kernel: CotangentGemmKernel
    ) -> Bool {
        cotangent_gemv_f32(kernel, m, k, a.base, a.rowStride, a.columnStride, x, step, c) != 0
    }
}
