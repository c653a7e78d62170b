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

    /// Bytes of one row of `columns` elements, or nil when `columns` is not a whole number of blocks.
    public func rowBytes(columns: Int) -> Int? {
        guard columns >= 0, columns % blockSize == 0 else { return nil }
        let (bytes, overflow) = (columns / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
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
