// AVX2/FMA kernel for y = x · Wᵀ at a few to a few dozen rows of x (batched decode), W in
// Q4_0, Q4_1 or Q8_0 blocks (see CKernels.h). Four weight rows are decoded once into a float
// tile (L1-sized at SmolLM2's widths: 4 × 1536 floats at most); then every three rows of x
// dot against all four at once, twelve accumulators fed by seven loads a step. The block
// kernel instead does one multiply-add per load and decodes each block again for every eight
// rows of x.
#include "block_decode_avx2.h"

enum { TILE_W = 4, TILE_X = 3 };

/// y[i·ldy + r] = Σ_j w[r·k + j] · x[i·ldx + j] for r < R, i < M (R ≤ 4, M ≤ 3, constants
/// at each call so that the loops unroll into registers). k is a multiple of 32.
static inline AVX2 __attribute__((always_inline))
void tile_dot(const float *w, long k, const float *x, long ldx, float *y, long ldy,
              const int R, const int M) {
    __m256 acc[TILE_W][TILE_X];
    for (int r = 0; r < R; r++)
        for (int i = 0; i < M; i++) acc[r][i] = _mm256_setzero_ps();
    // Registers: M of x, one weight vector at a time, R·M accumulators — 16 at most.
    for (long j = 0; j < k; j += 8) {
        __m256 xv[TILE_X];
        for (int i = 0; i < M; i++) xv[i] = _mm256_loadu_ps(x + i * ldx + j);
        for (int r = 0; r < R; r++) {
            const __m256 wv = _mm256_loadu_ps(w + r * k + j);
            for (int i = 0; i < M; i++) acc[r][i] = _mm256_fmadd_ps(wv, xv[i], acc[r][i]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int i = 0; i < M; i++) y[i * ldy + r] = horizontal_sum(acc[r][i]);
}

#define X_CASE(R, M) case M: tile_dot(tile, k, x + first * ldx, ldx, y + first * ldy + row, ldy, R, M); break;
#define W_CASE(R) case R: switch (rowsOfX) { X_CASE(R, 1) X_CASE(R, 2) X_CASE(R, 3) } break;

static inline AVX2 __attribute__((always_inline))
void tile_linear(const int type, const uint8_t *weights, size_t rowBytes, long rowBegin, long rowEnd,
                 long k, const float *x, long ldx, long m, float *y, long ldy, float *tile) {
    for (long row = rowBegin; row < rowEnd; row += TILE_W) {
        const int rowsOfW = rowEnd - row < TILE_W ? (int)(rowEnd - row) : TILE_W;
        decode_rows(type, weights, rowBytes, row, rowsOfW, k, tile);
        // Groups of three rows of x; four left over go as two and two (a lone row keeps
        // only four accumulators busy).
        for (long first = 0; first < m;) {
            const long left = m - first;
            const int rowsOfX = left == 4 ? 2 : (left < TILE_X ? (int)left : TILE_X);
            switch (rowsOfW) { W_CASE(1) W_CASE(2) W_CASE(3) W_CASE(4) }
            first += rowsOfX;
        }
    }
}

AVX2 void strata_avx2_tile_linear(int type, const uint8_t *weights, size_t rowBytes,
                                  long rowBegin, long rowEnd, long k,
                                  const float *x, long ldx, long m,
                                  float *y, long ldy, float *tile) {
    switch (type) {
    case StrataQ4_0: tile_linear(StrataQ4_0, weights, rowBytes, rowBegin, rowEnd, k, x, ldx, m, y, ldy, tile); break;
    case StrataQ4_1: tile_linear(StrataQ4_1, weights, rowBytes, rowBegin, rowEnd, k, x, ldx, m, y, ldy, tile); break;
    case StrataQ8_0: tile_linear(StrataQ8_0, weights, rowBytes, rowBegin, rowEnd, k, x, ldx, m, y, ldy, tile); break;
    }
}
