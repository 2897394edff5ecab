// The lane-parallel transcendental kernels, written once over a generic vector of doubles and
// compiled once per instruction set: transcendental.c includes this file with
//   LANES   the lane count (8 or 4), which also names the functions (`exp_lanes8`, …),
//   TARGET  the function attribute that enables the instruction set,
//   GATHER    a gather of doubles from a table by 64-bit lane indices,
//   LOOKUP16  the same from a 16-entry, 64-byte aligned table (on AVX-512 a register permute).
// The kernels use only lane-wise arithmetic, fused multiply-add, bit operations, 64-bit integer
// add/sub/shift/compare and table lookups, all single instructions on AVX-512F and AVX2.
//
// Accuracy comes from three habits: reductions whose main step is exact (Cody–Waite constants
// with trailing zeros), polynomials whose leading terms are added last (the largest rounding
// error is then the final one), and carrying the exponential's result as an unevaluated sum of
// two doubles where a later subtraction or division would magnify its error (tanh, sigmoid,
// softplus). Each kernel is within 2 ulp of the exact result over the whole double range; the
// tests measure the bound on every width.

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)
/// The name of a kernel for this width: NAME(exp) is exp_lanes8 or exp_lanes4.
#define NAME(f) CONCAT(f##_lanes, LANES)

// The vector types, named per width so the file can be included twice.
#define VD CONCAT(lanes_double, LANES)
#define VL CONCAT(lanes_int, LANES)
#define VU CONCAT(lanes_uint, LANES)
typedef double VD __attribute__((vector_size(LANES * 8)));
typedef long long VL __attribute__((vector_size(LANES * 8)));
typedef unsigned long long VU __attribute__((vector_size(LANES * 8)));

#define INLINE static inline __attribute__((always_inline)) TARGET
#define FMA(a, b, c) __builtin_elementwise_fma((VD)(a), (VD)(b), (VD)(c))
/// Lane-wise `mask ? a : b` (mask lanes are all ones or all zeros, as comparisons produce).
#define SELECT(mask, a, b) ((VD)((((VL)(VD)(a)) & (mask)) | (((VL)(VD)(b)) & ~(mask))))
#define SPLAT(v) ((VD){} + (v))
#define SPLAT_BITS(v) ((VL){} + (long long)(v))

/// Horner's rule over constant coefficients, lowest degree first.
INLINE VD NAME(horner)(VD x, const double *c, int count) {
    VD p = SPLAT(c[count - 1]);
    for (int i = count - 2; i >= 0; i--) p = FMA(p, x, SPLAT(c[i]));
    return p;
}

INLINE VD NAME(abs)(VD x) { return (VD)((VL)x & SPLAT_BITS(0x7fffffffffffffffLL)); }

/// `magnitude` with the sign of `sign`.
INLINE VD NAME(copysign)(VD magnitude, VD sign) {
    return (VD)(((VL)magnitude & SPLAT_BITS(0x7fffffffffffffffLL)) | ((VL)sign & SPLAT_BITS(0x8000000000000000LL)));
}

/// NaN lanes of `x` give `x + x` (libm's quiet NaN, sign and payload kept); others keep `y`.
INLINE VD NAME(propagate_nan)(VD x, VD y) { return SELECT(x != x, x + x, y); }

// MARK: Exponential

/// `eˣ = 2ⁿ (hi + lo)`: x = (16n + j) ln2/16 + r with |r| ≤ ln2/32 (the first reduction step
/// exact because ln2/16's high part has 17 trailing zero bits), eˣ = 2ⁿ 2^(j/16) eʳ with
/// 2^(j/16) from a 16-entry table in two parts and eʳ = 1 + r + r² Q(r), Q a degree-5 fit of
/// relative error 2e-16 (weighted by r² ≤ 5e-4). hi + lo is 2^(j/16) eʳ with the rounding of
/// its last addition kept in lo. x is clamped to [−746, 710] first (beyond, the result is 0 or
/// ∞ either way); NaN stays NaN.
INLINE void NAME(exp_core)(VD x, VL *n, VD *hi, VD *lo) {
    static const double q[] = {
        0.50000000000000011, 0.16666666666666657, 0.041666666663594289, 0.0083333333339402297,
        0.0013889063474657281, 0.00019841302171544323,
    };
    const double shifter = 0x1.8p52;  // adding it rounds to an integer held in the low bits
    x = SELECT(x > 710.0, SPLAT(710.0), x);
    x = SELECT(x < -746.0, SPLAT(-746.0), x);
    VD t = FMA(x, SPLAT(0x1.71547652b82fep+4), SPLAT(shifter));
    VD nd = t - shifter;
    VD r = FMA(nd, SPLAT(-0x1.62e42fefa0000p-5), x);
    r = FMA(nd, SPLAT(-0x1.cf79abc9e3b3ap-44), r);
    VL sixteenths = (VL)t - (VL)SPLAT(shifter);
    VL j = sixteenths & 15;
    *n = (VL)((VU)(sixteenths - j + 16 * 4096) >> 4) - 4096;  // (16n + j - j) / 16, logically
    VD th = LOOKUP16(exp_table_hi, j), tl = LOOKUP16(exp_table_lo, j);
    VD w = FMA(r * r, NAME(horner)(r, q, 6), r);
    VD s = FMA(th, w, tl);
    *hi = th + s;
    *lo = (th - *hi) + s;
}

/// `v · 2ⁿ` for n in [−1076, 1025], as two exact power-of-two factors so the exponent field never
/// overflows and only the last multiplication rounds (into a subnormal, or to ∞).
INLINE VD NAME(scale)(VD v, VL n) {
    VL half = (VL)((VU)(n + 4096) >> 1) - 2048;  // ⌊n/2⌋ with a logical shift (AVX2 has no
                                                  // 64-bit arithmetic one)
    VD s1 = (VD)((n - half + 1023) << 52), s2 = (VD)((half + 1023) << 52);
    return v * s1 * s2;
}

INLINE VD NAME(exp)(VD x) {
    VL n;
    VD hi, lo;
    NAME(exp_core)(x, &n, &hi, &lo);
    return NAME(propagate_nan)(x, NAME(scale)(hi + lo, n));
}

// MARK: Logarithm

/// `log(u) + c` for u positive, normal and finite, and |c| ≲ 2⁻⁵² (a correction the caller
/// knows): u = 2ᵏ m with m in [√2/2, √2), f = m − 1 (exact), s = f / (2 + f), and
/// log(1 + f) = 2 atanh(s) = f − (f²/2 − s (f²/2 + R(s²))) with R(z) = z T(z) a degree-7 fit
/// (relative error 6e-17, weighted by z ≤ 0.03 in the result); k ln2 is added in two parts.
INLINE VD NAME(log_core)(VD u, VD c, VL kAdjust) {
    static const double t[] = {
        0.66666666666666663, 0.40000000000000874, 0.28571428570804036, 0.22222222391636318,
        0.18181795646835, 0.1538623941040192, 0.13268779334295558, 0.13086576021270913,
    };
    VL bits = (VL)u;
    // Adding 1.0's bits minus √2/2's moves the binade boundary to √2/2; a logical shift then
    // gives k + 1023 (u's bits are positive).
    VL k = (VL)((VU)(bits + (0x3ff0000000000000LL - 0x3fe6a09e667f3bcdLL)) >> 52) - 1023;
    VD m = (VD)(bits - (k << 52));
    k -= kAdjust;
    VD kd = (VD)(k + 0x4338000000000000LL) - 0x1.8p52;  // small integer to double, exactly
    VD f = m - 1.0;
    VD s = f / (2.0 + f);
    VD z = s * s;
    VD r = z * NAME(horner)(z, t, 8);
    VD hfsq = 0.5 * f * f;
    return FMA(kd, SPLAT(0x1.62e42fefa3800p-1),
               -((hfsq - FMA(s, hfsq + r, FMA(kd, SPLAT(0x1.ef35793c76730p-45), c))) - f));
}

INLINE VD NAME(log)(VD x) {
    // Subnormals are scaled into the normal range by 2⁵⁴ (and k corrected).
    VL subnormal = x < 0x1p-1022;
    VD u = SELECT(subnormal, x * 0x1p54, x);
    VD y = NAME(log_core)(u, SPLAT(0.0), subnormal & 54);
    y = SELECT(x == __builtin_inf(), x, y);
    y = SELECT(x < 0.0, (VD)SPLAT_BITS(0xfff8000000000000LL), y);  // the invalid-operation NaN
    y = SELECT(x == 0.0, SPLAT(-__builtin_inf()), y);
    return NAME(propagate_nan)(x, y);
}

/// `log1p` of `xh + xl` (xl a tail below xh's last bit, or 0) for xh > −1, finite: u = 1 + xh
/// rounded, whose rounding error c is recovered exactly (Fast2Sum, the larger operand first),
/// and log(u + c) = log(u) + c/u.
INLINE VD NAME(log1p_core)(VD xh, VD xl) {
    VD u = 1.0 + xh;
    VD c = SELECT(xh > 1.0, 1.0 - (u - xh), xh - (u - 1.0)) + xl;
    return NAME(log_core)(u, c / u, SPLAT_BITS(0));
}

INLINE VD NAME(log1p)(VD x) {
    VD y = NAME(log1p_core)(x, SPLAT(0.0));
    // Below 2⁻⁵⁴ in magnitude, log1p(x) rounds to x (this keeps −0 and subnormals exact).
    y = SELECT(NAME(abs)(x) < 0x1p-54, x, y);
    y = SELECT(x == __builtin_inf(), x, y);
    y = SELECT(x < -1.0, (VD)SPLAT_BITS(0xfff8000000000000LL), y);
    y = SELECT(x == -1.0, SPLAT(-__builtin_inf()), y);
    return NAME(propagate_nan)(x, y);
}

// MARK: Functions of e^(−|x|) and e^(2|x|)

/// `e^(−a)` for a ≥ 0 as hi + lo, both scaled (lo loses its meaning only where hi is subnormal,
/// where it no longer matters).
INLINE void NAME(exp_negative)(VD a, VD *hi, VD *lo) {
    VL n;
    NAME(exp_core)(-a, &n, hi, lo);
    *hi = NAME(scale)(*hi, n);
    *lo = NAME(scale)(*lo, n);
}

/// `tanh x`: x + x³ T(x²) (T a degree-9 fit, relative error 6e-17) for |x| < 0.4, else
/// 1 − 2/(E + 1) with E = e^(2|x|) as hi + lo, the sum E + 1 and the quotient both carried to
/// twice the precision and the subtraction from 1 exact, so only the last addition rounds. |x|
/// is clamped to 20, where tanh already rounds to 1.
INLINE VD NAME(tanh)(VD x) {
    static const double t[] = {
        -0.33333333333333331, 0.13333333333333258, -0.053968253968097402, 0.021869488523616025,
        -0.008863235018848583, 0.0035921160404795817, -0.0014556622773562154,
        0.00058848898119540354, -0.00023071060296292996, 7.0596608633376784e-05,
    };
    VD a = NAME(abs)(x);
    VD z = a * a;
    VD small = FMA(a * z, NAME(horner)(z, t, 10), a);
    VD clamped = SELECT(a > 20.0, SPLAT(20.0), a);
    VL n;
    VD hi, lo;
    NAME(exp_core)(clamped + clamped, &n, &hi, &lo);
    VD power = (VD)((n + 1023) << 52);  // n ≤ 58 here: one exact factor
    VD eh = hi * power, el = lo * power;
    VD dh = eh + 1.0, dl = (1.0 - (dh - eh)) + el;  // E + 1, Fast2Sum (E ≥ 1)
    VD th = 2.0 / dh;
    VD tl = (FMA(-th, dh, SPLAT(2.0)) - th * dl) * (0.5 * th);  // 2/(E + 1) − th
    VD sh = 1.0 - th, sl = (1.0 - sh) - th;                      // 1 − th exactly
    VD large = sh + (sl - tl);
    VD y = NAME(copysign)(SELECT(a < 0.4, small, large), x);
    return NAME(propagate_nan)(x, y);
}

/// `1 / (1 + e⁻ˣ)`: with E = e^(−|x|) as hi + lo and D = 1 + E to twice the precision, 1/D for
/// x ≥ 0 and E/D for x < 0 (no cancellation either way), the quotient refined by one Newton
/// step on its exact residual.
INLINE VD NAME(sigmoid)(VD x) {
    VD eh, el;
    NAME(exp_negative)(NAME(abs)(x), &eh, &el);
    VD dh = 1.0 + eh, dl = ((1.0 - dh) + eh) + el;
    VL negative = x < 0.0;
    VD nh = SELECT(negative, eh, SPLAT(1.0)), nl = SELECT(negative, el, SPLAT(0.0));
    VD inverse = 1.0 / dh;
    VD q = nh * inverse;
    VD residual = (FMA(-q, dh, nh) + nl) - q * dl;
    return NAME(propagate_nan)(x, FMA(residual, inverse, q));
}

/// `log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|))`, the exponential passed to log1p as hi + lo.
INLINE VD NAME(softplus)(VD x) {
    VD eh, el;
    NAME(exp_negative)(NAME(abs)(x), &eh, &el);
    VD tail = NAME(log1p_core)(eh, el);
    VD positive = SELECT(x > 0.0, x, SPLAT(0.0));
    // NaN comes back unchanged, as from the scalar formula (which returns x past its last test).
    return SELECT(x != x, x, positive + tail);
}

// MARK: Error function

/// `erf x`: for |x| < 0.5, x (c₀ + x² Q(x²)) with c₀ = 2/√π in two parts and Q a degree-9 fit;
/// above, the Taylor expansion around the nearest multiple r of 1/128 (|d| = ||x| − r| ≤ 1/256)
/// from tabulated erf(r) and 2/√π e^(−r²): erf(r + d) = erf(r) + 2/√π e^(−r²) Σ (−1)ᵏ Hₖ(r)
/// dᵏ⁺¹/(k+1)! through k = 5 (Hermite polynomials). |x| is clamped to 6, where erf rounds to 1.
INLINE VD NAME(erf)(VD x, const double *values, const double *slopes) {
    static const double q[] = {
        -0.37612638903183754, 0.11283791670955126, -0.026866170645131034, 0.0052239776254310007,
        -0.00085483270205480592, 0.00012055332548653311, -1.4925610953683298e-05,
        1.6459890712989146e-06, -1.6289708770857973e-07, 1.3350145258647278e-08,
    };
    VD a = NAME(abs)(x);
    VD z = a * a;
    VD small = FMA(a, SPLAT(0x1.20dd750429b6dp0), a * FMA(z, NAME(horner)(z, q, 10), SPLAT(0x1.1ae3a914fed80p-56)));
    const double shifter = 0x1.8p52;
    VD clamped = SELECT(a <= 6.0, a, SPLAT(6.0));  // NaN too: the index must stay in the table
    VD t = FMA(clamped, SPLAT(128.0), SPLAT(shifter));
    VL index = (VL)t - (VL)SPLAT(shifter);
    VD r = (t - shifter) * 0x1p-7;
    VD d = clamped - r;
    VD value = GATHER(values, index), slope = GATHER(slopes, index);
    VD r2 = r * r;
    VD a1 = -r;
    VD a2 = (2.0 * r2 - 1.0) * (1.0 / 3);
    VD a3 = -r * (2.0 * r2 - 3.0) * (1.0 / 6);
    VD a4 = FMA(FMA(r2, SPLAT(4.0), SPLAT(-12.0)), r2, SPLAT(3.0)) * (1.0 / 30);
    VD a5 = -r * FMA(FMA(r2, SPLAT(4.0), SPLAT(-20.0)), r2, SPLAT(15.0)) * (1.0 / 90);
    VD p = FMA(FMA(FMA(FMA(FMA(a5, d, a4), d, a3), d, a2), d, a1), d, SPLAT(1.0));
    VD large = FMA(slope * d, p, value);
    VD y = NAME(copysign)(SELECT(a < 0.5, small, large), x);
    return NAME(propagate_nan)(x, y);
}

// MARK: Map

/// y[i] = f(x[i]) over a block (LANES_LOOP, from transcendental.c, loads and stores the vectors).
TARGET static void NAME(map)(CotangentTranscendental f, const double *x, double *y, long count) {
    switch (f) {
    case CotangentTranscendentalExp: LANES_LOOP(NAME(exp)(v)); break;
    case CotangentTranscendentalLog: LANES_LOOP(NAME(log)(v)); break;
    case CotangentTranscendentalLog1p: LANES_LOOP(NAME(log1p)(v)); break;
    case CotangentTranscendentalTanh: LANES_LOOP(NAME(tanh)(v)); break;
    case CotangentTranscendentalSigmoid: LANES_LOOP(NAME(sigmoid)(v)); break;
    case CotangentTranscendentalSoftplus: LANES_LOOP(NAME(softplus)(v)); break;
    case CotangentTranscendentalErf: LANES_LOOP(NAME(erf)(v, erf_values, erf_slopes)); break;
    default: break;
    }
}

#undef NAME
#undef VD
#undef VL
#undef VU
#undef INLINE
#undef FMA
#undef SELECT
#undef SPLAT
#undef SPLAT_BITS
