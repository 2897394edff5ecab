// Float matrix products (GEMM and GEMV) for Cotangent's `Dot` kernels.
//
// On x86-64 the products run register-blocked micro-kernels for AVX-512 or AVX2 with FMA,
// chosen at run time from the CPU's features with no build flag, around packed, cache-blocked
// panels of the operands. Elsewhere (and on CPUs with neither instruction set) the entry points
// return 0 without touching their output, and callers keep their own portable kernels.
//
// Operands are strided views: element (i, j) of A is a[i * a_row_stride + j * a_column_stride],
// so transposed, sliced and stepped views are read in place. C is row-major with row stride
// c_row_stride. Each element of C is summed in an order that depends only on k (blocks of the
// depth, each summed with fused multiply-adds in order and then added to C), never on m, n or
// where C starts, so splitting C's rows over threads leaves every result bit-identical.

#ifndef COTANGENT_GEMM_H
#define COTANGENT_GEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets the product kernels can use, best last.
typedef enum {
    /// No vector kernel: the entry points return 0.
    CotangentGemmNone = 0,
    /// AVX2 with FMA (256-bit vectors, 16 registers).
    CotangentGemmAVX2 = 1,
    /// AVX-512F (512-bit vectors, 32 registers).
    CotangentGemmAVX512 = 2,
} CotangentGemmKernel;

/// The best kernel this CPU runs (detected once).
CotangentGemmKernel cotangent_gemm_best_kernel(void);

/// C = A·B (or C += A·B when `accumulate` is nonzero) for an m×k A and a k×n B, with `kernel`
/// (a kernel the CPU lacks, or `CotangentGemmNone`, returns 0 and leaves C alone). Returns 1
/// when the product was computed. k = 0 gives C = 0 (or leaves C unchanged when accumulating).
int cotangent_gemm_f64(
    CotangentGemmKernel kernel, long m, long n, long k,
    const double *a, long a_row_stride, long a_column_stride,
    const double *b, long b_row_stride, long b_column_stride,
    double *c, long c_row_stride, int accumulate);

/// The float32 form of `cotangent_gemm_f64`.
int cotangent_gemm_f32(
    CotangentGemmKernel kernel, long m, long n, long k,
    const float *a, long a_row_stride, long a_column_stride,
    const float *b, long b_row_stride, long b_column_stride,
    float *c, long c_row_stride, int accumulate);

/// y[i] = Σ_p A[i, p] x[p * x_stride] for an m×k A (y contiguous, overwritten; zero when
/// k = 0), with `kernel` as in `cotangent_gemm_f64`. Each vector lane (or, for contiguous
/// columns of A, each element of y) sums blocks of 256 terms whose partial sums are then added,
/// which keeps long float32 sums accurate.
int cotangent_gemv_f64(
    CotangentGemmKernel kernel, long m, long k,
    const double *a, long a_row_stride, long a_column_stride,
    const double *x, long x_stride, double *y);

/// The float32 form of `cotangent_gemv_f64`.
int cotangent_gemv_f32(
    CotangentGemmKernel kernel, long m, long k,
    const float *a, long a_row_stride, long a_column_stride,
    const float *x, long x_stride, float *y);

#ifdef __cplusplus
}
#endif

#endif
