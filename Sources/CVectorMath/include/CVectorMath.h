// Vector math for Cotangent's elementwise kernels: y[i] = f(x[i]) over a block of doubles.
//
// On x86-64 Linux with glibc the functions call libmvec's AVX-512 (8 lanes) or AVX2 (4 lanes)
// variants, found at run time (dlopen/dlsym, CPU feature checks), so nothing is required at
// build or link time and the package stays portable. Elsewhere, and for functions libmvec
// lacks, they loop over the scalar libm function. libmvec's results are within a few ulps of
// libm's (glibc documents the bounds per function).

#ifndef COTANGENT_VECTOR_MATH_H
#define COTANGENT_VECTOR_MATH_H

// The module's umbrella header: the wide arithmetic, the Philox generator, the GEMM, the
// processor count, Cotangent's own transcendental kernels and the convolution's window sums
// are part of the module too.
#include "CWideArithmetic.h"
#include "CPhilox.h"
#include "CGemm.h"
#include "CProcessorCount.h"
#include "CTranscendental.h"
#include "CWindowSums.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The functions with a vector variant, in the order of `cotangent_vector_function_names`.
typedef enum {
    CotangentVectorExp = 0,
    CotangentVectorExp2,
    CotangentVectorExpm1,
    CotangentVectorLog,
    CotangentVectorLog2,
    CotangentVectorLog10,
    CotangentVectorLog1p,
    CotangentVectorSin,
    CotangentVectorCos,
    CotangentVectorTan,
    CotangentVectorAsin,
    CotangentVectorAcos,
    CotangentVectorAtan,
    CotangentVectorSinh,
    CotangentVectorCosh,
    CotangentVectorTanh,
    CotangentVectorAsinh,
    CotangentVectorAcosh,
    CotangentVectorAtanh,
    CotangentVectorErf,
    CotangentVectorErfc,
    CotangentVectorFunctionCount
} CotangentVectorFunction;

/// y[i] = function(x[i]) for 0 <= i < count. `x` and `y` may be the same buffer.
void cotangent_vector_map(CotangentVectorFunction function, const double *x, double *y, long count);

/// Lanes the vector variant of `function` processes at once: 8 (AVX-512), 4 (AVX2) or 1 (scalar
/// libm loop).
int cotangent_vector_width(CotangentVectorFunction function);

#ifdef __cplusplus
}
#endif

#endif
