import XCTest
import Compute
import PluginAPI
import Host

/// Out-of-tree plugins built and loaded by the host: the template, an edit, a compile error
/// and a wrong API version. Each build runs swiftc (seconds), so the tests build 4 libraries.
final class PluginLoaderTests: XCTestCase {
    private static var workspace = ""
    private static var registry: PluginRegistry?

    override class func setUp() {
        super.setUp()
        workspace = NSTemporaryDirectory() + "strata-plugin-tests-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: workspace)
        super.tearDown()
    }

    /// A registry with no in-tree plugins and a cache of its own (so every build really runs).
    private func registry() throws -> PluginRegistry {
        if let registry = Self.registry { return registry }
        let builder = PluginBuilder(toolchain: try PluginToolchain.current(), cacheDirectory: Self.workspace + "/cache")
        let registry = PluginRegistry(searchFolders: [], builder: builder)
        Self.registry = registry
        return registry
    }

    private func write(_ text: String, plugin: String) throws -> String {
        let folder = Self.workspace + "/src/" + plugin
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: folder + "/" + plugin + ".swift", atomically: true, encoding: .utf8)
        return folder
    }

    func testTemplateBuildsLoadsAndReloadsAfterAnEdit() throws {
        let registry = try registry()
        let files = try PluginTemplate.write(name: "Scaler", into: Self.workspace + "/src")
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["Scaler.swift", "try-scaler.strata"])
        XCTAssertThrowsError(try PluginTemplate.write(name: "Scaler", into: Self.workspace + "/src"))
        let folder = Self.workspace + "/src/Scaler"
        XCTAssertEqual(try PluginFolder(path: folder).declaredMethodName(), "scaler")

        let first = try registry.load(path: folder)
        XCTAssertEqual(first.name, "scaler")
        XCTAssertEqual(first.version, "0.1")
        XCTAssertEqual(first.apiVersion, PluginAPIVersion.current)
        XCTAssertTrue(first.help.contains("temperature=1.0"), first.help)

        let model = try LanguageModel.load("tiny")
        let context = MethodContext(model: model, seed: 1)
        let made: AnyObject = try first.factory(try first.schema.parse([("temperature", .double(2))], method: "scaler"), context)
        let method = try XCTUnwrap(made as? Method, "the plugin's class must conform to the host's Method protocol")
        let base = try model.model.forward([[1, 2, 3]])
        let set = MethodSet()
        try set.add(method, context: context)
        let scaled = try model.model.forward([[1, 2, 3]], hooks: set)
        for (b, s) in zip(base.scalars, scaled.scalars) { XCTAssertEqual(s, b / 2, accuracy: 1e-4) }

        // Unchanged sources: the same library, no rebuild.
        let libraries = registry.loader.libraries.count
        XCTAssertTrue(try registry.registration(named: "scaler") === first)
        XCTAssertEqual(registry.loader.libraries.count, libraries)

        // Edit: a new version that scales by 3/temperature.
        let source = folder + "/Scaler.swift"
        var text = try String(contentsOfFile: source, encoding: .utf8)
        text = text.replacingOccurrences(of: "version: \"0.1\"", with: "version: \"0.2\"")
            .replacingOccurrences(of: "temperature == 1 ? logits : logits * Float(1 / temperature)",
                                  with: "logits * Float(3 / temperature)")
        try text.write(toFile: source, atomically: true, encoding: .utf8)
        let second = try registry.registration(named: "scaler")
        XCTAssertEqual(second.version, "0.2")
        XCTAssertEqual(registry.loader.libraries.count, libraries + 1)
        let edited = try second.makeMethod([("temperature", .double(2))], context: context)
        let newSet = MethodSet()
        try newSet.add(edited, context: context)
        let rescaled = try model.model.forward([[1, 2, 3]], hooks: newSet)
        for (b, s) in zip(base.scalars, rescaled.scalars) { XCTAssertEqual(s, b * 1.5, accuracy: 1e-4) }
        // The first build's method still runs its own code.
        let again = try model.model.forward([[1, 2, 3]], hooks: set)
        for (b, s) in zip(base.scalars, again.scalars) { XCTAssertEqual(s, b / 2, accuracy: 1e-4) }
    }

    func testCompileErrorShowsTheCompilersDiagnostic() throws {
        let registry = try registry()
        let folder = try write("""
            import PluginAPI
            let broken: Int = "not a number"
            """, plugin: "Broken")
        XCTAssertThrowsError(try registry.load(path: folder)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("plugin Broken does not compile:"), text)
            XCTAssertTrue(text.contains("Broken.swift:2:"), text)
            XCTAssertTrue(text.contains("cannot convert value of type 'String' to specified type 'Int'"), text)
        }
        // The host carries on: nothing was registered, and the cache holds no partial file.
        XCTAssertFalse(registry.names.contains("broken"))
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: Self.workspace + "/cache")) ?? []
        XCTAssertFalse(leftovers.contains { $0.hasPrefix("libBroken") }, "\(leftovers)")
    }

    func testWrongAPIVersionNamesBothVersions() throws {
        let registry = try registry()
        let folder = try write("""
            import PluginAPI

            final class Old: Method { let name = "old" }

            @_cdecl("strata_plugin_main")
            public func strataPluginMain() -> UnsafeMutableRawPointer {
                PluginRegistration(name: "old", version: "1", apiVersion: 999, summary: "from the future",
                                   schema: ParameterSchema([]), factory: { _, _ in Old() }).retainedPointer()
            }
            """, plugin: "Old")
        XCTAssertThrowsError(try registry.load(path: folder)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("plugin API version 999"), text)
            XCTAssertTrue(text.contains("this host implements version \(PluginAPIVersion.current)"), text)
        }
        XCTAssertFalse(registry.names.contains("old"))
        XCTAssertThrowsError(try registry.registration(named: "oldd")) { error in
            XCTAssertTrue("\(error)".hasPrefix("no method named \"oldd\""), "\(error)")
        }
    }

    func testNamesThatCannotBePlugins() {
        XCTAssertThrowsError(try PluginTemplate.write(name: "2fast", into: Self.workspace)) {
            XCTAssertTrue("\($0)".contains("Swift identifier"), "\($0)")
        }
        XCTAssertThrowsError(try PluginTemplate.write(name: "Compute", into: Self.workspace))
        XCTAssertThrowsError(try PluginRegistry(searchFolders: []).load(path: Self.workspace + "/missing")) {
            XCTAssertTrue("\($0)".contains("is not a folder"), "\($0)")
        }
    }
}
