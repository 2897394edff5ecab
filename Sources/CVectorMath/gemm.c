#include "CGemm.h"

#if defined(__x86_64__) && defined(__clang__)
#define COTANGENT_HAVE_GEMM 1
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#endif

#ifdef COTANGENT_HAVE_GEMM

static CotangentGemmKernel best_kernel;
static pthread_once_t detected = PTHREAD_ONCE_INIT;

static void detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) best_kernel = CotangentGemmAVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best_kernel = CotangentGemmAVX2;
    else best_kernel = CotangentGemmNone;
}

CotangentGemmKernel cotangent_gemm_best_kernel(void) {
    pthread_once(&detected, detect);
    return best_kernel;
}

/// Whether `kernel` names a vector kernel this CPU runs.
static int runs(CotangentGemmKernel kernel) {
    return kernel != CotangentGemmNone && kernel <= cotangent_gemm_best_kernel();
}

/// The largest block length up to `limit` (rounded up to `multiple`) that splits `length` into
/// equal blocks: k = 600 is two blocks of 300, not 256 + 256 + 88 (a thin block wastes loads).
static long even_block(long length, long limit, long multiple) {
    long blocks = (length + limit - 1) / limit;
    long even = (length + blocks - 1) / blocks;
    return (even + multiple - 1) / multiple * multiple;
}

/// A 64-byte aligned buffer of at least `bytes` (NULL when out of memory).
static void *aligned_buffer(size_t bytes) {
    return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

/// Terms of one partial sum in the GEMV kernels (the GEMM's depth block plays this role).
#define GEMV_CHUNK 256
/// Rows of y a column-oriented GEMV keeps in its buffer while it walks the columns.
#define GEMV_ROWS 512

// Cache blocks, measured on a Zen 4 core (32 KiB L1d, 1 MiB L2, 32 MiB L3): the MC × KC block
// of A stays in L2 while the B panels stream past it, and the KC × NC block of B sits in L3.

// AVX-512: 32 registers hold a 6-row × 4-vector tile of accumulators (6 × 32 doubles, 6 × 64
// floats), four vectors of B and A's broadcast element. Measured against 14 × 2, 12 × 2 and
// 8 × 3 tiles here, 6 × 4 was fastest at n = 2048 (fewer broadcasts per multiply-add), and MC
// from 56 to 224 rows made no difference.
#define AVX512_ATTRIBUTE __attribute__((target("avx512f,fma")))
#pragma clang attribute push(AVX512_ATTRIBUTE, apply_to = function)

#define GEMM_NAME(x) x##_f64_avx512
#define GEMM_T double
#define GEMM_VEC __m512d
#define GEMM_W 8
#ifndef D512_MR
#define D512_MR 6
#define D512_NV 4
#define D512_MC 96
#define D512_KC 256
#endif
#define GEMM_MR D512_MR
#define GEMM_NV D512_NV
#define GEMM_MC D512_MC
#define GEMM_KC D512_KC
#define GEMM_NC 4080
#define GEMM_ZERO() _mm512_setzero_pd()
#define GEMM_LOAD(p) _mm512_loadu_pd(p)
#define GEMM_STORE(p, v) _mm512_storeu_pd(p, v)
#define GEMM_SET1(x) _mm512_set1_pd(x)
#define GEMM_FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define GEMM_ADD(a, b) _mm512_add_pd(a, b)
#define GEMM_SUM(v) _mm512_reduce_add_pd(v)
#include "gemm_template.h"
#include "gemm_undef.h"

#define GEMM_NAME(x) x##_f32_avx512
#define GEMM_T float
#define GEMM_VEC __m512
#define GEMM_W 16
#ifndef S512_MR
#define S512_MR 6
#define S512_NV 4
#define S512_MC 96
#define S512_KC 256
#endif
#define GEMM_MR S512_MR
#define GEMM_NV S512_NV
#define GEMM_MC S512_MC
#define GEMM_KC S512_KC
#define GEMM_NC 8160
#define GEMM_ZERO() _mm512_setzero_ps()
#define GEMM_LOAD(p) _mm512_loadu_ps(p)
#define GEMM_STORE(p, v) _mm512_storeu_ps(p, v)
#define GEMM_SET1(x) _mm512_set1_ps(x)
#define GEMM_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define GEMM_ADD(a, b) _mm512_add_ps(a, b)
#define GEMM_SUM(v) _mm512_reduce_add_ps(v)
#include "gemm_template.h"
#include "gemm_undef.h"

#pragma clang attribute pop

// AVX2: 16 registers hold a 6-row × 2-vector tile of accumulators, two vectors of B and one
// broadcast element of A.
#define AVX2_ATTRIBUTE __attribute__((target("avx2,fma")))
#pragma clang attribute push(AVX2_ATTRIBUTE, apply_to = function)

/// The lanes' sum of four doubles.
static inline double sum4(__m256d v) {
    __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

/// The lanes' sum of eight floats.
static inline float sum8(__m256 v) {
    __m128 quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    quad = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    return _mm_cvtss_f32(_mm_add_ss(quad, _mm_movehdup_ps(quad)));
}

#define GEMM_NAME(x) x##_f64_avx2
#define GEMM_T double
#define GEMM_VEC __m256d
#define GEMM_W 4
#define GEMM_MR 6
#define GEMM_NV 2
#define GEMM_MC 120
#define GEMM_KC 256
#define GEMM_NC 4080
#define GEMM_ZERO() _mm256_setzero_pd()
#define GEMM_LOAD(p) _mm256_loadu_pd(p)
#define GEMM_STORE(p, v) _mm256_storeu_pd(p, v)
#define GEMM_SET1(x) _mm256_set1_pd(x)
#define GEMM_FMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define GEMM_ADD(a, b) _mm256_add_pd(a, b)
#define GEMM_SUM(v) sum4(v)
#include "gemm_template.h"
#include "gemm_undef.h"

#define GEMM_NAME(x) x##_f32_avx2
#define GEMM_T float
#define GEMM_VEC __m256
#define GEMM_W 8
#define GEMM_MR 6
#define GEMM_NV 2
#define GEMM_MC 120
#define GEMM_KC 256
#define GEMM_NC 8160
#define GEMM_ZERO() _mm256_setzero_ps()
#define GEMM_LOAD(p) _mm256_loadu_ps(p)
#define GEMM_STORE(p, v) _mm256_storeu_ps(p, v)
#define GEMM_SET1(x) _mm256_set1_ps(x)
#define GEMM_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define GEMM_ADD(a, b) _mm256_add_ps(a, b)
#define GEMM_SUM(v) sum8(v)
#include "gemm_template.h"
#include "gemm_undef.h"

#pragma clang attribute pop

// The entry points: a kernel this CPU runs, else 0.
#define GEMM_ENTRY(T, SUFFIX)                                                                        \
    int cotangent_gemm_##SUFFIX(                                                                     \
        CotangentGemmKernel kernel, long m, long n, long k, const T *a, long ars, long acs, const T *b, \
        long brs, long bcs, T *c, long ldc, int accumulate) {                                        \
        if (!runs(kernel)) return 0;                                                                 \
        return kernel == CotangentGemmAVX512                                                         \
            ? gemm_##SUFFIX##_avx512(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate)          \
            : gemm_##SUFFIX##_avx2(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);           \
    }                                                                                                \
    int cotangent_gemv_##SUFFIX(                                                                     \
        CotangentGemmKernel kernel, long m, long k, const T *a, long ars, long acs, const T *x, long xs, T *y) { \
        if (!runs(kernel)) return 0;                                                                 \
        return kernel == CotangentGemmAVX512 ? gemv_##SUFFIX##_avx512(m, k, a, ars, acs, x, xs, y)   \
                                             : gemv_##SUFFIX##_avx2(m, k, a, ars, acs, x, xs, y);    \
    }

GEMM_ENTRY(double, f64)
GEMM_ENTRY(float, f32)

#else

CotangentGemmKernel cotangent_gemm_best_kernel(void) { return CotangentGemmNone; }

// No vector kernel on this architecture: every call reports it.
#define GEMM_ENTRY(T, SUFFIX)                                                                        \
    int cotangent_gemm_##SUFFIX(                                                                     \
        CotangentGemmKernel kernel, long m, long n, long k, const T *a, long ars, long acs, const T *b, \
        long brs, long bcs, T *c, long ldc, int accumulate) {                                        \
        (void)kernel; (void)m; (void)n; (void)k; (void)a; (void)ars; (void)acs; (void)b; (void)brs;  \
        (void)bcs; (void)c; (void)ldc; (void)accumulate;                                             \
        return 0;                                                                                    \
    }                                                                                                \
    int cotangent_gemv_##SUFFIX(                                                                     \
        CotangentGemmKernel kernel, long m, long k, const T *a, long ars, long acs, const T *x, long xs, T *y) { \
        (void)kernel; (void)m; (void)k; (void)a; (void)ars; (void)acs; (void)x; (void)xs; (void)y;   \
        return 0;                                                                                    \
    }

GEMM_ENTRY(double, f64)
GEMM_ENTRY(float, f32)

#endif
