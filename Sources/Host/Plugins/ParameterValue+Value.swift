import PluginAPI

extension ParameterValue {
    /// Converts a REPL value (`use dham G=3 init="text:…"`) for the plugin's schema. Records and
    /// `()` have no parameter form.
    public init(_ value: Value, parameter: String) throws {
        switch value {
        case let .int(i): self = .int(i)
        case let .double(d): self = .double(d)
        case let .string(s): self = .string(s)
        case let .bool(b): self = .bool(b)
        case let .array(items): self = .list(try items.map { try ParameterValue($0, parameter: parameter) })
        case .void, .record:
            throw ParameterError("\(parameter)=\(value): a parameter takes a number, a string, a Bool or an array, not a \(value.typeName)")
        }
    }

    /// The parameters of a command invocation (`use NAME a=1 b=2`), in the order written.
    public static func parameters(of invocation: CommandInvocation) throws -> [(name: String, value: ParameterValue)] {
        try invocation.named.map { (name: $0.name, value: try ParameterValue($0.value, parameter: $0.name)) }
    }
}
