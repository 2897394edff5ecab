// One instruction set's and one element type's GEMM and GEMV, included by gemm.c once per
// (type, instruction set) with these macros defined (and the instruction set's target
// attribute applied to every function by a `#pragma clang attribute` around the include):
//
//   GEMM_NAME(x)        the function name x with this variant's suffix
//   GEMM_T, GEMM_VEC    the element and vector types; GEMM_W lanes per vector
//   GEMM_MR, GEMM_NV    register tile: GEMM_MR rows × GEMM_NV vectors (GEMM_NR columns)
//   GEMM_MC, GEMM_KC, GEMM_NC   cache blocks of rows (A in L2), depth and columns (B in L3)
//   GEMM_ZERO(), GEMM_LOAD(p), GEMM_STORE(p, v), GEMM_SET1(x), GEMM_FMA(a, b, c) (= a*b + c),
//   GEMM_ADD(a, b), GEMM_SUM(v) (the lanes' sum)
//
// The loops are the usual five around a micro-kernel: columns of C in blocks of NC (B's packed
// block), the depth in blocks of KC, rows in blocks of MC (A's packed block), then register
// tiles. Every tile is computed by the same micro-kernel over zero-padded panels, so an edge
// element is summed exactly like an interior one.

#define GEMM_NR (GEMM_NV * GEMM_W)

/// C[0..<MR, 0..<NR] (row stride ldc) = (or +=) the product of a packed MR×kc panel of A
/// (a[p * MR + r]) and a packed kc×NR panel of B (b[p * NR + j]). The accumulators stay in
/// registers; each is one fused multiply-add chain over p, added to C at the end.
static inline __attribute__((always_inline)) void GEMM_NAME(micro_kernel)(
    long kc, const GEMM_T *restrict a, const GEMM_T *restrict b, GEMM_T *restrict c, long ldc, int accumulate) {
    GEMM_VEC r[GEMM_MR][GEMM_NV];
#pragma clang loop unroll(full)
    for (int i = 0; i < GEMM_MR; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < GEMM_NV; j++) r[i][j] = GEMM_ZERO();
    // C's rows are written at the end: ask for them now so the stores do not wait.
#pragma clang loop unroll(full)
    for (int i = 0; i < GEMM_MR; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
#pragma clang loop unroll_count(2)
    for (long p = 0; p < kc; p++) {
        GEMM_VEC bv[GEMM_NV];
#pragma clang loop unroll(full)
        for (int j = 0; j < GEMM_NV; j++) bv[j] = GEMM_LOAD(b + j * GEMM_W);
#pragma clang loop unroll(full)
        for (int i = 0; i < GEMM_MR; i++) {
            GEMM_VEC av = GEMM_SET1(a[i]);
#pragma clang loop unroll(full)
            for (int j = 0; j < GEMM_NV; j++) r[i][j] = GEMM_FMA(av, bv[j], r[i][j]);
        }
        a += GEMM_MR;
        b += GEMM_NR;
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < GEMM_MR; i++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < GEMM_NV; j++) {
            GEMM_T *target = c + i * ldc + j * GEMM_W;
            GEMM_STORE(target, accumulate ? GEMM_ADD(GEMM_LOAD(target), r[i][j]) : r[i][j]);
        }
    }
}

/// Packs the depth×columns matrix at `source` (element (p, j) at source[p * rs + j * cs]) into
/// panels of `width` columns (panel[p * width + j]), the last one zero-padded. B's blocks are
/// packed as they are (width NR), A's as Aᵀ (width MR). Inlined, so `width` is a constant.
static inline __attribute__((always_inline)) void GEMM_NAME(pack_panels)(
    long depth, long columns, const GEMM_T *source, long rs, long cs, int width, GEMM_T *restrict out) {
    for (long j0 = 0; j0 < columns; j0 += width, out += width * depth) {
        long real = columns - j0 < width ? columns - j0 : width;
        const GEMM_T *block = source + j0 * cs;
        if (real == width && cs == 1) {
            // Rows contiguous (B row-major, A column-major): copy `width` at a time.
            for (long p = 0; p < depth; p++)
                for (int j = 0; j < width; j++) out[p * width + j] = block[p * rs + j];
        } else if (real == width && rs == 1) {
            // Columns contiguous (B column-major, A row-major): walk down each one, a cache
            // line of the column at a time, so the panel's rows written stay in L1.
            const long run = 64 / sizeof(GEMM_T);
            for (long p0 = 0; p0 < depth; p0 += run) {
                long p1 = depth - p0 < run ? depth : p0 + run;
                for (int j = 0; j < width; j++)
                    for (long p = p0; p < p1; p++) out[p * width + j] = block[j * cs + p];
            }
        } else {
            for (long p = 0; p < depth; p++)
                for (int j = 0; j < width; j++) out[p * width + j] = j < real ? block[p * rs + j * cs] : (GEMM_T)0;
        }
    }
}

/// The elements an m×n C occupies once padded to whole register tiles.
static inline long GEMM_NAME(padded_area)(long m, long n) {
    return (m + GEMM_MR - 1) / GEMM_MR * GEMM_MR * ((n + GEMM_NR - 1) / GEMM_NR * GEMM_NR);
}

/// C = A·B or C += A·B; see `cotangent_gemm_f64`. Returns 0 only when a buffer cannot be had.
static int GEMM_NAME(gemm)(
    long m, long n, long k, const GEMM_T *a, long ars, long acs, const GEMM_T *b, long brs, long bcs,
    GEMM_T *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return 1;
    if (k <= 0) {
        if (!accumulate)
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(GEMM_T));
        return 1;
    }
    // A thin C (n well below a tile's GEMM_NR columns, as in a product with 10 classes) would
    // spend most of each tile on padding; the transposed product Cᵀ = Bᵀ·Aᵀ lays the thin
    // side along the tile's GEMM_MR rows instead, into a buffer then copied across, a block of
    // C's rows at a time (the buffer stays small however tall C is). Each element is the same
    // chain of depth blocks and fused multiply-adds (a·b + s = b·a + s), so the bits do not
    // change.
    if (4 * GEMM_NAME(padded_area)(n, m) < 3 * GEMM_NAME(padded_area)(m, n)) {
        const long rows = 16 * GEMM_NR;
        GEMM_T *t = aligned_buffer((size_t)((m < rows ? m : rows) * n) * sizeof(GEMM_T));
        if (!t) return 0;
        for (long i0 = 0; i0 < m; i0 += rows) {
            long mb = m - i0 < rows ? m - i0 : rows;
            GEMM_T *block = c + i0 * ldc;
            if (accumulate)
                for (long i = 0; i < mb; i++)
                    for (long j = 0; j < n; j++) t[j * mb + i] = block[i * ldc + j];
            if (GEMM_NAME(gemm)(n, mb, k, b, bcs, brs, a + i0 * ars, acs, ars, t, mb, accumulate)) {
                for (long i = 0; i < mb; i++)
                    for (long j = 0; j < n; j++) block[i * ldc + j] = t[j * mb + i];
                continue;
            }
            // Out of memory for the packed panels after earlier blocks were written: C can no
            // longer be handed back untouched, so these rows are summed here, plainly.
            for (long i = 0; i < mb; i++)
                for (long j = 0; j < n; j++) {
                    GEMM_T sum = 0;
                    for (long p = 0; p < k; p++) sum += a[(i0 + i) * ars + p * acs] * b[p * brs + j * bcs];
                    block[i * ldc + j] = accumulate ? block[i * ldc + j] + sum : sum;
                }
        }
        free(t);
        return 1;
    }
    // The depth blocks depend on k alone, so each element's summation order does too.
    long kcb = even_block(k, GEMM_KC, 1);
    long mcb = even_block(m, GEMM_MC, GEMM_MR);
    long ncb = even_block(n, GEMM_NC, GEMM_NR);
    GEMM_T *packed_a = aligned_buffer((size_t)(mcb * kcb) * sizeof(GEMM_T));
    GEMM_T *packed_b = aligned_buffer((size_t)(kcb * ncb) * sizeof(GEMM_T));
    if (!packed_a || !packed_b) {
        free(packed_a);
        free(packed_b);
        return 0;
    }
    GEMM_T edge[GEMM_MR * GEMM_NR] __attribute__((aligned(64)));
    for (long jc = 0; jc < n; jc += ncb) {
        long nc = n - jc < ncb ? n - jc : ncb;
        for (long pc = 0; pc < k; pc += kcb) {
            long kc = k - pc < kcb ? k - pc : kcb;
            int adding = accumulate || pc > 0;
            GEMM_NAME(pack_panels)(kc, nc, b + pc * brs + jc * bcs, brs, bcs, GEMM_NR, packed_b);
            for (long ic = 0; ic < m; ic += mcb) {
                long mc = m - ic < mcb ? m - ic : mcb;
                GEMM_NAME(pack_panels)(kc, mc, a + ic * ars + pc * acs, acs, ars, GEMM_MR, packed_a);
                for (long jr = 0; jr < nc; jr += GEMM_NR) {
                    long nr = nc - jr < GEMM_NR ? nc - jr : GEMM_NR;
                    const GEMM_T *panel_b = packed_b + jr * kc;
                    for (long ir = 0; ir < mc; ir += GEMM_MR) {
                        long mr = mc - ir < GEMM_MR ? mc - ir : GEMM_MR;
                        const GEMM_T *panel_a = packed_a + ir * kc;
                        GEMM_T *tile = c + (ic + ir) * ldc + jc + jr;
                        if (mr == GEMM_MR && nr == GEMM_NR) {
                            GEMM_NAME(micro_kernel)(kc, panel_a, panel_b, tile, ldc, adding);
                        } else {
                            // A partial tile: the full padded tile, then its real corner.
                            GEMM_NAME(micro_kernel)(kc, panel_a, panel_b, edge, GEMM_NR, 0);
                            for (long r = 0; r < mr; r++)
                                for (long j = 0; j < nr; j++)
                                    tile[r * ldc + j] = adding ? tile[r * ldc + j] + edge[r * GEMM_NR + j]
                                                               : edge[r * GEMM_NR + j];
                        }
                    }
                }
            }
        }
    }
    free(packed_a);
    free(packed_b);
    return 1;
}

/// y[i] = Σ_p A[i, p] x[p] for rows of A and x both contiguous: four rows per pass over x,
/// two vector accumulators per row, each lane's partial sum over GEMV_CHUNK terms then added.
static void GEMM_NAME(row_dots)(long m, long k, const GEMM_T *a, long ars, const GEMM_T *x, GEMM_T *y) {
    long vector_end = k / (2 * GEMM_W) * (2 * GEMM_W);
    long i = 0;
    for (; i + 4 <= m; i += 4) {
        const GEMM_T *row[4] = {a + i * ars, a + (i + 1) * ars, a + (i + 2) * ars, a + (i + 3) * ars};
        GEMM_VEC s[4] = {GEMM_ZERO(), GEMM_ZERO(), GEMM_ZERO(), GEMM_ZERO()};
        for (long start = 0; start < vector_end; start += GEMV_CHUNK * 2 * GEMM_W) {
            long end = start + GEMV_CHUNK * 2 * GEMM_W < vector_end ? start + GEMV_CHUNK * 2 * GEMM_W : vector_end;
            GEMM_VEC u[4][2];
#pragma clang loop unroll(full)
            for (int r = 0; r < 4; r++) u[r][0] = u[r][1] = GEMM_ZERO();
            for (long p = start; p < end; p += 2 * GEMM_W) {
                GEMM_VEC x0 = GEMM_LOAD(x + p), x1 = GEMM_LOAD(x + p + GEMM_W);
#pragma clang loop unroll(full)
                for (int r = 0; r < 4; r++) {
                    u[r][0] = GEMM_FMA(GEMM_LOAD(row[r] + p), x0, u[r][0]);
                    u[r][1] = GEMM_FMA(GEMM_LOAD(row[r] + p + GEMM_W), x1, u[r][1]);
                }
            }
#pragma clang loop unroll(full)
            for (int r = 0; r < 4; r++) s[r] = GEMM_ADD(s[r], GEMM_ADD(u[r][0], u[r][1]));
        }
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; r++) {
            GEMM_T t = GEMM_SUM(s[r]);
            for (long p = vector_end; p < k; p++) t += row[r][p] * x[p];
            y[i + r] = t;
        }
    }
    for (; i < m; i++) {
        const GEMM_T *row = a + i * ars;
        GEMM_VEC s = GEMM_ZERO();
        for (long start = 0; start < vector_end; start += GEMV_CHUNK * 2 * GEMM_W) {
            long end = start + GEMV_CHUNK * 2 * GEMM_W < vector_end ? start + GEMV_CHUNK * 2 * GEMM_W : vector_end;
            GEMM_VEC u0 = GEMM_ZERO(), u1 = GEMM_ZERO();
            for (long p = start; p < end; p += 2 * GEMM_W) {
                u0 = GEMM_FMA(GEMM_LOAD(row + p), GEMM_LOAD(x + p), u0);
                u1 = GEMM_FMA(GEMM_LOAD(row + p + GEMM_W), GEMM_LOAD(x + p + GEMM_W), u1);
            }
            s = GEMM_ADD(s, GEMM_ADD(u0, u1));
        }
        GEMM_T t = GEMM_SUM(s);
        for (long p = vector_end; p < k; p++) t += row[p] * x[p];
        y[i] = t;
    }
}

/// y[i] = Σ_p x[p * xs] A[i, p] for contiguous columns of A (A transposed): rows in blocks of
/// GEMV_ROWS kept in a buffer, four columns per pass, a partial sum per GEMV_CHUNK columns.
static void GEMM_NAME(column_sums)(long m, long k, const GEMM_T *a, long acs, const GEMM_T *x, long xs, GEMM_T *y) {
    GEMM_T partial[GEMV_ROWS] __attribute__((aligned(64)));
    for (long i0 = 0; i0 < m; i0 += GEMV_ROWS) {
        long rows = m - i0 < GEMV_ROWS ? m - i0 : GEMV_ROWS;
        long vector_rows = rows / GEMM_W * GEMM_W;
        GEMM_T *out = y + i0;
        for (long i = 0; i < rows; i++) out[i] = 0;
        for (long start = 0; start < k; start += GEMV_CHUNK) {
            long end = start + GEMV_CHUNK < k ? start + GEMV_CHUNK : k;
            for (long i = 0; i < rows; i++) partial[i] = 0;
            long p = start;
            for (; p + 4 <= end; p += 4) {
                const GEMM_T *c0 = a + i0 + p * acs, *c1 = c0 + acs, *c2 = c1 + acs, *c3 = c2 + acs;
                GEMM_T s0 = x[p * xs], s1 = x[(p + 1) * xs], s2 = x[(p + 2) * xs], s3 = x[(p + 3) * xs];
                GEMM_VEC x0 = GEMM_SET1(s0), x1 = GEMM_SET1(s1), x2 = GEMM_SET1(s2), x3 = GEMM_SET1(s3);
                long i = 0;
                for (; i < vector_rows; i += GEMM_W) {
                    GEMM_VEC v = GEMM_LOAD(partial + i);
                    v = GEMM_FMA(x0, GEMM_LOAD(c0 + i), v);
                    v = GEMM_FMA(x1, GEMM_LOAD(c1 + i), v);
                    v = GEMM_FMA(x2, GEMM_LOAD(c2 + i), v);
                    v = GEMM_FMA(x3, GEMM_LOAD(c3 + i), v);
                    GEMM_STORE(partial + i, v);
                }
                for (; i < rows; i++) partial[i] += s0 * c0[i] + s1 * c1[i] + s2 * c2[i] + s3 * c3[i];
            }
            for (; p < end; p++) {
                const GEMM_T *column = a + i0 + p * acs;
                GEMM_T s = x[p * xs];
                for (long i = 0; i < rows; i++) partial[i] += s * column[i];
            }
            for (long i = 0; i < rows; i++) out[i] += partial[i];
        }
    }
}

/// y = A x; see `cotangent_gemv_f64`. Returns 0 only when a buffer cannot be had.
static int GEMM_NAME(gemv)(long m, long k, const GEMM_T *a, long ars, long acs, const GEMM_T *x, long xs, GEMM_T *y) {
    if (m <= 0) return 1;
    if (k <= 0) {
        for (long i = 0; i < m; i++) y[i] = 0;
        return 1;
    }
    if (acs == 1 || k == 1) {
        if (xs == 1 || k == 1) {
            GEMM_NAME(row_dots)(m, k, a, ars, x, y);
            return 1;
        }
        GEMM_T *gathered = aligned_buffer((size_t)k * sizeof(GEMM_T));
        if (!gathered) return 0;
        for (long p = 0; p < k; p++) gathered[p] = x[p * xs];
        GEMM_NAME(row_dots)(m, k, a, ars, gathered, y);
        free(gathered);
        return 1;
    }
    if (ars == 1 || m == 1) {
        GEMM_NAME(column_sums)(m, k, a, acs, x, xs, y);
        return 1;
    }
    // Neither stride 1: gather each row, then its dot product.
    GEMM_T *buffer = aligned_buffer((size_t)(2 * k) * sizeof(GEMM_T));
    if (!buffer) return 0;
    GEMM_T *gathered_x = buffer + k;
    for (long p = 0; p < k; p++) gathered_x[p] = x[p * xs];
    for (long i = 0; i < m; i++) {
        for (long p = 0; p < k; p++) buffer[p] = a[i * ars + p * acs];
        GEMM_NAME(row_dots)(1, k, buffer, k, gathered_x, y + i);
    }
    free(buffer);
    return 1;
}

#undef GEMM_NR
