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

extension VectorProduct {
    /// `out[i] = Σ_{j<k} signal[i + j] · taps[j]` for `i < count` (contiguous; the signal holds
    /// `count + k - 1` elements) by the vector kernel `kernel` (`CWindowSums.h`). False when that
    /// kernel cannot run here or `T` is neither Double nor Float; then `out` is untouched.
    @inlinable package static func windowSums<T>(
        _ signal: UnsafePointer<T>, _ taps: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        count: Int, k: Int, kernel: CotangentGemmKernel
    ) -> Bool {
        if T.self == Double.self {
            let (s, t, o) = (signal.rebound(Double.self), taps.rebound(Double.self), out.rebound(Double.self))
            return cotangent_window_sums_f64(kernel, s, t, o, count, k) != 0
        }
        if T.self == Float.self {
            let (s, t, o) = (signal.rebound(Float.self), taps.rebound(Float.self), out.rebound(Float.self))
            return cotangent_window_sums_f32(kernel, s, t, o, count, k) != 0
        }
        return false
    }
}

extension CotangentGemmKernel {
    /// Whether this names a vector kernel (not `CotangentGemmNone`).
    package var isVector: Bool { self != CotangentGemmNone }
}

extension BlockedProductElement {
    /// `c = a · b` (or, with `accumulating`, `c += a · b`) for an `m × k` and a `k × n` strided
    /// matrix, `c` row-major with row stride `cRowStride`, by the vector kernel `kernel`. False
    /// when that kernel cannot run here (or the element type has none); then `c` is untouched.
    package static func vectorMultiply(
        _ a: StridedMatrix<Self>, _ b: StridedMatrix<Self>, m: Int, k: Int, n: Int,
        into c: UnsafeMutablePointer<Self>, cRowStride: Int, accumulating: Bool, kernel: CotangentGemmKernel
    ) -> Bool {
        let (ra, ca, rb, cb, adding) = (a.rowStride, a.columnStride, b.rowStride, b.columnStride, Int32(accumulating ? 1 : 0))
        if Self.self == Double.self {
            let (pa, pb, pc) = (a.base.rebound(Double.self), b.base.rebound(Double.self), c.rebound(Double.self))
            return cotangent_gemm_f64(kernel, m, n, k, pa, ra, ca, pb, rb, cb, pc, cRowStride, adding) != 0
        }
        if Self.self == Float.self {
            let (pa, pb, pc) = (a.base.rebound(Float.self), b.base.rebound(Float.self), c.rebound(Float.self))
            return cotangent_gemm_f32(kernel, m, n, k, pa, ra, ca, pb, rb, cb, pc, cRowStride, adding) != 0
        }
        return false
    }

    /// `c[i] = Σ_p a[i, p] x[p * step]` (`c` contiguous, overwritten) by the vector kernel
    /// `kernel`. False when that kernel cannot run here (or the element type has none); then
    /// `c` is untouched.
    package static func vectorMatrixVector(
        _ a: StridedMatrix<Self>, _ x: UnsafePointer<Self>, step: Int, m: Int, k: Int,
        into c: UnsafeMutablePointer<Self>, kernel: CotangentGemmKernel
    ) -> Bool {
        let (ra, ca) = (a.rowStride, a.columnStride)
        if Self.self == Double.self {
            let (pa, px, pc) = (a.base.rebound(Double.self), x.rebound(Double.self), c.rebound(Double.self))
            return cotangent_gemv_f64(kernel, m, k, pa, ra, ca, px, step, pc) != 0
        }
        if Self.self == Float.self {
            let (pa, px, pc) = (a.base.rebound(Float.self), x.rebound(Float.self), c.rebound(Float.self))
            return cotangent_gemv_f32(kernel, m, k, pa, ra, ca, px, step, pc) != 0
        }
        return false
    }
}

extension UnsafePointer {
    /// The same address typed as `U` (the caller has checked that `Pointee` is `U`).
    fileprivate func rebound<U>(_: U.Type) -> UnsafePointer<U> { UnsafeRawPointer(self).assumingMemoryBound(to: U.self) }
}

extension UnsafeMutablePointer {
    /// The same address typed as `U` (the caller has checked that `Pointee` is `U`).
    fileprivate func rebound<U>(_: U.Type) -> UnsafeMutablePointer<U> {
        UnsafeMutableRawPointer(self).assumingMemoryBound(to: U.self)
    }
}
