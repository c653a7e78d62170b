// AVX2/FMA kernel for y = x · Wᵀ with W in Q4_0, Q4_1 or Q8_0 blocks (see CKernels.h).
// A block of 32 weights is decoded into four 8-float registers — ggml's value d·q (Q8_0),
// d·(q − 8) (Q4_0) or d·q + m (Q4_1) — and then serves every row of x in the group with
// four fused multiply-adds, so the cost per x row approaches that of a dense float dot.
#include "block_decode_avx2.h"

int strata_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
            && __builtin_cpu_supports("f16c");
    }
    return cached;
}

/// One weight row against M (1–8) rows of x over `blocks` blocks, into y. Accumulators per row: four for M ≤ 2, two for M ≤ 4, else one, so that each
/// has enough independent chains of multiply-adds to hide their latency.
static inline AVX2 __attribute__((always_inline))
void row_against_group(const int type, const uint8_t *row, size_t blockBytes, long blocks,
                       const float *x, long ldx, float *y, long ldy, const int M) {
    __m256 a[8], b[8], c[8], d[8];
    for (int i = 0; i < M; i++) {
        a[i] = _mm256_setzero_ps(); b[i] = _mm256_setzero_ps();
        c[i] = _mm256_setzero_ps(); d[i] = _mm256_setzero_ps();
    }
    for (long blk = 0; blk < blocks; blk++) {
        const Block32 w = decode_block(type, row + blk * blockBytes);
        const float *xb = x + blk * 32;
        for (int i = 0; i < M; i++) {
            const float *xi = xb + i * ldx;
            if (M <= 2) {
                a[i] = _mm256_fmadd_ps(w.v0, _mm256_loadu_ps(xi), a[i]);
                b[i] = _mm256_fmadd_ps(w.v1, _mm256_loadu_ps(xi + 8), b[i]);
                c[i] = _mm256_fmadd_ps(w.v2, _mm256_loadu_ps(xi + 16), c[i]);
                d[i] = _mm256_fmadd_ps(w.v3, _mm256_loadu_ps(xi + 24), d[i]);
            } else if (M <= 4) {
                a[i] = _mm256_fmadd_ps(w.v0, _mm256_loadu_ps(xi), a[i]);
                b[i] = _mm256_fmadd_ps(w.v1, _mm256_loadu_ps(xi + 8), b[i]);
                a[i] = _mm256_fmadd_ps(w.v2, _mm256_loadu_ps(xi + 16), a[i]);
                b[i] = _mm256_fmadd_ps(w.v3, _mm256_loadu_ps(xi + 24), b[i]);
            } else {
                a[i] = _mm256_fmadd_ps(w.v0, _mm256_loadu_ps(xi), a[i]);
                a[i] = _mm256_fmadd_ps(w.v1, _mm256_loadu_ps(xi + 8), a[i]);
                a[i] = _mm256_fmadd_ps(w.v2, _mm256_loadu_ps(xi + 16), a[i]);
                a[i] = _mm256_fmadd_ps(w.v3, _mm256_loadu_ps(xi + 24), a[i]);
            }
        }
    }
    for (int i = 0; i < M; i++) {
        __m256 total = a[i];
        if (M <= 4) total = _mm256_add_ps(total, b[i]);
        if (M <= 2) total = _mm256_add_ps(total, _mm256_add_ps(c[i], d[i]));
        y[i * ldy] = horizontal_sum(total);
    }
}

#define GROUP_CASE(N) case N: row_against_group(type, row, blockBytes, blocks, xg, ldx, yg, ldy, N); break;

/// The loops for one block type; `type` is a constant at each call, so the decode inlines
/// without a branch per block.
static inline AVX2 __attribute__((always_inline))
void block_linear(const int type, const uint8_t *weights, size_t rowBytes, long rowBegin, long rowEnd,
                  long k, const float *x, long ldx, long m, float *y, long ldy) {
    const size_t blockBytes = block_bytes(type);
    const long blocks = k / 32;
    // Weight rows outside, groups of eight x rows inside: each row is read from memory once
    // whatever m is. (Taking x a column chunk at a time, to keep it in L1, measured no faster.)
    for (long r = rowBegin; r < rowEnd; r++) {
        const uint8_t *row = weights + (size_t)r * rowBytes;
        for (long first = 0; first < m; first += 8) {
            const long rowsOfX = m - first < 8 ? m - first : 8;
            const float *xg = x + first * ldx;
            float *yg = y + first * ldy + r;
            switch (rowsOfX) {
                GROUP_CASE(1) GROUP_CASE(2) GROUP_CASE(3) GROUP_CASE(4)
                GROUP_CASE(5) GROUP_CASE(6) GROUP_CASE(7) GROUP_CASE(8)
            }
        }
    }
}

AVX2 void strata_avx2_block_linear(int type, const uint8_t *weights, size_t rowBytes,
                                   long rowBegin, long rowEnd, long k,
                                   const float *x, long ldx, long m,
                                   float *y, long ldy) {
    switch (type) {
    case StrataQ4_0: block_linear(StrataQ4_0, weights, rowBytes, rowBegin, rowEnd, k, x, ldx, m, y, ldy); break;
    case StrataQ4_1: block_linear(StrataQ4_1, weights, rowBytes, rowBegin, rowEnd, k, x, ldx, m, y, ldy); break;
    case StrataQ8_0: block_linear(StrataQ8_0, weights, rowBytes, rowBegin, rowEnd, k, x, ldx, m, y, ldy); break;
    }
}
