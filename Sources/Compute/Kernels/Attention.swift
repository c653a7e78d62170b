import CKernels

// Scaled dot-product attention in two ops, so that hooks can read, mask or capture the
// probabilities (with their gradient) between them:
//
//     let probs = try attentionProbabilities(query: q, key: k, scale: 1 / sqrt(Float(d)), causal: true)
//     let out = try attentionOutput(probabilities: probs, value: v)
//
// Both support grouped-query attention: query head h reads key/value head h / (Hq / Hkv).
// Head slices of `[batch, seq, heads, headDim]` are addressed in place through sgemm's leading
// dimensions; the (batch, head) products run in parallel with single-threaded sgemm, except a
// decode step's grouped heads, which take the AVX2 products of decode_attention_avx2.c.

/// Attention probabilities `softmax(scale · q·kᵀ + masks)`.
///
/// - query: `[B, Tq, Hq, D]`
/// - key: `[B, Tk, Hkv, D]`, Hq a multiple of Hkv
/// - causal: query i (absolute position `queryOffset + i`) sees keys `0…queryOffset + i`
/// - mask: additive `[B, Tk]` (0 to keep, `-inf` for padding)
/// - returns `[B, Hq, Tq, Tk]`; a row with no visible key is all zeros.
///
/// Gradients go to query and key (the mask is a constant). The backward pass reads the returned
/// probabilities, so a hook that changes them must make a new tensor, not write in place.
public func attentionProbabilities(query: Tensor, key: Tensor, scale: Float, causal: Bool,
                                   queryOffset: Int = 0, mask: Tensor? = nil) throws -> Tensor {
    let op = "attentionProbabilities"
    guard query.rank == 4, key.rank == 4, query.shape[0] == key.shape[0], query.shape[3] == key.shape[3] else {
        throw TensorError.shapeMismatch(op: op, lhs: query.shape, rhs: key.shape,
                                        reason: "query must be [B, Tq, Hq, D] and key [B, Tk, Hkv, D] with the same B and D")
    }
    let (batch, tq, hq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    let (tk, hkv) = (key.shape[1], key.shape[2])
    guard hkv > 0, hq % hkv == 0 else {
        throw TensorError.shapeMismatch(op: op, lhs: query.shape, rhs: key.shape,
                                        reason: "query heads (\(hq)) must be a multiple of key heads (\(hkv))")
    }
    if let mask, mask.shape != [batch, tk] {
        throw TensorError.shapeMismatch(op: op, lhs: key.shape, rhs: mask.shape,
                                        reason: "the mask must be [B, Tk] = [\(batch), \(tk)]")
    }
    guard queryOffset >= 0 else {
        throw TensorError.invalidArgument(op: op, reason: "queryOffset \(queryOffset) must be non-negative")
    }
    let q = query.contiguous(), k = key.contiguous()
    let maskTensor = mask?.contiguous()
    let maskValues = maskTensor?.data
    let group = hq / hkv
    let out = Tensor(zeros: [batch, hq, tq, tk])
    let scores = out.data, qs = q.data, ks = k.data
    // Keys query row i sees. Keys past it get probability 0, as softmax of −∞ would give them;
    // the score products skip them (a prefill's upper triangle, a cache's empty slots).
    func visibleKeys(_ i: Int) -> Int { causal ? max(0, min(tk, queryOffset + i + 1)) : tk }
    func normalize(_ row: UnsafeMutablePointer<Float>, batchRow b: Int, visible: Int) {
        if let maskValues {
            let m = maskValues + b * tk
            for j in 0..<visible { row[j] += m[j] }
        }
        (row + visible).update(repeating: 0, count: tk - visible)
        softmaxRow(row, row, visible)
    }
    if tq == 1 && group > 1 {
        // One query (a decode step): the group's heads are adjacent rows of q and of the scores,
        // so each key/value head is one product of `group` rows.
        let visible = visibleKeys(0)
        BLASGemm.perItem(batch * hkv) { item in
            let (b, kh) = (item / hkv, item % hkv)
            let block = scores + (b * hq + kh * group) * tk
            let queries = qs + (b * hq + kh * group) * d, keys = ks + (b * tk * hkv + kh) * d
            if decodeKernelsApply(headDim: d) {
                strata_avx2_decode_scores(queries, group, d, keys, hkv * d, visible, scale, block, tk)
            } else {
                BLASGemm.gemm(m: group, n: visible, k: d, alpha: scale,
                              .init(queries, leadingDimension: d),
                              .init(keys, transposed: true, leadingDimension: hkv * d),
                              c: block, ldc: tk)
            }
            for g in 0..<group { normalize(block + g * tk, batchRow: b, visible: visible) }
        }
    } else {
        BLASGemm.perItem(batch * hq) { item in
            let (b, h) = (item / hq, item % hq)
            let block = scores + item * tq * tk
            for first in stride(from: 0, to: tq, by: attentionRowBlock) {
                let rows = min(attentionRowBlock, tq - first)
                // scores[rows, keys] = scale · q[b, rows, h, :] · k[b, keys, h/group, :]ᵀ
                BLASGemm.gemm(m: rows, n: visibleKeys(first + rows - 1), k: d, alpha: scale,
                              .init(qs + ((b * tq + first) * hq + h) * d, leadingDimension: hq * d),
                              .init(ks + (b * tk * hkv + h / group) * d, transposed: true, leadingDimension: hkv * d),
                              c: block + first * tk, ldc: tk)
                for i in first..<(first + rows) { normalize(block + i * tk, batchRow: b, visible: visibleKeys(i)) }
            }
        }
    }
    withExtendedLifetime(maskTensor) {}

    let saved = out.detached()
    let needQ = q.requiresGrad, needK = k.requiresGrad
    return out.recorded(op: op, inputs: [q, k]) { g in
        // dS = P ⊙ (dP − Σ_j dP·P), scaled; masked entries have P = 0 and get none.
        let dScores = Tensor(zeros: g.shape)
        let ds = dScores.data, gs = g.data, ps = saved.data
        Threads.parallelFor(batch * hq * tq, minChunk: max(1, 4096 / max(tk, 1))) { range in
            for r in range {
                let p = ps + r * tk, grad = gs + r * tk, target = ds + r * tk
                var dot: Float = 0
                for j in 0..<tk { dot += grad[j] * p[j] }
                for j in 0..<tk { target[j] = scale * p[j] * (grad[j] - dot) }
            }
        }
        var gq: Tensor?, gk: Tensor?
        if needQ {
            // dq[b, :, h, :] = dS[Tq, Tk] · k[b, :, h/group, :]
            let result = Tensor(zeros: q.shape)
            perHeadTimesSharedHead(ds, ks, into: result.data, batch: batch, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d)
            gq = result
        }
        if needK {
            // dk[b, :, kh, :] = Σ_{h in group} dS[h]ᵀ[Tk, Tq] · q[b, :, h, :]
            let result = Tensor(zeros: k.shape)
            groupSumOfTransposedTimes(ds, qs, into: result.data, batch: batch, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d)
            gk = result
        }
        return [gq, gk]
    }
}

/// Attention output `P · v` per head.
///
/// - probabilities: `[B, Hq, Tq, Tk]`
/// - value: `[B, Tk, Hkv, D]`, Hq a multiple of Hkv
/// - returns `[B, Tq, Hq, D]`, with gradients to both.
public func attentionOutput(probabilities: Tensor, value: Tensor) throws -> Tensor {
    let op = "attentionOutput"
    guard probabilities.rank == 4, value.rank == 4,
          probabilities.shape[0] == value.shape[0], probabilities.shape[3] == value.shape[1] else {
        throw TensorError.shapeMismatch(op: op, lhs: probabilities.shape, rhs: value.shape,
                                        reason: "probabilities must be [B, Hq, Tq, Tk] and value [B, Tk, Hkv, D] with the same B and Tk")
    }
    let (batch, hq, tq, tk) = (probabilities.shape[0], probabilities.shape[1], probabilities.shape[2], probabilities.shape[3])
    let (hkv, d) = (value.shape[2], value.shape[3])
    guard hkv > 0, hq % hkv == 0 else {
        throw TensorError.shapeMismatch(op: op, lhs: probabilities.shape, rhs: value.shape,
                                        reason: "query heads (\(hq)) must be a multiple of value heads (\(hkv))")
    }
    let p = probabilities.contiguous(), v = value.contiguous()
    let group = hq / hkv
    // out[b, :, h, :] = P[Tq, Tk] · v[b, :, h/group, :]
    let out = Tensor(zeros: [batch, tq, hq, d])
    let ps = p.data, vs = v.data
    perHeadTimesSharedHead(ps, vs, into: out.data, batch: batch, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d)

    let needP = p.requiresGrad, needV = v.requiresGrad
    return out.recorded(op: op, inputs: [p, v]) { g in
        let gs = g.data
        var gp: Tensor?, gv: Tensor?
        if needP {
            let result = Tensor(zeros: p.shape)
            let dp = result.data
            BLASGemm.perItem(batch * hq) { item in
                let (b, h) = (item / hq, item % hq)
                // dP[Tq, Tk] = g[b, :, h, :] · v[b, :, h/group, :]ᵀ
                BLASGemm.gemm(m: tq, n: tk, k: d,
                              .init(gs + (b * tq * hq + h) * d, leadingDimension: hq * d),
                              .init(vs + (b * tk * hkv + h / group) * d, transposed: true, leadingDimension: hkv * d),
                              c: dp + item * tq * tk, ldc: tk)
            }
            gp = result
        }
        if needV {
            // dv[b, :, kh, :] = Σ_{h in group} P[h]ᵀ[Tk, Tq] · g[b, :, h, :]
            let result = Tensor(zeros: v.shape)
            groupSumOfTransposedTimes(ps, gs, into: result.data, batch: batch, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d)
            gv = result
        }
        return [gp, gv]
    }
}

/// Query rows per score product: a causal block skips the keys past its last row, so smaller
/// blocks skip more of a prefill's upper triangle (3/8 of it at 64 rows of 256) but run sgemm
/// on thinner operands.
private let attentionRowBlock = 64

/// out[b, :, h, :] = A[b, h] · x[b, :, h/group, :] for every query head h: A `[B, Hq, Tq, Tk]`,
/// x `[B, Tk, Hkv, D]`, out `[B, Tq, Hq, D]` (P·v forward, dS·k for dq). Each block of A's rows
/// is multiplied only up to its last non-zero column: causal and padded keys have P = 0 (and
/// dS = 0), and out starts at zero.
private func perHeadTimesSharedHead(_ a: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
                                    into out: UnsafeMutablePointer<Float>,
                                    batch: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int) {
    let group = hq / hkv
    if tq == 1 && group > 1 {
        // One query: the group's rows of A and of out are adjacent, one product per key/value head.
        BLASGemm.perItem(batch * hkv) { item in
            let (b, kh) = (item / hkv, item % hkv)
            let rows = a + (b * hq + kh * group) * tk
            let width = nonZeroWidth(rows, rows: group, width: tk)
            let shared = x + (b * tk * hkv + kh) * d, target = out + (b * hq + kh * group) * d
            if decodeKernelsApply(headDim: d) {
                strata_avx2_decode_values(rows, group, tk, width, shared, hkv * d, d, target)
            } else {
                BLASGemm.gemm(m: group, n: d, k: width, .init(rows, leadingDimension: tk),
                              .init(shared, leadingDimension: hkv * d), c: target, ldc: d)
            }
        }
        return
    }
    BLASGemm.perItem(batch * hq) { item in
        let (b, h) = (item / hq, item % hq)
        for first in stride(from: 0, to: tq, by: attentionRowBlock) {
            let count = min(attentionRowBlock, tq - first)
            let rows = a + (item * tq + first) * tk
            BLASGemm.gemm(m: count, n: d, k: nonZeroWidth(rows, rows: count, width: tk),
                          .init(rows, leadingDimension: tk),
                          .init(x + (b * tk * hkv + h / group) * d, leadingDimension: hkv * d),
                          c: out + ((b * tq + first) * hq + h) * d, ldc: hq * d)
        }
    }
}

/// Whether a decode step's two products (one query row per head) take the AVX2 kernels, which
/// read the cache rows in place; sgemm copies them into packed panels first at these shapes.
private func decodeKernelsApply(headDim d: Int) -> Bool { KernelSet.useAVX2 && d % 8 == 0 }

/// One past the last column of `rows` consecutive rows (`width` apart) with a non-zero entry
/// (a NaN counts as non-zero).
private func nonZeroWidth(_ a: UnsafeMutablePointer<Float>, rows: Int, width: Int) -> Int {
    var extent = 0
    for r in 0..<rows {
        let row = a + r * width
        var j = width
        while j > extent && row[j - 1] == 0 { j -= 1 }
        extent = max(extent, j)
    }
    return extent
}

/// out[b, :, kh, :] = Σ_{h in kh's group} A[b, h]ᵀ · y[b, :, h, :]: A `[B, Hq, Tq, Tk]`,
/// y `[B, Tq, Hq, D]`, out `[B, Tk, Hkv, D]` (dSᵀ·q for dk, Pᵀ·g for dv). One task per key/value
/// head, so that the group's products accumulate into it without a race.
private func groupSumOfTransposedTimes(_ a: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                       into out: UnsafeMutablePointer<Float>,
                                       batch: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int) {
    let group = hq / hkv
    BLASGemm.perItem(batch * hkv) { item in
        let (b, kh) = (item / hkv, item % hkv)
        for h in (kh * group)..<((kh + 1) * group) {
            BLASGemm.gemm(m: tk, n: d, k: tq,
                          .init(a + (b * hq + h) * tq * tk, transposed: true, leadingDimension: tk),
                          .init(y + (b * tq * hq + h) * d, leadingDimension: hq * d),
                          beta: h == kh * group ? 0 : 1,
                          c: out + (b * tk * hkv + kh) * d, ldc: hkv * d)
        }
    }
}
