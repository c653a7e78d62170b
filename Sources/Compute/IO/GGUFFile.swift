/// A GGUF model file mapped into memory: metadata, tensor table and tensor bytes.
///
/// Tensor buffers point into `owner`'s mapping; keep this object (or `owner`) alive while
/// any buffer is in use.
public final class GGUFFile {
    /// The mapping every tensor buffer points into.
    public let owner: MemoryMappedFile
    public let contents: GGUFContents
    private let index: [String: Int]

    /// Maps and parses the file at `path`; errors carry the path.
    public convenience init(path: String) throws {
        let mapping = try MemoryMappedFile(path: path)
        try self.init(mapping: mapping)
    }

    /// Parses an existing mapping (e.g. `MemoryMappedFile(copying:)` for bytes in memory).
    public init(mapping: MemoryMappedFile) throws {
        owner = mapping
        contents = try ModelFileError.locating(mapping.path) { try GGUFReader.parse(mapping.bytes) }
        index = Dictionary(contents.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var path: String { owner.path }
    public var version: Int { contents.version }
    public var metadata: GGUFMetadata { contents.metadata }
    public var alignment: Int { contents.alignment }
    /// Tensors in file order.
    public var tensors: [GGUFTensorInfo] { contents.tensors }
    /// Offset of the data section from the start of the file.
    public var dataOffset: Int { contents.dataOffset }

    /// The tensor called `name`, or an error naming it and the file.
    public func tensorInfo(named name: String) throws -> GGUFTensorInfo {
        guard let position = index[name] else {
            throw ModelFileError.inFile(path: path, .notFound("no tensor named '\(name)'"))
        }
        return contents.tensors[position]
    }

    /// The encoded bytes of `info` (a tensor of this file), checked to lie inside the mapping.
    public func tensorData(_ info: GGUFTensorInfo) throws -> UnsafeRawBufferPointer {
        guard info.fileOffset >= 0, info.byteCount >= 0, info.fileOffset <= owner.count - info.byteCount else {
            throw ModelFileError.inFile(path: path, .malformed("tensor '\(info.name)' lies outside the file"))
        }
        return UnsafeRawBufferPointer(rebasing: owner.bytes[info.fileOffset ..< info.fileOffset + info.byteCount])
    }

    /// The encoded bytes of the tensor called `name`.
    public func tensorData(named name: String) throws -> UnsafeRawBufferPointer {
        try tensorData(tensorInfo(named: name))
    }
}
