import Host
import XCTest

/// MATH-500 extraction (`\boxed`, stated answers) and LaTeX equivalence.
final class AnswerExtractionMATHTests: XCTestCase {
    private func assertExtracts(_ generation: String, _ expected: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(MATHAnswer.extract(generation), expected, generation, file: file, line: line)
    }

    private func assertEquivalent(_ a: String, _ b: String, _ expected: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(MATHAnswer.equivalent(a, b), expected,
                       "\(a) vs \(b): normalised \(LaTeXAnswerNormaliser.normalise(a)) vs \(LaTeXAnswerNormaliser.normalise(b))",
                       file: file, line: line)
    }

    func testBoxedWithNestedBraces() {
        assertExtracts("So $x = \\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}")
        assertExtracts("First \\boxed{3}, then corrected: \\boxed{\\sqrt{\\frac{a}{b}}}", "\\sqrt{\\frac{a}{b}}")
        assertExtracts("\\fbox{7}", "7")
        assertExtracts("The answer is \\boxed 5 and done", "5")
        assertExtracts("The set is \\boxed{\\{1, 2\\}}", "\\{1, 2\\}")
    }

    func testUnclosedBoxFallsBackToNothing() {
        assertExtracts("\\boxed{\\frac{1}{2}", nil)
    }

    func testStatedAnswers() {
        assertExtracts("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac{3}{4}")
        assertExtracts("The answer is 12. I checked twice.", "12")
        assertExtracts("Answer: \\(x^2+1\\)", "x^2+1")
        assertExtracts("There is nothing here to find.", nil)
    }

    func testFractionsAndNumbers() {
        assertEquivalent("\\frac12", "\\frac{1}{2}")
        assertEquivalent("\\frac12", "1/2")
        assertEquivalent("0.5", "\\frac{1}{2}")
        assertEquivalent("\\dfrac{3}{4}", "\\tfrac34")
        assertEquivalent("-\\frac{3}{4}", "\\frac{-3}{4}")
        assertEquivalent(".5", "0.5")
        assertEquivalent("10,\\!000", "10000")
        assertEquivalent("5.0", "5")
        assertEquivalent("\\frac{1}{3}", "0.333", false)
        assertEquivalent("\\frac{2}{3}", "\\frac{3}{2}", false)
    }

    func testNotationIsIgnored() {
        assertEquivalent("\\left( 1, 2 \\right)", "(1,2)")
        assertEquivalent("90^\\circ", "90")
        assertEquivalent("90^{\\circ}", "90 degrees")
        assertEquivalent("\\$18.90", "18.9")
        assertEquivalent("5 \\text{ cm}", "5")
        assertEquivalent("12\\mbox{ inches}", "12")
        assertEquivalent("3 \\text{ square units}", "3")
        assertEquivalent("50\\%", "50")
        assertEquivalent("x = 5", "5")
        assertEquivalent("\\sqrt2", "\\sqrt{2}")
        assertEquivalent("2\\sqrt{3}.", "2\\sqrt3")
        assertEquivalent("x^{2} + 1", "x^2+1")
        assertEquivalent("\\text{(C)}", "C")
        assertEquivalent("\\text{Monday}", "Monday")
        assertEquivalent("k \\in [1, 2)", "[1,2)")
        assertEquivalent("x \\leq 3", "x \\le 3")
    }

    func testTuplesIntervalsAndLists() {
        assertEquivalent("(\\frac12, 3)", "(0.5, 3)")
        assertEquivalent("[1, 2)", "(1, 2)", false)
        assertEquivalent("(1, 2)", "(2, 1)", false)
        assertEquivalent("2, -3", "-3, 2")
        assertEquivalent("2, -3", "2", false)
        assertEquivalent("(1,2)+(3)", "(1,2)+(3)")
    }

    func testUnitLettersAreKeptInExpressions() {
        assertEquivalent("x + m", "x", false)
        assertEquivalent("2x + 2", "2(x + 1)", false)
    }

    func testCheckThroughTheChecker() throws {
        XCTAssertEqual(try AnswerChecker.check(dataset: "math500", generation: "Thus $\\boxed{\\frac12}$.", gold: "\\frac{1}{2}"),
                       AnswerCheck(extracted: "\\frac12", correct: true))
        XCTAssertEqual(try AnswerChecker.check(dataset: "math", generation: "So \\boxed{3}", gold: "4"),
                       AnswerCheck(extracted: "3", correct: false))
        XCTAssertEqual(try AnswerChecker.check(dataset: "math-500", generation: "I give up", gold: "4"),
                       AnswerCheck(extracted: nil, correct: false))
    }
}
