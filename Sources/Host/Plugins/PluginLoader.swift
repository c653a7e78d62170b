import Foundation
import PluginAPI

/// A plugin library in the process, with its registration.
public struct LoadedPlugin {
    public let path: String
    public let handle: UnsafeMutableRawPointer
    public let registration: PluginRegistration
}

/// Loads plugin libraries with `dlopen`. One handle per path, cached; a library is never
/// `dlclose`d (Swift metadata and conformances cannot be unloaded safely), so loading an
/// edited plugin means loading its new file.
public final class PluginLoader {
    private var loaded: [String: LoadedPlugin] = [:]

    public init() {}

    /// Opens `path` (`RTLD_NOW | RTLD_GLOBAL`: every undefined symbol resolves now, against
    /// the host's exported Compute and PluginAPI), calls `strata_plugin_main` and checks the
    /// registration's API version.
    public func load(library path: String) throws -> LoadedPlugin {
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        if let plugin = loaded[path] { return plugin }
        guard FileManager.default.fileExists(atPath: path) else {
            throw PluginError.openFailed(path: path, reason: "no such file")
        }
        _ = dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
            throw PluginError.openFailed(path: path, reason: Self.lastError())
        }
        guard let symbol = dlsym(handle, PluginRegistration.entryPointSymbol) else {
            throw PluginError.missingEntryPoint(path: path, reason: Self.lastError())
        }
        typealias EntryPoint = @convention(c) () -> UnsafeMutableRawPointer?
        let entry = unsafeBitCast(symbol, to: EntryPoint.self)
        guard let pointer = entry() else { throw PluginError.notARegistration(path: path) }
        // Take the reference as AnyObject and cast: a registration from another copy of
        // PluginAPI (a plugin linked against its own) fails the cast instead of misbehaving.
        let object = Unmanaged<AnyObject>.fromOpaque(pointer).takeRetainedValue()
        guard let registration = object as? PluginRegistration else {
            throw PluginError.notARegistration(path: path)
        }
        guard registration.apiVersion == PluginAPIVersion.current else {
            throw PluginError.apiVersionMismatch(path: path, plugin: registration.name,
                                                 pluginVersion: registration.apiVersion, hostVersion: PluginAPIVersion.current)
        }
        let plugin = LoadedPlugin(path: path, handle: handle, registration: registration)
        loaded[path] = plugin
        return plugin
    }

    /// Libraries loaded so far, by path.
    public var libraries: [String] { loaded.keys.sorted() }

    private static func lastError() -> String {
        guard let message = dlerror() else { return "unknown dynamic-loader error" }
        return String(cString: message)
    }
}
