import Foundation
import Host
import XCTest

/// A fixed vocabulary, as a session would provide it.
struct FixedVocabulary: CompletionVocabulary {
    var commands = ["data", "eval", "generate", "help", "load", "quit", "train", "unuse", "use"]
    var methods = ["dham", "dpc", "prefix", "prompt"]
    var datasets = ["aqua", "gsm8k", "math500"]
    var variables = ["accuracy", "acc_list", "result"]
    func parameters(of method: String) -> [String] { method == "dham" ? ["G", "m", "metric"] : [] }
}

final class CompletionEngineTests: XCTestCase {
    let engine = CompletionEngine(vocabulary: FixedVocabulary(), homeDirectory: "/nonexistent-home")

    /// Completes `line` with the cursor at its end.
    func complete(_ line: String, _ engine: CompletionEngine? = nil) -> Completion {
        (engine ?? self.engine).complete(line: line, cursor: line.utf8.count)
    }

    func testCommandsAtTheStartOfEachStatement() {
        XCTAssertEqual(complete("tr").candidates, ["train"])
        XCTAssertEqual(complete("u").candidates, ["unuse", "use"])
        XCTAssertEqual(complete("load tiny; ge").candidates, ["generate"])
        XCTAssertEqual(complete("load tiny; ge").replacement, 11..<13)
        XCTAssertEqual(complete("for g in 2...6 { tr").candidates, ["train"])
        XCTAssertEqual(complete("let r = ev").candidates, ["eval"])
        // At the start, bound variables are offered too (`acc = 3`).
        XCTAssertEqual(complete("ac").candidates, ["acc_list", "accuracy"])
    }

    func testMethodsAfterUseUnuseAndHelp() {
        XCTAssertEqual(complete("use pro").candidates, ["prompt"])
        XCTAssertEqual(complete("use pro").replacement, 4..<7)
        XCTAssertEqual(complete("unuse d").candidates, ["dham", "dpc"])
        XCTAssertEqual(complete("help d").candidates, ["data", "dham", "dpc"])
        XCTAssertEqual(complete("use ").candidates, ["dham", "dpc", "prefix", "prompt"])
    }

    func testParameterNamesAfterUseMethodSkipThoseGiven() {
        let all = complete("use dham ")
        XCTAssertEqual(all.candidates, ["G=", "m=", "metric="])
        XCTAssertEqual(all.terminator, "")
        XCTAssertEqual(complete("use dham G=3 m").candidates, ["m=", "metric="])
        XCTAssertEqual(complete("use dham m=4 G=3 m").candidates, ["metric="])
        XCTAssertEqual(complete("use prompt ").candidates, [])
    }

    func testDatasetsAfterDataAndEvalOnlyAsFirstArgument() {
        XCTAssertEqual(complete("data g").candidates, ["gsm8k"])
        XCTAssertEqual(complete("let r = eval m").candidates, ["math500"])
        XCTAssertEqual(complete("eval gsm8k li").candidates, [])
    }

    func testVariablesInExpressionsAndNamedValues() {
        XCTAssertEqual(complete("print(res").candidates, ["result"])
        XCTAssertEqual(complete("print(res").replacement, 6..<9)
        XCTAssertEqual(complete("train lr=acc").candidates, ["acc_list", "accuracy"])
        XCTAssertEqual(complete("let x = 1 + acc_").candidates, ["acc_list"])
        // Bare words after an ordinary command are strings, not variables.
        XCTAssertEqual(complete("load res").candidates, [])
    }

    func testCursorInTheMiddleCompletesTheTextBeforeIt() {
        let line = "use pro; train"
        let completion = engine.complete(line: line, cursor: 7)
        XCTAssertEqual(completion.candidates, ["prompt"])
        XCTAssertEqual(completion.replacement, 4..<7)
    }

    func testPathsWithTildeHiddenFilesAndDirectories() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("completion-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("models/llama"), withIntermediateDirectories: true)
        for file in ["models/smol.gguf", "models/.hidden", "notes.txt"] {
            try Data().write(to: root.appendingPathComponent(file))
        }
        let engine = CompletionEngine(vocabulary: FixedVocabulary(), homeDirectory: root.path, currentDirectory: root.path)

        XCTAssertEqual(complete("load ~/mo", engine).candidates, ["~/models/"])
        XCTAssertEqual(complete("load ~/models/", engine).candidates, ["~/models/llama/", "~/models/smol.gguf"])
        XCTAssertEqual(complete("load ~/models/.h", engine).candidates, ["~/models/.hidden"])
        XCTAssertEqual(complete("load ./no", engine).candidates, ["./notes.txt"])
        XCTAssertEqual(complete("load \(root.path)/mod", engine).candidates, ["\(root.path)/models/"])
        XCTAssertEqual(complete("load ~", engine).candidates, ["~/"])
        // Inside a string literal the string's text is completed as a path, with no terminator.
        let quoted = complete("plot cka to \"models/sm", engine)
        XCTAssertEqual(quoted.candidates, ["models/smol.gguf"])
        XCTAssertEqual(quoted.replacement, 13..<22)
        XCTAssertEqual(quoted.terminator, "")
        XCTAssertEqual(complete("load ~/missing/", engine).candidates, [])
    }

    func testSemicolonInsideAStringDoesNotStartAStatement() {
        XCTAssertEqual(complete("print(\"a;b\"); u").candidates, ["unuse", "use"])
        XCTAssertEqual(complete("print(\"a;tr").candidates, [])  // inside the string: a path, none exists
    }
}
