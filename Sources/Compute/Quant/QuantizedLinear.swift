/// y = x·Wᵀ for a frozen quantized W [rows, columns]: x [..., columns] → y [..., rows].
///
/// W never exists dense in memory. Many rows of x (prefill, training): W is dequantized a tile
/// of rows at a time into a scratch buffer small enough to stay in L2, and each tile is one
/// `cblas_sgemm`. Few rows (decode): dot products straight off the encoded blocks, parallel
/// over output features. W is frozen, so backward returns dX = dY·W only, again by tiles.
public func linear(_ x: Tensor, weight: QuantizedMatrix) throws -> Tensor {
    let op = "linear(quantized)"
    guard let last = x.shape.last, last == weight.columns else {
        let name = weight.name.map { " \($0)" } ?? ""
        throw TensorError.shapeMismatch(op: op, lhs: x.shape, rhs: weight.shape,
                                        reason: "x's last dimension must equal the columns (\(weight.columns)) of the \(weight.type) weight\(name) \(Tensor.describe(weight.shape)); y = x·Wᵀ maps [..., \(weight.columns)] to [..., \(weight.rows)]")
    }
    let input = x.contiguous()                                  // [..., columns]
    let m = x.shape.dropLast().reduce(1, *)
    let outShape = Array(x.shape.dropLast()) + [weight.rows]
    let out = weight.columns > 0 ? Tensor(uninitialized: outShape) : Tensor(zeros: outShape)   // [..., rows]
    if m <= QuantizedMatmul.directMaxRows(weight.type) {
        QuantizedMatmul.forwardDirect(input.data, rows: m, weight: weight, output: out.data)
    } else {
        QuantizedMatmul.forwardTiled(input.data, rows: m, weight: weight, output: out.data)
    }
    let inputShape = x.shape
    return out.recorded(op: op, inputs: [x]) { g in
        let gx = Tensor(zeros: inputShape)                     // [..., columns]
        QuantizedMatmul.backwardTiled(g.data, rows: m, weight: weight, inputGrad: gx.data)
        return [gx]
    }
}

/// The kernels behind `linear(_:weight: QuantizedMatrix)`, on flat row-major arrays.
enum QuantizedMatmul {
    /// At most this many rows of x take the direct path. Portable kernels, measured on
    /// 4096×4096 Q4_0/Q8_0/F16, one thread: direct is 1.4–1.9× faster at M = 1, even at
    /// M = 4–6, slower from M = 8. The AVX2 kernels decode a weight block once for many x
    /// rows and then run at dense-dot speed, so they beat decode-then-sgemm further up (see
    /// `avx2DirectMaxRows`).
    static let portableDirectMaxRows = 4
    /// Measured on SmolLM2's Q4_1 and Q8_0 projections, 2 threads (bench `matmul --rows`):
    /// the AVX2 tile kernel was level with or faster than decode-then-sgemm at 32, 48 and 64
    /// rows; at 128 the runs disagreed (this machine's noise reached 2×), so it stops at 64.
    static let avx2DirectMaxRows = 64

    static func directMaxRows(_ type: QuantType) -> Int {
        KernelSet.useAVX2 && avx2BlockType(type) != nil ? avx2DirectMaxRows : portableDirectMaxRows
    }

    /// Scratch budget for one dequantized tile (L2-sized), but never fewer than `minTileRows`
    /// rows: measured at M = 128–512, sgemm with N = 16 runs ~1.6× slower than with N ≥ 64,
    /// which outweighs keeping the tile in L2; with ≥ 64 rows the tiled product is within
    /// ~10% of one dense sgemm over the whole matrix.
    static let tileBytes = 1024 * 1024
    static let minTileRows = 64

    /// Rows of W per tile: the budget's worth as a multiple of 16, at least `minTileRows`.
    static func tileRows(columns: Int, rows: Int) -> Int {
        let fit = tileBytes / max(columns * MemoryLayout<Float>.stride, 1)
        return min(max(minTileRows, fit / 16 * 16), max(rows, 1))
    }

    /// y [m, rows] = x [m, columns] · Wᵀ, one sgemm per tile of W's rows. With several
    /// threads each takes a contiguous share of W's rows and runs decode-then-sgemm on its own
    /// tiles: one fork-join per call, and no row decoded twice. A W too short to share (fewer
    /// than two tiles' worth of rows) is decoded tile by tile and each product split by
    /// `BLASGemm.gemm` over x's rows instead.
    static func forwardTiled(_ x: UnsafePointer<Float>, rows m: Int, weight: QuantizedMatrix,
                             output y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        guard m > 0, n > 0, k > 0 else { return }
        let tile = tileRows(columns: k, rows: n)
        guard Threads.count > 1, n >= 2 * minTileRows, !Threads.isInsideParallelLoop else {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)    // [tile, columns]
            defer { scratch.deallocate() }
            for start in stride(from: 0, to: n, by: tile) {
                let count = min(tile, n - start)
                weight.dequantizeRows(start..<start + count, into: scratch)
                BLASGemm.gemm(m: m, n: count, k: k,
                              .init(UnsafeMutablePointer(mutating: x), leadingDimension: k),
                              .init(scratch, transposed: true, leadingDimension: k),
                              c: y + start, ldc: n)
            }
            return
        }
        Threads.parallelFor(n, minChunk: minTileRows) { share in
            let rows = min(tile, share.count)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)   // [rows, columns]
            defer { scratch.deallocate() }
            for start in stride(from: share.lowerBound, to: share.upperBound, by: rows) {
                let count = min(rows, share.upperBound - start)
                weight.dequantizeRows(start..<start + count, into: scratch)   // serial: inside the loop
                // y[:, start ..< start+count] = x · tileᵀ
                BLASGemm.single(m: m, n: count, k: k, x, false, k, scratch, true, k, beta: 0, y + start, n)
            }
        }
    }

    /// dX [m, columns] = dY [m, rows] · W, accumulated over tiles of W's rows (beta = 1 after
    /// the first tile). With several threads each takes a share of W's columns (whole blocks)
    /// and decodes only that slice of every row.
    static func backwardTiled(_ dy: UnsafePointer<Float>, rows m: Int, weight: QuantizedMatrix,
                              inputGrad dx: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        guard m > 0, n > 0, k > 0 else { return }
        let blockSize = weight.type.blockSize
        let blocks = k / blockSize
        let parallel = Threads.count > 1 && !Threads.isInsideParallelLoop
            && m * n * k >= BLASGemm.minParallelWork
        let minBlocks = max(1, BLASGemm.minSplitExtent / blockSize)
        Threads.parallelFor(parallel ? blocks : 1, minChunk: parallel ? minBlocks : 1) { share in
            let first = parallel ? share.lowerBound * blockSize : 0
            let width = parallel ? share.count * blockSize : k
            let tile = tileRows(columns: width, rows: n)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * width)    // [tile, width]
            defer { scratch.deallocate() }
            for start in stride(from: 0, to: n, by: tile) {
                let count = min(tile, n - start)
                weight.decodeSlice(rows: start..<(start + count), columns: first..<(first + width), into: scratch)
                // dX[:, first ..< first+width] += dY[:, start ..< start+count] · tile
                BLASGemm.single(m: m, n: width, k: count, dy + start, false, n, scratch, false, width,
                                beta: start == 0 ? 0 : 1, dx + first, k)
            }
        }
    }
}
