/// The byte layout of each `QuantType`, one decoder/encoder per type, laid out as ggml's
/// `block_q4_0`, `block_q4_1`, `block_q8_0` and plain F16/BF16/F32 arrays (little-endian).
///
/// Decoders turn `count` elements (a whole number of blocks) into Float32, four lanes at a
/// time with the same per-element arithmetic as the scalar definition; encoders follow
/// ggml's reference quantizers (`quantize_row_*_ref`) rounding rule for rounding rule, so a
/// matrix quantized here holds the same bytes as one quantized by ggml from the same floats.
/// Callers guarantee pointer extents; these are internal and unchecked.
protocol BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int)
    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int)
}

/// ggml's `(int8_t)(v)` followed by `MIN(hi, ·)` for the non-negative `v` the quantizers form,
/// made total: negative values and NaN give 0 instead of undefined behaviour.
@inline(__always)
private func truncatedNibble(_ v: Float, max hi: UInt8) -> UInt8 {
    v >= 0 ? (v < Float(hi) ? UInt8(v) : hi) : 0
}

/// The 32 nibbles of a 4-bit block (16 bytes at `byteOffset`) in element order, as eight
/// four-lane integer groups (elements 4i…4i+3 in group i) handed to `body`. Decoders work in
/// four-lane pieces, which widen and convert (`cvtdq2ps`) in plain SSE2 instructions; the
/// compiler leaves wider integer-to-float conversions as out-of-line calls.
@inline(__always)
private func forEachNibbleQuad(_ p: UnsafeRawPointer, _ byteOffset: Int, _ body: (Int, SIMD4<Int32>) -> Void) {
    let qs = p.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<UInt8>.self)
    let lo = qs & 0x0F, hi = qs &>> 4
    let l0 = SIMD8<Int32>(truncatingIfNeeded: lo.lowHalf), l1 = SIMD8<Int32>(truncatingIfNeeded: lo.highHalf)
    let h0 = SIMD8<Int32>(truncatingIfNeeded: hi.lowHalf), h1 = SIMD8<Int32>(truncatingIfNeeded: hi.highHalf)
    body(0, l0.lowHalf); body(1, l0.highHalf); body(2, l1.lowHalf); body(3, l1.highHalf)
    body(4, h0.lowHalf); body(5, h0.highHalf); body(6, h1.lowHalf); body(7, h1.highHalf)
}

/// Four signed bytes at `byteOffset` widened to 32-bit lanes.
@inline(__always)
private func widenedSignedBytes(_ p: UnsafeRawPointer, _ byteOffset: Int) -> SIMD4<Int32> {
    SIMD4<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: byteOffset, as: SIMD4<Int8>.self))
}

@inline(__always)
private func loadHalf(_ p: UnsafeRawPointer, _ byteOffset: Int) -> UInt16 {
    UInt16(littleEndian: p.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self))
}

@inline(__always)
private func storeHalf(_ h: UInt16, _ p: UnsafeMutableRawPointer, _ byteOffset: Int) {
    p.storeBytes(of: h.littleEndian, toByteOffset: byteOffset, as: UInt16.self)
}

/// Q4_0 block, 18 bytes: f16 `d`, then 16 bytes `qs`. Element j < 16 is the low nibble of
/// `qs[j]`, element j + 16 its high nibble; value = (q − 8)·d.
enum Q4_0Format: BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for block in 0..<(count / 32) {
            let base = src + block * 18
            let d = HalfFloat.f16ToFloat(loadHalf(base, 0))
            let out = UnsafeMutableRawPointer(dst + block * 32)
            let bias = SIMD4<Int32>(repeating: 8)
            forEachNibbleQuad(base, 2) { i, q in
                out.storeBytes(of: SIMD4<Float>(q &- bias) * d, toByteOffset: 16 * i, as: SIMD4<Float>.self)
            }
        }
    }

    /// d = (the element of largest magnitude, sign kept) / −8, q = min(15, trunc(x/d + 8.5)).
    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for block in 0..<(count / 32) {
            let x = src + block * 32
            let base = dst + block * 18
            var amax: Float = 0
            var extreme: Float = 0
            for j in 0..<32 where amax < abs(x[j]) {
                amax = abs(x[j])
                extreme = x[j]
            }
            let d = extreme / -8
            let id: Float = d != 0 ? 1 / d : 0
            storeHalf(HalfFloat.floatToF16(d), base, 0)
            let qs = (base + 2).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                let low = truncatedNibble(x[j] * id + 8.5, max: 15)
                let high = truncatedNibble(x[j + 16] * id + 8.5, max: 15)
                qs[j] = low | (high << 4)
            }
        }
    }
}

/// Q4_1 block, 20 bytes: f16 `d`, f16 `m`, then 16 bytes of nibbles ordered as Q4_0;
/// value = q·d + m.
enum Q4_1Format: BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for block in 0..<(count / 32) {
            let base = src + block * 20
            let d = HalfFloat.f16ToFloat(loadHalf(base, 0))
            let m = HalfFloat.f16ToFloat(loadHalf(base, 2))
            let out = UnsafeMutableRawPointer(dst + block * 32)
            forEachNibbleQuad(base, 4) { i, q in
                out.storeBytes(of: SIMD4<Float>(q) * d + m, toByteOffset: 16 * i, as: SIMD4<Float>.self)
            }
        }
    }

    /// d = (max − min)/15, m = min, q = min(15, trunc((x − min)/d + 0.5)).
    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for block in 0..<(count / 32) {
            let x = src + block * 32
            let base = dst + block * 20
            var low = Float.greatestFiniteMagnitude
            var high = -Float.greatestFiniteMagnitude
            for j in 0..<32 {
                if x[j] < low { low = x[j] }
                if x[j] > high { high = x[j] }
            }
            let d = (high - low) / 15
            let id: Float = d != 0 ? 1 / d : 0
            storeHalf(HalfFloat.floatToF16(d), base, 0)
            storeHalf(HalfFloat.floatToF16(low), base, 2)
            let qs = (base + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                let q0 = truncatedNibble((x[j] - low) * id + 0.5, max: 15)
                let q1 = truncatedNibble((x[j + 16] - low) * id + 0.5, max: 15)
                qs[j] = q0 | (q1 << 4)
            }
        }
    }
}

/// Q8_0 block, 34 bytes: f16 `d`, then 32 int8 `qs`; value = q·d.
enum Q8_0Format: BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for block in 0..<(count / 32) {
            let base = src + block * 34
            let d = HalfFloat.f16ToFloat(loadHalf(base, 0))
            let out = UnsafeMutableRawPointer(dst + block * 32)
            for part in 0..<8 {
                out.storeBytes(of: SIMD4<Float>(widenedSignedBytes(base, 2 + 4 * part)) * d,
                               toByteOffset: 16 * part, as: SIMD4<Float>.self)
            }
        }
    }

    /// d = max|x|/127, q = round(x/d) with halves away from zero (C `roundf`).
    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for block in 0..<(count / 32) {
            let x = src + block * 32
            let base = dst + block * 34
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(x[j])) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            storeHalf(HalfFloat.floatToF16(d), base, 0)
            let qs = (base + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 {
                let r = (x[j] * id).rounded()
                qs[j] = r >= -127 ? (r <= 127 ? Int8(r) : 127) : -127
            }
        }
    }
}

/// Plain IEEE half precision, 2 bytes per element.
enum F16Format: BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = HalfFloat.f16ToFloat(loadHalf(src, 2 * i)) }
    }

    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count { storeHalf(HalfFloat.floatToF16(src[i]), dst, 2 * i) }
    }
}

/// bfloat16, 2 bytes per element: the upper half of a Float32.
enum BF16Format: BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = HalfFloat.bf16ToFloat(loadHalf(src, 2 * i)) }
    }

    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count { storeHalf(HalfFloat.floatToBF16(src[i]), dst, 2 * i) }
    }
}

/// Plain Float32, 4 bytes per element (bytes copied; no alignment assumed).
enum F32Format: BlockFormat {
    static func decode(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
    }

    static func encode(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        dst.copyMemory(from: src, byteCount: count * 4)
    }
}

extension QuantType {
    /// The layout that reads and writes this type.
    var format: BlockFormat.Type {
        switch self {
        case .f32: return F32Format.self
        case .f16: return F16Format.self
        case .bf16: return BF16Format.self
        case .q4_0: return Q4_0Format.self
        case .q4_1: return Q4_1Format.self
        case .q8_0: return Q8_0Format.self
        }
    }
}
