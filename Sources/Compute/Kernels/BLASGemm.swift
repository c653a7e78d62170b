import COpenBLAS

/// Row-major single-precision GEMM through OpenBLAS, shared by the kernels.
///
/// `c = alpha · op(a) · op(b) + beta · c` with op(a) `[m, k]`, op(b) `[k, n]`, c `[m, n]`.
/// Leading dimensions let a caller address a head slice of `[batch, seq, heads, headDim]`
/// in place (ld = heads · headDim) instead of copying it out.
enum BLASGemm {
    struct Operand {
        let pointer: UnsafePointer<Float>
        let transposed: Bool
        let leadingDimension: Int
        /// Elements between consecutive matrices in a batched call (0: the same matrix each time).
        let batchStride: Int

        init(_ pointer: UnsafeMutablePointer<Float>, transposed: Bool = false, leadingDimension: Int,
             batchStride: Int = 0) {
            self.pointer = UnsafePointer(pointer)
            self.transposed = transposed
            self.leadingDimension = leadingDimension
            self.batchStride = batchStride
        }

        func advanced(by item: Int) -> Operand {
            Operand(UnsafeMutablePointer(mutating: pointer + item * batchStride), transposed: transposed,
                    leadingDimension: leadingDimension, batchStride: batchStride)
        }
    }

    /// `count` products in sequence. With `cStride` 0 every product lands on the same `c`
    /// and they are summed (a broadcast operand's gradient).
    static func batched(count: Int, m: Int, n: Int, k: Int, alpha: Float = 1,
                        _ a: Operand, _ b: Operand,
                        c: UnsafeMutablePointer<Float>, ldc: Int, cStride: Int) {
        for item in 0..<count {
            let beta: Float = (cStride == 0 && item > 0) ? 1 : 0
            gemm(m: m, n: n, k: k, alpha: alpha, a.advanced(by: item), b.advanced(by: item),
                 beta: beta, c: c + item * cStride, ldc: ldc)
        }
    }

    static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                     _ a: Operand, _ b: Operand,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0 && n > 0 else { return }
        guard k > 0 else {
            // OpenBLAS rejects k = 0 leading dimensions; the product is empty, so c = beta · c.
            for row in 0..<m {
                let line = c + row * ldc
                if beta == 0 {
                    line.update(repeating: 0, count: n)
                } else {
                    for j in 0..<n { line[j] *= beta }
                }
            }
            return
        }
        precondition(max(m, n, k, a.leadingDimension, b.leadingDimension, ldc) <= Int(Int32.max),
                     "BLASGemm: dimension exceeds the BLAS integer range")
        cblas_sgemm(CblasRowMajor,
                    a.transposed ? CblasTrans : CblasNoTrans,
                    b.transposed ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k),
                    alpha, a.pointer, blasint(a.leadingDimension),
                    b.pointer, blasint(b.leadingDimension),
                    beta, c, blasint(ldc))
    }

    /// Runs `body` over `0..<total` items, each item issuing small GEMMs: with more than one
    /// thread the items are spread over `Threads.parallelFor` and OpenBLAS is held to one
    /// thread meanwhile, since per-head products are too small for its own threading to pay.
    static func perItem(_ total: Int, _ body: (Int) -> Void) {
        let threads = Threads.count
        if threads <= 1 || total < 2 {
            for item in 0..<total { body(item) }
            return
        }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threads)) }
        Threads.parallelFor(total) { range in
            for item in range { body(item) }
        }
    }
}
