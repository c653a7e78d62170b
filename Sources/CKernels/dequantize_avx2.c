// Whole weight rows decoded to floats for the tiled path (prefill, training), with the block
// decode of the AVX2 kernels. The portable decode's values: q·d, (q − 8)·d and q·d + m are each
// rounded once either way (q·d is exact in float for a 4-bit q and a half d); only a zero's
// sign may differ (Q4_0's fused 8·d − 8·d is +0 where (8 − 8)·d is −0 for a negative d).
#include "block_decode_avx2.h"

AVX2 void strata_avx2_dequantize_rows(int type, const uint8_t *weights, size_t rowBytes,
                                      long rowBegin, long rowEnd, long k, float *out) {
    const long count = rowEnd - rowBegin;
    switch (type) {
    case StrataQ4_0: decode_rows(StrataQ4_0, weights, rowBytes, rowBegin, count, k, out); break;
    case StrataQ4_1: decode_rows(StrataQ4_1, weights, rowBytes, rowBegin, count, k, out); break;
    case StrataQ8_0: decode_rows(StrataQ8_0, weights, rowBytes, rowBegin, count, k, out); break;
    }
}
