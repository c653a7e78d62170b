import Compute
import Foundation
import Host
import XCTest

/// Line editing in a real terminal: this test binary runs itself inside tmux, where
/// `testDemoREPLInsideTheTerminal` drives a `REPLLoop` over libedit, and the outer test types
/// keys and reads the screen.
final class LineEditorTerminalTests: XCTestCase {
    static let demoVariable = "STRATA_LINE_EDITOR_DEMO"

    func testTmuxSessionRunsBash() throws {
        let session = try TmuxSession(command: ["bash", "--norc", "--noprofile"], environment: ["PS1": "demo$ "])
        defer { session.kill() }
        try session.waitFor("demo$")
        try session.type("echo $((6 * 7))")
        try session.send(keys: "Enter")
        let screen = try session.waitFor("\n42")
        XCTAssertTrue(screen.contains("demo$ echo $((6 * 7))"), screen)
        try session.send(keys: "C-d")
        XCTAssertEqual(try session.waitForExit() ?? 0, 0)
    }

    func testLineEditingInARealTerminal() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("line-editor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let history = state.appendingPathComponent("strata/history")
        try FileManager.default.createDirectory(at: history.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "load tiny\n".write(to: history, atomically: true, encoding: .utf8)  // from an earlier session

        let session = try startDemo(stateDirectory: state)
        defer { session.kill() }

        // Tab completion: a unique method, then parameter names listed and completed.
        try session.type("use pro")
        try session.send(keys: "Tab")
        try session.waitFor("demo> use prompt")
        try session.send(keys: "Enter")
        try session.waitFor("ran: use prompt")
        try waitForPrompt(session)
        try session.type("use dham ")
        try session.send(keys: "Tab")
        try session.waitFor("G=       m=       metric=")
        try session.type("G")
        try session.send(keys: "Tab")
        try enter("3", expecting: "ran: use dham G=3", in: session)

        // History: Up recalls the last statement; Up twice more reaches the earlier session's.
        try session.send(keys: "Up", "Enter")
        try session.waitFor("ran: use dham G=3", count: 2)
        try waitForPrompt(session)
        try session.send(keys: "Up", "Up", "Up", "Enter")
        try session.waitFor("ran: load tiny")
        try waitForPrompt(session)

        // Ctrl-R: reverse incremental search.
        try session.send(keys: "C-r")
        try session.type("prom")
        try session.waitFor("use prompt", count: 3)
        try session.send(keys: "Enter")
        try session.waitFor("ran: use prompt", count: 2)
        try waitForPrompt(session)

        // Ctrl-C at the prompt drops the line; an error is reported and the loop goes on.
        try session.type("half typed")
        try session.send(keys: "Left", "Left")
        try session.waitFor("demo> half typed")  // in the editor: Ctrl-C is a key now, not a signal
        try session.send(keys: "C-c")
        try session.waitFor("demo> half typed^C")
        try waitForPrompt(session)
        try enter("fail", expecting: "error: demo failure", in: session)

        // Continuation lines until the braces balance.
        try session.type("for g in 1...2 {")
        try session.send(keys: "Enter")
        try session.wait(for: "the continuation prompt") { $0.hasSuffix(" ...>") }
        try enter("}", expecting: "ran: for g in 1...2 {|}", in: session)

        // Ctrl-C while work runs interrupts the work, not the session.
        try session.type("work")
        try session.send(keys: "Enter")
        try session.waitFor("working")
        try session.send(keys: "C-c")
        try session.waitFor("work interrupted")
        try waitForPrompt(session)
        try session.type("quit")
        try session.send(keys: "Enter")
        try session.waitFor("demo ended")
        XCTAssertEqual(try session.waitForExit() ?? 0, 0)

        let saved = try String(contentsOf: history, encoding: .utf8).split(separator: "\n")
        // Recalled statements move to the end; the line dropped with Ctrl-C is not kept.
        XCTAssertEqual(saved, ["use dham G=3", "load tiny", "use prompt", "fail", "for g in 1...2 {\\n}", "work", "quit"])
    }

    func testCtrlDAtAnEmptyPromptEndsTheSession() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("line-editor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let session = try startDemo(stateDirectory: state)
        defer { session.kill() }
        try session.send(keys: "C-d")
        try session.waitFor("demo ended")
        XCTAssertEqual(try session.waitForExit() ?? 0, 0)
    }

    /// This test binary running `testDemoREPLInsideTheTerminal` in tmux, with its history under
    /// `stateDirectory`; returns once the demo shows its first prompt.
    func startDemo(stateDirectory: URL) throws -> TmuxSession {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let session = try TmuxSession(
            command: [executable, "HostTests.LineEditorTerminalTests/testDemoREPLInsideTheTerminal"],
            environment: [Self.demoVariable: "1", "XDG_STATE_HOME": stateDirectory.path, "TERM": "xterm"])
        do {
            try waitForPrompt(session)
        } catch {
            session.kill()
            throw error
        }
        return session
    }

    /// Types `text`, presses Enter, and waits for `expected` and then the next empty prompt.
    func enter(_ text: String, expecting expected: String, in session: TmuxSession) throws {
        try session.type(text)
        try session.send(keys: "Enter")
        try session.waitFor(expected)
        try waitForPrompt(session)
    }

    /// Waits until the editor shows an empty prompt on the last line, so that keys typed next
    /// reach libedit rather than the terminal's line discipline.
    func waitForPrompt(_ session: TmuxSession) throws {
        try session.wait(for: "an empty prompt") { $0.hasSuffix("\ndemo>") }
    }

    /// The program the terminal tests drive; skipped in ordinary runs.
    func testDemoREPLInsideTheTerminal() throws {
        guard ProcessInfo.processInfo.environment[Self.demoVariable] == "1" else {
            throw XCTSkip("runs only inside the tmux session of the terminal tests")
        }
        struct DemoFailure: Error, CustomStringConvertible { var description: String { "demo failure" } }
        let engine = CompletionEngine(vocabulary: FixedVocabulary())
        let editor = LineEditor(history: CommandHistory(file: CommandHistory.defaultFile()), completion: engine)
        XCTAssertTrue(editor.isInteractive)
        var loop: REPLLoop?
        loop = REPLLoop(editor: editor, evaluate: { statement in
            switch statement {
            case "fail": throw DemoFailure()
            case "quit": loop?.stop()
            case "work":
                print("working"); fflush(stdout)
                for _ in 0..<400 {
                    usleep(50_000)
                    do { try Interruption.check() } catch { print("work interrupted"); return }
                }
                print("work finished")
            default:
                print("ran: " + statement.replacingOccurrences(of: "\n", with: "|"))
            }
            fflush(stdout)
        }, isComplete: LineEditorLoopTests.balanced, prompt: "demo> ")
        loop?.run()
        print("demo ended")
        fflush(stdout)
    }
}
