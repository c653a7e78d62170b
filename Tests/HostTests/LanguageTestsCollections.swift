import Host
import XCTest

final class LanguageTestsCollections: XCTestCase {
    func testArrayLiteralsIndexingAndCount() throws {
        let lines = try printed("""
            let a = [10, 20, 30,]
            let names = ["x", "y"]
            print(a[0], a[2], a.count, names, [] == [], [[1], [2, 3]][1][0], a.isEmpty)
            """)
        XCTAssertEqual(lines, ["10 30 3 [\"x\", \"y\"] true 2 false"])
    }

    func testArrayLiteralsMaySpanLines() throws {
        XCTAssertEqual(try printed("let a = [\n  1,\n  2 +\n  3\n]\nprint(a)"), ["[1, 5]"])
    }

    func testIndexPastTheEndSaysWhatIsValid() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = [1, 2, 3]\nprint(a[3])"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 8))
        XCTAssertTrue(error.message.contains("index 3 is out of range"), error.message)
        XCTAssertTrue(error.message.contains("0...2"), error.message)
    }

    func testNegativeIndexIsAnErrorLikeSwift() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = [1, 2, 3]; print(a[-1])"))
        XCTAssertTrue(error.message.contains("index -1"), error.message)
        XCTAssertTrue(error.message.contains("negative indices are not supported"), error.message)
    }

    func testIndexMustBeAnInt() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("print([1, 2][0.5])"))
        XCTAssertTrue(error.message.contains("must be an Int"), error.message)
    }

    func testRangesAreArraysOfInt() throws {
        XCTAssertEqual(try printed("let r = 2...5; print(r, r.count, 0..<3, 4..<4, (1...3)[1])"),
                       ["[2, 3, 4, 5] 4 [0, 1, 2] [] 2"])
    }

    func testRangeWithLowerAboveUpperIsAnError() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let r = 5...2"))
        XCTAssertTrue(error.message.contains("lower bound is greater"), error.message)
        XCTAssertNotNil(LanguageHarness().failure("let r = 0.5...2"))
    }

    func testArrayConcatenationWithPlusEquals() throws {
        XCTAssertEqual(try printed("var xs = [1]; xs += [2, 3]; print(xs, xs.count)"), ["[1, 2, 3] 3"])
    }

    func testStringCountAndIndexCountCharacters() throws {
        XCTAssertEqual(try printed(#"let s = "héllo"; print(s.count, s[1])"#), ["5 é"])
    }

    func testUnknownMemberOnAValueIsAnError() throws {
        let error = try XCTUnwrap(LanguageHarness().failure("let a = [1]\nprint(a.cont)"))
        XCTAssertEqual(error.location, SourceLocation(line: 2, column: 8))
        XCTAssertTrue(error.message.contains("Array has no member `cont`; did you mean `count`?"), error.message)
    }

    func testContainsOnStringsAndArrays() throws {
        XCTAssertEqual(try printed(#"print(contains("answer: 72", "72"), contains([1, 2], 3), contains(["a"], "a"))"#),
                       ["true false true"])
        XCTAssertNotNil(LanguageHarness().failure("print(contains(1, 2))"))
    }
}
