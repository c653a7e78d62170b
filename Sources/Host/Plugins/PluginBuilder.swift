import Foundation

/// Compiles a plugin folder into `lib<Module>.<hash>.so` in the plugin cache, keyed by the
/// sources and the host's build id: an unchanged plugin is never rebuilt, an edited one gets a
/// new file (a loaded library is never unloaded, so a new build needs a new path).
public final class PluginBuilder {
    public let toolchain: PluginToolchain
    /// `${STRATA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/strata}/plugins`.
    public let cacheDirectory: String

    public init(toolchain: PluginToolchain, cacheDirectory: String = PluginBuilder.defaultCacheDirectory()) {
        self.toolchain = toolchain
        self.cacheDirectory = cacheDirectory
    }

    public static func defaultCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let cache = environment["STRATA_CACHE"], !cache.isEmpty { return cache + "/plugins" }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache")
        return base + "/strata/plugins"
    }

    /// The library path `folder` builds to with the current sources.
    public func libraryPath(for folder: PluginFolder) throws -> String {
        var hash = try folder.sourceHash()
        hash.add(toolchain.buildID)
        return cacheDirectory + "/lib\(folder.moduleName).\(hash.hex).so"
    }

    /// Builds `folder` unless its library is already cached; returns the library's path and
    /// whether it was compiled now. A compile error carries the compiler's diagnostics.
    @discardableResult
    public func build(_ folder: PluginFolder) throws -> (path: String, compiled: Bool) {
        let output = try libraryPath(for: folder)
        if FileManager.default.fileExists(atPath: output) { return (output, false) }
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw PluginError.fileSystem("cannot create the plugin cache \(cacheDirectory): \(error.localizedDescription); set STRATA_CACHE to a writable folder")
        }
        // Compile to a temporary name and rename, so a concurrent host never loads half a file.
        let temporary = output + ".tmp\(ProcessInfo.processInfo.processIdentifier)"
        let arguments = toolchain.arguments(moduleName: folder.moduleName, sources: try folder.sourceFiles(), output: temporary)
        let (status, diagnostics) = try run(toolchain.compiler, arguments)
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PluginError.compileFailed(plugin: folder.moduleName,
                                            command: ([toolchain.compiler] + arguments).joined(separator: " "),
                                            diagnostics: diagnostics)
        }
        if rename(temporary, output) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PluginError.fileSystem("cannot move the built plugin to \(output): \(String(cString: strerror(errno)))")
        }
        return (output, true)
    }

    /// Runs `executable` with `arguments`; returns its status and its stdout+stderr. Foundation's
    /// `Process` rather than swift-subprocess: the REPL is synchronous, and this is one call.
    private func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PluginError.compilerNotFound(searched: "\(executable) (\(error.localizedDescription))")
        }
        // Read before waiting: a full pipe would otherwise block the compiler.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
