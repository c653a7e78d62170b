import Foundation

/// The REPL's input history: bounded, without duplicates, kept in a per-user file that is
/// rewritten after every entry so a crash loses nothing.
///
/// The file holds one entry per line; a multi-line statement keeps its line breaks as `\n`
/// (and backslashes as `\\`).
public struct CommandHistory {
    public private(set) var entries: [String]
    /// The most entries kept; the oldest go first.
    public let limit: Int
    /// Where the history is saved; nil keeps it in memory only.
    public let file: URL?

    /// The per-user history file: `${XDG_STATE_HOME:-~/.local/state}/strata/history`.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return URL(fileURLWithPath: state).appendingPathComponent("strata/history")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/strata/history")
    }

    /// Loads `file` if it exists (a missing or unreadable file starts an empty history).
    public init(file: URL?, limit: Int = 1000) {
        self.file = file
        self.limit = max(1, limit)
        var loaded: [String] = []
        if let file, let data = try? Data(contentsOf: file) {
            loaded = Self.decode(String(decoding: data, as: UTF8.self))
        }
        entries = []
        for entry in loaded { add(entry) }
    }

    /// Adds `entry` as the newest, dropping an earlier copy and the oldest beyond `limit`.
    /// Surrounding whitespace is dropped (a completion leaves a space behind). Returns false
    /// (and changes nothing) for a blank entry.
    @discardableResult
    public mutating func add(_ text: String) -> Bool {
        let entry = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !entry.isEmpty else { return false }
        entries.removeAll { $0 == entry }
        entries.append(entry)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        return true
    }

    /// Writes the history to its file (creating the directory), through a temporary file and
    /// a rename so a reader never sees half a file.
    public func save() throws {
        guard let file else { return }
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = Self.encode(entries)
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        try Data(text.utf8).write(to: temporary)
        if rename(temporary.path, file.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot write \(file.path): \(reason)"])
        }
    }

    static func encode(_ entries: [String]) -> String {
        entries.map { entry in
            entry.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
        }.map { $0 + "\n" }.joined()
    }

    static func decode(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            var result = ""
            var escaped = false
            for character in line {
                if escaped {
                    result.append(character == "n" ? "\n" : character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    result.append(character)
                }
            }
            return result
        }
    }
}
