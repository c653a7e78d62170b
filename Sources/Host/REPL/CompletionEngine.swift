import Foundation

/// Tab completion for REPL lines: pure, it looks only at the text before the cursor, the
/// vocabulary and (for paths) the file system.
///
/// What it offers depends on where the word under the cursor sits:
/// - the start of a statement (also after `;`, a newline, `{` or `let x =`): commands;
/// - the first argument of `use`/`unuse`: method names; of `help`: commands and methods;
/// - later arguments of `use <method>`: its parameter names as `name=`;
/// - the first argument of `data`/`eval`: dataset names;
/// - a path-like word (`/`, `~`, `./`, `../`, or any word with a `/`), or text inside a
///   string literal: file paths, directories with a trailing `/`;
/// - the value after `name=` and words in expressions: variable names.
public struct CompletionEngine: CompletionProvider {
    public var vocabulary: CompletionVocabulary
    /// Where `~` points; nil leaves `~` unexpanded (and uncompleted).
    public var homeDirectory: String?
    /// What relative paths are relative to.
    public var currentDirectory: String

    public init(vocabulary: CompletionVocabulary,
                homeDirectory: String? = ProcessInfo.processInfo.environment["HOME"],
                currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.vocabulary = vocabulary
        self.homeDirectory = homeDirectory
        self.currentDirectory = currentDirectory
    }

    public func complete(line: String, cursor: Int) -> Completion {
        let utf8 = Array(line.utf8)
        let end = max(0, min(cursor, utf8.count))
        let bytes = Array(utf8[..<end])
        let scan = StatementScan(bytes)

        if let stringStart = scan.openStringStart {
            let word = text(bytes[stringStart...])
            return Completion(candidates: paths(completing: word), replacement: stringStart..<end, terminator: "")
        }

        var wordStart = end
        while wordStart > scan.statementStart, !Self.isWordBoundary(bytes[wordStart - 1]) { wordStart -= 1 }
        let word = text(bytes[wordStart...])
        let range = wordStart..<end

        if Self.isPathLike(word) {
            return Completion(candidates: paths(completing: word), replacement: range)
        }
        if wordStart > scan.statementStart, bytes[wordStart - 1] == UInt8(ascii: "=") {
            let before = wordStart >= 2 ? bytes[wordStart - 2] : UInt8(ascii: " ")
            if !Self.isSpace(before) {
                // `name=value`: the value is an expression.
                return Completion(candidates: filter(vocabulary.variables, word), replacement: range)
            }
        }

        let tokens = text(bytes[scan.statementStart..<wordStart]).split(whereSeparator: { $0 == " " || $0 == "\t" })
            .map(String.init)
        let head = Self.commandTokens(tokens)
        guard let command = head.first else {
            return Completion(candidates: filter(vocabulary.commands + vocabulary.variables, word), replacement: range)
        }
        let arguments = Array(head.dropFirst())
        switch command {
        case "use" where arguments.isEmpty, "unuse" where arguments.isEmpty:
            return Completion(candidates: filter(vocabulary.methods, word), replacement: range)
        case "help" where arguments.isEmpty:
            return Completion(candidates: filter(vocabulary.commands + vocabulary.methods, word), replacement: range)
        case "use":
            let names = vocabulary.parameters(of: arguments[0]).map { $0 + "=" }
            let taken = Set(arguments.dropFirst().compactMap { $0.split(separator: "=").first.map { String($0) + "=" } })
            return Completion(candidates: filter(names.filter { !taken.contains($0) }, word), replacement: range,
                              terminator: "")
        case "data" where arguments.isEmpty, "eval" where arguments.isEmpty:
            return Completion(candidates: filter(vocabulary.datasets, word), replacement: range)
        default:
            if vocabulary.commands.contains(command) { return .none(at: end) }
            // Inside an expression (`print(x`, `for x in`, `if a >`).
            return Completion(candidates: filter(vocabulary.variables, word), replacement: range)
        }
    }

    /// The tokens of the command a statement runs: the statement itself, or what follows
    /// `=` in `let r = eval …` / `r = eval …`.
    static func commandTokens(_ tokens: [String]) -> [String] {
        if tokens.count >= 3, tokens[0] == "let" || tokens[0] == "var", tokens[2] == "=" {
            return Array(tokens.dropFirst(3))
        }
        if tokens.count >= 2, tokens[1] == "=" { return Array(tokens.dropFirst(2)) }
        return tokens
    }

    private func filter(_ words: [String], _ prefix: String) -> [String] {
        Array(Set(words.filter { $0.hasPrefix(prefix) })).sorted()
    }

    // MARK: Paths

    static func isPathLike(_ word: String) -> Bool {
        word.hasPrefix("/") || word.hasPrefix("~") || word.hasPrefix("./") || word.hasPrefix("../")
            || word.contains("/")
    }

    /// Paths that extend `word`, spelled as the user spelled the directory part (`~` kept).
    func paths(completing word: String) -> [String] {
        if word.hasPrefix("~"), !word.hasPrefix("~/") {
            // `~` alone becomes `~/`; `~user` forms are not expanded.
            return word == "~" && homeDirectory != nil ? ["~/"] : []
        }
        let slash = word.lastIndex(of: "/")
        let directoryPart = slash.map { String(word[...$0]) } ?? ""
        let namePrefix = slash.map { String(word[word.index(after: $0)...]) } ?? word
        guard let directory = resolve(directoryPart) else { return [] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names
            .filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .map { name in
                var isDirectory: ObjCBool = false
                let full = (directory as NSString).appendingPathComponent(name)
                let exists = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
                return directoryPart + name + (exists && isDirectory.boolValue ? "/" : "")
            }
            .sorted()
    }

    private func resolve(_ directoryPart: String) -> String? {
        if directoryPart.isEmpty { return currentDirectory }
        if directoryPart.hasPrefix("~/") {
            guard let home = homeDirectory else { return nil }
            return home + directoryPart.dropFirst()
        }
        if directoryPart.hasPrefix("/") { return directoryPart }
        return (currentDirectory as NSString).appendingPathComponent(directoryPart)
    }

    // MARK: Characters

    private func text<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        String(decoding: Array(bytes), as: UTF8.self)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A }

    /// Characters that end a word; `-`, `.`, `/`, `~` and `:` stay inside (paths, numbers).
    static func isWordBoundary(_ byte: UInt8) -> Bool {
        isSpace(byte) || Array(";()[]{},\"=+*<>!&|".utf8).contains(byte)
    }
}

/// Where the statement under the cursor starts, and whether the cursor is inside a string.
struct StatementScan {
    /// Byte offset just after the last `;`, newline, `{` or `}` outside a string.
    var statementStart = 0
    /// Byte offset just after an unclosed `"`, if the cursor is inside a string literal.
    var openStringStart: Int?

    init(_ bytes: [UInt8]) {
        var inString = false
        var escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; openStringStart = offset + 1
            case UInt8(ascii: ";"), UInt8(ascii: "\n"), UInt8(ascii: "{"), UInt8(ascii: "}"): statementStart = offset + 1
            default: break
            }
        }
        if !inString { openStringStart = nil }
    }
}
