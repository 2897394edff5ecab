#include "CWideArithmetic.h"

// Each element's result is the IEEE result of one operation: never contract into an FMA.
#pragma clang fp contract(off)

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define COTANGENT_HAVE_WIDE 1
#include <immintrin.h>
#include <pthread.h>
#endif

#ifdef COTANGENT_HAVE_WIDE

static int width;
static pthread_once_t detected = PTHREAD_ONCE_INIT;

static void detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) width = 8;
    else if (__builtin_cpu_supports("avx2")) width = 4;
    else width = 0;
}

int cotangent_wide_width(void) {
    pthread_once(&detected, detect);
    return width;
}

// One loop per operation and instruction set: whole vectors, then the tail one at a time (each
// vector is loaded before it is stored, so r == a or r == b is safe).
#define BINARY_LOOP(ATTR, NAME, VEC, LOAD, STORE, STEP, VOP, SOP)                           \
    ATTR static void NAME(const double *a, const double *b, double *r, long n) {           \
        long i = 0;                                                                         \
        for (; i + STEP <= n; i += STEP) {                                                  \
            VEC x = LOAD(a + i), y = LOAD(b + i);                                           \
            STORE(r + i, VOP(x, y));                                                        \
        }                                                                                   \
        for (; i < n; i++) r[i] = a[i] SOP b[i];                                            \
    }

// The same over three operands, (a op b) op c, for the variadic operations.
#define FOLD3_LOOP(ATTR, NAME, VEC, LOAD, STORE, STEP, VOP, SOP)                                     \
    ATTR static void NAME(const double *a, const double *b, const double *c, double *r, long n) {   \
        long i = 0;                                                                                 \
        for (; i + STEP <= n; i += STEP) {                                                          \
            VEC x = LOAD(a + i), y = LOAD(b + i), z = LOAD(c + i);                                  \
            STORE(r + i, VOP(VOP(x, y), z));                                                        \
        }                                                                                           \
        for (; i < n; i++) r[i] = (a[i] SOP b[i]) SOP c[i];                                         \
    }

#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2")))

BINARY_LOOP(AVX512, add8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, 8, _mm512_add_pd, +)
BINARY_LOOP(AVX512, sub8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, 8, _mm512_sub_pd, -)
BINARY_LOOP(AVX512, mul8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, 8, _mm512_mul_pd, *)
BINARY_LOOP(AVX512, div8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, 8, _mm512_div_pd, /)
BINARY_LOOP(AVX2, add4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, 4, _mm256_add_pd, +)
BINARY_LOOP(AVX2, sub4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, 4, _mm256_sub_pd, -)
BINARY_LOOP(AVX2, mul4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, 4, _mm256_mul_pd, *)
BINARY_LOOP(AVX2, div4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, 4, _mm256_div_pd, /)
FOLD3_LOOP(AVX512, add3x8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, 8, _mm512_add_pd, +)
FOLD3_LOOP(AVX512, mul3x8, __m512d, _mm512_loadu_pd, _mm512_storeu_pd, 8, _mm512_mul_pd, *)
FOLD3_LOOP(AVX2, add3x4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, 4, _mm256_add_pd, +)
FOLD3_LOOP(AVX2, mul3x4, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, 4, _mm256_mul_pd, *)

AVX512 static void neg8(const double *a, double *r, long n) {
    const __m512d sign = _mm512_set1_pd(-0.0);
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(r + i, _mm512_castsi512_pd(_mm512_xor_si512(
            _mm512_castpd_si512(_mm512_loadu_pd(a + i)), _mm512_castpd_si512(sign))));
    for (; i < n; i++) r[i] = -a[i];
}

AVX512 static void sqr8(const double *a, double *r, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d x = _mm512_loadu_pd(a + i);
        _mm512_storeu_pd(r + i, _mm512_mul_pd(x, x));
    }
    for (; i < n; i++) r[i] = a[i] * a[i];
}

AVX2 static void neg4(const double *a, double *r, long n) {
    const __m256d sign = _mm256_set1_pd(-0.0);
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(r + i, _mm256_xor_pd(_mm256_loadu_pd(a + i), sign));
    for (; i < n; i++) r[i] = -a[i];
}

AVX2 static void sqr4(const double *a, double *r, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d x = _mm256_loadu_pd(a + i);
        _mm256_storeu_pd(r + i, _mm256_mul_pd(x, x));
    }
    for (; i < n; i++) r[i] = a[i] * a[i];
}

void cotangent_wide_binary(CotangentWideBinary op, const double *a, const double *b, double *r, long count) {
    int w = cotangent_wide_width();
    switch (op) {
    case CotangentWideAdd: if (w == 8) add8(a, b, r, count); else if (w == 4) add4(a, b, r, count); break;
    case CotangentWideSub: if (w == 8) sub8(a, b, r, count); else if (w == 4) sub4(a, b, r, count); break;
    case CotangentWideMul: if (w == 8) mul8(a, b, r, count); else if (w == 4) mul4(a, b, r, count); break;
    case CotangentWideDiv: if (w == 8) div8(a, b, r, count); else if (w == 4) div4(a, b, r, count); break;
    default: break;
    }
}

// Conversions between float32 values and float64 lanes: whole vectors, then the tail through C's
// conversion (to nearest even, as Swift's `Float(_:)`). `VECTOR` converts the vector at i; each
// vector is loaded before it is stored, so r == a is safe where the types agree.
#define CONVERT_LOOP(ATTR, NAME, IN, OUT, STEP, VECTOR, SCALAR)                               \
    ATTR static void NAME(const IN *a, OUT *r, long n) {                                    \
        long i = 0;                                                                         \
        for (; i + STEP <= n; i += STEP) VECTOR;                                            \
        for (; i < n; i++) r[i] = SCALAR;                                                   \
    }

// The entry point: the machine's widest loop, or the plain one where there is none.
#define CONVERSION(NAME, IN, OUT, LOOP8, LOOP4, SCALAR)                                       \
    void NAME(const IN *a, OUT *r, long count) {                                            \
        int w = cotangent_wide_width();                                                     \
        if (w == 8) LOOP8(a, r, count);                                                     \
        else if (w == 4) LOOP4(a, r, count);                                                \
        else for (long i = 0; i < count; i++) r[i] = SCALAR;                                \
    }

CONVERT_LOOP(AVX512, widen8, float, double, 8,
             _mm512_storeu_pd(r + i, _mm512_cvtps_pd(_mm256_loadu_ps(a + i))), (double)a[i])
CONVERT_LOOP(AVX2, widen4, float, double, 4,
             _mm256_storeu_pd(r + i, _mm256_cvtps_pd(_mm_loadu_ps(a + i))), (double)a[i])
CONVERT_LOOP(AVX512, narrow8, double, float, 8,
             _mm256_storeu_ps(r + i, _mm512_cvtpd_ps(_mm512_loadu_pd(a + i))), (float)a[i])
CONVERT_LOOP(AVX2, narrow4, double, float, 4,
             _mm_storeu_ps(r + i, _mm256_cvtpd_ps(_mm256_loadu_pd(a + i))), (float)a[i])
CONVERT_LOOP(AVX512, round_f32_8, double, double, 8,
             _mm512_storeu_pd(r + i, _mm512_cvtps_pd(_mm512_cvtpd_ps(_mm512_loadu_pd(a + i)))), (double)(float)a[i])
CONVERT_LOOP(AVX2, round_f32_4, double, double, 4,
             _mm256_storeu_pd(r + i, _mm256_cvtps_pd(_mm256_cvtpd_ps(_mm256_loadu_pd(a + i)))), (double)(float)a[i])

CONVERSION(cotangent_widen_f32, float, double, widen8, widen4, (double)a[i])
CONVERSION(cotangent_narrow_f64, double, float, narrow8, narrow4, (float)a[i])
CONVERSION(cotangent_round_f32, double, double, round_f32_8, round_f32_4, (double)(float)a[i])

void cotangent_wide_fold3(CotangentWideBinary op, const double *a, const double *b, const double *c, double *r, long count) {
    int w = cotangent_wide_width();
    switch (op) {
    case CotangentWideAdd: if (w == 8) add3x8(a, b, c, r, count); else if (w == 4) add3x4(a, b, c, r, count); break;
    case CotangentWideMul: if (w == 8) mul3x8(a, b, c, r, count); else if (w == 4) mul3x4(a, b, c, r, count); break;
    default: break;
    }
}

void cotangent_wide_unary(CotangentWideUnary op, const double *a, double *r, long count) {
    int w = cotangent_wide_width();
    switch (op) {
    case CotangentWideNeg: if (w == 8) neg8(a, r, count); else if (w == 4) neg4(a, r, count); break;
    case CotangentWideSqr: if (w == 8) sqr8(a, r, count); else if (w == 4) sqr4(a, r, count); break;
    default: break;
    }
}

#else

int cotangent_wide_width(void) { return 0; }

void cotangent_wide_binary(CotangentWideBinary op, const double *a, const double *b, double *r, long count) {
    (void)op; (void)a; (void)b; (void)r; (void)count;
}

void cotangent_wide_fold3(CotangentWideBinary op, const double *a, const double *b, const double *c, double *r, long count) {
    (void)op; (void)a; (void)b; (void)c; (void)r; (void)count;
}

void cotangent_wide_unary(CotangentWideUnary op, const double *a, double *r, long count) {
    (void)op; (void)a; (void)r; (void)count;
}

void cotangent_widen_f32(const float *a, double *r, long count) {
    for (long i = 0; i < count; i++) r[i] = (double)a[i];
}

void cotangent_narrow_f64(const double *a, float *r, long count) {
    for (long i = 0; i < count; i++) r[i] = (float)a[i];
}

void cotangent_round_f32(const double *a, double *r, long count) {
    for (long i = 0; i < count; i++) r[i] = (double)(float)a[i];
}

#endif
