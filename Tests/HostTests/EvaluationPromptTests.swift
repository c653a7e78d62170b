import Compute
import Host
import XCTest

/// Zero-shot and k-shot prompts per dataset, and the seeded choice of worked examples.
final class EvaluationPromptTests: XCTestCase {
    private static let tiny = Result { try LanguageModel.load("tiny") }

    private func example(_ dataset: String, _ split: String, _ index: Int) throws -> Example {
        try shippedData.load(dataset, split: split).examples[index]
    }

    func testZeroShotChatIsOneUserTurnWithTheInstruction() throws {
        let model = try Self.tiny.get()
        let task = try EvaluationTask.named("gsm8k")
        let prompts = try EvaluationPrompts(task: task, model: model, format: .chat)
        let item = try example("gsm8k", "test", 0)
        let text = prompts.text(of: try prompts.ids(for: item))
        XCTAssertEqual(text, "<|im_start|>user\n" + task.instruction + "\n\n" + item.prompt.trimmingCharacters(in: .whitespacesAndNewlines)
                       + "<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertTrue(task.instruction.contains("The answer is N."))
        XCTAssertEqual(prompts.stopStrings, [])
        XCTAssertEqual(EvaluationPrompts.defaultFormat(for: model), .chat)
    }

    func testKShotPlainShowsWorkedExamplesAndStopsAtTheNextQuestion() throws {
        let model = try Self.tiny.get()
        let task = try EvaluationTask.named("gsm8k")
        let natalia = try example("gsm8k", "train", 0)
        XCTAssertEqual(task.workedAnswer(natalia),
                       "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\nThe answer is 72.")
        let other = try example("gsm8k", "train", 1)
        let prompts = try EvaluationPrompts(task: task, model: model, format: .plain, shots: [natalia, other])
        let item = try example("gsm8k", "test", 3)
        let text = prompts.text(of: try prompts.ids(for: item))
        XCTAssertTrue(text.hasPrefix(task.instruction + "\n\nQuestion: " + natalia.prompt + "\nAnswer: Natalia sold"), text)
        XCTAssertEqual(text.components(separatedBy: "Question: ").count - 1, 3)
        XCTAssertTrue(text.hasSuffix("Question: " + item.prompt + "\nAnswer:"), text)
        XCTAssertEqual(prompts.stopStrings, ["\nQuestion:"])
    }

    func testKShotChatPutsShotsInEarlierTurns() throws {
        let model = try Self.tiny.get()
        let task = try EvaluationTask.named("aqua")
        let shot = try example("aqua", "dev", 0)
        let item = try example("aqua", "test", 0)
        let text = try EvaluationPrompts(task: task, model: model, format: .chat, shots: [shot]).ids(for: item)
        let rendered = model.tokenizer.decode(text)
        XCTAssertEqual(rendered.components(separatedBy: "<|im_start|>user\n").count - 1, 2)
        XCTAssertEqual(rendered.components(separatedBy: "<|im_start|>assistant\n").count - 1, 2)
        XCTAssertTrue(rendered.contains("The answer is \(shot.answer ?? "?").<|im_end|>"), rendered)
        XCTAssertTrue(rendered.contains("Answer choices: A)"), "AQuA prompts show the options")
        XCTAssertTrue(rendered.hasPrefix("<|im_start|>user\n" + task.instruction), rendered)
    }

    func testAQuAOptionsComeWithTheItem() throws {
        let task = try EvaluationTask.named("aqua-rat")
        let options = task.options(try example("aqua", "test", 0))
        XCTAssertEqual(options.map { String($0.prefix(2)) }, ["A)", "B)", "C)", "D)", "E)"])
        XCTAssertEqual(options[0], "A)5(√3 + 1)")
        XCTAssertEqual(options[4], "E)None of these")
        XCTAssertEqual(try EvaluationTask.named("gsm8k").options(try example("gsm8k", "test", 0)), [])
    }

    func testShotsAreSeededAndNeverAnEvaluatedItem() throws {
        let pool = try shippedData.load("math500", split: "test")
        let evaluated = try pool.sample(limit: 50, seed: 3)
        let excluded = Set(evaluated.examples.map(\.id))
        let a = try EvaluationPrompts.chooseShots(4, from: pool, excluding: excluded, seed: 3)
        let b = try EvaluationPrompts.chooseShots(4, from: pool, excluding: excluded, seed: 3)
        let c = try EvaluationPrompts.chooseShots(4, from: pool, excluding: excluded, seed: 4)
        XCTAssertEqual(a.map(\.id), b.map(\.id), "same seed, same shots")
        XCTAssertNotEqual(a.map(\.id), c.map(\.id))
        XCTAssertEqual(Set(a.map(\.id)).count, 4)
        for shots in [a, c] { XCTAssertTrue(shots.allSatisfy { !excluded.contains($0.id) }) }
        // All of a tiny pool but one is evaluated: the one left is the only possible shot.
        let small = Dataset(name: "gsm8k", split: "train", examples: Array(pool.examples.prefix(5)))
        let left = try EvaluationPrompts.chooseShots(1, from: small, excluding: Set(small.examples.dropLast().map(\.id)), seed: 9)
        XCTAssertEqual(left.map(\.id), [small.examples[4].id])
        XCTAssertEqual(try EvaluationPrompts.chooseShots(0, from: small, excluding: [], seed: 1).count, 0)
        let error = errorText { _ = try EvaluationPrompts.chooseShots(2, from: small, excluding: Set(small.examples.dropLast().map(\.id)), seed: 9) }
        XCTAssertTrue(error.contains("shots=2 is more than the 1 examples"), error)
    }

    func testOnlyDatasetsWithGoldAnswersAreTasks() {
        XCTAssertTrue(errorText { _ = try EvaluationTask.named("hh-rlhf") }.contains("no gold answers"))
        XCTAssertTrue(errorText { _ = try EvaluationTask.named("squad") }.contains("unknown dataset 'squad'"))
        XCTAssertEqual((try? EvaluationTask.named("math"))?.shotSplit, "test")
        XCTAssertEqual((try? EvaluationTask.named("aqua"))?.shotSplit, "dev")
    }
}
