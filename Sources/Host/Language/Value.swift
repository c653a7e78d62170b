/// A value of the REPL language: what expressions evaluate to and what commands return.
///
/// Command results are records (`let r = eval gsm8k limit=50; print(r.accuracy)`), whose
/// fields keep their insertion order so that printing and `--json` output are stable.
public enum Value: Equatable, CustomStringConvertible {
    case void
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case record(Record)

    public var description: String {
        switch self {
        case .void: return "()"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return Value.format(d)
        case let .string(s): return s
        case let .array(items): return "[" + items.map(\.literalDescription).joined(separator: ", ") + "]"
        case let .record(r): return r.description
        }
    }

    /// Like `description`, but strings are quoted (inside arrays and records).
    public var literalDescription: String {
        if case let .string(s) = self { return s.debugDescription }
        return description
    }

    /// Doubles print in the shortest form that reads back exactly ("0.1", "2e-05", "3.0").
    static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return "\(d)"
    }

    /// The name of the value's type, for error messages ("expected Int, got String").
    public var typeName: String {
        switch self {
        case .void: return "Void"
        case .bool: return "Bool"
        case .int: return "Int"
        case .double: return "Double"
        case .string: return "String"
        case .array: return "Array"
        case .record: return "Record"
        }
    }
}

/// An ordered set of named fields.
public struct Record: Equatable, CustomStringConvertible {
    public private(set) var fields: [(name: String, value: Value)]

    public init(_ fields: [(String, Value)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public subscript(name: String) -> Value? {
        get { fields.first { $0.name == name }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((name: name, value: newValue))
            }
        }
    }

    public var names: [String] { fields.map(\.name) }

    public var description: String {
        "{" + fields.map { "\($0.name): \($0.value.literalDescription)" }.joined(separator: ", ") + "}"
    }

    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
