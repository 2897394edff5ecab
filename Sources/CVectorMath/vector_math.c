#include "CVectorMath.h"

#include <math.h>
#include <stdio.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
#define COTANGENT_HAVE_LIBMVEC 1
#include <dlfcn.h>
#include <immintrin.h>
#include <pthread.h>
#endif

/// The scalar libm function (the fallback, and the reference the vector variants match).
static double scalar(CotangentVectorFunction function, double x) {
    switch (function) {
    case CotangentVectorExp: return exp(x);
    case CotangentVectorExp2: return exp2(x);
    case CotangentVectorExpm1: return expm1(x);
    case CotangentVectorLog: return log(x);
    case CotangentVectorLog2: return log2(x);
    case CotangentVectorLog10: return log10(x);
    case CotangentVectorLog1p: return log1p(x);
    case CotangentVectorSin: return sin(x);
    case CotangentVectorCos: return cos(x);
    case CotangentVectorTan: return tan(x);
    case CotangentVectorAsin: return asin(x);
    case CotangentVectorAcos: return acos(x);
    case CotangentVectorAtan: return atan(x);
    case CotangentVectorSinh: return sinh(x);
    case CotangentVectorCosh: return cosh(x);
    case CotangentVectorTanh: return tanh(x);
    case CotangentVectorAsinh: return asinh(x);
    case CotangentVectorAcosh: return acosh(x);
    case CotangentVectorAtanh: return atanh(x);
    case CotangentVectorErf: return erf(x);
    case CotangentVectorErfc: return erfc(x);
    default: return x;
    }
}

static void scalar_map(CotangentVectorFunction function, const double *x, double *y, long count) {
    for (long i = 0; i < count; i++) y[i] = scalar(function, x[i]);
}

#ifdef COTANGENT_HAVE_LIBMVEC

/// libmvec's names, without the vector-ABI prefix.
static const char *const names[CotangentVectorFunctionCount] = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
    "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfc",
};

// The vector ABI passes and returns the lanes in zmm/ymm registers; calls through these
// pointers are made only from functions compiled for that instruction set.
typedef __m512d (*Vector8)(__m512d);
typedef __m256d (*Vector4)(__m256d);

static Vector8 vector8[CotangentVectorFunctionCount];
static Vector4 vector4[CotangentVectorFunctionCount];
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void) {
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f");
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!avx512 && !avx2) return;
    void *library = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    char symbol[64];
    for (int f = 0; f < CotangentVectorFunctionCount; f++) {
        if (avx512) {
            snprintf(symbol, sizeof symbol, "_ZGVeN8v_%s", names[f]);
            vector8[f] = (Vector8)dlsym(library, symbol);
        }
        if (avx2) {
            snprintf(symbol, sizeof symbol, "_ZGVdN4v_%s", names[f]);
            vector4[f] = (Vector4)dlsym(library, symbol);
        }
    }
}

__attribute__((target("avx512f")))
static void map8(Vector8 f, const double *x, double *y, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm512_storeu_pd(y + i, f(_mm512_loadu_pd(x + i)));
    if (i < count) {
        // The tail through a padded block (the padding lanes compute f(1), harmlessly).
        double block[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        for (long k = i; k < count; k++) block[k - i] = x[k];
        _mm512_storeu_pd(block, f(_mm512_loadu_pd(block)));
        for (long k = i; k < count; k++) y[k] = block[k - i];
    }
}

__attribute__((target("avx2,fma")))
static void map4(Vector4 f, const double *x, double *y, long count) {
    long i = 0;
    for (; i + 4 <= count; i += 4) _mm256_storeu_pd(y + i, f(_mm256_loadu_pd(x + i)));
    if (i < count) {
        double block[4] = {1, 1, 1, 1};
        for (long k = i; k < count; k++) block[k - i] = x[k];
        _mm256_storeu_pd(block, f(_mm256_loadu_pd(block)));
        for (long k = i; k < count; k++) y[k] = block[k - i];
    }
}

void cotangent_vector_map(CotangentVectorFunction function, const double *x, double *y, long count) {
    if ((unsigned)function >= CotangentVectorFunctionCount) return;
    pthread_once(&loaded, load);
    if (vector8[function]) {
        map8(vector8[function], x, y, count);
    } else if (vector4[function]) {
        map4(vector4[function], x, y, count);
    } else {
        scalar_map(function, x, y, count);
    }
}

int cotangent_vector_width(CotangentVectorFunction function) {
    if ((unsigned)function >= CotangentVectorFunctionCount) return 1;
    pthread_once(&loaded, load);
    return vector8[function] ? 8 : (vector4[function] ? 4 : 1);
}

#else

void cotangent_vector_map(CotangentVectorFunction function, const double *x, double *y, long count) {
    scalar_map(function, x, y, count);
}

int cotangent_vector_width(CotangentVectorFunction function) {
    (void)function;
    return 1;
}

#endif
