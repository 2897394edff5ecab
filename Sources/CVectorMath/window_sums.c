#include "CWindowSums.h"

#if defined(__x86_64__) && defined(__clang__)
#define COTANGENT_HAVE_WINDOW_SUMS 1
#include <immintrin.h>
#endif

#ifdef COTANGENT_HAVE_WINDOW_SUMS

/// Taps per partial sum (the GEMM's depth block plays the same role): long float32 windows
/// stay accurate, and one block of taps stays in L1 while the outputs stream past it.
#define WS_TAPS 256

// Register blocks measured on a Zen 4 core, 1e6 outputs of 64 taps and 64 outputs of 1e6 taps:
// AVX-512 with 8 vectors (8 accumulators and 8 sliding signal vectors; 64 doubles) ran at
// 27–29 G multiply-adds/s, 12 and 14 vectors slower; AVX2 with 6 vectors (12 of its 16
// registers) at 22.5 G on the long signal, where 8 spill registers (11 G).
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#define WS_NB 8
#define WS_NAME(x) x##_f64_avx512
#define WS_T double
#define WS_VEC __m512d
#define WS_W 8
#define WS_ZERO() _mm512_setzero_pd()
#define WS_LOAD(p) _mm512_loadu_pd(p)
#define WS_STORE(p, v) _mm512_storeu_pd(p, v)
#define WS_SET1(x) _mm512_set1_pd(x)
#define WS_FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define WS_ADD(a, b) _mm512_add_pd(a, b)
#define WS_SCALAR_FMA(a, b, c) __builtin_fma(a, b, c)
#include "window_sums_template.h"

#define WS_NAME(x) x##_f32_avx512
#define WS_T float
#define WS_VEC __m512
#define WS_W 16
#define WS_ZERO() _mm512_setzero_ps()
#define WS_LOAD(p) _mm512_loadu_ps(p)
#define WS_STORE(p, v) _mm512_storeu_ps(p, v)
#define WS_SET1(x) _mm512_set1_ps(x)
#define WS_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define WS_ADD(a, b) _mm512_add_ps(a, b)
#define WS_SCALAR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "window_sums_template.h"
#undef WS_NB
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define WS_NB 6
#define WS_NAME(x) x##_f64_avx2
#define WS_T double
#define WS_VEC __m256d
#define WS_W 4
#define WS_ZERO() _mm256_setzero_pd()
#define WS_LOAD(p) _mm256_loadu_pd(p)
#define WS_STORE(p, v) _mm256_storeu_pd(p, v)
#define WS_SET1(x) _mm256_set1_pd(x)
#define WS_FMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define WS_ADD(a, b) _mm256_add_pd(a, b)
#define WS_SCALAR_FMA(a, b, c) __builtin_fma(a, b, c)
#include "window_sums_template.h"

#define WS_NAME(x) x##_f32_avx2
#define WS_T float
#define WS_VEC __m256
#define WS_W 8
#define WS_ZERO() _mm256_setzero_ps()
#define WS_LOAD(p) _mm256_loadu_ps(p)
#define WS_STORE(p, v) _mm256_storeu_ps(p, v)
#define WS_SET1(x) _mm256_set1_ps(x)
#define WS_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define WS_ADD(a, b) _mm256_add_ps(a, b)
#define WS_SCALAR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "window_sums_template.h"
#pragma clang attribute pop

/// Whether `kernel` names a vector kernel this CPU runs.
static int runs(CotangentGemmKernel kernel) {
    return kernel != CotangentGemmNone && kernel <= cotangent_gemm_best_kernel();
}

// The entry points, one per element type.
#define WINDOW_SUMS_ENTRY(T, SUFFIX)                                                                 \
    int cotangent_window_sums_##SUFFIX(                                                              \
        CotangentGemmKernel kernel, const T *signal, const T *taps, T *out, long count, long k) {    \
        if (!runs(kernel)) return 0;                                                                 \
        if (kernel == CotangentGemmAVX512) window_sums_##SUFFIX##_avx512(signal, taps, out, count, k); \
        else window_sums_##SUFFIX##_avx2(signal, taps, out, count, k);                               \
        return 1;                                                                                    \
    }

WINDOW_SUMS_ENTRY(double, f64)
WINDOW_SUMS_ENTRY(float, f32)

#else

// No vector kernel on this architecture: every call reports it.
#define WINDOW_SUMS_ENTRY(T, SUFFIX)                                                                 \
    int cotangent_window_sums_##SUFFIX(                                                              \
        CotangentGemmKernel kernel, const T *signal, const T *taps, T *out, long count, long k) {    \
        (void)kernel, (void)signal, (void)taps, (void)out, (void)count, (void)k;                     \
        return 0;                                                                                    \
    }

WINDOW_SUMS_ENTRY(double, f64)
WINDOW_SUMS_ENTRY(float, f32)

#endif
