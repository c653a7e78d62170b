// The two products of one decode step's attention for one key/value head: a few query rows
// (the heads of a group) against a cache of keys. As sgemm calls these shapes (3 × T × 64)
// copied the cache into packed panels before multiplying; here the products read the cache
// rows where they lie, and the accumulators stay in registers.
#include "block_decode_avx2.h"

/// Dot products of one query row q (d floats) with four key rows at once, so that four
/// independent chains of multiply-adds hide the latency of each.
static inline AVX2 __attribute__((always_inline))
void four_dots(const float *q, const float *k, long ldk, long d, float scale, float *s) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (long t = 0; t < d; t += 8) {
        const __m256 qv = _mm256_loadu_ps(q + t);
        a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + t), a0);
        a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + ldk + t), a1);
        a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + 2 * ldk + t), a2);
        a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + 3 * ldk + t), a3);
    }
    s[0] = scale * horizontal_sum(a0);
    s[1] = scale * horizontal_sum(a1);
    s[2] = scale * horizontal_sum(a2);
    s[3] = scale * horizontal_sum(a3);
}

AVX2 void strata_avx2_decode_scores(const float *q, long rows, long d, const float *k, long ldk,
                                    long keys, float scale, float *scores, long lds) {
    for (long g = 0; g < rows; g++) {
        const float *qg = q + g * d;
        float *s = scores + g * lds;
        long j = 0;
        for (; j + 4 <= keys; j += 4) four_dots(qg, k + j * ldk, ldk, d, scale, s + j);
        for (; j < keys; j++) {
            __m256 acc = _mm256_setzero_ps();
            for (long t = 0; t < d; t += 8)
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(qg + t), _mm256_loadu_ps(k + j * ldk + t), acc);
            s[j] = scale * horizontal_sum(acc);
        }
    }
}

/// out[0 ..< 8·V] = Σ_j p[j] · v[j·ldv ..< j·ldv + 8·V] for V (1–8) vectors of output, the
/// accumulators in registers across all keys.
static inline AVX2 __attribute__((always_inline))
void weighted_rows(const float *p, long keys, const float *v, long ldv, float *out, const int V) {
    __m256 acc[8];
    for (int i = 0; i < V; i++) acc[i] = _mm256_setzero_ps();
    for (long j = 0; j < keys; j++) {
        const __m256 w = _mm256_broadcast_ss(p + j);
        const float *row = v + j * ldv;
        for (int i = 0; i < V; i++) acc[i] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * i), acc[i]);
    }
    for (int i = 0; i < V; i++) _mm256_storeu_ps(out + 8 * i, acc[i]);
}

AVX2 void strata_avx2_decode_values(const float *p, long rows, long ldp, long keys,
                                    const float *v, long ldv, long d, float *out) {
    for (long g = 0; g < rows; g++) {
        // Output columns 64 at a time (eight accumulators), then what is left, 8 at a time.
        long t = 0;
        for (; t + 64 <= d; t += 64) weighted_rows(p + g * ldp, keys, v + t, ldv, out + g * d + t, 8);
        for (; t < d; t += 8) weighted_rows(p + g * ldp, keys, v + t, ldv, out + g * d + t, 1);
    }
}
