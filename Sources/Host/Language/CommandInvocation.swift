/// A command statement after evaluation of its arguments, e.g. `use dham G=3 m=16 --json`
/// → name "use", positional ["dham"], named [("G", 3), ("m", 16)], flags ["json"].
///
/// Bare words (`dham`, `Plugins/DHAM`, `gsm8k`) arrive as strings; `key=value` pairs keep
/// their order; `--flag` words are flags. Values are literals, interpolated strings,
/// variables or parenthesised expressions, already evaluated.
public struct CommandInvocation: Equatable {
    public var name: String
    public var positional: [Value]
    public var named: [(name: String, value: Value)]
    public var flags: [String]
    /// Where the command starts in the source, for error messages.
    public var location: SourceLocation

    public init(name: String, positional: [Value] = [], named: [(String, Value)] = [], flags: [String] = [],
                location: SourceLocation = SourceLocation(line: 1, column: 1)) {
        self.name = name
        self.positional = positional
        self.named = named.map { (name: $0.0, value: $0.1) }
        self.flags = flags
        self.location = location
    }

    public static func == (lhs: CommandInvocation, rhs: CommandInvocation) -> Bool {
        lhs.name == rhs.name && lhs.positional == rhs.positional && lhs.flags == rhs.flags
            && lhs.named.count == rhs.named.count
            && zip(lhs.named, rhs.named).allSatisfy { $0.name == $1.name && $0.value == $1.value }
            && lhs.location == rhs.location
    }
}

/// A 1-based line and column in a script or REPL input.
public struct SourceLocation: Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// Runs commands for the interpreter. The session implements it; tests use a fake.
public protocol CommandRunner: AnyObject {
    /// Whether `name` is a command (so `name …` at the start of a statement or after `=` is
    /// parsed as a command statement rather than an expression).
    func isCommand(_ name: String) -> Bool
    /// Runs the command and returns its result (`.void` when it has none). Errors thrown
    /// here are reported with the invocation's location; the session goes on.
    func run(_ invocation: CommandInvocation) throws -> Value
}
