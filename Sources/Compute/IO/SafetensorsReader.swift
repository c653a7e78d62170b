/// Element types of safetensors tensors that Strata reads.
public enum SafetensorsDType: String, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    /// Bytes per element.
    public var byteSize: Int { self == .f32 ? 4 : 2 }
}

/// One tensor entry of a safetensors header.
public struct SafetensorsTensorInfo: Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major shape, outermost first (as PyTorch writes it).
    public let shape: [Int]
    /// Byte range within the data section (`data_offsets`).
    public let dataRange: Range<Int>
    /// Offset of the first byte from the start of the file.
    public let fileOffset: Int
    public var byteCount: Int { dataRange.count }
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The parsed header of a safetensors file.
public struct SafetensorsContents {
    /// Length of the JSON header in bytes (the first 8 bytes of the file).
    public let headerLength: Int
    /// Offset of the data section from the start of the file (8 + header length).
    public let dataOffset: Int
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Tensors ordered by their position in the data section.
    public let tensors: [SafetensorsTensorInfo]
}

/// Parses safetensors headers from bytes, checking every offset against the data present and
/// against the size implied by shape × dtype.
public enum SafetensorsReader {
    /// Headers larger than this are refused (real ones are a few hundred kilobytes).
    public static let maxHeaderLength = 100_000_000

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> SafetensorsContents {
        var reader = ByteReader(bytes)
        let rawLength = try reader.readUInt64("header length")
        guard rawLength <= UInt64(maxHeaderLength) else {
            throw ModelFileError.malformed(
                "safetensors header length \(rawLength) exceeds the limit of \(maxHeaderLength) bytes")
        }
        guard rawLength <= UInt64(reader.remaining) else {
            throw ModelFileError.malformed(
                "safetensors header length \(rawLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let headerLength = Int(rawLength)
        let headerBytes = try reader.readBytes(headerLength, "header")
        let header: JSONValue
        do {
            header = try JSONValue.parse(headerBytes)
        } catch let error as ModelFileError {
            throw ModelFileError.malformed("safetensors header is not valid JSON: \(error)")
        }
        guard case let .object(entries) = header else {
            throw ModelFileError.malformed("safetensors header is a JSON \(header.typeName), expected an object")
        }
        let dataOffset = 8 + headerLength
        let dataSize = bytes.count - dataOffset

        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensorInfo] = []
        for (name, entry) in entries {
            if name == "__metadata__" {
                metadata = try parseMetadata(entry)
                continue
            }
            let info = try parseTensor(name: name, entry: entry, dataSize: dataSize, dataOffset: dataOffset)
            tensors.append(info)
        }
        tensors.sort { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }
        return SafetensorsContents(headerLength: headerLength, dataOffset: dataOffset,
                                   metadata: metadata, tensors: tensors)
    }

    private static func parseMetadata(_ entry: JSONValue) throws -> [String: String] {
        guard case let .object(members) = entry else {
            throw ModelFileError.malformed("safetensors __metadata__ is a JSON \(entry.typeName), expected an object")
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case let .string(text) = value else {
                throw ModelFileError.malformed("safetensors __metadata__ value for '\(key)' is a \(value.typeName), expected a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseTensor(name: String, entry: JSONValue, dataSize: Int, dataOffset: Int) throws
        -> SafetensorsTensorInfo
    {
        func bad(_ reason: String) -> ModelFileError { .malformed("safetensors tensor '\(name)': \(reason)") }
        guard case .object = entry else { throw bad("entry is a JSON \(entry.typeName), expected an object") }
        guard let dtypeName = entry["dtype"]?.stringValue else { throw bad("missing string field 'dtype'") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw ModelFileError.unsupported(
                "safetensors tensor '\(name)' has dtype \(dtypeName), which is not supported "
                    + "(supported: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeValues = entry["shape"]?.arrayValue else { throw bad("missing array field 'shape'") }
        var shape: [Int] = []
        var elements = 1
        for value in shapeValues {
            guard let dim = value.intValue, dim >= 0 else { throw bad("shape \(entry["shape"]!) has a non-integer or negative entry") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw bad("shape \(entry["shape"]!) overflows the element count") }
            shape.append(dim)
            elements = product
        }
        guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue else {
            throw bad("'data_offsets' must be an array of two integers")
        }
        guard begin >= 0, begin <= end else { throw bad("data_offsets [\(begin), \(end)] are out of order") }
        guard end <= dataSize else {
            throw bad("data_offsets [\(begin), \(end)] run past the end of the data section (\(dataSize) bytes)")
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, end - begin == expected else {
            throw bad("data_offsets [\(begin), \(end)] hold \(end - begin) bytes but shape \(shape) "
                + "of \(dtype.rawValue) needs \(overflow ? "too many" : String(expected))")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin ..< end,
                                     fileOffset: dataOffset + begin)
    }
}
