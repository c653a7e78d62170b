import Compute

/// What a plugin hands the host: its method's name, version, schema and factory.
///
/// A plugin registers one method. Its library exports one C entry point,
/// `strata_plugin_main`, that returns the registration retained:
///
/// ```swift
/// @_cdecl("strata_plugin_main")
/// public func strataPluginMain() -> UnsafeMutableRawPointer {
///     PluginRegistration(name: "prompt", …, factory: { p, c in try PromptTuning(p, c) }).retainedPointer()
/// }
/// ```
public final class PluginRegistration {
    /// The contract version the plugin was compiled against; checked first by the host.
    public let apiVersion: Int
    /// The name used in `use NAME`, `help NAME` and as the prefix of its tensors.
    public let name: String
    /// The plugin's own version ("1.0").
    public let version: String
    /// One line for `plugin list` and `help`.
    public let summary: String
    /// The paper the method implements (authors, title, venue, year, link).
    public let citation: String?
    public let schema: ParameterSchema
    /// Creates the method from validated parameters; `attach` comes after.
    public let factory: (ParsedParameters, MethodContext) throws -> Method

    /// The C symbol every plugin library exports.
    public static let entryPointSymbol = "strata_plugin_main"

    public init(name: String, version: String, apiVersion: Int = PluginAPIVersion.current, summary: String,
                citation: String? = nil, schema: ParameterSchema,
                factory: @escaping (ParsedParameters, MethodContext) throws -> Method) {
        self.apiVersion = apiVersion
        self.name = name
        self.version = version
        self.summary = summary
        self.citation = citation
        self.schema = schema
        self.factory = factory
    }

    /// The registration retained once, as the entry point returns it; the host takes the
    /// reference back with `Unmanaged.fromOpaque(_:).takeRetainedValue()`.
    public func retainedPointer() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }

    /// Parses `parameters`, creates the method and checks it reports this registration's name.
    public func makeMethod(_ parameters: [(name: String, value: ParameterValue)], context: MethodContext) throws -> Method {
        let parsed = try schema.parse(parameters, method: name)
        let method = try factory(parsed, context)
        guard method.name == name else {
            throw ParameterError("the plugin registered as \"\(name)\" created a method named \"\(method.name)\"; the two names must match")
        }
        return method
    }

    /// What `help NAME` prints.
    public var help: String {
        var lines = ["\(name) \(version) — \(summary)"]
        if let citation { lines.append("  paper: \(citation)") }
        if schema.parameters.isEmpty {
            lines.append("  (no parameters)")
        } else {
            lines.append("parameters:")
            lines += schema.helpLines()
        }
        return lines.joined(separator: "\n")
    }
}
