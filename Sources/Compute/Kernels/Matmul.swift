/// Matrix products through OpenBLAS `cblas_sgemm`, with gradients for both operands.
///
/// Shapes (op(x) is x or its last-two-axes transpose, per `transposeA` / `transposeB`):
/// - `[M, K] × [K, N] → [M, N]`
/// - `[..., M, K] × [..., K, N] → [..., M, N]` with equal leading axes: one sgemm per matrix.
/// - `[..., M, K] × [K, N] → [..., M, N]`: the 2-D right operand is shared; without
///   `transposeA` the left operand is flattened to `[(...)·M, K]` and multiplied in one sgemm.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
    let plan = try MatmulPlan(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
    let a = a.contiguous(), b = b.contiguous()
    let out = Tensor(uninitialized: plan.outputShape)
    let (m, n, k) = (plan.rows, plan.n, plan.k)
    BLASGemm.batched(count: plan.count, m: m, n: n, k: k,
                     .init(a.data, transposed: transposeA, leadingDimension: transposeA ? m : k, batchStride: m * k),
                     .init(b.data, transposed: transposeB, leadingDimension: transposeB ? k : n,
                           batchStride: plan.broadcastB ? 0 : k * n),
                     c: out.data, ldc: n, cStride: m * n)

    let needA = a.requiresGrad, needB = b.requiresGrad
    return out.recorded(op: "matmul", inputs: [a, b]) { g in
        // g: [..., M, N]; rows·N per product.
        let gA = needA ? matmulGradientA(plan, g: g, b: b) : nil
        let gB = needB ? matmulGradientB(plan, g: g, a: a) : nil
        return [gA, gB]
    }
}

/// Resolved sizes of one `matmul` call.
struct MatmulPlan {
    let outputShape: [Int]
    /// Number of sgemm calls, and rows of the left operand per call (M, or (...)·M when flattened).
    let count: Int
    let rows: Int
    let n: Int
    let k: Int
    let transposeA: Bool
    let transposeB: Bool
    /// The right operand is one 2-D matrix shared by every batch item.
    let broadcastB: Bool
    let aShape: [Int]
    let bShape: [Int]

    init(_ aShape: [Int], _ bShape: [Int], transposeA: Bool, transposeB: Bool) throws {
        func fail(_ reason: String) -> TensorError {
            .shapeMismatch(op: "matmul", lhs: aShape, rhs: bShape, reason: reason)
        }
        guard aShape.count >= 2 && bShape.count >= 2 else {
            throw fail("both operands need at least two axes")
        }
        let (aRows, aCols) = (aShape[aShape.count - 2], aShape[aShape.count - 1])
        let (bRows, bCols) = (bShape[bShape.count - 2], bShape[bShape.count - 1])
        let (m, kA) = transposeA ? (aCols, aRows) : (aRows, aCols)
        let (kB, n) = transposeB ? (bCols, bRows) : (bRows, bCols)
        guard kA == kB else {
            throw fail("the contracted axes differ (\(kA) vs \(kB)\(transposeA || transposeB ? ", after transposition" : ""))")
        }
        let batchShape = Array(aShape.dropLast(2))
        if bShape.count > 2 {
            guard Array(bShape.dropLast(2)) == batchShape else {
                throw fail("batched operands need the same leading axes (or a 2-D right operand)")
            }
        }
        let batch = batchShape.reduce(1, *)
        broadcastB = bShape.count == 2 && !batchShape.isEmpty
        let flatten = broadcastB && !transposeA
        count = flatten ? 1 : batch
        rows = flatten ? batch * m : m
        self.n = n
        self.k = kA
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.aShape = aShape
        self.bShape = bShape
        outputShape = batchShape + [m, n]
    }
}

/// dA = g · op(B)ᵀ (or its transpose when A was used transposed).
private func matmulGradientA(_ plan: MatmulPlan, g: Tensor, b: Tensor) -> Tensor {
    let (m, n, k) = (plan.rows, plan.n, plan.k)
    let gA = Tensor(zeros: plan.aShape)
    let bStride = plan.broadcastB ? 0 : k * n
    let ldb = plan.transposeB ? k : n
    if !plan.transposeA {
        // [M, K] = g[M, N] · op(B)ᵀ[N, K]
        BLASGemm.batched(count: plan.count, m: m, n: k, k: n,
                         .init(g.data, leadingDimension: n, batchStride: m * n),
                         .init(b.data, transposed: !plan.transposeB, leadingDimension: ldb, batchStride: bStride),
                         c: gA.data, ldc: k, cStride: m * k)
    } else {
        // [K, M] = op(B)[K, N] · gᵀ[N, M]
        BLASGemm.batched(count: plan.count, m: k, n: m, k: n,
                         .init(b.data, transposed: plan.transposeB, leadingDimension: ldb, batchStride: bStride),
                         .init(g.data, transposed: true, leadingDimension: n, batchStride: m * n),
                         c: gA.data, ldc: m, cStride: m * k)
    }
    return gA
}

/// dB = op(A)ᵀ · g (or its transpose), summed over the batch when B is shared.
private func matmulGradientB(_ plan: MatmulPlan, g: Tensor, a: Tensor) -> Tensor {
    let (m, n, k) = (plan.rows, plan.n, plan.k)
    let gB = Tensor(zeros: plan.bShape)
    let lda = plan.transposeA ? m : k
    let cStride = plan.broadcastB ? 0 : k * n
    if !plan.transposeB {
        // [K, N] = op(A)ᵀ[K, M] · g[M, N]
        BLASGemm.batched(count: plan.count, m: k, n: n, k: m,
                         .init(a.data, transposed: !plan.transposeA, leadingDimension: lda, batchStride: m * k),
                         .init(g.data, leadingDimension: n, batchStride: m * n),
                         c: gB.data, ldc: n, cStride: cStride)
    } else {
        // [N, K] = gᵀ[N, M] · op(A)[M, K]
        BLASGemm.batched(count: plan.count, m: n, n: k, k: m,
                         .init(g.data, transposed: true, leadingDimension: n, batchStride: m * n),
                         .init(a.data, transposed: plan.transposeA, leadingDimension: lda, batchStride: m * k),
                         c: gB.data, ldc: k, cStride: cStride)
    }
    return gB
}
