import Host
import XCTest

/// GSM8K answer extraction and numeric comparison, case by case.
final class AnswerExtractionGSM8KTests: XCTestCase {
    private func extracted(_ generation: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do { return try AnswerChecker.extract(dataset: "gsm8k", generation: generation) } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    private func assertExtracts(_ generation: String, _ expected: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(extracted(generation, file: file, line: line), expected, generation, file: file, line: line)
    }

    private func assertCheck(_ generation: String, gold: String, correct: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let check = try AnswerChecker.check(dataset: "gsm8k", generation: generation, gold: gold)
        XCTAssertEqual(check.correct, correct, "\(generation) vs \(gold): extracted \(check.extracted ?? "nil")", file: file, line: line)
    }

    func testTheHashMarkerWins() {
        assertExtracts("She has 3 apples and buys 5 more.\n#### 8", "8")
        assertExtracts("#### 8\nThe explanation mentions 12 later.", "8")
        assertExtracts("First 5 + 5 = 10.\n#### 1,250", "1250")
        assertExtracts("#### -7", "-7")
    }

    func testAnswerPhrases() {
        assertExtracts("So in total 12 + 6 = 18. The answer is 18.", "18")
        assertExtracts("The answer is 18. Let me double check: 9*2=18 and 3*6 = 19", "18")
        assertExtracts("Answer: 42", "42")
        assertExtracts("The final answer is $1,000.50 after tax of 8 dollars.", "1000.5")
        assertExtracts("The answer is:\n\n36 cookies", "36")
        assertExtracts("The answer is 3. Wait, recompute: the answer is 4.", "4")
    }

    func testLastNumberFallback() {
        assertExtracts("She pays 3 * 4 = 12 dollars, then 12 + 3 = 15 dollars.", "15")
        assertExtracts("It takes 12 cm", "12")
        assertExtracts("The discount is 25%.", "25")
        assertExtracts("The temperature drops to -5 degrees.", "-5")
        assertExtracts("10-5 leaves 5", "5")
        assertExtracts("Half of it is .5 liters", "0.5")
    }

    func testBoxedAnswerInAGSM8KGeneration() {
        assertExtracts("Thus 4 + 4 = 8 and the answer is $\\boxed{8}$, not 9.", "8")
    }

    func testNoNumberMeansNoAnswer() {
        assertExtracts("I am not sure how to solve this.", nil)
        assertExtracts("", nil)
    }

    func testNumbersAreCanonical() {
        assertExtracts("#### 42.0", "42")
        assertExtracts("#### 007", "7")
        assertExtracts("The answer is 3.50", "3.5")
        assertExtracts("Values 1,2,3", "3")
        assertExtracts("x2 is a name, 5 is a number", "5")
    }

    func testNumericComparison() throws {
        try assertCheck("The answer is 42.", gold: "42", correct: true)
        try assertCheck("The answer is 42.0", gold: "42", correct: true)
        try assertCheck("The total is $1,000", gold: "1000", correct: true)
        try assertCheck("#### 1000", gold: "1,000", correct: true)
        try assertCheck("The answer is 41", gold: "42", correct: false)
        try assertCheck("Nothing to say", gold: "42", correct: false)
        try assertCheck("It drops by -3 degrees", gold: "-3", correct: true)
        try assertCheck("It drops by 3 degrees", gold: "-3", correct: false)
    }

    func testGoldMayBeAWholeSolution() throws {
        let solution = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72.\n#### 72"
        try assertCheck("The answer is 72", gold: solution, correct: true)
        XCTAssertEqual(GSM8KAnswer.gold(solution), "72")
    }

    func testNoAnswerGivesNilAndWrong() throws {
        let check = try AnswerChecker.check(dataset: "gsm8k", generation: "I don't know.", gold: "5")
        XCTAssertEqual(check, AnswerCheck(extracted: nil, correct: false))
    }

    func testNumberScanner() {
        let tokens = NumberToken.scan("Pay $1,234.50 and -2, then 7-3.")
        XCTAssertEqual(tokens.map(\.canonical), ["1234.5", "-2", "7", "3"])
        XCTAssertEqual(tokens[0].value, 1234.5)
    }
}
