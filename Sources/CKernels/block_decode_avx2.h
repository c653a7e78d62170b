// Shared by the AVX2 kernels: the decode of one ggml block into registers, and a
// horizontal sum. Private to CKernels (not under include/).
#ifndef STRATA_BLOCK_DECODE_AVX2_H
#define STRATA_BLOCK_DECODE_AVX2_H

#include "CKernels.h"

#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

static inline AVX2 float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/// The 32 weights of one block as four registers: elements 0–7, 8–15, 16–23, 24–31.
typedef struct { __m256 v0, v1, v2, v3; } Block32;

static inline AVX2 __attribute__((always_inline)) Block32 decode_block(int type, const uint8_t *block) {
    Block32 b;
    if (type == StrataQ8_0) {
        const __m256 d = _mm256_set1_ps(half_to_float(block));
        const uint8_t *q = block + 2;
        b.v0 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q)))));
        b.v1 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8)))));
        b.v2 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 16)))));
        b.v3 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 24)))));
        return b;
    }
    // 4-bit blocks: byte j holds element j (low nibble) and element j + 16 (high nibble).
    const float scale = half_to_float(block);
    const int hasMin = type == StrataQ4_1;
    const __m256 d = _mm256_set1_ps(scale);
    const __m256 offset = _mm256_set1_ps(hasMin ? half_to_float(block + 2) : -8.0f * scale);
    const __m128i bytes = _mm_loadu_si128((const __m128i *)(block + (hasMin ? 4 : 2)));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i low = _mm_and_si128(bytes, mask);
    const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    b.v0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(low)), d, offset);
    b.v1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(low, 8))), d, offset);
    b.v2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(high)), d, offset);
    b.v3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(high, 8))), d, offset);
    return b;
}

/// Bytes of one 32-weight block: scale (and min) as halves, then the quants.
static inline size_t block_bytes(int type) {
    return type == StrataQ8_0 ? 34 : (type == StrataQ4_1 ? 20 : 18);
}

/// Decodes weight rows [first, first + count) into `tile` (count × k floats).
static inline AVX2 __attribute__((always_inline))
void decode_rows(const int type, const uint8_t *weights, size_t rowBytes, long first, long count,
                 long k, float *tile) {
    const size_t blockBytes = block_bytes(type);
    for (long r = 0; r < count; r++) {
        const uint8_t *row = weights + (size_t)(first + r) * rowBytes;
        float *out = tile + r * k;
        for (long blk = 0; blk < k / 32; blk++) {
            const Block32 b = decode_block(type, row + blk * blockBytes);
            _mm256_storeu_ps(out + blk * 32, b.v0);
            _mm256_storeu_ps(out + blk * 32 + 8, b.v1);
            _mm256_storeu_ps(out + blk * 32 + 16, b.v2);
            _mm256_storeu_ps(out + blk * 32 + 24, b.v3);
        }
    }
}

static inline AVX2 float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#endif
