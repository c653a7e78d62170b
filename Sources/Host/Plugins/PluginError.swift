/// Why a plugin could not be built, loaded or found. Messages say what to do.
public enum PluginError: Error, CustomStringConvertible {
    case noSources(folder: String)
    case compilerNotFound(searched: String)
    case hostModulesNotFound(searched: [String])
    case compileFailed(plugin: String, command: String, diagnostics: String)
    case openFailed(path: String, reason: String)
    case missingEntryPoint(path: String, reason: String)
    case notARegistration(path: String)
    case apiVersionMismatch(path: String, plugin: String, pluginVersion: Int, hostVersion: Int)
    case unknownMethod(name: String, available: [String], suggestion: String?)
    case invalidName(String, reason: String)
    case fileSystem(String)

    public var description: String {
        switch self {
        case let .noSources(folder):
            return "no .swift files in \(folder); a plugin is a folder of Swift sources (`plugin new NAME` writes one)"
        case let .compilerNotFound(searched):
            return "cannot find swiftc (searched \(searched)); put the Swift toolchain on PATH or set STRATA_SWIFTC"
        case let .hostModulesNotFound(searched):
            return "cannot find the host's Swift modules (Compute.swiftmodule, PluginAPI.swiftmodule) in \(searched.joined(separator: ", ")); build the host with `swift build` or set STRATA_MODULES to the folder holding them"
        case let .compileFailed(plugin, command, diagnostics):
            return "plugin \(plugin) does not compile:\n\(diagnostics.trimmingTrailingNewlines)\n(command: \(command))"
        case let .openFailed(path, reason):
            return "cannot load \(path): \(reason)"
        case let .missingEntryPoint(path, reason):
            return "\(path) is not a Strata plugin: it exports no strata_plugin_main (\(reason)); end the plugin with `@_cdecl(\"strata_plugin_main\")` returning its registration"
        case let .notARegistration(path):
            return "strata_plugin_main of \(path) did not return a PluginRegistration of this host; build the plugin with `plugin build`, which compiles it against the host's modules"
        case let .apiVersionMismatch(path, plugin, pluginVersion, hostVersion):
            return "plugin \(plugin) (\(path)) was written for plugin API version \(pluginVersion), but this host implements version \(hostVersion); update the plugin to API version \(hostVersion) and load it again"
        case let .unknownMethod(name, available, suggestion):
            var text = "no method named \"\(name)\""
            if let suggestion { text += "; did you mean \"\(suggestion)\"?" }
            text += available.isEmpty ? " (no plugins found)" : " (available: \(available.joined(separator: ", ")))"
            return text + "; `plugin load PATH` loads a plugin from another folder"
        case let .invalidName(name, reason):
            return "\"\(name)\" cannot name a plugin: \(reason)"
        case let .fileSystem(message):
            return message
        }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
