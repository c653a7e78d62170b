import Host
import XCTest

/// The shipped test splits checked against themselves: each reference solution, read as a
/// generation, must score correct against its own gold answer.
final class AnswerExtractionDatasetTests: XCTestCase {
    private func agreement(_ dataset: String, split: String = "test") throws -> (correct: Int, total: Int, misses: [String]) {
        let data = try shippedData.load(dataset, split: split)
        var correct = 0
        var misses: [String] = []
        for example in data.examples {
            let check = try AnswerChecker.check(dataset: dataset, generation: example.target, gold: example.answer ?? "",
                                                options: [example.metadata["options"] ?? ""])
            if check.correct { correct += 1 } else { misses.append("\(example.id): \(check.extracted ?? "nil") vs \(example.answer ?? "")") }
        }
        return (correct, data.examples.count, misses)
    }

    func testGSM8KSolutionsScoreCorrect() throws {
        let result = try agreement("gsm8k")
        XCTAssertEqual(result.correct, result.total, result.misses.prefix(5).joined(separator: "\n"))
    }

    func testAQuARationalesScoreCorrect() throws {
        let result = try agreement("aqua")
        XCTAssertEqual(result.correct, result.total, result.misses.prefix(5).joined(separator: "\n"))
    }

    func testMATHSolutionsScoreCorrect() throws {
        let result = try agreement("math500")
        XCTAssertEqual(result.correct, result.total, result.misses.prefix(10).joined(separator: "\n"))
    }

    /// No false matches: a solution checked against the next problem's gold answer scores
    /// correct only when the two golds are the same number or the same normalised text.
    func testMATHSolutionsDoNotMatchOtherAnswers() throws {
        let examples = try shippedData.load("math500", split: "test").examples
        var falseMatches: [String] = []
        for (example, next) in zip(examples, examples.dropFirst()) {
            let gold = next.answer ?? "", own = example.answer ?? ""
            let check = try AnswerChecker.check(dataset: "math500", generation: example.target, gold: gold)
            let sameGold = LaTeXAnswerNormaliser.normalise(gold) == LaTeXAnswerNormaliser.normalise(own)
            if check.correct && !sameGold { falseMatches.append("\(own) matched \(gold)") }
        }
        XCTAssertLessThanOrEqual(falseMatches.count, 0, falseMatches.joined(separator: "\n"))
    }
}
