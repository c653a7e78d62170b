import COpenBLAS

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
    if m <= QuantizedMatmul.directMaxRows {
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
    /// At most this many rows of x take the direct path. Measured on 4096×4096 Q4_0/Q8_0/F16,
    /// one thread: direct is 1.4–1.9× faster at M = 1, even at M = 4–6, slower from M = 8.
    /// With the packed Q4/Q8 dots (~23 cycles per block for one x row, ~12 per row for four,
    /// against ~25–30 to decode a block for sgemm) the crossover stays between 4 and 8 rows.
    static let directMaxRows = 4

    /// Scratch budget for one dequantized tile (L2-sized), but never fewer than `minTileRows`
    /// rows: measured at M = 128–512, sgemm with N = 16 runs ~1.6× slower than with N ≥ 64,
    /// which outweighs keeping the tile in L2; with ≥ 64 rows the tiled product is within
    /// ~10% of one dense sgemm over the whole matrix.
    static let tileBytes = 1024 * 1024
    static let minTileRows = 64
    /// Below this many weights the tiled forward runs one multi-threaded sgemm per tile.
    static let minWeightsForThreadSplit = 4 << 20

    /// Rows of W per tile: the budget's worth as a multiple of 16, at least `minTileRows`.
    static func tileRows(columns: Int, rows: Int) -> Int {
        let fit = tileBytes / max(columns * MemoryLayout<Float>.stride, 1)
        return min(max(minTileRows, fit / 16 * 16), max(rows, 1))
    }

    /// y [m, rows] = x [m, columns] · Wᵀ, one sgemm per tile of W's rows. With several
    /// threads each takes a contiguous share of W's rows and runs decode-then-sgemm on its own
    /// tiles with single-threaded OpenBLAS: one fork-join per call instead of two per tile
    /// (decode, then OpenBLAS's own split), which matters most for small m and loaded cores.
    static func forwardTiled(_ x: UnsafePointer<Float>, rows m: Int, weight: QuantizedMatrix,
                             output y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        guard m > 0, n > 0, k > 0 else { return }
        let tile = tileRows(columns: k, rows: n)
        let threads = Threads.count
        // Small matrices: a per-thread split costs more than it saves (measured 0.5× raw sgemm at
        // 576×576); decode tiles in turn and let OpenBLAS split each product instead.
        guard threads > 1, n >= 2 * minTileRows, n * k >= minWeightsForThreadSplit else {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)    // [tile, columns]
            defer { scratch.deallocate() }
            for start in stride(from: 0, to: n, by: tile) {
                let count = min(tile, n - start)
                weight.dequantizeRows(start..<start + count, into: scratch)
                productWithTile(x, m, scratch, start, count, k, n, y)
            }
            return
        }
        let format = weight.type.format
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threads)) }
        Threads.parallelFor(n, minChunk: minTileRows) { share in
            let rows = min(tile, share.count)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)   // [rows, columns]
            defer { scratch.deallocate() }
            for start in stride(from: share.lowerBound, to: share.upperBound, by: rows) {
                let count = min(rows, share.upperBound - start)
                for i in 0..<count {
                    format.decode(weight.rowPointer(start + i), scratch + i * k, count: k)
                }
                productWithTile(x, m, scratch, start, count, k, n, y)
            }
        }
    }

    /// y[:, start ..< start+count] = x · tileᵀ
    @inline(__always)
    private static func productWithTile(_ x: UnsafePointer<Float>, _ m: Int, _ tile: UnsafePointer<Float>,
                                        _ start: Int, _ count: Int, _ k: Int, _ n: Int,
                                        _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(m), Int32(count), Int32(k),
                    1, x, Int32(k), tile, Int32(k),
                    0, y + start, Int32(n))
    }

    /// dX [m, columns] = dY [m, rows] · W, accumulated over tiles of W's rows (beta = 1 after
    /// the first tile).
    static func backwardTiled(_ dy: UnsafePointer<Float>, rows m: Int, weight: QuantizedMatrix,
                              inputGrad dx: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        guard m > 0, n > 0, k > 0 else { return }
        let tile = tileRows(columns: k, rows: n)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)    // [tile, columns]
        defer { scratch.deallocate() }
        for start in stride(from: 0, to: n, by: tile) {
            let count = min(tile, n - start)
            weight.dequantizeRows(start..<start + count, into: scratch)
            // dX += dY[:, start ..< start+count] · tile
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(m), Int32(k), Int32(count),
                        1, dy + start, Int32(n), scratch, Int32(k),
                        start == 0 ? 0 : 1, dx, Int32(k))
        }
    }
}
