// One instruction set's and one element type's window sums, included by window_sums.c once
// per (type, instruction set) with these macros defined (and the instruction set's target
// attribute applied to every function by a `#pragma clang attribute` around the include):
//
//   WS_NAME(x)       the function name x with this variant's suffix
//   WS_T, WS_VEC     the element and vector types; WS_W lanes per vector
//   WS_NB            vectors of consecutive outputs one register block holds
//   WS_ZERO(), WS_LOAD(p), WS_STORE(p, v), WS_SET1(x), WS_FMA(a, b, c) (= a*b + c),
//   WS_ADD(a, b), WS_SCALAR_FMA(a, b, c)
//
// The template undefines these (all but WS_NB and WS_TAPS) when it ends.
//
// The taps are walked in blocks of WS_TAPS; within one, every output of a register block is a
// fused multiply-add chain from zero (a vector lane, or the scalar tail's own chain, in the
// same order), added to the output when the block of taps ends.

/// Outputs [i, i + WS_NB·WS_W) for the taps [0, kc) of one tap block (`window` is the signal
/// at output i and the block's first tap); `first` stores, otherwise adds to the output.
///
/// The taps are taken in WS_W interleaved runs: run r is taps r, r + W, r + 2W, … . Within a
/// run, accumulator b at step p needs the signal vector at r + (b + p)·W, which accumulator
/// b - 1 needed at step p + 1: NB vectors live in registers as a sliding window, and each step
/// loads one (instead of one per accumulator, a load that mostly straddles cache lines).
static inline __attribute__((always_inline)) void WS_NAME(register_block)(
    const WS_T *restrict window, const WS_T *restrict taps, WS_T *restrict out, long kc, int first) {
    WS_VEC acc[WS_NB], slide[WS_NB];
#pragma clang loop unroll(full)
    for (int b = 0; b < WS_NB; b++) acc[b] = WS_ZERO();
    for (long r = 0; r < WS_W && r < kc; r++) {
        long steps = (kc - r + WS_W - 1) / WS_W;
        const WS_T *run = window + r;
        // Slot s holds the signal vector m ≡ s (mod NB) of the NB the current step reads.
#pragma clang loop unroll(full)
        for (int s = 0; s < WS_NB; s++) slide[s] = WS_LOAD(run + s * WS_W);
        for (long p0 = 0; p0 < steps; p0 += WS_NB) {
#pragma clang loop unroll(full)
            for (int q = 0; q < WS_NB; q++) {
                long p = p0 + q;
                if (p >= steps) break;
                WS_VEC tap = WS_SET1(taps[r + p * WS_W]);
#pragma clang loop unroll(full)
                for (int b = 0; b < WS_NB; b++) acc[b] = WS_FMA(slide[(b + q) % WS_NB], tap, acc[b]);
                // Vector p is read for the last time; the slot takes vector p + NB, if a later
                // step reads it.
                if (p + 1 < steps) slide[q] = WS_LOAD(run + (p + WS_NB) * WS_W);
            }
        }
    }
#pragma clang loop unroll(full)
    for (int b = 0; b < WS_NB; b++)
        WS_STORE(out + b * WS_W, first ? acc[b] : WS_ADD(WS_LOAD(out + b * WS_W), acc[b]));
}

static void WS_NAME(window_sums)(const WS_T *signal, const WS_T *taps, WS_T *out, long count, long k) {
    for (long j0 = 0; j0 < k; j0 += WS_TAPS) {
        long kc = k - j0 < WS_TAPS ? k - j0 : WS_TAPS;
        int first = j0 == 0;
        const WS_T *block_taps = taps + j0;
        long i = 0;
        for (; i + WS_NB * WS_W <= count; i += WS_NB * WS_W)
            WS_NAME(register_block)(signal + i + j0, block_taps, out + i, kc, first);
        // Outputs past the last register block sum the taps in the same interleaved order.
        for (; i + WS_W <= count; i += WS_W) {
            WS_VEC acc = WS_ZERO();
            for (long r = 0; r < WS_W && r < kc; r++)
                for (long j = r; j < kc; j += WS_W)
                    acc = WS_FMA(WS_LOAD(signal + i + j0 + j), WS_SET1(block_taps[j]), acc);
            WS_STORE(out + i, first ? acc : WS_ADD(WS_LOAD(out + i), acc));
        }
        for (; i < count; i++) {
            WS_T acc = 0;
            for (long r = 0; r < WS_W && r < kc; r++)
                for (long j = r; j < kc; j += WS_W) acc = WS_SCALAR_FMA(signal[i + j0 + j], block_taps[j], acc);
            out[i] = first ? acc : out[i] + acc;
        }
    }
}

#undef WS_NAME
#undef WS_T
#undef WS_VEC
#undef WS_W
#undef WS_ZERO
#undef WS_LOAD
#undef WS_STORE
#undef WS_SET1
#undef WS_FMA
#undef WS_ADD
#undef WS_SCALAR_FMA
