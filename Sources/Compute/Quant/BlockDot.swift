/// Dot products of float rows against Q4_0/Q4_1/Q8_0 weight rows, read straight off the blocks.
///
/// A block's 16 (4-bit) or 32 (8-bit) data bytes are loaded as 32-bit words and split into
/// lanes with word-wide shifts and masks: that is cheap with plain SSE2, unlike a byte-order
/// unpack, but yields the elements in a fixed permuted order. So x is packed once per call into
/// that order (`element(_:)`), and every weight row then dots against the packed copy. Per
/// block, Q4_1 uses Σ (q·d + m)·x = d·Σ q·x + m·Σ x with Σ x per block computed at packing;
/// Q4_0 converts q − 8 exactly in integers. Only the order of additions differs from decoding
/// then dotting, so results agree to float rounding.
protocol PackedBlockDot {
    /// Bytes per block of 32 elements.
    static var blockBytes: Int { get }
    /// Whether `dot` reads the per-block sums of x.
    static var needsBlockSums: Bool { get }
    /// Position p (0..<32) of a packed block of x holds element `element(p)` of the block.
    static func element(_ p: Int) -> Int
    /// Σ over `blocks` blocks of row·x for four packed x rows `stride` floats apart;
    /// `sums` holds each block's Σ x for the four rows, four floats per block; `halves` is
    /// `halfToFloatTable`.
    static func dot4(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer, stride: Int,
                     sums: UnsafeRawPointer, blocks: Int, halves: UnsafePointer<Float>) -> SIMD4<Float>
    /// The same for one packed x row; its block sums are `sums[4·b]`.
    static func dot1(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer,
                     sums: UnsafePointer<Float>, blocks: Int, halves: UnsafePointer<Float>) -> Float
}

/// Float32 value of every IEEE half bit pattern (256 KiB, built on first use), as ggml keeps
/// for CPUs without F16C: one load per block scale instead of a dozen integer instructions,
/// which is a fifth of a 4-bit block's dot product. Exact for every pattern.
let halfToFloatTable: UnsafePointer<Float> = {
    let table = UnsafeMutablePointer<Float>.allocate(capacity: 65_536)
    for h in 0..<65_536 { table[h] = HalfFloat.f16ToFloat(UInt16(h)) }
    return UnsafePointer(table)
}()

/// IEEE half → Float32, exact, computed: normal and subnormal halves through a power-of-two
/// rescale, infinities and NaN by their bits. Q8_0 uses this rather than the table: with the
/// table load in its loop the optimiser splits the byte groups into scalar pieces (2.4× the
/// instructions), while Q4 blocks get 20% faster with it.
@inline(__always)
func blockScale(_ p: UnsafeRawPointer, _ byteOffset: Int) -> Float {
    let h = UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)))
    let magnitude = h & 0x7FFF
    let sign = (h & 0x8000) << 16
    if magnitude >= 0x7C00 { return Float(bitPattern: sign | 0x7F80_0000 | (magnitude << 13)) }
    return Float(bitPattern: (Float(bitPattern: magnitude << 13) * 0x1p112).bitPattern | sign)
}

/// The half-precision scale at `byteOffset` of a block, through `halfToFloatTable`.
@inline(__always)
func blockScale(_ p: UnsafeRawPointer, _ byteOffset: Int, _ halves: UnsafePointer<Float>) -> Float {
    halves[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)))]
}

@inline(__always)
private func load4(_ p: UnsafeRawPointer, _ byteOffset: Int) -> SIMD4<Float> {
    p.loadUnaligned(fromByteOffset: byteOffset, as: SIMD4<Float>.self)
}

/// The 32 values of a block as eight groups of four lanes, each group one shift and mask of
/// the block's data words and one int→float conversion (`cvtdq2ps`): all plain 128-bit
/// instructions. (Or-ing the value into a float's mantissa instead leads the optimiser to
/// split the vectors into scalar pieces, several times slower.) For 4-bit blocks group g holds
/// bits 4g…4g+3 of words 0–3; for Q8_0 group g holds byte g % 4 of words 4(g / 4)…4(g / 4)+3.
struct BlockLanes {
    var g0, g1, g2, g3, g4, g5, g6, g7: SIMD4<Float>

    @inline(__always)
    init(nibbles block: UnsafeRawPointer, _ byteOffset: Int, minus bias: Int32) {
        let w = SIMD4<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: byteOffset, as: SIMD4<UInt32>.self))
        let mask = SIMD4<Int32>(repeating: 0xF), b = SIMD4<Int32>(repeating: bias)
        g0 = SIMD4<Float>((w & mask) &- b)
        g1 = SIMD4<Float>(((w &>> 4) & mask) &- b)
        g2 = SIMD4<Float>(((w &>> 8) & mask) &- b)
        g3 = SIMD4<Float>(((w &>> 12) & mask) &- b)
        g4 = SIMD4<Float>(((w &>> 16) & mask) &- b)
        g5 = SIMD4<Float>(((w &>> 20) & mask) &- b)
        g6 = SIMD4<Float>(((w &>> 24) & mask) &- b)
        g7 = SIMD4<Float>(((w &>> 28) & mask) &- b)
    }

    @inline(__always)
    init(bytes block: UnsafeRawPointer, _ byteOffset: Int) {
        let w = block.loadUnaligned(fromByteOffset: byteOffset, as: SIMD4<Int32>.self)
        let v = block.loadUnaligned(fromByteOffset: byteOffset + 16, as: SIMD4<Int32>.self)
        g0 = SIMD4<Float>((w &<< 24) &>> 24)
        g1 = SIMD4<Float>((w &<< 16) &>> 24)
        g2 = SIMD4<Float>((w &<< 8) &>> 24)
        g3 = SIMD4<Float>(w &>> 24)
        g4 = SIMD4<Float>((v &<< 24) &>> 24)
        g5 = SIMD4<Float>((v &<< 16) &>> 24)
        g6 = SIMD4<Float>((v &<< 8) &>> 24)
        g7 = SIMD4<Float>(v &>> 24)
    }

    /// Σ over the groups of group·x (x a packed block at byte offset `o`), as four lanes.
    @inline(__always)
    func dot(_ x: UnsafeRawPointer, _ o: Int) -> SIMD4<Float> {
        var t0 = g0 * load4(x, o)
        var t1 = g1 * load4(x, o + 16)
        t0 += g2 * load4(x, o + 32)
        t1 += g3 * load4(x, o + 48)
        t0 += g4 * load4(x, o + 64)
        t1 += g5 * load4(x, o + 80)
        t0 += g6 * load4(x, o + 96)
        t1 += g7 * load4(x, o + 112)
        return t0 + t1
    }
}

/// Position p of a packed 4-bit block: group p / 4 holds bits 4·group of words 0–3; nibble
/// 2j + h of word w is element 4w + j + 16h.
@inline(__always)
private func nibbleElement(_ p: Int) -> Int {
    let group = p / 4, word = p % 4
    return 4 * word + group / 2 + 16 * (group % 2)
}

extension Q4_1Format: PackedBlockDot {
    static var blockBytes: Int { 20 }
    static var needsBlockSums: Bool { true }
    static func element(_ p: Int) -> Int { nibbleElement(p) }

    @inline(__always)
    static func dot4(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer, stride: Int,
                     sums: UnsafeRawPointer, blocks: Int, halves: UnsafePointer<Float>) -> SIMD4<Float> {
        var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
        var offsets = SIMD4<Float>()
        let x1 = x + 4 * stride, x2 = x + 8 * stride, x3 = x + 12 * stride
        for b in 0..<blocks {
            let block = row + b * 20
            let d = blockScale(block, 0, halves), m = blockScale(block, 2, halves)
            let n = BlockLanes(nibbles: block, 4, minus: 0)
            let o = b * 128
            a0 += n.dot(x, o) * d
            a1 += n.dot(x1, o) * d
            a2 += n.dot(x2, o) * d
            a3 += n.dot(x3, o) * d
            offsets += m * sums.loadUnaligned(fromByteOffset: b * 16, as: SIMD4<Float>.self)
        }
        return SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum()) + offsets
    }

    @inline(__always)
    static func dot1(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer,
                     sums: UnsafePointer<Float>, blocks: Int, halves: UnsafePointer<Float>) -> Float {
        var acc = SIMD4<Float>()
        var offset: Float = 0
        for b in 0..<blocks {
            let block = row + b * 20
            let d = blockScale(block, 0, halves), m = blockScale(block, 2, halves)
            acc += BlockLanes(nibbles: block, 4, minus: 0).dot(x, b * 128) * d
            offset += m * sums[4 * b]
        }
        return acc.sum() + offset
    }
}

extension Q4_0Format: PackedBlockDot {
    static var blockBytes: Int { 18 }
    static var needsBlockSums: Bool { false }
    static func element(_ p: Int) -> Int { nibbleElement(p) }

    @inline(__always)
    static func dot4(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer, stride: Int,
                     sums: UnsafeRawPointer, blocks: Int, halves: UnsafePointer<Float>) -> SIMD4<Float> {
        var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
        let x1 = x + 4 * stride, x2 = x + 8 * stride, x3 = x + 12 * stride
        for b in 0..<blocks {
            let block = row + b * 18
            let d = blockScale(block, 0, halves)
            let n = BlockLanes(nibbles: block, 2, minus: 8)
            let o = b * 128
            a0 += n.dot(x, o) * d
            a1 += n.dot(x1, o) * d
            a2 += n.dot(x2, o) * d
            a3 += n.dot(x3, o) * d
        }
        return SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    }

    @inline(__always)
    static func dot1(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer,
                     sums: UnsafePointer<Float>, blocks: Int, halves: UnsafePointer<Float>) -> Float {
        var acc = SIMD4<Float>()
        for b in 0..<blocks {
            let block = row + b * 18
            acc += BlockLanes(nibbles: block, 2, minus: 8).dot(x, b * 128) * blockScale(block, 0, halves)
        }
        return acc.sum()
    }
}

extension Q8_0Format: PackedBlockDot {
    static var blockBytes: Int { 34 }
    static var needsBlockSums: Bool { false }
    static func element(_ p: Int) -> Int { 16 * (p / 16) + 4 * (p % 4) + (p / 4) % 4 }

    @inline(__always)
    static func dot4(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer, stride: Int,
                     sums: UnsafeRawPointer, blocks: Int, halves: UnsafePointer<Float>) -> SIMD4<Float> {
        var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
        let x1 = x + 4 * stride, x2 = x + 8 * stride, x3 = x + 12 * stride
        for b in 0..<blocks {
            let block = row + b * 34
            let d = blockScale(block, 0)
            let n = BlockLanes(bytes: block, 2)
            let o = b * 128
            a0 += n.dot(x, o) * d
            a1 += n.dot(x1, o) * d
            a2 += n.dot(x2, o) * d
            a3 += n.dot(x3, o) * d
        }
        return SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    }

    @inline(__always)
    static func dot1(_ row: UnsafeRawPointer, _ x: UnsafeRawPointer,
                     sums: UnsafePointer<Float>, blocks: Int, halves: UnsafePointer<Float>) -> Float {
        var acc = SIMD4<Float>()
        for b in 0..<blocks {
            let block = row + b * 34
            acc += BlockLanes(bytes: block, 2).dot(x, b * 128) * blockScale(block, 0)
        }
        return acc.sum()
    }
}
