// Wide arithmetic for Cotangent's elementwise kernels: r[i] = a[i] op b[i] over a block of doubles.
//
// The default Swift build targets baseline x86-64 (SSE2: 2 doubles per instruction). On x86-64
// these functions run AVX-512 (8 doubles) or AVX2 (4 doubles) code chosen at run time from the
// CPU's features, with no build flag. The operations are IEEE-exact (no fused multiply-add), so
// results are bit-identical to the scalar loops. Where neither instruction set exists the width
// is 0 and callers keep their own loops.

#ifndef COTANGENT_WIDE_ARITHMETIC_H
#define COTANGENT_WIDE_ARITHMETIC_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CotangentWideAdd = 0,
    CotangentWideSub,
    CotangentWideMul,
    CotangentWideDiv,
    CotangentWideOperationCount
} CotangentWideBinary;

typedef enum {
    CotangentWideNeg = 0,
    CotangentWideSqr,
    CotangentWideUnaryCount
} CotangentWideUnary;

/// Doubles per instruction of the wide code: 8 (AVX-512), 4 (AVX2) or 0 (none: do not call).
int cotangent_wide_width(void);

/// r[i] = a[i] op b[i] for 0 <= i < count. `r` may be `a` or `b` (the same buffer), never a
/// partly overlapping one.
void cotangent_wide_binary(CotangentWideBinary op, const double *a, const double *b, double *r, long count);

/// r[i] = (a[i] op b[i]) op c[i] for 0 <= i < count, for CotangentWideAdd and CotangentWideMul
/// (others do nothing): two operations rounded as two passes would round them, in one pass.
/// `r` may be any of `a`, `b`, `c`.
void cotangent_wide_fold3(CotangentWideBinary op, const double *a, const double *b, const double *c, double *r, long count);

/// r[i] = op(a[i]) for 0 <= i < count. `r` may be `a`.
void cotangent_wide_unary(CotangentWideUnary op, const double *a, double *r, long count);

/// r[i] = (double)a[i] for 0 <= i < count: float32 elements widened into float64 lanes (exact).
/// Runs a plain loop where the wide code is absent, so it may always be called.
void cotangent_widen_f32(const float *a, double *r, long count);

/// r[i] = (float)a[i] for 0 <= i < count, rounded to nearest even as a C or Swift conversion is.
/// Runs a plain loop where the wide code is absent, so it may always be called.
void cotangent_narrow_f64(const double *a, float *r, long count);

/// r[i] = (double)(float)a[i] for 0 <= i < count: float64 lanes rounded to float32 values (to
/// nearest even), as a float32 operation's result is. `r` may be `a`. Runs a plain loop where
/// the wide code is absent, so it may always be called.
void cotangent_round_f32(const double *a, double *r, long count);

#ifdef __cplusplus
}
#endif

#endif
