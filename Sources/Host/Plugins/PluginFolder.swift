import Foundation

/// A plugin's source folder: its `.swift` files (not recursive), the module name they are
/// compiled as (the folder's name) and the method name they register.
public struct PluginFolder: Equatable {
    public let path: String
    /// The Swift module name: the folder's name (`PromptTuning`).
    public let moduleName: String

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PluginError.fileSystem("\(path) is not a folder; a plugin is a folder of .swift files")
        }
        self.path = url.path
        moduleName = url.lastPathComponent
        guard Self.isIdentifier(moduleName) else {
            throw PluginError.invalidName(moduleName, reason: "the folder's name is the plugin's Swift module name, so it must be a Swift identifier (letters, digits, _; not starting with a digit)")
        }
        guard !Self.hostModules.contains(moduleName) else {
            throw PluginError.invalidName(moduleName, reason: "it is the name of a module of the host; rename the folder")
        }
    }

    /// Modules of the host process a plugin must not shadow.
    static let hostModules: Set<String> = ["Compute", "PluginAPI", "Host", "Foundation", "Swift", "COpenBLAS", "CEdit", "CFFI"]

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" } && name.allSatisfy(\.isASCII)
    }

    /// The `.swift` files, sorted by name.
    public func sourceFiles() throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw PluginError.fileSystem("cannot list \(path): \(error.localizedDescription)")
        }
        let sources = names.filter { $0.hasSuffix(".swift") }.sorted()
        guard !sources.isEmpty else { throw PluginError.noSources(folder: path) }
        return sources.map { path + "/" + $0 }
    }

    /// Hash of the sources: sorted file names and their contents.
    func sourceHash() throws -> ContentHash {
        var hash = ContentHash()
        for file in try sourceFiles() {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PluginError.fileSystem("cannot read \(file)")
            }
            hash.add((file as NSString).lastPathComponent)
            data.withUnsafeBytes { hash.add($0) }
        }
        return hash
    }

    /// The method name the sources register: the `name:` literal of their
    /// `PluginRegistration(name: "…"`; the lowercased folder name when none is found. Read
    /// from the text so that `use NAME` can find a plugin before building it.
    public func declaredMethodName() -> String {
        let pattern = #/PluginRegistration\s*\(\s*name:\s*"([^"\\]+)"/#
        for file in (try? sourceFiles()) ?? [] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            if let match = text.firstMatch(of: pattern) { return String(match.1) }
        }
        return moduleName.lowercased()
    }
}
