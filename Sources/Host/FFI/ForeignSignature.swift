/// A C type that `call` can pass or return.
public enum ForeignType: String, CaseIterable, Equatable {
    case int32 = "Int32"
    case int64 = "Int64"
    case uint32 = "UInt32"
    case uint64 = "UInt64"
    case float = "Float"
    case double = "Double"
    /// C `_Bool` (one byte).
    case bool = "Bool"
    case void = "Void"
    /// `const char *`, as an argument only.
    case string = "String"

    /// Parses a type name; `Int` means `Int64` (a C `long` on 64-bit Linux).
    public init?(name: String) {
        if name == "Int" { self = .int64; return }
        self.init(rawValue: name)
    }
}

/// The C signature of a function to call, written Swift-style:
/// `stage_of(layer: Int32) -> Int32`, `add(Int64, Int64) -> Int64`, `ping()` (returns Void).
public struct ForeignSignature: Equatable, CustomStringConvertible {
    public struct Parameter: Equatable {
        public var label: String?
        public var type: ForeignType

        public init(label: String?, type: ForeignType) {
            self.label = label
            self.type = type
        }
    }

    public var name: String
    public var parameters: [Parameter]
    public var returnType: ForeignType

    public init(name: String, parameters: [Parameter], returnType: ForeignType) {
        self.name = name
        self.parameters = parameters
        self.returnType = returnType
    }

    /// Parses `name(label: Type, Type, …) -> Type`; errors give the column and what was expected.
    public init(parsing text: String) throws {
        var scanner = SignatureScanner(text)
        let name = try scanner.identifier(what: "a function name")
        try scanner.expect("(")
        var parameters: [Parameter] = []
        if !scanner.consume(")") {
            repeat {
                let first = try scanner.identifier(what: "a parameter type or label")
                if scanner.consume(":") {
                    let typeName = try scanner.identifier(what: "a type after '\(first):'")
                    parameters.append(Parameter(label: first, type: try scanner.type(named: typeName, argument: true)))
                } else {
                    parameters.append(Parameter(label: nil, type: try scanner.type(named: first, argument: true)))
                }
            } while scanner.consume(",")
            try scanner.expect(")")
        }
        var returnType = ForeignType.void
        if scanner.consume("->") {
            returnType = try scanner.type(named: try scanner.identifier(what: "a return type"), argument: false)
        }
        try scanner.expectEnd()
        if let void = parameters.firstIndex(where: { $0.type == .void }) {
            throw ForeignCallError.signature("parameter \(void + 1) of \(name) is Void; a function without parameters is written \(name)()")
        }
        self.init(name: name, parameters: parameters, returnType: returnType)
    }

    public var description: String {
        let list = parameters.map { ($0.label.map { "\($0): " } ?? "") + $0.type.rawValue }.joined(separator: ", ")
        return "\(name)(\(list)) -> \(returnType.rawValue)"
    }
}

/// Reads the tokens of a signature: identifiers, `(`, `)`, `,`, `:`, `->`.
private struct SignatureScanner {
    let characters: [Character]
    let text: String
    var position = 0

    init(_ text: String) {
        self.text = text
        characters = Array(text)
    }

    mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    mutating func consume(_ token: String) -> Bool {
        skipSpaces()
        let end = position + token.count
        guard end <= characters.count, String(characters[position..<end]) == token else { return false }
        position = end
        return true
    }

    mutating func expect(_ token: String) throws {
        if !consume(token) { throw failure("expected '\(token)'") }
    }

    mutating func expectEnd() throws {
        skipSpaces()
        if position < characters.count { throw failure("unexpected text after the signature") }
    }

    mutating func identifier(what: String) throws -> String {
        skipSpaces()
        let start = position
        while position < characters.count,
              characters[position] == "_" || characters[position].isLetter || characters[position].isNumber {
            position += 1
        }
        guard position > start, !characters[start].isNumber else {
            position = start
            throw failure("expected \(what)")
        }
        return String(characters[start..<position])
    }

    func type(named name: String, argument: Bool) throws -> ForeignType {
        guard let type = ForeignType(name: name) else {
            let known = ForeignType.allCases.map(\.rawValue).joined(separator: ", ")
            throw ForeignCallError.signature("unsupported type '\(name)' in '\(text)'; supported: Int, \(known)")
        }
        if type == .string, !argument {
            throw ForeignCallError.signature("String is supported for arguments only (const char *), not as a return type")
        }
        return type
    }

    func failure(_ message: String) -> ForeignCallError {
        let found = position < characters.count ? "'\(characters[position])'" : "the end"
        return .signature("\(message) at column \(position + 1) of '\(text)', found \(found)")
    }
}
