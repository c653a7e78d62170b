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
        // Split the longer side of c over the pool; each share is one single-threaded sgemm.
        let threads = Threads.count
        guard threads > 1, m * n * k >= minParallelWork, !Threads.isInsideParallelLoop else {
            single(m: m, n: n, k: k, alpha: alpha, a.pointer, a.transposed, a.leadingDimension,
                   b.pointer, b.transposed, b.leadingDimension, beta: beta, c, ldc)
            return
        }
        if m >= n {
            Threads.parallelFor(m, minChunk: minSplitExtent) { rows in
                let offset = a.transposed ? rows.lowerBound : rows.lowerBound * a.leadingDimension
                single(m: rows.count, n: n, k: k, alpha: alpha, a.pointer + offset, a.transposed, a.leadingDimension,
                       b.pointer, b.transposed, b.leadingDimension, beta: beta, c + rows.lowerBound * ldc, ldc)
            }
        } else {
            Threads.parallelFor(n, minChunk: minSplitExtent) { columns in
                let offset = b.transposed ? columns.lowerBound * b.leadingDimension : columns.lowerBound
                single(m: m, n: columns.count, k: k, alpha: alpha, a.pointer, a.transposed, a.leadingDimension,
                       b.pointer + offset, b.transposed, b.leadingDimension, beta: beta, c + columns.lowerBound, ldc)
            }
        }
    }

    /// Below this many multiply-adds a product runs on one thread (OpenBLAS's own threshold,
    /// 65,536 × 4).
    static let minParallelWork = 262_144
    /// The least rows or columns of c one thread takes: a narrower share runs sgemm's edge
    /// kernels more than its main one.
    static let minSplitExtent = 32

    /// OpenBLAS runs single-threaded from the first product on (see `Threads`).
    private static let openBLASSingleThreaded: Void = { openblas_set_num_threads(1) }()

    /// One single-threaded `cblas_sgemm`, row-major: c = alpha · op(a) · op(b) + beta · c.
    @inline(__always)
    static func single(m: Int, n: Int, k: Int, alpha: Float = 1,
                       _ a: UnsafePointer<Float>, _ aTransposed: Bool, _ lda: Int,
                       _ b: UnsafePointer<Float>, _ bTransposed: Bool, _ ldb: Int,
                       beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        _ = openBLASSingleThreaded
        if m == 1 {
            // A row vector times a matrix (a decode step's attention per head): sgemv skips
            // sgemm's packing, which costs more than the product at this size.
            if beta == 0 { c.update(repeating: 0, count: n) }
            let xStride = blasint(aTransposed ? lda : 1)
            if bTransposed {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), alpha, b, blasint(ldb),
                            a, xStride, beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, blasint(k), blasint(n), alpha, b, blasint(ldb),
                            a, xStride, beta, c, 1)
            }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    aTransposed ? CblasTrans : CblasNoTrans,
                    bTransposed ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Runs `body` over `0..<total` items, each item issuing small GEMMs: the items are
    /// spread over `Threads.parallelFor` (the products inside then run on one thread each),
    /// since per-head products are too small to split.
    static func perItem(_ total: Int, _ body: (Int) -> Void) {
        Threads.parallelFor(total) { range in
            for item in range { body(item) }
        }
    }
}
