#include "CPhilox.h"

// The Ziggurat fast path must round as the Swift samplers do: never contract into an FMA.
#pragma clang fp contract(off)

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u

// Lanes are 64-bit holding 32-bit words, so a 32×32→64 product is one (v)pmuludq.
#define PHILOX_LANES(ATTR, NAME, LANES)                                                        \
    typedef uint64_t NAME##_vec __attribute__((vector_size(8 * LANES)));                      \
    typedef uint32_t NAME##_words __attribute__((vector_size(4 * LANES), aligned(4)));        \
    ATTR static void NAME(uint32_t key0, uint32_t key1, uint64_t low, uint64_t first,         \
                          long count, uint32_t *out) {                                        \
        const NAME##_vec mask = (NAME##_vec){} + 0xFFFFFFFFu;                                 \
        NAME##_vec lanes;                                                                     \
        for (int l = 0; l < LANES; l++) lanes[l] = (uint64_t)l;                               \
        long e = 0;                                                                           \
        for (; e + LANES <= count; e += LANES) {                                              \
            NAME##_vec element = (NAME##_vec){} + (first + (uint64_t)e) + lanes;              \
            NAME##_vec c0 = (NAME##_vec){} + (low & 0xFFFFFFFFu);                             \
            NAME##_vec c1 = (NAME##_vec){} + (low >> 32);                                     \
            NAME##_vec c2 = element & mask, c3 = element >> 32;                               \
            uint64_t k0 = key0, k1 = key1;                                                    \
            for (int round = 0; round < 10; round++) {                                        \
                if (round > 0) {                                                              \
                    k0 = (k0 + W0) & 0xFFFFFFFFu;                                             \
                    k1 = (k1 + W1) & 0xFFFFFFFFu;                                             \
                }                                                                             \
                NAME##_vec p0 = (c0 & mask) * M0, p1 = (c2 & mask) * M1;                      \
                NAME##_vec n0 = (p1 >> 32) ^ c1 ^ k0;                                         \
                NAME##_vec n2 = (p0 >> 32) ^ c3 ^ k1;                                         \
                c1 = p1 & mask;                                                               \
                c3 = p0 & mask;                                                               \
                c0 = n0;                                                                      \
                c2 = n2;                                                                      \
            }                                                                                 \
            *(NAME##_words *)(out + e) = __builtin_convertvector(c0, NAME##_words);             \
            *(NAME##_words *)(out + count + e) = __builtin_convertvector(c1, NAME##_words);     \
            *(NAME##_words *)(out + 2 * count + e) = __builtin_convertvector(c2, NAME##_words); \
            *(NAME##_words *)(out + 3 * count + e) = __builtin_convertvector(c3, NAME##_words); \
        }                                                                                     \
        if (e < count) philox_one_at_a_time(key0, key1, low, first + (uint64_t)e, count - e, out + e, count); \
    }

// Word w of block e goes to out[w * stride + e].
static void philox_one_at_a_time(
    uint32_t key0, uint32_t key1, uint64_t low, uint64_t first, long count, uint32_t *out, long stride) {
    for (long e = 0; e < count; e++) {
        uint64_t element = first + (uint64_t)e;
        uint32_t c0 = (uint32_t)low, c1 = (uint32_t)(low >> 32), c2 = (uint32_t)element, c3 = (uint32_t)(element >> 32);
        uint32_t k0 = key0, k1 = key1;
        for (int round = 0; round < 10; round++) {
            if (round > 0) { k0 += W0; k1 += W1; }
            uint64_t p0 = (uint64_t)M0 * c0, p1 = (uint64_t)M1 * c2;
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
            uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint32_t)p1;
            c3 = (uint32_t)p0;
            c0 = n0;
            c2 = n2;
        }
        out[e] = c0; out[stride + e] = c1; out[2 * stride + e] = c2; out[3 * stride + e] = c3;
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "CWideArithmetic.h"

PHILOX_LANES(__attribute__((target("avx512f"))), philox_avx512, 8)
PHILOX_LANES(__attribute__((target("avx2"))), philox_avx2, 4)
#endif

void cotangent_philox_first_blocks(
    uint32_t key0, uint32_t key1, uint64_t low, uint64_t firstElement, long count, uint32_t *out, int portable) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (!portable) {
        // The instruction set the wide arithmetic detected: 8 doubles (AVX-512), 4 (AVX2), 0.
        int width = cotangent_wide_width();
        if (width == 8) { philox_avx512(key0, key1, low, firstElement, count, out); return; }
        if (width == 4) { philox_avx2(key0, key1, low, firstElement, count, out); return; }
    }
#endif
    philox_one_at_a_time(key0, key1, low, firstElement, count, out, count);
}

long cotangent_ziggurat_fast_path(
    const uint32_t *words, long count, const uint64_t *k, const double *w, double mean, double scale,
    double *out, uint8_t *rejected) {
    long misses = 0;
    for (long e = 0; e < count; e++) {
        uint64_t bits = (uint64_t)words[e] | ((uint64_t)words[count + e] << 32);
        int layer = (int)(bits & 0xFF);
        bits >>= 8;
        uint64_t abscissa = (bits >> 1) & 0x000FFFFFFFFFFFFFull;
        double x = (double)abscissa * w[layer];
        if (bits & 1) x = -x;
        int miss = abscissa >= k[layer];
        rejected[e] = (uint8_t)miss;
        misses += miss;
        out[e] = mean + scale * x;
    }
    return misses;
}
