#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file (or of a private copy of some bytes).
///
/// Buffers handed out by the model readers point into `bytes`; they stay valid for as long
/// as this object is alive, so readers keep it as their `owner`. The mapping is removed in
/// `deinit`.
public final class MemoryMappedFile {
    /// Where the bytes came from: the file path, or a caller-given name for copied bytes.
    public let path: String
    /// The mapped bytes; valid until this object is deallocated.
    public let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path` read-only. Throws for missing, unreadable, non-regular and
    /// empty files.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ModelFileError.cannotOpen(path: path, reason: MemoryMappedFile.errnoText())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ModelFileError.cannotOpen(path: path, reason: MemoryMappedFile.errnoText())
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFileError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw ModelFileError.cannotOpen(path: path, reason: "the file is empty")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelFileError.cannotOpen(path: path, reason: "mmap failed: \(MemoryMappedFile.errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    /// Copies `data` into a fresh private mapping, for parsing bytes that did not come from a
    /// file (tests, fuzzing, downloads held in memory). `name` stands in for the path in errors.
    public init(copying data: UnsafeRawBufferPointer, name: String = "<memory>") throws {
        path = name
        bytes = try MemoryMappedFile.anonymousCopy(of: data, name: name)
    }

    /// Same as `init(copying:name:)` for an array of bytes.
    public init(copying data: [UInt8], name: String = "<memory>") throws {
        path = name
        bytes = try data.withUnsafeBytes { try MemoryMappedFile.anonymousCopy(of: $0, name: name) }
    }

    private static func anonymousCopy(of data: UnsafeRawBufferPointer, name: String) throws -> UnsafeRawBufferPointer {
        guard data.count > 0 else {
            throw ModelFileError.cannotOpen(path: name, reason: "the data is empty")
        }
        guard let base = mmap(nil, data.count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else {
            throw ModelFileError.cannotOpen(path: name, reason: "mmap failed: \(errnoText())")
        }
        base.copyMemory(from: data.baseAddress!, byteCount: data.count)
        mprotect(base, data.count, PROT_READ)
        return UnsafeRawBufferPointer(start: base, count: data.count)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    /// Size of the mapping in bytes.
    public var count: Int { bytes.count }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
