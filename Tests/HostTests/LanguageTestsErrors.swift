import Host
import XCTest

final class LanguageTestsErrors: XCTestCase {
    func testUnknownVariableSuggestsTheNearestNameWithLineAndColumn() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let accuracy = 0.5\nprint(acuracy * 2)"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 7))
        XCTAssertEqual(error.message, "unknown variable `acuracy`; did you mean `accuracy`?")
    }

    func testUnknownVariableWithNothingCloseHasNoSuggestion() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = 1\nprint(zebra)"))
        XCTAssertEqual(error.message, "unknown variable `zebra`")
    }

    func testPrintedErrorQuotesTheLineWithACaretUnderTheColumn() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let x = 1\n\tlet y = x / 0", fileName: "run.strata"))
        XCTAssertEqual(error.description, """
            run.strata:2:12: error: division by zero in `1 / 0`; use Doubles (1.0 / 0.0) for inf/nan
                \tlet y = x / 0
                \t          ^
            """)
    }

    func testUnbalancedBraceIsAParseErrorAndNothingRuns() throws {
        let harness = LanguageHarness()
        let error = try XCTUnwrap(harness.failure("print(\"before\")\nfor i in 1...3 {\n  print(i)\n"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 16))
        XCTAssertTrue(error.message.contains("never closed"), error.message)
        XCTAssertEqual(harness.lines, [])
    }

    func testStrayClosingBraceIsAParseError() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("print(1)\n}"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 1))
        XCTAssertTrue(error.message.contains("no open `{`"), error.message)
    }

    func testUnclosedParenthesisNamesWhereItOpened() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("print(1, 2\nlet x = 3"))
        XCTAssertTrue(error.message.contains("close the `(` at 1:6"), error.message)
    }

    func testTwoStatementsOnALineNeedASemicolon() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = 1 let b = 2"))
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 11))
        XCTAssertTrue(error.message.contains("`;`"), error.message)
    }

    func testUnexpectedCharacterIsReported() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = 1 # 2"))
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 11))
        XCTAssertTrue(error.message.contains("unexpected character `#`"), error.message)
    }

    func testErrorInsideInterpolationPointsIntoTheString() throws {
        let error = try XCTUnwrap(LanguageHarness().failure(#"print("value: \(nope + 1)")"#))
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 17))
    }

    func testFunctionNameUsedAsAVariable() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let f = print"))
        XCTAssertTrue(error.message.contains("`print` is a function"), error.message)
    }

    func testIsCompleteWaitsForOpenBracketsStringsAndComments() {
        let interpreter = Interpreter(runner: RecordingRunner()) { _ in }
        XCTAssertTrue(interpreter.isComplete("let x = 1"))
        XCTAssertTrue(interpreter.isComplete("for g in 2...6 { use dham G=g }"))
        XCTAssertFalse(interpreter.isComplete("for g in 2...6 {"))
        XCTAssertFalse(interpreter.isComplete("if a {\n  if b { }\n"))
        XCTAssertFalse(interpreter.isComplete("print(1,"))
        XCTAssertFalse(interpreter.isComplete("let a = [1,\n 2"))
        XCTAssertFalse(interpreter.isComplete("print(\"open"))
        XCTAssertFalse(interpreter.isComplete("print(\"a \\(f(\"x\")"))
        XCTAssertFalse(interpreter.isComplete("/* still a comment"))
        XCTAssertTrue(interpreter.isComplete("print(\"}{\") // {"))
        XCTAssertTrue(interpreter.isComplete("}"), "an extra `}` is a mistake to report, not a continuation")
    }

    func testDeepNestingIsAnErrorNotACrash() throws {
        let harness = LanguageHarness()
        XCTAssertEqual(try harness.run("print(" + String(repeating: "(", count: 40) + "7" + String(repeating: ")", count: 40) + ")"),
                       ["7"])
        let error = try XCTUnwrap(harness.failure(String(repeating: "[", count: 500)))
        XCTAssertTrue(error.message.contains("nested too deeply"), error.message)
        XCTAssertNotNil(harness.failure(String(repeating: "{", count: 500)))
        XCTAssertNotNil(harness.failure(String(repeating: "-", count: 500) + "1"))
    }

    func testBadEscapeIsReportedNotWaitedOn() throws {
        let harness = LanguageHarness()
        XCTAssertTrue(harness.interpreter.isComplete(#"print("\u{D800}")"#))
        let error = try XCTUnwrap(harness.failure(#"print("\u{D800}")"#))
        XCTAssertTrue(error.message.contains("unicode escape"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 7))
    }

    func testUnterminatedCommentPointsAtItsStart() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("print(1)\n  /* never closed\nprint(2)"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 3))
    }
}
