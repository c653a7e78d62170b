/// What went wrong preparing or making a foreign call; the message says what and where.
public enum ForeignCallError: Error, Equatable, CustomStringConvertible {
    /// The signature text could not be parsed or uses an unsupported type.
    case signature(String)
    /// The library could not be opened.
    case library(String)
    /// The library has no such symbol.
    case unknownSymbol(String)
    /// The number of arguments differs from the signature's.
    case arity(String)
    /// An argument does not fit its C type.
    case argument(String)
    /// The function's result cannot be represented as a REPL value.
    case result(String)
    /// libffi refused the signature.
    case preparation(String)

    public var description: String {
        switch self {
        case let .signature(m), let .library(m), let .unknownSymbol(m), let .arity(m), let .argument(m),
             let .result(m), let .preparation(m):
            return m
        }
    }
}

/// A REPL value converted to the C type of a parameter, checked to fit.
public enum ForeignArgument: Equatable {
    case int32(Int32)
    case int64(Int64)
    case uint32(UInt32)
    case uint64(UInt64)
    case float(Float)
    case double(Double)
    case bool(Bool)
    case string(String)

    /// Converts `value` for parameter `index` (0-based) of `signature`.
    public init(_ value: Value, for index: Int, of signature: ForeignSignature) throws {
        let parameter = signature.parameters[index]
        let place = "argument \(index + 1)" + (parameter.label.map { " (\($0))" } ?? "") + " of \(signature.name)"
        func mismatch() -> ForeignCallError {
            .argument("\(place) expects \(parameter.type.rawValue), got \(value.typeName) \(value.literalDescription)")
        }
        func outOfRange(_ range: String) -> ForeignCallError {
            .argument("\(place): \(value) does not fit \(parameter.type.rawValue) (\(range))")
        }
        switch (parameter.type, value) {
        case let (.int32, .int(i)):
            guard let v = Int32(exactly: i) else { throw outOfRange("\(Int32.min)...\(Int32.max)") }
            self = .int32(v)
        case let (.int64, .int(i)):
            self = .int64(Int64(i))
        case let (.uint32, .int(i)):
            guard let v = UInt32(exactly: i) else { throw outOfRange("0...\(UInt32.max)") }
            self = .uint32(v)
        case let (.uint64, .int(i)):
            guard let v = UInt64(exactly: i) else { throw outOfRange("0...\(UInt64.max)") }
            self = .uint64(v)
        case let (.float, .int(i)):
            self = .float(Float(i))
        case let (.float, .double(d)):
            if d.isFinite, abs(d) > Double(Float.greatestFiniteMagnitude) {
                throw outOfRange("magnitude at most \(Float.greatestFiniteMagnitude)")
            }
            self = .float(Float(d))
        case let (.double, .int(i)):
            self = .double(Double(i))
        case let (.double, .double(d)):
            self = .double(d)
        case let (.bool, .bool(b)):
            self = .bool(b)
        case let (.string, .string(s)):
            if s.utf8.contains(0) { throw ForeignCallError.argument("\(place): a C string cannot contain a NUL character") }
            self = .string(s)
        default:
            throw mismatch()
        }
    }
}
