/// A safetensors file mapped into memory.
///
/// Tensor buffers point into `owner`'s mapping; keep this object (or `owner`) alive while any
/// buffer is in use.
public final class SafetensorsFile {
    public let owner: MemoryMappedFile
    public let contents: SafetensorsContents
    private let index: [String: Int]

    public convenience init(path: String) throws {
        try self.init(mapping: MemoryMappedFile(path: path))
    }

    public init(mapping: MemoryMappedFile) throws {
        owner = mapping
        contents = try ModelFileError.locating(mapping.path) { try SafetensorsReader.parse(mapping.bytes) }
        index = Dictionary(contents.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var path: String { owner.path }
    public var metadata: [String: String] { contents.metadata }
    /// Tensors ordered by their position in the file.
    public var tensors: [SafetensorsTensorInfo] { contents.tensors }
    public func contains(_ name: String) -> Bool { index[name] != nil }

    public func tensorInfo(named name: String) throws -> SafetensorsTensorInfo {
        guard let position = index[name] else {
            throw ModelFileError.inFile(path: path, .notFound("no tensor named '\(name)'"))
        }
        return contents.tensors[position]
    }

    /// The raw bytes of the tensor called `name` (little-endian elements of its dtype).
    public func tensorData(named name: String) throws -> UnsafeRawBufferPointer {
        let info = try tensorInfo(named: name)
        guard info.fileOffset <= owner.count - info.byteCount else {
            throw ModelFileError.inFile(path: path, .malformed("tensor '\(name)' lies outside the file"))
        }
        return UnsafeRawBufferPointer(rebasing: owner.bytes[info.fileOffset ..< info.fileOffset + info.byteCount])
    }

    /// The tensor called `name` converted to a fresh Float32 `Tensor` of its shape.
    public func floatTensor(named name: String) throws -> Tensor {
        let info = try tensorInfo(named: name)
        let source = try tensorData(named: name)
        let tensor = Tensor(zeros: info.shape)
        SafetensorsFile.decode(source, dtype: info.dtype, into: tensor.data, count: info.elementCount)
        return tensor
    }

    /// Converts `count` little-endian elements of `dtype` to Float32.
    static func decode(_ source: UnsafeRawBufferPointer, dtype: SafetensorsDType, into out: UnsafeMutablePointer<Float>, count: Int) {
        switch dtype {
        case .f32:
            for i in 0 ..< count {
                out[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            for i in 0 ..< count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(Float16(bitPattern: bits))
            }
        case .bf16:
            for i in 0 ..< count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        }
    }
}
