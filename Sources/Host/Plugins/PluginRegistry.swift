import Foundation
import PluginAPI

/// One row of `plugin list`.
public struct PluginListing: Equatable {
    public let name: String
    /// The source folder (nil for a library loaded directly).
    public let folder: String?
    /// The loaded library, nil while not built and loaded yet.
    public let library: String?
    public let version: String?
    public let summary: String?
}

/// Method name → plugin. In-tree plugins (the subfolders of the plugin folders) are known by
/// name from their sources and built on first use; out-of-tree ones join with `load(path:)`.
/// Every `registration(named:)` checks the sources again, so editing a plugin and typing
/// `use` again builds and loads the new version.
public final class PluginRegistry {
    private struct Entry {
        var folder: PluginFolder?
        var plugin: LoadedPlugin?
    }

    public let loader: PluginLoader
    private var builderResult: Result<PluginBuilder, Error>?
    private var entries: [String: Entry] = [:]

    /// - searchFolders: folders whose subfolders are plugins (default: `defaultSearchFolders()`).
    /// - builder: nil to set one up from the running host on first build.
    public init(searchFolders: [String] = PluginRegistry.defaultSearchFolders(), builder: PluginBuilder? = nil,
                loader: PluginLoader = PluginLoader()) {
        self.loader = loader
        if let builder { builderResult = .success(builder) }
        for folder in searchFolders { discover(in: folder) }
    }

    /// `STRATA_PLUGINS` (colon-separated folders) when set; otherwise the first `Plugins/`
    /// folder in the current directory or one of its parents, then beside the executable's
    /// package (for a host run from elsewhere).
    public static func defaultSearchFolders(environment: [String: String] = ProcessInfo.processInfo.environment,
                                            currentDirectory: String = FileManager.default.currentDirectoryPath) -> [String] {
        if let list = environment["STRATA_PLUGINS"], !list.isEmpty {
            return list.split(separator: ":").map(String.init)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var found: [String] = []
        for start in [URL(fileURLWithPath: currentDirectory), executable] {
            var folder = start.standardizedFileURL
            for _ in 0..<8 {
                let plugins = folder.appendingPathComponent("Plugins").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: plugins, isDirectory: &isDirectory), isDirectory.boolValue {
                    if !found.contains(plugins) { found.append(plugins) }
                    break
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        return found
    }

    /// Registers every plugin subfolder of `folder` by the name its sources declare (without
    /// building it). A name already known keeps its first folder.
    public func discover(in folder: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names.sorted() {
            guard let plugin = try? PluginFolder(path: folder + "/" + name),
                  let sources = try? plugin.sourceFiles(), !sources.isEmpty else { continue }
            let method = plugin.declaredMethodName()
            if entries[method] == nil { entries[method] = Entry(folder: plugin, plugin: nil) }
        }
    }

    /// Method names known now, sorted (for `plugin list`, completion and errors).
    public var names: [String] { entries.keys.sorted() }

    /// The registration of `name`, building and loading the plugin when it has not been
    /// loaded or its sources changed since.
    public func registration(named name: String) throws -> PluginRegistration {
        guard let entry = entries[name] else {
            throw PluginError.unknownMethod(name: name, available: names, suggestion: closestName(to: name, among: names))
        }
        guard let folder = entry.folder else {
            guard let plugin = entry.plugin else { throw PluginError.unknownMethod(name: name, available: names, suggestion: nil) }
            return plugin.registration
        }
        if let plugin = entry.plugin, try builder().libraryPath(for: folder) == plugin.path {
            return plugin.registration
        }
        let registration = try load(folder: folder)
        guard registration.name == name else {
            throw PluginError.unknownMethod(name: name, available: names, suggestion: registration.name)
        }
        return registration
    }

    /// `plugin load PATH`: a plugin folder (built now) or a built `.so`.
    @discardableResult
    public func load(path: String) throws -> PluginRegistration {
        if path.hasSuffix(".so") {
            let plugin = try loader.load(library: path)
            entries[plugin.registration.name] = Entry(folder: nil, plugin: plugin)
            return plugin.registration
        }
        return try load(folder: PluginFolder(path: path))
    }

    /// `plugin build --all`: builds and loads every known plugin folder; returns the failures
    /// by name (the others are loaded).
    public func buildAll() -> [(name: String, error: Error)] {
        var failures: [(String, Error)] = []
        for name in names where entries[name]?.folder != nil {
            do { _ = try registration(named: name) } catch { failures.append((name, error)) }
        }
        return failures
    }

    /// What `plugin list` shows.
    public func listing() -> [PluginListing] {
        names.compactMap { name in
            guard let entry = entries[name] else { return nil }
            let registration = entry.plugin?.registration
            return PluginListing(name: name, folder: entry.folder?.path, library: entry.plugin?.path,
                                 version: registration?.version, summary: registration?.summary)
        }
    }

    /// The builder, set up from the running host on first use.
    public func builder() throws -> PluginBuilder {
        if builderResult == nil {
            builderResult = Result { PluginBuilder(toolchain: try PluginToolchain.current()) }
        }
        return try builderResult!.get()
    }

    private func load(folder: PluginFolder) throws -> PluginRegistration {
        let (library, _) = try builder().build(folder)
        let plugin = try loader.load(library: library)
        let name = plugin.registration.name
        // The sources may declare the name in a way `declaredMethodName` cannot read: file the
        // folder under the name it really registers.
        if let old = entries.first(where: { $0.value.folder == folder && $0.key != name })?.key {
            entries[old] = nil
        }
        entries[name] = Entry(folder: folder, plugin: plugin)
        return plugin.registration
    }
}
