#include "CTranscendental.h"

#include <math.h>

// The kernels depend on each rounding: never contract a * b + c into an FMA behind their back.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define COTANGENT_HAVE_LANES 1
#include <immintrin.h>
#include <pthread.h>
#endif

// MARK: Scalar path

/// libm's logistic function, written as Cotangent's scalar kernel writes it.
static double scalar_sigmoid(double x) {
    if (x >= 0) return 1 / (1 + exp(-x));
    double e = exp(x);
    return e / (1 + e);
}

/// log(1 + eˣ) in the scalar kernel's four pieces (each exact to double precision).
static double scalar_softplus(double x) {
    if (x < -37) return exp(x);
    if (x < 18) return log1p(exp(x));
    if (x < 33.3) return x + exp(-x);
    return x;
}

double cotangent_transcendental_scalar(CotangentTranscendental function, double x) {
    switch (function) {
    case CotangentTranscendentalExp: return exp(x);
    case CotangentTranscendentalLog: return log(x);
    case CotangentTranscendentalLog1p: return log1p(x);
    case CotangentTranscendentalTanh: return tanh(x);
    case CotangentTranscendentalSigmoid: return scalar_sigmoid(x);
    case CotangentTranscendentalSoftplus: return scalar_softplus(x);
    case CotangentTranscendentalErf: return erf(x);
    default: return x;
    }
}

static void scalar_map(CotangentTranscendental function, const double *x, double *y, long count) {
    for (long i = 0; i < count; i++) y[i] = cotangent_transcendental_scalar(function, x[i]);
}

// MARK: Vector paths

#ifdef COTANGENT_HAVE_LANES

/// erf's table: erf(i/128) and 2/√π e^(−(i/128)²) for i = 0 … 768 (up to 6), each rounded to
/// double from the 64-bit-significand `long double` functions when the kernels are first used.
enum { erf_entries = 6 * 128 + 1 };
static double erf_values[erf_entries], erf_slopes[erf_entries];

static int width = 1;
static pthread_once_t prepared = PTHREAD_ONCE_INIT;

static void prepare(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) width = 8;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) width = 4;
    for (int i = 0; i < erf_entries; i++) {
        long double r = (long double)i / 128;
        erf_values[i] = (double)erfl(r);
        erf_slopes[i] = (double)(1.128379167095512573896158903121545172L * expl(-r * r));
    }
}

/// The loop transcendental_lanes.h's map runs per function: whole vectors, then the padded tail.
/// `CALL` maps the vector `v`.
#define LANES_LOOP(CALL)                                                                    \
    do {                                                                                    \
        long i = 0;                                                                         \
        for (; i + LANES <= count; i += LANES) {                                            \
            VD v;                                                                           \
            __builtin_memcpy(&v, x + i, sizeof v);                                          \
            v = CALL;                                                                       \
            __builtin_memcpy(y + i, &v, sizeof v);                                          \
        }                                                                                   \
        if (i < count) {                                                                    \
            double block[LANES] = {0}; /* padding lanes compute f(0) */         \
            for (long k = i; k < count; k++) block[k - i] = x[k];                           \
            VD v;                                                                           \
            __builtin_memcpy(&v, block, sizeof v);                                          \
            v = CALL;                                                                       \
            __builtin_memcpy(block, &v, sizeof v);                                          \
            for (long k = i; k < count; k++) y[k] = block[k - i];                           \
        }                                                                                   \
    } while (0)

#define LANES 8
#define TARGET __attribute__((target("avx512f,avx512dq,fma")))
#define GATHER(table, index) _mm512_i64gather_pd((__m512i)(index), (table), 8)
#include "transcendental_lanes.h"
#undef LANES
#undef TARGET
#undef GATHER

#define LANES 4
#define TARGET __attribute__((target("avx2,fma")))
#define GATHER(table, index) _mm256_i64gather_pd((table), (__m256i)(index), 8)
#include "transcendental_lanes.h"
#undef LANES
#undef TARGET
#undef GATHER

int cotangent_transcendental_width(void) {
    pthread_once(&prepared, prepare);
    return width;
}

int cotangent_transcendental_map_width(
    CotangentTranscendental function, int lanes, const double *x, double *y, long count) {
    if ((unsigned)function >= CotangentTranscendentalCount) return 0;
    pthread_once(&prepared, prepare);
    if (lanes == 8 && width >= 8) map_lanes8(function, x, y, count);
    else if (lanes == 4 && width >= 4) map_lanes4(function, x, y, count);
    else if (lanes == 1) scalar_map(function, x, y, count);
    else return 0;
    return lanes;
}

void cotangent_transcendental_map(CotangentTranscendental function, const double *x, double *y, long count) {
    cotangent_transcendental_map_width(function, cotangent_transcendental_width(), x, y, count);
}

#else

int cotangent_transcendental_width(void) { return 1; }

int cotangent_transcendental_map_width(
    CotangentTranscendental function, int lanes, const double *x, double *y, long count) {
    if ((unsigned)function >= CotangentTranscendentalCount || lanes != 1) return 0;
    scalar_map(function, x, y, count);
    return 1;
}

void cotangent_transcendental_map(CotangentTranscendental function, const double *x, double *y, long count) {
    scalar_map(function, x, y, count);
}

#endif

// MARK: Reference

long double cotangent_transcendental_reference(CotangentTranscendental function, double x) {
    long double v = x;
    switch (function) {
    case CotangentTranscendentalExp: return expl(v);
    case CotangentTranscendentalLog: return logl(v);
    case CotangentTranscendentalLog1p: return log1pl(v);
    case CotangentTranscendentalTanh: return tanhl(v);
    case CotangentTranscendentalSigmoid: return 1 / (1 + expl(-v));
    case CotangentTranscendentalSoftplus: return v > 0 ? v + log1pl(expl(-v)) : log1pl(expl(v));
    case CotangentTranscendentalErf: return erfl(v);
    default: return v;
    }
}
