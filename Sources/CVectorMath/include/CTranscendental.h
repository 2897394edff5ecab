// Cotangent's own vector kernels for the transcendental functions its elementwise programs use
// most: y[i] = f(x[i]) over a block of doubles, within 2 ulp of the exact result over the whole
// double range, and equal to libm's result at the special values (NaN, ±∞, ±0, the overflow and
// underflow thresholds, the domain boundaries).
//
// They run AVX-512 (8 lanes) or AVX2 with FMA (4 lanes) code chosen at run time on x86-64, and
// loop over the scalar libm function elsewhere, so no compiler flag or CPU is required at build
// time. Unlike libmvec they also cover the logistic sigmoid and softplus, and they do not need
// glibc. Their log and log1p (a division and a degree-8 polynomial) are slower than libmvec's
// table-driven ones, so the elementwise ops keep libmvec's for those; softplus runs on ours.

#ifndef COTANGENT_TRANSCENDENTAL_H
#define COTANGENT_TRANSCENDENTAL_H

#ifdef __cplusplus
extern "C" {
#endif

/// The functions with a kernel here.
typedef enum {
    CotangentTranscendentalExp = 0,
    CotangentTranscendentalLog,
    CotangentTranscendentalLog1p,
    CotangentTranscendentalTanh,
    /// The logistic function 1 / (1 + e⁻ˣ).
    CotangentTranscendentalSigmoid,
    /// log(1 + eˣ), without overflow.
    CotangentTranscendentalSoftplus,
    CotangentTranscendentalErf,
    CotangentTranscendentalCount
} CotangentTranscendental;

/// y[i] = function(x[i]) for 0 <= i < count with the widest kernel this CPU runs. `x` and `y` may
/// be the same buffer.
void cotangent_transcendental_map(CotangentTranscendental function, const double *x, double *y, long count);

/// The same with the lane count forced to `width` (8: AVX-512, 4: AVX2, 1: the scalar loop), so
/// tests and benchmarks can run every path the machine has. Returns 0 and writes nothing when
/// this CPU or build lacks that width, else `width`.
int cotangent_transcendental_map_width(
    CotangentTranscendental function, int width, const double *x, double *y, long count);

/// The widest lane count `cotangent_transcendental_map` uses here: 8, 4 or 1.
int cotangent_transcendental_width(void);

/// The scalar path's function: libm's exp, log, log1p, tanh and erf, and for sigmoid and softplus
/// the piecewise formulas over libm's exp and log1p that Cotangent's scalar kernels use.
double cotangent_transcendental_scalar(CotangentTranscendental function, double x);

/// A reference value with 11 more bits than a double: the function computed in the x87 80-bit
/// `long double` (libm's `expl`, `logl`, `log1pl`, `tanhl`, `erfl`), for measuring the kernels'
/// error in ulps. Where `long double` is no wider than `double` it is only as good as libm.
long double cotangent_transcendental_reference(CotangentTranscendental function, double x);

#ifdef __cplusplus
}
#endif

#endif
