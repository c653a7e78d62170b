import Compute

/// One parameter a method takes: name, type and allowed values, default and help text.
public struct ParameterSpec: Equatable {
    public var name: String
    public var kind: ParameterKind
    /// nil: the parameter must be given.
    public var defaultValue: ParameterValue?
    public var help: String

    public init(_ name: String, _ kind: ParameterKind, default defaultValue: ParameterValue?, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// Checks `value` against the kind and returns it in canonical form (an Int given for a
    /// Double becomes a Double; "true" for a Bool becomes a Bool).
    public func validate(_ value: ParameterValue, method: String) throws -> ParameterValue {
        switch (kind, value) {
        case let (.int(bounds), .int(i)):
            guard bounds.contains(i) else { throw ParameterError.outOfRange(self, method: method, value, bounds.description) }
            return value
        case let (.double, .int(i)):
            return try validate(.double(Double(i)), method: method)
        case let (.double(bounds), .double(d)):
            guard d.isFinite, bounds.contains(d) else {
                throw ParameterError.outOfRange(self, method: method, value, bounds.description.isEmpty ? "finite" : bounds.description)
            }
            return value
        case (.string, .string):
            return value
        case (.string, .int), (.string, .double):
            return .string(value.description)      // `tag=2024` is a word here
        case (.bool, .bool):
            return value
        case let (.bool, .string(word)):
            switch word.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: throw ParameterError.wrongType(self, method: method, value)
            }
        case let (.choice(words), .string(word)):
            guard words.contains(word) else { throw ParameterError.notAChoice(self, method: method, word, words) }
            return value
        case let (.autoOrInt(bounds), .int(i)):
            guard bounds.contains(i) else { throw ParameterError.outOfRange(self, method: method, value, "auto or \(bounds.description)") }
            return value
        case (.autoOrInt, .string("auto")):
            return value
        case let (.intList(bounds), .list(items)):
            for item in items {
                guard case let .int(i) = item else { throw ParameterError.wrongType(self, method: method, item) }
                guard bounds.contains(i) else { throw ParameterError.outOfRange(self, method: method, item, bounds.description) }
            }
            return value
        case let (.intList, .int(i)):
            return try validate(.list([.int(i)]), method: method)
        case (.layers, .string("auto")):
            return value            // a method's own default selection (DPC: the first quarter)
        case (.layers, .string(let text)):
            do { return .string(try LayerSelection(parsing: text).description) }
            catch { throw ParameterError("\(method) \(error)") }
        case (.layers, .int(let i)) where i >= 0:
            return .string(String(i))
        case (.layers, .list(let items)):
            // `layers=2...5` arrives as an array from the REPL; kept as its canonical text.
            var indices: [Int] = []
            for item in items {
                guard case let .int(i) = item, i >= 0 else { throw ParameterError.wrongType(self, method: method, item) }
                indices.append(i)
            }
            return try validate(.string(indices.map(String.init).joined(separator: ",")), method: method)
        default:
            throw ParameterError.wrongType(self, method: method, value)
        }
    }
}

/// The parameters of a method, in declaration order: parsing and `help` rendering.
public struct ParameterSchema: Equatable {
    public var parameters: [ParameterSpec]

    public init(_ parameters: [ParameterSpec]) {
        self.parameters = parameters
    }

    public var names: [String] { parameters.map(\.name) }

    public subscript(name: String) -> ParameterSpec? { parameters.first { $0.name == name } }

    /// Validates `given` (in the order written) and fills in defaults. Errors name the method,
    /// the parameter, the value and what is allowed; an unknown name suggests the nearest one.
    public func parse(_ given: [(name: String, value: ParameterValue)], method: String) throws -> ParsedParameters {
        var values: [String: ParameterValue] = [:]
        var explicit: [String] = []
        for (name, value) in given {
            guard let spec = self[name] else { throw ParameterError.unknown(name, method: method, known: names) }
            guard values[name] == nil else { throw ParameterError("\(method) \(name) is given twice; give it once") }
            values[name] = try spec.validate(value, method: method)
            explicit.append(name)
        }
        for spec in parameters where values[spec.name] == nil {
            guard let value = spec.defaultValue else {
                throw ParameterError("\(method) needs \(spec.name)=… (\(spec.kind.description)): \(spec.help)")
            }
            values[spec.name] = value
        }
        return ParsedParameters(method: method, values: values, explicit: explicit)
    }

    /// The lines `help NAME` prints: one per parameter, `name=default  kind  help`.
    public func helpLines() -> [String] {
        let heads = parameters.map { spec in spec.name + "=" + (spec.defaultValue?.description ?? "…") }
        let kinds = parameters.map { $0.kind.description }
        let headWidth = heads.map(\.count).max() ?? 0, kindWidth = kinds.map(\.count).max() ?? 0
        return parameters.indices.map { i in
            "  " + heads[i].padding(toLength: headWidth, withPad: " ", startingAt: 0) + "  "
                + kinds[i].padding(toLength: kindWidth, withPad: " ", startingAt: 0) + "  " + parameters[i].help
        }
    }
}

/// Validated parameter values with defaults filled in. Accessors throw (never crash) when a
/// method asks for a name its schema lacks or for the wrong type.
public struct ParsedParameters: Equatable {
    public let method: String
    public let values: [String: ParameterValue]
    /// The names the user wrote, in order (the rest are defaults).
    public let explicit: [String]

    public init(method: String, values: [String: ParameterValue], explicit: [String] = []) {
        self.method = method
        self.values = values
        self.explicit = explicit
    }

    public func int(_ name: String) throws -> Int {
        if case let .int(i)? = try value(name) { return i }
        throw mismatch(name, "Int")
    }

    public func double(_ name: String) throws -> Double {
        switch try value(name) {
        case let .double(d)?: return d
        case let .int(i)?: return Double(i)
        default: throw mismatch(name, "Double")
        }
    }

    public func string(_ name: String) throws -> String {
        if case let .string(s)? = try value(name) { return s }
        throw mismatch(name, "String")
    }

    public func bool(_ name: String) throws -> Bool {
        if case let .bool(b)? = try value(name) { return b }
        throw mismatch(name, "Bool")
    }

    /// nil for `auto`.
    public func autoOrInt(_ name: String) throws -> Int? {
        switch try value(name) {
        case let .int(i)?: return i
        case .string("auto")?: return nil
        default: throw mismatch(name, "auto or Int")
        }
    }

    public func intList(_ name: String) throws -> [Int] {
        guard case let .list(items)? = try value(name) else { throw mismatch(name, "[Int]") }
        return try items.map { item in
            guard case let .int(i) = item else { throw mismatch(name, "[Int]") }
            return i
        }
    }

    private func value(_ name: String) throws -> ParameterValue? {
        guard let value = values[name] else {
            throw ParameterError("\(method) reads parameter \"\(name)\", which its schema does not declare (a bug in the method)")
        }
        return value
    }

    private func mismatch(_ name: String, _ type: String) -> ParameterError {
        ParameterError("\(method) reads \(name) as \(type), but its value is \(values[name]?.description ?? "missing") (a bug in the method's schema)")
    }
}
