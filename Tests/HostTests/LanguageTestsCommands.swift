import Host
import XCTest

final class LanguageTestsCommands: XCTestCase {
    private func invocations(_ source: String) throws -> [CommandInvocation] {
        let harness = LanguageHarness()
        try harness.run(source)
        return harness.runner.invocations
    }

    private func single(_ source: String, file: StaticString = #filePath, line: UInt = #line) throws -> CommandInvocation {
        let all = try invocations(source)
        XCTAssertEqual(all.count, 1, file: file, line: line)
        return try XCTUnwrap(all.first, file: file, line: line)
    }

    func testPositionalWordsAndNamedIntegers() throws {
        XCTAssertEqual(try single("use dham G=3 m=16"),
                       CommandInvocation(name: "use", positional: [.string("dham")], named: [("G", .int(3)), ("m", .int(16))],
                                         location: SourceLocation(line: 1, column: 1)))
    }

    func testPathLikeWordsAreStrings() throws {
        let all = try invocations("plugin build Plugins/DHAM\nplugin load ~/my-methods/Foo.v2\nuse lora targets=q,k,v,o")
        XCTAssertEqual(all.map(\.positional), [[.string("build"), .string("Plugins/DHAM")],
                                                [.string("load"), .string("~/my-methods/Foo.v2")],
                                                [.string("lora")]])
        XCTAssertEqual(all[2].named.first?.value, .string("q,k,v,o"))
        XCTAssertEqual(all[1].location, SourceLocation(line: 2, column: 1))
    }

    func testNumbersFlagsAndStringLiterals() throws {
        let invocation = try single(#"generate "Once upon a time" max=32 temperature=0.7 lr=2e-3 --json --top-k shift=-1"#)
        XCTAssertEqual(invocation.positional, [.string("Once upon a time")])
        XCTAssertEqual(invocation.flags, ["json", "top-k"])
        XCTAssertEqual(invocation.named.map(\.name), ["max", "temperature", "lr", "shift"])
        XCTAssertEqual(invocation.named.map(\.value), [.int(32), .double(0.7), .double(0.002), .int(-1)])
    }

    func testWordJoinedToAStringIsOneString() throws {
        let invocation = try single(#"use prompt m=20 init=text:"Solve step by step.""#)
        XCTAssertEqual(invocation.named.map(\.value), [.int(20), .string("text:Solve step by step.")])
    }

    func testRangeArgumentBecomesAnArrayOfInt() throws {
        let invocation = try single("use lora layers=0...3 heads=0..<2")
        XCTAssertEqual(invocation.named.map(\.value), [.array([.int(0), .int(1), .int(2), .int(3)]),
                                                       .array([.int(0), .int(1)])])
    }

    func testBareIdentifiersNameVariablesInScopeElseThemselves() throws {
        let all = try invocations("for g in 2...4 { use dham G=g }\nlet set = \"test\"\neval gsm8k split=set mode=g")
        XCTAssertEqual(all.map { $0.named.first?.value }, [.int(2), .int(3), .int(4), .string("test")])
        XCTAssertEqual(all.last?.positional, [.string("gsm8k")])
        XCTAssertEqual(all.last?.named.last?.value, .string("g"), "`g` is out of scope after the loop")
        XCTAssertEqual(all[0].location, SourceLocation(line: 1, column: 18))
    }

    func testParenthesisedInterpolatedAndBoolValues() throws {
        let invocation = try single(#"let n = 4; train steps=(n * 25) name="run-\(n)" shuffle=false [1, 2] (n)"#)
        XCTAssertEqual(invocation.named.map(\.value), [.int(100), .string("run-4"), .bool(false)])
        XCTAssertEqual(invocation.positional, [.array([.int(1), .int(2)]), .int(4)])
    }

    func testCommandsEndAtSemicolonsBracesAndComments() throws {
        let all = try invocations("save \"run1.ckpt\"; data gsm8k split=train limit=512 // why\nif true { load tiny }")
        XCTAssertEqual(all.map(\.name), ["save", "data", "load"])
        XCTAssertEqual(all[0].positional, [.string("run1.ckpt")])
        XCTAssertEqual(all[1].named.map(\.name), ["split", "limit"])
        XCTAssertEqual(all[2].positional, [.string("tiny")])
    }

    func testCommandResultIsAValue() throws {
        let harness = LanguageHarness()
        harness.runner.results["eval"] = .record(Record([("dataset", .string("gsm8k")), ("accuracy", .double(0.42))]))
        let lines = try harness.run("let r = eval gsm8k limit=50; print(r.accuracy)\nprint((eval gsm8k).dataset)")
        XCTAssertEqual(lines, ["0.42", "gsm8k"])
        XCTAssertEqual(harness.runner.invocations.map(\.named.count), [1, 0])
    }

    func testCommandAfterAssignmentAndInInterpolation() throws {
        let harness = LanguageHarness()
        harness.runner.results["eval"] = .record(Record([("accuracy", .double(0.5))]))
        let lines = try harness.run("var best = 0.0\nbest = eval gsm8k\nprint(\"got \\((eval gsm8k).accuracy)\", best.accuracy)")
        XCTAssertEqual(lines, ["got 0.5 0.5"])
    }

    func testParenthesisedCommandMaySpanLines() throws {
        let invocation = try single("let r = (eval gsm8k\n    limit=5\n    --json)")
        XCTAssertEqual(invocation.named.map(\.value), [.int(5)])
        XCTAssertEqual(invocation.flags, ["json"])
    }

    func testRecordFieldTypoSuggestsTheField() throws {
        let harness = LanguageHarness()
        harness.runner.results["eval"] = .record(Record([("accuracy", .double(0.42)), ("count", .int(50))]))
        let error = try XCTUnwrap(harness.failure("let r = eval gsm8k\nprint(r.acuracy)"))
        XCTAssertTrue(error.message.contains("did you mean `accuracy`?"), error.message)
        XCTAssertTrue(error.message.contains("accuracy, count"), error.message)
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 8))
    }

    func testRunnerErrorsAreWrappedWithTheCommandLocation() throws {
        let harness = LanguageHarness()
        harness.runner.failures["load"] = CommandFailed(description: "no model named `nope`")
        let error = try XCTUnwrap(harness.failure("print(1)\n  load nope\nprint(2)"))
        XCTAssertEqual(error.message, "load: no model named `nope`")
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 3))
        XCTAssertEqual(harness.lines, ["1"])
        XCTAssertTrue(error.underlying is CommandFailed)
    }

    func testCommandWordsCannotBeVariables() throws {
        let harness = LanguageHarness()
        let error = try XCTUnwrap(harness.failure("let eval = 3"))
        XCTAssertTrue(error.message.contains("`eval` is a command"), error.message)
        XCTAssertNotNil(harness.failure("eval = 3"))
        let inExpression = try XCTUnwrap(harness.failure("print(eval)"))
        XCTAssertTrue(inExpression.message.contains("(eval …)"), inExpression.message)
        XCTAssertTrue(harness.runner.invocations.isEmpty)
    }

    func testMalformedArgumentsAreParseErrors() throws {
        let harness = LanguageHarness()
        let missing = try XCTUnwrap(harness.failure("use dham G= m=16"))
        XCTAssertTrue(missing.message.contains("a value after `G=`"), missing.message)
        XCTAssertEqual(missing.location, SourceLocation(line: 1, column: 12))
        let glued = try XCTUnwrap(harness.failure("use dham G=(1)2"))
        XCTAssertTrue(glued.message.contains("separate arguments"), glued.message)
        XCTAssertTrue(harness.runner.invocations.isEmpty)
    }

    func testRunnerMayRunMoreSourceFromInsideALoop() throws {
        let harness = LanguageHarness()
        var innerFailures = 0
        harness.runner.onRun = { [unowned harness] _ in
            do { try harness.interpreter.run("print(\"inner\"); print(nope)") } catch { innerFailures += 1 }
        }
        XCTAssertEqual(try harness.run("for i in 1...2 { tick; print(i) }\nprint(\"after\")"),
                       ["inner", "1", "inner", "2", "after"])
        XCTAssertEqual(innerFailures, 2)
    }
}
