import Host
import XCTest

final class LanguageTestsBindings: XCTestCase {
    func testLetAndVarBindValuesAndVarCanChange() throws {
        let lines = try printed("""
            let a = 2
            var b = a * 10
            b = b + 1
            b += 4
            b -= 5
            print(a, b)
            """)
        XCTAssertEqual(lines, ["2 20"])
    }

    func testAssigningToLetNamesTheVariableAndBothLocations() throws {
        let harness = LanguageHarness()
        let error = try XCTUnwrap(harness.failure("let limit = 5\n  limit = 6"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 3))
        XCTAssertTrue(error.message.contains("`limit`"), error.message)
        XCTAssertTrue(error.message.contains("declared at 1:1"), error.message)
        XCTAssertEqual(harness.interpreter.value(of: "limit"), .int(5))
    }

    func testCompoundAssignmentToLetIsAlsoRefused() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let n = 1; n += 1"))
        XCTAssertEqual(error.location, SourceLocation(line: 1, column: 12))
        XCTAssertTrue(error.message.contains("let"), error.message)
    }

    func testAssigningAnUndeclaredVariableSuggestsTheDeclaredOne() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("var total = 0\ntotl = 3"))
        XCTAssertTrue(error.message.contains("did you mean `total`?"), error.message)
        XCTAssertEqual(error.location.line, 2)
    }

    func testBlockScopesHideInnerNamesAndSeeOuterOnes() throws {
        let harness = LanguageHarness()
        XCTAssertEqual(try harness.run("var x = 1\n{\n  let y = 10\n  x = x + y\n}\nprint(x)"), ["11"])
        let error = try XCTUnwrap(harness.failure("print(y)"))
        XCTAssertTrue(error.message.contains("unknown variable `y`"), error.message)
    }

    func testInnerDeclarationShadowsOuterUntilTheBlockEnds() throws {
        XCTAssertEqual(try printed("let v = \"outer\"\n{ let v = \"inner\"; print(v) }\nprint(v)"), ["inner", "outer"])
    }

    func testRedeclaringInTheSameBlockIsAnErrorButTopLevelReplaces() throws {
        let harness = LanguageHarness()
        let error = try XCTUnwrap(harness.failure("{ let a = 1\n  let a = 2 }"))
        XCTAssertTrue(error.message.contains("already declared"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 3))
        try harness.run("let r = 1")
        try harness.run("let r = 2")
        XCTAssertEqual(harness.interpreter.value(of: "r"), .int(2))
    }

    func testTopLevelVariablesPersistAcrossRunsAndAreListed() throws {
        let harness = LanguageHarness()
        try harness.run("let model = \"tiny\"; var steps = 3")
        try harness.run("steps = steps * 2")
        XCTAssertEqual(harness.interpreter.value(of: "steps"), .int(6))
        XCTAssertEqual(harness.interpreter.variableNames, ["model", "steps"])
        XCTAssertNil(harness.interpreter.value(of: "missing"))
    }

    func testSemicolonsNewlinesAndCommentsSeparateAndVanish() throws {
        let lines = try printed("""
            print(1); print(2) // a trailing comment
            /* a block comment
               /* nested */ over lines */ print(3);;
            ;
            print(4 /* inside an expression */ + 1)
            """)
        XCTAssertEqual(lines, ["1", "2", "3", "5"])
    }

    func testEchoPrintsBareExpressionValuesOnlyWhenAsked() throws {
        let harness = LanguageHarness()
        try harness.run("let s = \"hi\"")
        XCTAssertEqual(try harness.run("s"), [])
        harness.interpreter.echoesExpressionValues = true
        XCTAssertEqual(try harness.run("s\n1 + 2\nprint(\"x\")\nlet t = 3"), ["\"hi\"", "3", "x"])
    }

    func testRuntimeErrorAbandonsOnlyThatInputInTheREPL() throws {
        let harness = LanguageHarness()
        XCTAssertNotNil(harness.failure("var count = 1\ncount = count + nothing\ncount = 100"))
        XCTAssertEqual(harness.interpreter.value(of: "count"), .int(1))
        XCTAssertEqual(try harness.run("count += 1; print(count)"), ["2"])
    }
}
