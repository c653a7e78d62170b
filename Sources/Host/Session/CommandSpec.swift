import Compute

/// One REPL command: its name, help and implementation. Commands register in
/// `CommandCatalog`; the session looks them up by name.
public struct CommandSpec {
    public let name: String
    public let usage: String
    public let summary: String
    /// Named arguments the command accepts (for errors and tab completion).
    public let parameters: [String]
    /// Flags the command accepts besides the session-wide `--json`.
    public let flags: [String]
    /// The command checks its named arguments itself (`use` passes them to the method's schema).
    public let acceptsAnyParameters: Bool
    /// More lines for `help NAME` that depend on the session (`inspect`'s subjects).
    let details: ((Session) -> [String])?
    let run: (Session, CommandArguments) throws -> Value

    public init(name: String, usage: String, summary: String, parameters: [String] = [], flags: [String] = [],
                acceptsAnyParameters: Bool = false, details: ((Session) -> [String])? = nil,
                run: @escaping (Session, CommandArguments) throws -> Value) {
        self.acceptsAnyParameters = acceptsAnyParameters
        self.details = details
        self.name = name
        self.usage = usage
        self.summary = summary
        self.parameters = parameters
        self.flags = flags
        self.run = run
    }
}

/// An error in how a command was called: names the command and says what to do.
public struct CommandError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Typed access to a command's arguments, with errors that name the command, the argument
/// and what was expected.
public struct CommandArguments {
    public let invocation: CommandInvocation
    let spec: CommandSpec

    public var json: Bool { invocation.flags.contains("json") }
    public func flag(_ name: String) -> Bool { invocation.flags.contains(name) }
    public var positional: [Value] { invocation.positional }

    /// Rejects named arguments and flags the command does not know, suggesting the nearest.
    func validate() throws {
        for (name, _) in invocation.named where !spec.acceptsAnyParameters && !spec.parameters.contains(name) {
            let hint = Suggestion.nearest(to: name, in: spec.parameters).map { "; did you mean '\($0)'?" } ?? ""
            let known = spec.parameters.isEmpty ? "it takes none" : "it takes " + spec.parameters.joined(separator: ", ")
            throw CommandError("\(spec.name): unknown argument '\(name)'\(hint) (\(known); usage: \(spec.usage))")
        }
        for flag in invocation.flags where flag != "json" && !spec.flags.contains(flag) {
            throw CommandError("\(spec.name): unknown flag --\(flag) (usage: \(spec.usage))")
        }
    }

    /// The positional argument at `index` as text (words and strings alike).
    public func string(at index: Int, _ what: String) throws -> String {
        guard index < invocation.positional.count else {
            throw CommandError("\(spec.name): missing \(what) (usage: \(spec.usage))")
        }
        switch invocation.positional[index] {
        case let .string(s): return s
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let other: throw CommandError("\(spec.name): \(what) must be text, got \(other.typeName) \(other.literalDescription)")
        }
    }

    public func optionalString(at index: Int) -> String? {
        guard index < invocation.positional.count else { return nil }
        if case let .string(s) = invocation.positional[index] { return s }
        return invocation.positional[index].description
    }

    public func value(_ name: String) -> Value? {
        invocation.named.last { $0.name == name }?.value
    }

    public func int(_ name: String, default value: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let v = self.value(name) else { return value }
        guard case let .int(i) = v else {
            throw CommandError("\(spec.name): \(name) must be an integer, got \(v.typeName) \(v.literalDescription)")
        }
        guard range.contains(i) else {
            throw CommandError("\(spec.name): \(name)=\(i) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return i
    }

    public func double(_ name: String, default value: Double, range: ClosedRange<Double> = -.infinity...(.infinity)) throws -> Double {
        guard let v = self.value(name) else { return value }
        let d: Double
        switch v {
        case let .int(i): d = Double(i)
        case let .double(x): d = x
        default: throw CommandError("\(spec.name): \(name) must be a number, got \(v.typeName) \(v.literalDescription)")
        }
        guard range.contains(d), d.isFinite else {
            throw CommandError("\(spec.name): \(name)=\(Value.format(d)) is out of range \(Value.format(range.lowerBound))…\(Value.format(range.upperBound))")
        }
        return d
    }

    public func string(_ name: String, default value: String?) throws -> String? {
        guard let v = self.value(name) else { return value }
        if case let .string(s) = v { return s }
        return v.description
    }

    public func bool(_ name: String, default value: Bool) throws -> Bool {
        guard let v = self.value(name) else { return value }
        switch v {
        case let .bool(b): return b
        case .string("true"), .string("yes"), .int(1): return true
        case .string("false"), .string("no"), .int(0): return false
        default: throw CommandError("\(spec.name): \(name) must be true or false, got \(v.literalDescription)")
        }
    }
}

/// "Did you mean …?" for command and argument names (edit distance from `NameSuggestion`).
enum Suggestion {
    static func nearest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, NameSuggestion.editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }
}
