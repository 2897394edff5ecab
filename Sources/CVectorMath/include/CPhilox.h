// Philox4x32-10 first blocks for consecutive element streams, the inner loop of every random
// draw (see CotangentArrays/Random). On x86-64 the blocks are computed 8 (AVX-512) or 4
// (AVX2) at a time, chosen at run time from the CPU's features; elsewhere, and as the
// reference the vector code is tested against, one at a time. Philox is integer arithmetic:
// every path gives the same words.

#ifndef COTANGENT_PHILOX_H
#define COTANGENT_PHILOX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes, for e in 0..<count, the Philox4x32-10 block of key (key0, key1) and counter
/// (low, low >> 32, element, element >> 32) with element = firstElement + e: word w (Random123's
/// order) at out[w * count + e], so each word's lanes are stored as one vector. `portable` != 0
/// forces the one-at-a-time code.
void cotangent_philox_first_blocks(
    uint32_t key0, uint32_t key1, uint64_t low, uint64_t firstElement, long count, uint32_t *out, int portable);

/// The Ziggurat's fast path over first blocks (planar words as above, `count` elements): the
/// 64 bits of words 0 and 1 pick a layer (8 bits), a sign (1 bit) and a 52-bit abscissa; where
/// the abscissa is below `k[layer]`, out[e] = mean + scale · ±abscissa · w[layer] and
/// rejected[e] = 0, else rejected[e] = 1 and out[e] is left for the caller's slow path.
/// Returns the number of rejected elements.
long cotangent_ziggurat_fast_path(
    const uint32_t *words, long count, const uint64_t *k, const double *w, double mean, double scale,
    double *out, uint8_t *rejected);

#ifdef __cplusplus
}
#endif

#endif
