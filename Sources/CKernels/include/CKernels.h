// Hand-vectorised kernels that Swift cannot express: 256-bit AVX2/FMA code chosen at run
// time, so the binary still runs (on the portable Swift kernels) on CPUs without AVX2.
#ifndef STRATA_CKERNELS_H
#define STRATA_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Weight encodings the AVX2 block kernels read (ggml block layouts).
enum StrataBlockType { StrataQ4_0 = 0, StrataQ4_1 = 1, StrataQ8_0 = 2 };

/// 1 when this CPU has AVX2, FMA and F16C (checked once), else 0.
int strata_has_avx2(void);

/// y[i·ldy + r] = Σ_j W[r, j] · x[i·ldx + j] for weight rows r in [rowBegin, rowEnd) and the
/// m rows of x, W a row-major matrix of `type` blocks (rowBytes bytes per row, k columns, a
/// multiple of 32). Each block is decoded once into registers and multiplied against up to
/// eight rows of x; the rounding is that of dequantizing W and then dotting in float.
/// Call only when strata_has_avx2() is 1.
void strata_avx2_block_linear(int type, const uint8_t *weights, size_t rowBytes,
                              long rowBegin, long rowEnd, long k,
                              const float *x, long ldx, long m,
                              float *y, long ldy);

/// The same product for a few to a few dozen rows of x: weight rows are decoded four at a
/// time into `tile` (4·k floats, the caller's) and each dotted against three rows of x at
/// once. Same rounding of W as above; the sums are taken in another order.
/// Call only when strata_has_avx2() is 1.
void strata_avx2_tile_linear(int type, const uint8_t *weights, size_t rowBytes,
                             long rowBegin, long rowEnd, long k,
                             const float *x, long ldx, long m,
                             float *y, long ldy, float *tile);

/// Rows [rowBegin, rowEnd) of a `type` weight matrix as floats, row after row into `out`
/// ((rowEnd − rowBegin)·k floats); the portable decode's values (a zero's sign may differ).
/// Call only when strata_has_avx2() is 1.
void strata_avx2_dequantize_rows(int type, const uint8_t *weights, size_t rowBytes,
                                 long rowBegin, long rowEnd, long k, float *out);

/// One decode step's attention scores for one key/value head: scores[g·lds + j] =
/// scale · Σ_t q[g·d + t] · k[j·ldk + t] for the `rows` query rows g (the head group, d floats
/// apart) and keys j < keys. d is a multiple of 8. Call only when strata_has_avx2() is 1.
void strata_avx2_decode_scores(const float *q, long rows, long d, const float *k, long ldk,
                               long keys, float scale, float *scores, long lds);

/// The matching output: out[g·d + t] = Σ_{j < keys} p[g·ldp + j] · v[j·ldv + t], the keys
/// summed in order. d is a multiple of 8. Call only when strata_has_avx2() is 1.
void strata_avx2_decode_values(const float *p, long rows, long ldp, long keys,
                               const float *v, long ldv, long d, float *out);

/// out[i] = gate[i] / (1 + e^(−gate[i])) · up[i] for i < count (within a few ulp of the
/// portable expf form). Call only when strata_has_avx2() is 1.
void strata_avx2_swiglu(const float *gate, const float *up, float *out, long count);

/// A spin-wait hint (x86 `pause`, a no-op elsewhere): lets the sibling hyperthread and the
/// memory system breathe while a worker waits for its next job.
static inline void strata_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
