/// GPT-2's reversible map between the 256 byte values and printable Unicode scalars.
///
/// Byte-level BPE vocabularies store every token as a string of these scalars, so that a
/// space (0x20) reads "Ġ" (U+0120) and a newline "Ċ" (U+010A). Printable Latin-1 bytes
/// (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) map to themselves; the other 68 bytes map, in byte order,
/// to U+0100, U+0101, ….
public enum ByteLevelEncoding {
    /// `byteToScalar[b]` is the scalar that stands for byte `b`.
    public static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(UInt8(b)) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// Inverse of `byteToScalar`, indexed by scalar value (0..<324); -1 where no byte maps.
    static let scalarToByteTable: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, scalar) in byteToScalar.enumerated() { table[Int(scalar.value)] = Int16(b) }
        return table
    }()

    /// The byte that `scalar` stands for, nil for scalars outside the map.
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = Int(scalar.value)
        guard v < scalarToByteTable.count, scalarToByteTable[v] >= 0 else { return nil }
        return UInt8(scalarToByteTable[v])
    }

    /// Maps raw bytes to their byte-level string ("Ġhello" for " hello").
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = String.UnicodeScalarView()
        for b in bytes { out.append(byteToScalar[Int(b)]) }
        return String(out)
    }

    /// Maps a byte-level string back to bytes. Scalars outside the map (as in added tokens
    /// stored verbatim) contribute their own UTF-8 bytes.
    public static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let b = byte(for: scalar) {
                out.append(b)
            } else {
                out.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        return out
    }

    private static func isPrintable(_ b: UInt8) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }
}
