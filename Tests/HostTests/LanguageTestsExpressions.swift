import Host
import XCTest

final class LanguageTestsExpressions: XCTestCase {
    func testArithmeticFollowsSwiftPrecedence() throws {
        XCTAssertEqual(try printed("print(2 + 3 * 4, (2 + 3) * 4, 20 - 6 / 3 - 1, -2 * 3, 17 % 5, -7 / 2)"),
                       ["14 20 17 -6 2 -3"])
    }

    func testIntAndDoubleMixingPromotesToDouble() throws {
        XCTAssertEqual(try printed("print(1 + 0.5, 3 / 2, 3 / 2.0, 2 * 1e-3, 2e-3 + 1, 7.5 % 2)"),
                       ["1.5 1 1.5 0.002 1.002 1.5"])
    }

    func testIntegerDivisionByZeroIsAnErrorAtTheOperator() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = 10\nprint(a / 0)"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 9))
        XCTAssertTrue(error.message.contains("division by zero"), error.message)
        XCTAssertNotNil(LanguageHarness().failure("print(1 % 0)"))
        XCTAssertEqual(try printed("print(1.0 / 0)"), ["inf"])
    }

    func testIntegerOverflowIsAnErrorNotATrap() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let big = 9223372036854775807\nlet more = big + 1"))
        XCTAssertTrue(error.message.contains("overflow"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 16))
        XCTAssertNotNil(LanguageHarness().failure("print(3037000500 * 3037000500)"))
        XCTAssertNotNil(LanguageHarness().failure("print(99999999999999999999)"))
    }

    func testComparisonsMixNumbersAndOrderStrings() throws {
        XCTAssertEqual(try printed("print(1 < 2, 2 <= 2, 3 > 4, 1 == 1.0, 2 != 2, \"apple\" < \"banana\", [1, 2] == [1, 2])"),
                       ["true true false true false true true"])
    }

    func testComparingDifferentTypesIsATypeMismatch() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("print(\"1\" == 1)"))
        XCTAssertTrue(error.message.contains("String and Int"), error.message)
    }

    func testLogicShortCircuits() throws {
        // The right sides would fail (unknown variable) if they ran.
        XCTAssertEqual(try printed("print(false && nope, true || nope, !false && 1 < 2, !(1 < 2) || false)"),
                       ["false true true false"])
        let error = try XCTUnwrap(LanguageHarness().failure("print(true && nope)"))
        XCTAssertTrue(error.message.contains("nope"), error.message)
    }

    func testLogicNeedsBools() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("print(1 && true)"))
        XCTAssertTrue(error.message.contains("Bool"), error.message)
    }

    func testStringConcatenationAndMismatch() throws {
        XCTAssertEqual(try printed("let s = \"ab\" + \"cd\"; print(s, s.count)"), ["abcd 4"])
        let error = try XCTUnwrap(LanguageHarness().failure("let x = \"a\" - 1"))
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 13))
        XCTAssertTrue(error.message.contains("type mismatch"), error.message)
        XCTAssertTrue(error.message.contains("String and Int"), error.message)
    }

    func testInterpolationEvaluatesNestedExpressionsAndStrings() throws {
        let lines = try printed(#"""
            let name = "dham"
            let g = 3
            print("use \(name) with G=\(g + 1)")
            """#)
        XCTAssertEqual(lines, ["use dham with G=4"])
        XCTAssertEqual(try printed(#"print("outer \("inner \(1 + 1)") [\([1, 2].count)] \(0.5)")"#),
                       ["outer inner 2 [2] 0.5"])
    }

    func testEscapesInStrings() throws {
        XCTAssertEqual(try printed(#"print("a\tb\\c \"q\" \u{e9}\nline")"#), ["a\tb\\c \"q\" é\nline"])
        let error = try XCTUnwrap(LanguageHarness().failure(#"print("bad \q")"#))
        XCTAssertTrue(error.message.contains("unknown escape"), error.message)
    }

    func testConversionBuiltins() throws {
        XCTAssertEqual(try printed(#"print(String(42) + "!", Int(3.9), Int(-3.9), Int("12"), Double(2), Double("0.25"))"#),
                       ["42! 3 -3 12 2.0 0.25"])
        let error = try XCTUnwrap(LanguageHarness().failure(#"print(Int("twelve"))"#))
        XCTAssertTrue(error.message.contains("cannot convert"), error.message)
    }

    func testMathBuiltins() throws {
        XCTAssertEqual(try printed("print(abs(-3), abs(-2.5), min(3, 1, 2), max(1, 2.5), max([4, 9, 2]), round(2.5), round(0.123456, 3), round(-1.25, 1))"),
                       ["3 2.5 1 2.5 9 3.0 0.123 -1.3"])
    }

    func testUnknownFunctionSuggestsTheNearestName() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("prnt(1)"))
        XCTAssertTrue(error.message.contains("unknown function `prnt`; did you mean `print`?"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 1))
    }

    func testAssertFailureCarriesMessageAndLocation() throws {
        let harness = LanguageHarness()
        XCTAssertEqual(try harness.run("assert(1 + 1 == 2, \"math\"); print(\"ok\")"), ["ok"])
        let error = try XCTUnwrap(harness.failure("let acc = 0.2\n  assert(acc > 0.5, \"accuracy \\(acc) too low\")"))
        XCTAssertEqual(error.message, "assertion failed: accuracy 0.2 too low")
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 3))
    }

    func testChainedComparisonIsAParseError() throws {
        let harness = LanguageHarness()
        let error = try XCTUnwrap(harness.failure("print(\"ran\")\nprint(1 < 2 < 3)"))
        XCTAssertTrue(error.message.contains("&&"), error.message)
        XCTAssertEqual(harness.lines, [], "a parse error runs nothing")
    }
}
