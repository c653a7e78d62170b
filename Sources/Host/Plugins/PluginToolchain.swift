import Foundation

/// What compiling a plugin against this host needs: the compiler, the folder of the host's
/// Swift modules, the module maps of the C libraries those modules import, and a build id
/// that changes whenever the host's API modules change.
///
/// The modules are found next to the running executable: SwiftPM puts `strata` and the test
/// executable (`StrataPackageTests.xctest`) in `.build/<triple>/<debug|release>/`, with the
/// modules in its `Modules/` subfolder; `/proc/self/exe` names that executable with symlinks
/// resolved. `STRATA_MODULES` overrides the folder (an installed host).
public struct PluginToolchain {
    public let compiler: String
    public let modulesDirectory: String
    /// `module.modulemap` files of the package's C shims (`Sources/C*/`).
    public let moduleMaps: [String]
    /// Whether plugins are optimised (the host is a release build).
    public let optimize: Bool
    /// Hash of the host's `PluginAPI` and `Compute` module files (with the optimisation mode).
    public let buildID: String

    public init(compiler: String, modulesDirectory: String, moduleMaps: [String], optimize: Bool) throws {
        self.compiler = compiler
        self.modulesDirectory = modulesDirectory
        self.moduleMaps = moduleMaps
        self.optimize = optimize
        var hash = ContentHash()
        for module in ["PluginAPI", "Compute"] {
            let file = modulesDirectory + "/" + module + ".swiftmodule"
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PluginError.hostModulesNotFound(searched: [modulesDirectory])
            }
            data.withUnsafeBytes { hash.add($0) }
        }
        hash.add(optimize ? "-O" : "-Onone")
        buildID = hash.hex
    }

    /// The toolchain of the running host (see the type's description).
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PluginToolchain {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates: [String] = []
        if let override = environment["STRATA_MODULES"], !override.isEmpty { candidates.append(override) }
        candidates.append(executable.appendingPathComponent("Modules").path)
        guard let modules = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0 + "/PluginAPI.swiftmodule")
        }) else {
            throw PluginError.hostModulesNotFound(searched: candidates)
        }
        return try PluginToolchain(compiler: try findCompiler(environment), modulesDirectory: modules,
                                   moduleMaps: moduleMaps(near: URL(fileURLWithPath: modules)),
                                   optimize: !_isDebugAssertConfiguration())
    }

    /// `STRATA_SWIFTC`, else `swiftc` on `PATH`, else beside the running toolchain's usual place.
    static func findCompiler(_ environment: [String: String]) throws -> String {
        if let explicit = environment["STRATA_SWIFTC"], !explicit.isEmpty { return explicit }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let folders = path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin", "/usr/bin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/swiftc") {
            return folder + "/swiftc"
        }
        throw PluginError.compilerNotFound(searched: folders.joined(separator: ":"))
    }

    /// The package's C module maps (shims and kernels): the package root is the first ancestor of the modules
    /// folder holding `Package.swift`. Compute imports COpenBLAS, so a client of Compute needs
    /// its module map as SwiftPM passes it to the host's own targets.
    static func moduleMaps(near modules: URL) -> [String] {
        var folder = modules
        for _ in 0..<8 {
            folder = folder.deletingLastPathComponent()
            let sources = folder.appendingPathComponent("Sources")
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) else { continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: sources.path)) ?? []
            // A system-library shim keeps its map beside its header; a C target, in include/.
            return names.sorted().flatMap { name -> [String] in
                let folder = sources.appendingPathComponent(name)
                return [folder.appendingPathComponent("module.modulemap").path,
                        folder.appendingPathComponent("include/module.modulemap").path]
            }.filter { FileManager.default.fileExists(atPath: $0) }
        }
        return []
    }

    /// The compiler arguments for `sources` → `output`. The plugin is not linked against
    /// Compute or PluginAPI: those symbols stay undefined and resolve against the host (which
    /// exports them) at `dlopen`, so host and plugin share one copy of every type.
    /// `-Bsymbolic` binds the plugin's references to its own symbols, so a newer build of the
    /// same plugin loaded into the same process runs its own code, not the first build's.
    func arguments(moduleName: String, sources: [String], output: String) -> [String] {
        var args = ["-emit-library", "-parse-as-library", "-swift-version", "5", "-module-name", moduleName,
                    "-I", modulesDirectory, optimize ? "-O" : "-Onone", "-Xlinker", "-Bsymbolic"]
        for map in moduleMaps { args += ["-Xcc", "-fmodule-map-file=" + map] }
        return args + sources + ["-o", output]
    }
}
