/// Element encodings of weight matrices, numbered as in GGUF/ggml (`ggml_type`).
///
/// Quantised types store rows as fixed-size blocks; a row of `k` elements needs `k` to be a
/// multiple of `blockSize`. F32 is listed so a file's tensor table maps onto one enum.
public enum QuantType: UInt32, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8
    case bf16 = 30

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q8_0: return 32
        }
    }

    /// Bytes per block: Q4_0 = f16 scale + 16 bytes of nibbles; Q4_1 = f16 scale + f16 min +
    /// 16 bytes; Q8_0 = f16 scale + 32 int8.
    public var bytesPerBlock: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q8_0: return 34
        }
    }

    /// Storage per weight: 32 (F32), 16 (F16, BF16), 8.5 (Q8_0), 5 (Q4_1), 4.5 (Q4_0).
    public var bitsPerWeight: Double {
        Double(bytesPerBlock * 8) / Double(blockSize)
    }

    /// Bytes of one row of `columns` elements, or nil when `columns` is not a whole number of blocks.
    public func rowBytes(columns: Int) -> Int? {
        guard columns >= 0, columns % blockSize == 0 else { return nil }
        let (bytes, overflow) = (columns / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }

    /// The type for a raw GGML type id read from a file; ids this framework does not decode
    /// (K-quants, IQ types, integer tensors, …) are an error that names them.
    public init(ggmlType id: UInt32) throws {
        if let known = QuantType(rawValue: id) {
            self = known
            return
        }
        let others: [UInt32: String] = [
            6: "Q5_0", 7: "Q5_1", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K",
            14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S",
            20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32",
            27: "I64", 28: "F64", 29: "IQ1_M",
        ]
        let name = others[id].map { "\(id) (\($0))" } ?? "\(id)"
        let supported = QuantType.allCases.map(\.description).joined(separator: ", ")
        throw TensorError.invalidArgument(op: "QuantType", reason: "GGML type \(name) is not supported; supported types: \(supported)")
    }

    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q8_0: return "Q8_0"
        case .bf16: return "BF16"
        }
    }
}
