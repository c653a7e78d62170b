import Foundation
import Host
import PluginAPI

/// The repository's `Plugins/` folder, built by the host's registry into one temporary cache for
/// the whole test run (each plugin is compiled once).
enum RepositoryPlugins {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/Plugins"

    /// A registry over the repository's plugins, sharing one build cache.
    static let registry: Result<PluginRegistry, Error> = Result {
        let cache = NSTemporaryDirectory() + "strata-repository-plugins-\(ProcessInfo.processInfo.processIdentifier)"
        let builder = PluginBuilder(toolchain: try PluginToolchain.current(), cacheDirectory: cache)
        return PluginRegistry(searchFolders: [folder], builder: builder)
    }

    static func registration(_ name: String) throws -> PluginRegistration {
        try registry.get().registration(named: name)
    }
}
