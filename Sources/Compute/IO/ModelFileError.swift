/// Errors raised while opening or parsing model files (GGUF, safetensors, JSON).
///
/// Every case says what was being read and where, so a user can tell a truncated download
/// from a hostile or merely unsupported file.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, stat'ed or mapped.
    case cannotOpen(path: String, reason: String)
    /// Reading `what` at byte `offset` needed `needed` bytes but only `remaining` were left.
    case truncated(what: String, offset: Int, needed: Int, remaining: Int)
    /// The bytes are present but do not make sense (bad magic, inconsistent sizes, …).
    case malformed(String)
    /// A well-formed file using a feature this reader does not support.
    case unsupported(String)
    /// A named thing (tensor, key, shard) that was asked for is absent.
    case notFound(String)
    /// Any of the above, located in a file.
    indirect case inFile(path: String, ModelFileError)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .truncated(what, offset, needed, remaining):
            return "truncated file: reading \(what) at offset \(offset) needs \(needed) bytes, only \(remaining) remain"
        case let .malformed(message), let .unsupported(message), let .notFound(message):
            return message
        case let .inFile(path, error):
            return "\(path): \(error.description)"
        }
    }

    /// The error without its file location.
    public var underlying: ModelFileError {
        if case let .inFile(_, error) = self { return error.underlying }
        return self
    }

    /// Runs `body`, attaching `path` to any `ModelFileError` it throws.
    static func locating<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ModelFileError {
            if case .inFile = error { throw error }
            throw ModelFileError.inFile(path: path, error)
        }
    }
}
