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

/// 2^(j/16) for j = 0 … 15 as hi + lo (lo holds the next 53 bits).
static const double exp_table_hi[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0,
};
static const double exp_table_lo[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
    0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
    -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
    0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54,
};

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
#define LOOKUP16(table, index) \
    _mm512_permutex2var_pd(_mm512_load_pd(table), (__m512i)(index), _mm512_load_pd((table) + 8))
#include "transcendental_lanes.h"
#undef LANES
#undef TARGET
#undef GATHER
#undef LOOKUP16

#define LANES 4
#define TARGET __attribute__((target("avx2,fma")))
#define GATHER(table, index) _mm256_i64gather_pd((table), (__m256i)(index), 8)
#define LOOKUP16(table, index) GATHER(table, index)
#include "transcendental_lanes.h"
#undef LANES
#undef TARGET
#undef GATHER
#undef LOOKUP16

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
