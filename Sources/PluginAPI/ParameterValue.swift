/// A parameter value as the host passes it (`use dham G=3 m=16 init=random`): the host
/// converts its REPL values into these.
public indirect enum ParameterValue: Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case list([ParameterValue])

    public var description: String {
        switch self {
        case let .int(i): return String(i)
        case let .double(d): return "\(d)"
        case let .string(s): return s.contains(where: { $0 == " " || $0 == "\"" }) ? s.debugDescription : s
        case let .bool(b): return b ? "true" : "false"
        case let .list(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The kind of value, for errors ("got String").
    public var typeName: String {
        switch self {
        case .int: return "Int"
        case .double: return "Double"
        case .string: return "String"
        case .bool: return "Bool"
        case .list: return "Array"
        }
    }
}

/// Allowed values of a number: optional lower and upper bounds, each open or closed.
public struct Bounds<T: Comparable & CustomStringConvertible>: Equatable {
    public var lower: T?
    public var upper: T?
    public var lowerIsOpen: Bool
    public var upperIsOpen: Bool

    public init(lower: T? = nil, upper: T? = nil, lowerIsOpen: Bool = false, upperIsOpen: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.lowerIsOpen = lowerIsOpen
        self.upperIsOpen = upperIsOpen
    }

    public static var any: Bounds { Bounds() }
    public static func closed(_ range: ClosedRange<T>) -> Bounds { Bounds(lower: range.lowerBound, upper: range.upperBound) }
    public static func atLeast(_ value: T) -> Bounds { Bounds(lower: value) }
    public static func greaterThan(_ value: T) -> Bounds { Bounds(lower: value, lowerIsOpen: true) }
    public static func atMost(_ value: T) -> Bounds { Bounds(upper: value) }

    public func contains(_ value: T) -> Bool {
        if let lower, lowerIsOpen ? value <= lower : value < lower { return false }
        if let upper, upperIsOpen ? value >= upper : value > upper { return false }
        return true
    }

    /// "in [1, 512]", "≥ 1", "> 0", "" for no bounds.
    public var description: String {
        switch (lower, upper) {
        case let (l?, u?): return "in \(lowerIsOpen ? "(" : "[")\(l), \(u)\(upperIsOpen ? ")" : "]")"
        case let (l?, nil): return "\(lowerIsOpen ? ">" : "≥") \(l)"
        case let (nil, u?): return "\(upperIsOpen ? "<" : "≤") \(u)"
        case (nil, nil): return ""
        }
    }
}

/// The type of a parameter and the values it allows.
public enum ParameterKind: Equatable {
    case int(Bounds<Int>)
    case double(Bounds<Double>)
    case string
    case bool
    /// One of the listed words.
    case choice([String])
    /// `auto` or an integer within the bounds (`G=auto`, `G=3`).
    case autoOrInt(Bounds<Int>)
    /// A list of integers within the bounds (`layers=[0, 4, 8]`).
    case intList(Bounds<Int>)
    /// Transformer layers: `all`, `a...b` or `i,j,k` (a `LayerSelection`, kept as its text;
    /// checked against the model when the method attaches). `auto` is kept as is, for a
    /// method with a default selection of its own.
    case layers

    /// "Int in [1, 512]", "random | text", "auto or Int ≥ 1".
    public var description: String {
        func with(_ type: String, _ bounds: String) -> String { bounds.isEmpty ? type : "\(type) \(bounds)" }
        switch self {
        case let .int(b): return with("Int", b.description)
        case let .double(b): return with("Double", b.description)
        case .string: return "String"
        case .bool: return "Bool"
        case let .choice(words): return words.joined(separator: " | ")
        case let .autoOrInt(b): return "auto or " + with("Int", b.description)
        case let .intList(b): return with("[Int]", b.description)
        case .layers: return "all | a...b | i,j,k"
        }
    }
}
