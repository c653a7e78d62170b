import CKernels

/// The decode-time path of `linear(_:weight: QuantizedMatrix)`: dot products read straight
/// off the encoded blocks, with no dequantized tile.
///
/// Q4_0/Q4_1/Q8_0 rows dot against a packed copy of x (see `PackedBlockDot`), four x rows at a
/// time so that each unpacked block serves four products. F16/BF16/F32 rows are decoded a
/// chunk at a time into a small stack buffer (L1-resident) that every row of x dots against.
/// Either way W is read once from memory whatever the number of x rows, and work is split over
/// output features. Dequantize-then-sgemm wins back at a few rows (see `directMaxRows`).
extension QuantizedMatmul {
    /// Elements of a weight row decoded at a time: a multiple of every block size, 1 KiB.
    static let chunkElements = 256

    /// Weights per thread below which splitting a product costs more than it saves (a
    /// thread wake-up is tens of microseconds; a packed dot does ~100 weights per microsecond).
    static let minWeightsPerThread = 65_536

    /// y [m, rows] = x [m, columns] · Wᵀ for small m.
    static func forwardDirect(_ x: UnsafePointer<Float>, rows m: Int, weight: QuantizedMatrix,
                              output y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        guard m > 0, n > 0, k > 0 else { return }
        if KernelSet.useAVX2, let type = avx2BlockType(weight.type) {
            avx2Rows(type, x, m, weight, y)
            return
        }
        switch weight.type {
        case .q4_0: packedRows(Q4_0Format.self, x, m, weight, y)
        case .q4_1: packedRows(Q4_1Format.self, x, m, weight, y)
        case .q8_0: packedRows(Q8_0Format.self, x, m, weight, y)
        case .f16: directRows(F16Format.self, x, m, weight, y)
        case .bf16: directRows(BF16Format.self, x, m, weight, y)
        case .f32: directRows(F32Format.self, x, m, weight, y)
        }
    }

    /// The CKernels code of a block type the AVX2 kernel reads, or nil.
    static func avx2BlockType(_ type: QuantType) -> StrataBlockType? {
        switch type {
        case .q4_0: return StrataQ4_0
        case .q4_1: return StrataQ4_1
        case .q8_0: return StrataQ8_0
        default: return nil
        }
    }

    /// From this many rows of x the AVX2 tile kernel (four weight rows decoded once, then a
    /// 4×3 register block) replaces the block kernel. Measured on SmolLM2's Q4_1 and Q8_0
    /// projections, 2 threads: at 2 rows the block kernel is ~1.1× faster, at 3 they are level,
    /// from 4 the tile kernel is faster (1.3–2× at 4–6 rows; batch-16 decode 1.2×).
    static let avx2TileMinRows = 4

    /// The AVX2 kernels over shares of W's rows: x in its own order, no packing.
    private static func avx2Rows(_ type: StrataBlockType, _ x: UnsafePointer<Float>, _ m: Int,
                                 _ weight: QuantizedMatrix, _ y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        let base = weight.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let minChunk = max(1, minWeightsPerThread / (k * max(1, m / 2)))
        if m >= avx2TileMinRows {
            // Shares in whole tiles of four weight rows.
            Threads.parallelFor((n + 3) / 4, minChunk: max(1, minChunk / 4)) { tiles in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * k) { tile in
                    strata_avx2_tile_linear(Int32(type.rawValue), base, weight.rowBytes,
                                            tiles.lowerBound * 4, min(n, tiles.upperBound * 4), k, x, k, m, y, n,
                                            tile.baseAddress!)
                }
            }
            return
        }
        Threads.parallelFor(n, minChunk: minChunk) { outputs in
            strata_avx2_block_linear(Int32(type.rawValue), base, weight.rowBytes,
                                     outputs.lowerBound, outputs.upperBound, k, x, k, m, y, n)
        }
    }

    /// Packs x into `Format`'s block order, with its per-block sums, then dots every weight row
    /// against it: x rows four at a time, the remaining one to three singly.
    @inline(__always)
    private static func packedRows<Format: PackedBlockDot>(_ format: Format.Type, _ x: UnsafePointer<Float>, _ m: Int,
                                                           _ weight: QuantizedMatrix, _ y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        let blocks = k / 32
        let groups = (m + 3) / 4
        let packedCount = groups * 4 * k, sumCount = groups * blocks * 4
        withUnsafeTemporaryAllocation(of: Float.self, capacity: packedCount + sumCount) { buffer in
            let packed = buffer.baseAddress!                    // [groups, 4, columns], permuted blocks
            let sums = packed + packedCount                     // [groups, blocks, 4]
            packed.initialize(repeating: 0, count: packedCount + sumCount)
            for i in 0..<m {
                let source = x + i * k, target = packed + i * k
                let sumBase = sums + ((i / 4) * blocks) * 4 + i % 4
                for b in 0..<blocks {
                    let s = source + b * 32, t = target + b * 32
                    for p in 0..<32 { t[p] = s[Format.element(p)] }
                    if Format.needsBlockSums {
                        var total: Float = 0
                        for j in 0..<32 { total += s[j] }
                        sumBase[4 * b] = total
                    }
                }
            }
            let full = m / 4
            let halves = halfToFloatTable
            Threads.parallelFor(n, minChunk: max(1, minWeightsPerThread / (k * max(1, m / 2)))) { outputs in
                for r in outputs {
                    let row = weight.rowPointer(r)
                    for g in 0..<full {
                        let v = Format.dot4(row, UnsafeRawPointer(packed + g * 4 * k), stride: k,
                                            sums: UnsafeRawPointer(sums + g * blocks * 4), blocks: blocks, halves: halves)
                        let out = y + g * 4 * n + r
                        out[0] = v[0]
                        out[n] = v[1]
                        out[2 * n] = v[2]
                        out[3 * n] = v[3]
                    }
                    for i in (full * 4)..<m {
                        y[i * n + r] = Format.dot1(row, UnsafeRawPointer(packed + i * k),
                                                   sums: sums + (full * blocks) * 4 + i % 4, blocks: blocks, halves: halves)
                    }
                }
            }
        }
    }

    /// Specialised per format so that the decode inlines into the chunk loop.
    @inline(__always)
    private static func directRows<Format: BlockFormat>(_ format: Format.Type, _ x: UnsafePointer<Float>, _ m: Int,
                                                        _ weight: QuantizedMatrix, _ y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        let type = weight.type
        // Chunks of ≥ 32K weights per thread: smaller ones cost more to schedule than to compute.
        Threads.parallelFor(n, minChunk: max(1, 32_768 / k)) { outputs in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: chunkElements + m) { buffer in
                let decoded = buffer.baseAddress!                       // [chunkElements]
                let sums = decoded + chunkElements                      // [m]
                for r in outputs {
                    let row = weight.rowPointer(r)
                    for i in 0..<m { sums[i] = 0 }
                    var start = 0
                    while start < k {
                        let count = min(chunkElements, k - start)
                        Format.decode(row + start / type.blockSize * type.bytesPerBlock, decoded, count: count)
                        var i = 0
                        while i + 4 <= m {
                            dot4(decoded, x + i * k + start, stride: k, count, into: sums + i)
                            i += 4
                        }
                        while i < m {
                            sums[i] += dot(decoded, x + i * k + start, count)
                            i += 1
                        }
                        start += count
                    }
                    for i in 0..<m { y[i * n + r] = sums[i] }
                }
            }
        }
    }

    /// sums[r] += Σ w[i]·x[r·stride + i] for r < 4: each weight load serves four rows of x.
    @inline(__always)
    static func dot4(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, stride: Int, _ count: Int,
                     into sums: UnsafeMutablePointer<Float>) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        let rw = UnsafeRawPointer(w)
        let r0 = UnsafeRawPointer(x), r1 = UnsafeRawPointer(x + stride)
        let r2 = UnsafeRawPointer(x + 2 * stride), r3 = UnsafeRawPointer(x + 3 * stride)
        var i = 0
        while i + 8 <= count {
            let offset = i * 4
            let v = rw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc0 += v * r0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc1 += v * r1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc2 += v * r2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc3 += v * r3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            i += 8
        }
        var t0 = acc0.sum(), t1 = acc1.sum(), t2 = acc2.sum(), t3 = acc3.sum()
        while i < count {
            t0 += w[i] * x[i]
            t1 += w[i] * x[stride + i]
            t2 += w[i] * x[2 * stride + i]
            t3 += w[i] * x[3 * stride + i]
            i += 1
        }
        sums[0] += t0
        sums[1] += t1
        sums[2] += t2
        sums[3] += t3
    }

    /// Σ a[i]·b[i] with two 8-wide accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 16 <= count {
            let offset = i * 4
            acc0 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }
}
