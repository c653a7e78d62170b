/// Bit-level conversions between Float32 and the two 16-bit float encodings of GGUF files.
///
/// Decoding is written branch-free on integers so that loops over F16 rows vectorise (the
/// stdlib's `Float(Float16)` becomes a library call per element on a generic x86-64 target).
enum HalfFloat {
    /// IEEE binary16 → Float32, exact for every input (subnormals, infinities, NaN payloads).
    @inline(__always)
    static func f16ToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let magnitude = Int32(h & 0x7FFF)
        // Normal numbers: move exponent and mantissa into place and rebias 15 → 127.
        let normal = UInt32(bitPattern: (magnitude << 13) &+ ((127 - 15) << 23))
        // Infinity and NaN keep their mantissa under an all-ones exponent.
        let special = UInt32(bitPattern: magnitude << 13) | 0x7F80_0000
        // Subnormals and zero are mantissa × 2⁻²⁴, exact in Float32.
        let tiny = (Float(magnitude) * 0x1p-24).bitPattern
        let bits = magnitude >= 0x7C00 ? special : (magnitude < 0x0400 ? tiny : normal)
        return Float(bitPattern: bits | sign)
    }

    /// Float32 → IEEE binary16, rounding to nearest even (as ggml's `GGML_FP32_TO_FP16`).
    @inline(__always)
    static func floatToF16(_ x: Float) -> UInt16 {
        Float16(x).bitPattern
    }

    /// BF16 → Float32: the stored 16 bits are the upper half of a Float32.
    @inline(__always)
    static func bf16ToFloat(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Float32 → BF16, rounding to nearest even; NaN stays a (quiet) NaN, as ggml does.
    @inline(__always)
    static func floatToBF16(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
