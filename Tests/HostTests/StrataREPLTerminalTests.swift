import Foundation
import XCTest

/// The real `strata` REPL in a terminal (tmux): tab completion, an error line, history recall
/// and `quit`.
final class StrataREPLTerminalTests: XCTestCase {
    /// The `strata` executable built beside the test bundle.
    private var strata: String {
        get throws {
            let testExecutable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            let path = ((testExecutable as NSString).deletingLastPathComponent as NSString).appendingPathComponent("strata")
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw XCTSkip("strata is not built beside the tests at \(path); run `swift build` first")
            }
            return path
        }
    }

    private func waitForPrompt(_ terminal: TmuxSession, timeout: Double = 60) throws {
        _ = try terminal.wait(timeout: timeout, for: "an empty strata> prompt") { screen in
            screen.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) == "strata>"
        }
    }

    func testCompletionErrorHistoryAndQuit() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("strata-repl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let terminal = try TmuxSession(
            command: [try strata],
            environment: ["XDG_STATE_HOME": state.path, "TERM": "xterm",
                          "STRATA_PLUGINS": repository.appendingPathComponent("Plugins").path])
        defer { terminal.kill() }
        try waitForPrompt(terminal)

        try terminal.type("load tiny")
        try terminal.send(keys: "Enter")
        _ = try terminal.waitFor("loaded tiny (4 layers")
        try waitForPrompt(terminal)

        // Tab completes the method name from the plugins folder.
        try terminal.type("use pro")
        try terminal.send(keys: "Tab")
        _ = try terminal.waitFor("strata> use prompt")
        try terminal.type("m=4")
        try terminal.send(keys: "Enter")
        _ = try terminal.waitFor("using prompt (256 trainable parameters)", timeout: 300)
        try waitForPrompt(terminal)

        // An error names the line and column; the session goes on.
        try terminal.type("print(missing)")
        try terminal.send(keys: "Enter")
        _ = try terminal.waitFor("error: unknown variable `missing`")
        try waitForPrompt(terminal)

        // Up recalls the previous statement.
        try terminal.send(keys: "Up")
        _ = try terminal.waitFor("strata> print(missing)", count: 2)
        try terminal.send(keys: "C-u")
        try terminal.type("print(6 * 7)")
        try terminal.send(keys: "Enter")
        _ = try terminal.waitFor("\n42\n")
        try waitForPrompt(terminal)

        try terminal.type("quit")
        try terminal.send(keys: "Enter")
        XCTAssertEqual(try terminal.waitForExit(timeout: 30) ?? 0, 0)
        let history = try String(contentsOf: state.appendingPathComponent("strata/history"), encoding: .utf8)
        XCTAssertTrue(history.contains("use prompt m=4"), history)
    }
}
