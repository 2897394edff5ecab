// Window sums for Cotangent's `Convolve1d`: out[i] = Σ_j signal[i + j] · taps[j].
//
// On x86-64 the sums run register-blocked AVX-512 or AVX2+FMA kernels, chosen with the GEMM's
// kernel choice (`CotangentGemmKernel`); elsewhere the entry points return 0 and the caller
// runs its portable kernel. Each output sums the taps in blocks of 256: a fused multiply-add
// chain from zero over one block (its taps in as many interleaved runs as the kernel's vector
// has lanes), then added to the output. For a given kernel that order depends only on k, never
// on where the output sits or how many outputs a call covers, so splitting the outputs over
// threads, or computing an output in a vector lane or alone, leaves every bit the same.

#ifndef COTANGENT_WINDOW_SUMS_H
#define COTANGENT_WINDOW_SUMS_H

#include "CGemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/// out[i] = Σ_{j<k} signal[i + j] · taps[j] for i < count (all contiguous; `signal` holds
/// count + k - 1 elements), with `kernel`. Returns 1 when computed, 0 (out untouched) when the
/// kernel is `CotangentGemmNone` or one this CPU lacks. k ≥ 1.
int cotangent_window_sums_f64(
    CotangentGemmKernel kernel, const double *signal, const double *taps, double *out, long count, long k);

/// The float32 form of `cotangent_window_sums_f64`.
int cotangent_window_sums_f32(
    CotangentGemmKernel kernel, const float *signal, const float *taps, float *out, long count, long k);

#ifdef __cplusplus
}
#endif

#endif
