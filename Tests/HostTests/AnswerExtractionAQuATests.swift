import Host
import XCTest

/// AQuA-RAT option-letter extraction, with and without the options' texts.
final class AnswerExtractionAQuATests: XCTestCase {
    private let options = ["A)21", "B)22", "C)42", "D)45.5", "E)None of these"]

    private func assertExtracts(_ generation: String, _ expected: String?, options: [String] = [],
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(AQuAAnswer.extract(generation, options: options), expected, generation, file: file, line: line)
    }

    func testAnswerPhrases() {
        assertExtracts("The speed is 42 km/h. The answer is (C)", "C")
        assertExtracts("Answer: C", "C")
        assertExtracts("So the answer is option D.", "D")
        assertExtracts("**Answer:** (b)", "B")
        assertExtracts("The correct answer is E. Option A is tempting but wrong.", "E")
        assertExtracts("The answer would be B, since 7 > 5", "B")
    }

    func testOptionMentions() {
        assertExtracts("Checking each: 21 is too small, so (C) 42", "C")
        assertExtracts("Therefore we pick option C", "C")
        assertExtracts("The result matches C)42 exactly", "C")
    }

    func testBareLetterAtTheEnd() {
        assertExtracts("After all the steps, the result is\nD", "D")
        assertExtracts("so it must be B.", "B")
    }

    func testWordsAreNotLetters() {
        // "a" is an article, "Cats" a word; neither is an option letter.
        assertExtracts("The answer is a number near 40", nil)
        assertExtracts("Answer: Cats are mammals", nil)
        assertExtracts("There is no way to tell.", nil)
        assertExtracts("I think the answer is F", nil)
    }

    func testOptionTextInsteadOfLetter() {
        assertExtracts("The answer is 42", "C", options: options)
        assertExtracts("The answer is 45.5 km", "D", options: options)
        assertExtracts("So the total comes to 22.", "B", options: options)
        assertExtracts("The answer is none of these.", "E", options: options)
        assertExtracts("The answer is 42", nil)
        assertExtracts("The answer is 30", nil, options: options)
    }

    func testOptionsParseFromTheDatasetForms() {
        let fromArray = AQuAAnswer.parseOptions(options)
        let fromLine = AQuAAnswer.parseOptions(["A)21 B)22 C)42 D)45.5 E)None of these"])
        XCTAssertEqual(fromArray, fromLine)
        XCTAssertEqual(fromArray.map(\.text), ["21", "22", "42", "45.5", "None of these"])
        XCTAssertEqual(fromArray.map(\.letter), ["A", "B", "C", "D", "E"])
    }

    func testCheckComparesLetters() throws {
        XCTAssertEqual(try AnswerChecker.check(dataset: "aqua", generation: "The answer is (C)", gold: "C"),
                       AnswerCheck(extracted: "C", correct: true))
        XCTAssertEqual(try AnswerChecker.check(dataset: "aqua-rat", generation: "The answer is (C)", gold: "B"),
                       AnswerCheck(extracted: "C", correct: false))
        XCTAssertEqual(try AnswerChecker.check(dataset: "aqua", generation: "The answer is 42", gold: "C", options: options),
                       AnswerCheck(extracted: "C", correct: true))
        XCTAssertEqual(try AnswerChecker.check(dataset: "aqua", generation: "no idea", gold: "C"),
                       AnswerCheck(extracted: nil, correct: false))
    }
}
