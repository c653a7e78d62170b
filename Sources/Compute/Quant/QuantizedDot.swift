/// The decode-time path of `linear(_:weight: QuantizedMatrix)`: dot products read straight
/// off the encoded blocks, with no dequantized tile.
///
/// Each weight row is decoded a chunk at a time into a small stack buffer (L1-resident) that
/// every row of x then dots against, so W is read once from memory whatever the number of x
/// rows; x rows go four at a time so that each decoded weight load serves four products.
/// Work is split over output features. With one x row this is 1.4–1.9× faster than
/// dequantize-then-sgemm (which writes and re-reads a Float32 copy of every weight); sgemm
/// wins back at about 8 rows (see `directMaxRows`).
extension QuantizedMatmul {
    /// Elements of a weight row decoded at a time: a multiple of every block size, 1 KiB.
    static let chunkElements = 256

    /// y [m, rows] = x [m, columns] · Wᵀ for small m.
    static func forwardDirect(_ x: UnsafePointer<Float>, rows m: Int, weight: QuantizedMatrix,
                              output y: UnsafeMutablePointer<Float>) {
        let n = weight.rows, k = weight.columns
        guard m > 0, n > 0, k > 0 else { return }
        switch weight.type {
        case .q4_0: directRows(Q4_0Format.self, x, m, weight, y)
        case .q4_1: directRows(Q4_1Format.self, x, m, weight, y)
        case .q8_0: directRows(Q8_0Format.self, x, m, weight, y)
        case .f16: directRows(F16Format.self, x, m, weight, y)
        case .bf16: directRows(BF16Format.self, x, m, weight, y)
        case .f32: directRows(F32Format.self, x, m, weight, y)
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
