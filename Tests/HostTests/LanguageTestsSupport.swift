import Host
import XCTest

/// A command runner that records what it was asked to run and answers from a table.
final class RecordingRunner: CommandRunner {
    var commands: Set<String> = ["use", "eval", "plugin", "generate", "data", "save", "load", "train", "tick"]
    private(set) var invocations: [CommandInvocation] = []
    /// What each command returns (`.void` when absent).
    var results: [String: Value] = [:]
    /// Errors thrown by commands, by name.
    var failures: [String: Error] = [:]
    /// Called on every run, after recording (e.g. to raise an interruption).
    var onRun: ((CommandInvocation) -> Void)?

    func isCommand(_ name: String) -> Bool { commands.contains(name) }

    func run(_ invocation: CommandInvocation) throws -> Value {
        invocations.append(invocation)
        onRun?(invocation)
        if let failure = failures[invocation.name] { throw failure }
        return results[invocation.name] ?? .void
    }
}

struct CommandFailed: Error, CustomStringConvertible {
    var description: String
}

/// An interpreter wired to a recording runner, collecting printed lines.
final class LanguageHarness {
    let runner = RecordingRunner()
    private(set) var lines: [String] = []
    private(set) lazy var interpreter = Interpreter(runner: runner) { [unowned self] in self.lines.append($0) }

    /// Runs `source` and returns the lines it printed.
    @discardableResult
    func run(_ source: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let before = lines.count
        try interpreter.run(source)
        return Array(lines[before...])
    }

    /// Runs `source`, which must fail, and returns the error.
    func failure(_ source: String, fileName: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> ScriptError? {
        do {
            try interpreter.run(source, fileName: fileName)
            XCTFail("expected an error from: \(source)", file: file, line: line)
        } catch let error as ScriptError {
            return error
        } catch {
            XCTFail("expected a ScriptError, got \(error)", file: file, line: line)
        }
        return nil
    }
}

/// Runs `source` in a fresh interpreter and returns its printed lines.
func printed(_ source: String) throws -> [String] {
    try LanguageHarness().run(source)
}
