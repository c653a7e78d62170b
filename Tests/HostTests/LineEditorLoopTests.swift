import Compute
import Host
import XCTest

/// Lines typed in advance; records prompts and remembered entries.
final class ScriptedLines: LineSource {
    var results: [LineReadResult]
    var prompts: [String] = []
    var remembered: [String] = []
    init(_ results: [LineReadResult]) { self.results = results }
    func readLine(prompt: String) -> LineReadResult {
        prompts.append(prompt)
        return results.isEmpty ? .endOfInput : results.removeFirst()
    }
    func remember(_ entry: String) { remembered.append(entry) }
}

final class LineEditorLoopTests: XCTestCase {
    struct Failure: Error {}

    /// Complete when braces balance.
    static func balanced(_ text: String) -> Bool {
        text.filter { $0 == "{" }.count <= text.filter { $0 == "}" }.count
    }

    func makeLoop(_ lines: ScriptedLines, evaluate: @escaping (String) throws -> Void) -> REPLLoop {
        let loop = REPLLoop(editor: lines, evaluate: evaluate, isComplete: Self.balanced, prompt: "strata> ")
        loop.handlesInterrupts = false
        return loop
    }

    func testJoinsContinuationLinesAndSurvivesThrowingStatements() {
        let lines = ScriptedLines([.line("load tiny"), .line("for g in 1...2 {"), .line("  train"), .line("}"),
                                   .line(""), .line("bad"), .line("eval")])
        var evaluated: [String] = []
        let loop = makeLoop(lines) { statement in
            evaluated.append(statement)
            if statement == "bad" { throw Failure() }
        }
        loop.run()
        XCTAssertEqual(evaluated, ["load tiny", "for g in 1...2 {\n  train\n}", "bad", "eval"])
        XCTAssertEqual(lines.remembered, evaluated)
        XCTAssertEqual(lines.prompts[1...3], ["strata> ", "   ...> ", "   ...> "])
    }

    func testCtrlCDropsAPartialStatement() {
        let lines = ScriptedLines([.line("for x in [1] {"), .interrupted, .line("show")])
        var evaluated: [String] = []
        makeLoop(lines) { evaluated.append($0) }.run()
        XCTAssertEqual(evaluated, ["show"])
        XCTAssertEqual(lines.prompts, ["strata> ", "   ...> ", "strata> ", "strata> "])
    }

    func testInputEndingInsideAStatementEvaluatesItSoItsErrorIsReported() {
        let lines = ScriptedLines([.line("if true {")])
        var evaluated: [String] = []
        makeLoop(lines) { evaluated.append($0) }.run()
        XCTAssertEqual(evaluated, ["if true {"])
    }

    func testStopEndsTheLoopAfterTheCurrentStatement() {
        let lines = ScriptedLines([.line("train"), .line("quit"), .line("never")])
        var evaluated: [String] = []
        var loop: REPLLoop?
        loop = makeLoop(lines) { statement in
            evaluated.append(statement)
            if statement == "quit" { loop?.stop() }
        }
        loop?.run()
        XCTAssertEqual(evaluated, ["train", "quit"])
    }

    func testWorkSeesInterruptionOnlyWhileItRuns() throws {
        Interruption.request()  // a stale request from before the statement
        var sawStale = true
        try InterruptSignal.shared.whileWorking {
            sawStale = Interruption.isRequested
            Interruption.request()
            XCTAssertThrowsError(try Interruption.check())
        }
        XCTAssertFalse(sawStale, "whileWorking clears a request made before the work started")
    }
}
