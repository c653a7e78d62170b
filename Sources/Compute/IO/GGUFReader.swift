/// Where one tensor lives in a GGUF file and how it is encoded.
///
/// GGUF (ggml) lists dimensions innermost first: `ggmlDims[0]` is the number of columns
/// (`ne[0]`). `shape` is the same list reversed, i.e. the usual row-major shape, so a
/// weight stored as `ggmlDims = [576, 1536]` has `shape = [1536, 576]` (1536 rows of 576).
public struct GGUFTensorInfo: Equatable {
    public let name: String
    public let type: QuantType
    /// Dimensions as ggml stores them, innermost (contiguous) first: `[ne0, ne1, …]`.
    public let ggmlDims: [Int]
    /// Row-major shape: `ggmlDims` reversed, outermost first.
    public var shape: [Int] { ggmlDims.reversed() }
    /// Offset of the tensor's data from the start of the data section.
    public let offset: Int
    /// Offset of the tensor's data from the start of the file.
    public let fileOffset: Int
    /// Number of elements (product of the dims).
    public let elementCount: Int
    /// Size of the encoded data in bytes.
    public let byteCount: Int
}

/// The parsed structure of a GGUF file: everything except the tensor bytes themselves.
public struct GGUFContents {
    /// Format version: 2 or 3.
    public let version: Int
    public let metadata: GGUFMetadata
    /// Data alignment from `general.alignment` (default 32), a power of two.
    public let alignment: Int
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    /// Offset of the data section from the start of the file.
    public let dataOffset: Int
}

/// Parses GGUF v2/v3 from bytes. Every count, length, dimension and offset is checked against
/// the bytes actually present before it is used, so hostile input gives an error, never a
/// crash or a huge allocation.
public enum GGUFReader {
    public static let defaultAlignment = 32
    /// ggml supports at most four dimensions.
    public static let maxDimensions = 4
    /// Arrays nested deeper than this are refused (real files use one level).
    static let maxNesting = 16

    /// Parses `bytes` (a whole GGUF file). Tensor data ranges are verified to lie inside `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> GGUFContents {
        var reader = ByteReader(bytes)
        let version = try readPreamble(&reader)
        let tensorCount = try reader.readUInt64("tensor count")
        let kvCount = try reader.readUInt64("metadata key/value count")
        // Smallest possible encodings: a key/value is 8 + 4 + 1 bytes, a tensor info 8 + 4 + 4 + 8.
        try checkCount(kvCount, of: "metadata key/value", minimumSize: 13, reader: reader)
        try checkCount(tensorCount, of: "tensor", minimumSize: 24, reader: reader)

        var metadata = GGUFMetadata()
        for index in 0 ..< Int(kvCount) {
            let key = try readString(&reader, "key of metadata entry #\(index)")
            let rawType = try reader.readUInt32("value type of metadata key '\(key)'")
            let value = try readValue(&reader, rawType: rawType, key: key, depth: 0)
            guard metadata.insert(key, value) else {
                throw ModelFileError.malformed("duplicate metadata key '\(key)'")
            }
        }
        let alignment = try readAlignment(metadata)

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(Int(tensorCount))
        var pending: [(name: String, type: QuantType, dims: [Int], offset: Int, elements: Int, bytes: Int)] = []
        var seen = Set<String>()
        for index in 0 ..< Int(tensorCount) {
            let info = try readTensorInfo(&reader, index: index, alignment: alignment)
            guard seen.insert(info.name).inserted else {
                throw ModelFileError.malformed("duplicate tensor name '\(info.name)'")
            }
            pending.append(info)
        }

        guard let dataOffset = reader.offset.alignedUp(to: alignment) else {
            throw ModelFileError.malformed("data section offset overflows")
        }
        for info in pending {
            let (start, overflowStart) = dataOffset.addingReportingOverflow(info.offset)
            let (end, overflowEnd) = start.addingReportingOverflow(info.bytes)
            guard !overflowStart, !overflowEnd, end <= bytes.count else {
                throw ModelFileError.malformed(
                    "tensor '\(info.name)' data (\(info.bytes) bytes at data offset \(info.offset)) "
                        + "lies past the end of the file (\(bytes.count) bytes)")
            }
            tensors.append(GGUFTensorInfo(name: info.name, type: info.type, ggmlDims: info.dims,
                                          offset: info.offset, fileOffset: start,
                                          elementCount: info.elements, byteCount: info.bytes))
        }
        return GGUFContents(version: version, metadata: metadata, alignment: alignment,
                            tensors: tensors, dataOffset: dataOffset)
    }

    /// Magic and version; refuses v1, unknown versions and big-endian files.
    private static func readPreamble(_ reader: inout ByteReader) throws -> Int {
        let magic = try reader.readBytes(4, "magic")
        guard Array(magic) == Array("GGUF".utf8) else {
            let shown = magic.map { (32 ..< 127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }
            throw ModelFileError.malformed("not a GGUF file: magic is \"\(shown.joined())\", expected \"GGUF\"")
        }
        let version = try reader.readUInt32("version")
        if version & 0xFFFF == 0, (1 ... 3).contains(version.byteSwapped) {
            throw ModelFileError.unsupported(
                "big-endian GGUF file (version \(version.byteSwapped)) is not supported; use a little-endian conversion")
        }
        switch version {
        case 2, 3:
            return Int(version)
        case 1:
            throw ModelFileError.unsupported(
                "GGUF version 1 is not supported (it used 32-bit counts); re-convert the model with a current llama.cpp")
        default:
            throw ModelFileError.unsupported("unsupported GGUF version \(version) (supported: 2 and 3)")
        }
    }

    private static func checkCount(_ count: UInt64, of what: String, minimumSize: Int, reader: ByteReader) throws {
        guard count <= UInt64(reader.remaining / minimumSize) else {
            throw ModelFileError.malformed(
                "\(what) count \(count) cannot fit in the \(reader.remaining) bytes left in the file")
        }
    }

    private static func readString(_ reader: inout ByteReader, _ what: @autoclosure () -> String) throws -> String {
        let length = try reader.readUInt64("length of \(what())")
        return try reader.readUTF8(length, what())
    }

    private static func readValue(_ reader: inout ByteReader, rawType: UInt32, key: String, depth: Int) throws -> GGUFValue {
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw ModelFileError.malformed("metadata key '\(key)' has unknown value type \(rawType)")
        }
        let what = "value of metadata key '\(key)'"
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, what))
        case .int8: return .int8(try reader.read(Int8.self, what))
        case .uint16: return .uint16(try reader.read(UInt16.self, what))
        case .int16: return .int16(try reader.read(Int16.self, what))
        case .uint32: return .uint32(try reader.read(UInt32.self, what))
        case .int32: return .int32(try reader.read(Int32.self, what))
        case .uint64: return .uint64(try reader.read(UInt64.self, what))
        case .int64: return .int64(try reader.read(Int64.self, what))
        case .float32: return .float32(try reader.readFloat32(what))
        case .float64: return .float64(try reader.readFloat64(what))
        case .bool: return .bool(try reader.readUInt8(what) != 0)
        case .string: return .string(try readString(&reader, "string \(what)"))
        case .array:
            guard depth < maxNesting else {
                throw ModelFileError.malformed("metadata key '\(key)' nests arrays deeper than \(maxNesting) levels")
            }
            let rawElement = try reader.readUInt32("element type of array \(what)")
            guard let element = GGUFValueType(rawValue: rawElement) else {
                throw ModelFileError.malformed("metadata key '\(key)' is an array of unknown value type \(rawElement)")
            }
            let count = try reader.readUInt64("element count of array \(what)")
            guard count <= UInt64(reader.remaining / element.minimumEncodedSize) else {
                throw ModelFileError.malformed(
                    "metadata key '\(key)': array of \(count) \(element) values cannot fit in the \(reader.remaining) bytes left")
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0 ..< Int(count) {
                values.append(try readValue(&reader, rawType: rawElement, key: key, depth: depth + 1))
            }
            return .array(element, values)
        }
    }

    private static func readAlignment(_ metadata: GGUFMetadata) throws -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard let alignment = value.intValue else {
            throw ModelFileError.malformed("general.alignment is a \(value.typeName), expected an integer")
        }
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= 1 << 30 else {
            throw ModelFileError.malformed("general.alignment \(alignment) is not a power of two")
        }
        return alignment
    }

    private static func readTensorInfo(_ reader: inout ByteReader, index: Int, alignment: Int) throws
        -> (name: String, type: QuantType, dims: [Int], offset: Int, elements: Int, bytes: Int)
    {
        let name = try readString(&reader, "name of tensor #\(index)")
        let dimCount = try reader.readUInt32("dimension count of tensor '\(name)'")
        guard dimCount <= maxDimensions else {
            throw ModelFileError.unsupported(
                "tensor '\(name)' has \(dimCount) dimensions; at most \(maxDimensions) are supported")
        }
        var dims: [Int] = []
        var elements = 1
        for axis in 0 ..< Int(dimCount) {
            let raw = try reader.readUInt64("dimension \(axis) of tensor '\(name)'")
            dims.append(Int(truncatingIfNeeded: raw))
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(truncatingIfNeeded: raw))
            guard raw <= UInt64(Int.max), !overflow else {
                let shown = dims.map { String(UInt64(bitPattern: Int64($0))) }.joined(separator: ", ")
                throw ModelFileError.malformed("tensor '\(name)' dims [\(shown)…] overflow the element count")
            }
            elements = product
        }
        let rawType = try reader.readUInt32("type of tensor '\(name)'")
        guard let type = QuantType(rawValue: rawType) else {
            throw ModelFileError.unsupported(
                "tensor '\(name)' has ggml type \(ggmlTypeName(rawType)), which is not supported "
                    + "(supported: \(QuantType.allCases.map(\.description).joined(separator: ", ")))")
        }
        let rawOffset = try reader.readUInt64("data offset of tensor '\(name)'")
        guard rawOffset <= UInt64(Int.max), Int(rawOffset) % alignment == 0 else {
            throw ModelFileError.malformed(
                "tensor '\(name)' data offset \(rawOffset) is not a multiple of the alignment \(alignment)")
        }
        let columns = dims.first ?? 1
        guard let rowBytes = type.rowBytes(columns: columns) else {
            throw ModelFileError.malformed(
                "tensor '\(name)': a row of \(columns) elements is not a whole number of \(type) blocks of \(type.blockSize)")
        }
        let rows = columns == 0 ? 0 : elements / columns
        let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow else {
            throw ModelFileError.malformed("tensor '\(name)' byte size overflows")
        }
        return (name, type, dims, Int(rawOffset), elements, byteCount)
    }

    /// A ggml type id with its name where known, for error messages.
    static func ggmlTypeName(_ id: UInt32) -> String {
        let names: [UInt32: String] = [
            6: "Q5_0", 7: "Q5_1", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K",
            14: "Q6_K", 15: "Q8_K", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
        ]
        return names[id].map { "\(id) (\($0))" } ?? "\(id)"
    }
}
