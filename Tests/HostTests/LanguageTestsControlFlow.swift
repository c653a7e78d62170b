import Compute
import Host
import XCTest

final class LanguageTestsControlFlow: XCTestCase {
    func testIfElseIfElseTakesTheFirstTrueBranch() throws {
        let source = """
            for x in [1, 5, 12] {
                if x < 3 {
                    print("small", x)
                } else if x < 10 {
                    print("medium", x)
                }
                else {
                    print("large", x)
                }
            }
            """
        XCTAssertEqual(try printed(source), ["small 1", "medium 5", "large 12"])
    }

    func testIfWithoutElseFollowedByAStatementOnTheNextLine() throws {
        XCTAssertEqual(try printed("if false { print(1) }\nprint(2)"), ["2"])
    }

    func testConditionMustBeABool() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("if 1 { }"))
        XCTAssertTrue(error.message.contains("must be a Bool, got Int"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 4))
    }

    func testForOverArrayClosedAndHalfOpenRanges() throws {
        let source = """
            var sum = 0
            for g in 2...6 { sum += g }
            var names = ""
            for n in ["a", "b"] { names = names + n }
            var count = 0
            for i in 0..<0 { count += 1 }
            for _ in 1...3 { count += 1 }
            print(sum, names, count)
            """
        XCTAssertEqual(try printed(source), ["20 ab 3"])
    }

    func testLoopVariableIsAConstantScopedToTheLoop() throws {
        let harness = LanguageHarness()
        let error = try XCTUnwrap(harness.failure("for i in 1...2 {\n  i = 5\n}"))
        XCTAssertTrue(error.message.contains("declared at 1:5"), error.message)
        XCTAssertNotNil(harness.failure("for i in 1...2 { }\nprint(i)"))
    }

    func testWhileWithBreakAndContinue() throws {
        let source = """
            var i = 0
            var odd = []
            while true {
                i += 1
                if i > 9 { break }
                if i % 2 == 0 { continue }
                odd += [i]
            }
            print(odd, i)
            """
        XCTAssertEqual(try printed(source), ["[1, 3, 5, 7, 9] 10"])
    }

    func testBreakLeavesOnlyTheInnermostLoop() throws {
        let source = """
            var pairs = 0
            for a in 1...3 {
                for b in 1...3 {
                    if b > a { break }
                    pairs += 1
                }
            }
            print(pairs)
            """
        XCTAssertEqual(try printed(source), ["6"])
    }

    func testBreakOutsideALoopIsAParseError() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("if true { break }"))
        XCTAssertTrue(error.message.contains("only allowed inside"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 11))
    }

    func testInterruptionStopsAnEndlessLoop() throws {
        Interruption.reset()
        let harness = LanguageHarness()
        harness.runner.onRun = { _ in
            if harness.runner.invocations.count == 5 { Interruption.request() }
        }
        let error = try XCTUnwrap(harness.failure("var n = 0\nwhile true {\n  tick\n  n += 1\n}"))
        XCTAssertTrue(error.isInterruption)
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 1))
        XCTAssertEqual(harness.runner.invocations.count, 5)
        XCTAssertEqual(harness.interpreter.value(of: "n"), .int(5))
        XCTAssertFalse(Interruption.isRequested)
    }

    func testForOverAHugeRangeDoesNotBuildIt() throws {
        XCTAssertEqual(try printed("var last = 0\nfor i in 0..<9223372036854775807 { last = i; if i == 3 { break } }\nprint(last)"),
                       ["3"])
        XCTAssertNotNil(LanguageHarness().failure("let a = 0..<9223372036854775807"))
    }
}
