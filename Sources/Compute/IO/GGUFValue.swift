/// Value types of GGUF metadata, numbered as in the GGUF specification (`gguf_type`).
public enum GGUFValueType: UInt32, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5
    case float32 = 6, bool = 7, string = 8, array = 9
    case uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type can occupy in a file; used to refuse element
    /// counts that could not fit in the bytes that remain before allocating anything.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string: return 8            // uint64 length
        case .array: return 12            // uint32 element type + uint64 count
        }
    }

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }
}

/// One GGUF metadata value. Arrays carry their element type so that an empty array still
/// says what it holds; nested arrays are arrays whose element type is `.array`.
public enum GGUFValue: Equatable, CustomStringConvertible {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double)
    case bool(Bool)
    case string(String)
    case array(GGUFValueType, [GGUFValue])

    /// The value's type as stored in the file.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// A readable type name, e.g. `uint32` or `array of string`.
    public var typeName: String {
        if case let .array(element, _) = self { return "array of \(element)" }
        return type.description
    }

    /// The value as an `Int` when it is an integer of any width that fits.
    public var intValue: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a float or an integer.
    public var doubleValue: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return intValue.map(Double.init)
        }
    }

    public var description: String { describe(depth: 0) }

    /// Shows at most 8 elements per array and 3 levels of nesting, so printing a hostile
    /// deeply nested value stays cheap.
    private func describe(depth: Int) -> String {
        switch self {
        case let .string(s): return "\"\(s)\""
        case let .bool(b): return String(b)
        case let .float32(v): return String(v)
        case let .float64(v): return String(v)
        case let .array(element, values):
            guard depth < 3 else { return "[\(element) × \(values.count)]" }
            let head = values.prefix(8).map { $0.describe(depth: depth + 1) }.joined(separator: ", ")
            return "[\(element) × \(values.count): \(head)\(values.count > 8 ? ", …" : "")]"
        case let .uint64(v): return String(v)
        default: return intValue.map(String.init) ?? typeName
        }
    }
}

/// GGUF metadata: the key/value pairs in file order, with typed accessors that throw
/// "missing key X" or "key X is a Y, expected Z".
public struct GGUFMetadata {
    /// Keys in the order they appear in the file.
    public private(set) var keys: [String] = []
    private var values: [String: GGUFValue] = [:]

    public init() {}

    /// Adds a pair; returns false (and changes nothing) when the key is already present.
    mutating func insert(_ key: String, _ value: GGUFValue) -> Bool {
        guard values[key] == nil else { return false }
        keys.append(key)
        values[key] = value
        return true
    }

    public subscript(key: String) -> GGUFValue? { values[key] }
    public var count: Int { keys.count }
    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// The value for `key`, or a "missing key" error.
    public func value(_ key: String) throws -> GGUFValue {
        guard let value = values[key] else {
            throw ModelFileError.notFound("missing key '\(key)' in GGUF metadata")
        }
        return value
    }

    private func mismatch(_ key: String, _ value: GGUFValue, expected: String) -> ModelFileError {
        .malformed("key '\(key)' is a \(value.typeName), expected \(expected)")
    }

    /// An integer of any width, as `Int`.
    public func int(_ key: String) throws -> Int {
        let value = try self.value(key)
        guard let int = value.intValue else { throw mismatch(key, value, expected: "an integer") }
        return int
    }

    /// A float32/float64 (integers are accepted too), as `Float`.
    public func float(_ key: String) throws -> Float {
        let value = try self.value(key)
        guard let double = value.doubleValue else { throw mismatch(key, value, expected: "a number") }
        return Float(double)
    }

    public func bool(_ key: String) throws -> Bool {
        let value = try self.value(key)
        guard case let .bool(b) = value else { throw mismatch(key, value, expected: "a bool") }
        return b
    }

    public func string(_ key: String) throws -> String {
        let value = try self.value(key)
        guard case let .string(s) = value else { throw mismatch(key, value, expected: "a string") }
        return s
    }

    /// `int(key)`, or `defaultValue` when the key is absent (a present key of the wrong type still throws).
    public func int(_ key: String, default defaultValue: Int) throws -> Int {
        contains(key) ? try int(key) : defaultValue
    }

    public func float(_ key: String, default defaultValue: Float) throws -> Float {
        contains(key) ? try float(key) : defaultValue
    }

    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        contains(key) ? try bool(key) : defaultValue
    }

    public func string(_ key: String, default defaultValue: String) throws -> String {
        contains(key) ? try string(key) : defaultValue
    }

    private func array(_ key: String, expected: String) throws -> [GGUFValue] {
        let value = try self.value(key)
        guard case let .array(_, elements) = value else { throw mismatch(key, value, expected: expected) }
        return elements
    }

    public func stringArray(_ key: String) throws -> [String] {
        let elements = try array(key, expected: "an array of string")
        return try elements.map { element in
            guard case let .string(s) = element else {
                throw mismatch(key, try value(key), expected: "an array of string")
            }
            return s
        }
    }

    /// An array of floats (or integers), as `[Float]`.
    public func floatArray(_ key: String) throws -> [Float] {
        let elements = try array(key, expected: "an array of numbers")
        return try elements.map { element in
            guard let double = element.doubleValue else {
                throw mismatch(key, try value(key), expected: "an array of numbers")
            }
            return Float(double)
        }
    }

    /// An array of integers of any width, as `[Int]`.
    public func intArray(_ key: String) throws -> [Int] {
        let elements = try array(key, expected: "an array of integers")
        return try elements.map { element in
            guard let int = element.intValue else {
                throw mismatch(key, try value(key), expected: "an array of integers")
            }
            return int
        }
    }
}
