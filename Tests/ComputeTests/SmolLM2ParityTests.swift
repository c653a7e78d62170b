import Compute
import Foundation
import XCTest

/// SmolLM2-135M-Instruct (the default model's GGUF) against Hugging Face transformers run in
/// float32 on the same file (fixtures and the script that made them: Tests/Fixtures/smollm2).
final class SmolLM2ParityTests: XCTestCase {
    struct Greedy: Decodable {
        var steps: Int
        var ids: [Int]
        var margins: [Double]
        var first_near_tie_step: Int?
    }
    struct Prompt: Decodable {
        var name: String?
        var kind: String?
        var text: String
        var input_ids: [Int]
        var logits_file: String?
        var greedy: Greedy
    }
    struct Fixture: Decodable {
        var near_tie_threshold: Double
        var prompts: [Prompt]
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/smollm2")

    /// Two threads for these tests, and the count restored after each, so that no other test
    /// inherits it.
    private var previousThreads = 1
    override func setUpWithError() throws {
        previousThreads = Threads.count
        try Threads.set(2)
    }
    override func tearDownWithError() throws { try Threads.set(previousThreads) }

    /// Loaded once for the class: mapping the file is cheap, but the tests share it.
    nonisolated(unsafe) private static var cached: LanguageModel?

    private func model() throws -> LanguageModel {
        if let cached = Self.cached { return cached }
        let path = ModelLocator().defaultModelPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("the default model is not installed at \(path); run scripts/setup.sh")
        }
        let loaded = try LanguageModel.load("smollm2")
        Self.cached = loaded
        return loaded
    }

    private func fixture(_ file: String) throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
    }

    /// The steps to compare: up to (not including) the first near-tie of the reference.
    private func comparable(_ greedy: Greedy, threshold: Double) -> Int {
        greedy.margins.firstIndex { $0 < threshold } ?? greedy.ids.count
    }

    func testPromptTokenIDsMatch() throws {
        let lm = try model()
        for prompt in try fixture("prompts.json").prompts {
            XCTAssertEqual(lm.tokenizer.encode(prompt.text, addSpecial: prompt.kind != "chat", parseSpecial: true),
                           prompt.input_ids, prompt.name ?? prompt.text)
        }
    }

    func testChatWrappingMatchesTheTemplate() throws {
        let lm = try model()
        let chat = try XCTUnwrap(try fixture("prompts.json").prompts.first { $0.kind == "chat" })
        let question = "What is the capital of France?"
        XCTAssertTrue(chat.text.contains(question))
        XCTAssertEqual(try lm.encode(question, chat: true), chat.input_ids)
    }

    func testLastPositionLogitsWithin2e3() throws {
        let lm = try model()
        let prompts = try fixture("prompts.json").prompts
        XCTAssertGreaterThanOrEqual(prompts.count, 5)
        XCTAssertTrue(prompts.contains { $0.input_ids.count >= 300 }, "one prompt must be ≥ 300 tokens")
        for prompt in prompts {
            let file = try XCTUnwrap(prompt.logits_file)
            let reference = try NumpyArrayFile.read(Self.directory.appendingPathComponent(file).path).scalars
            let logits = try Autograd.noGrad { try lm.model.forward([prompt.input_ids], logits: .last) }.scalars
            XCTAssertEqual(logits.count, reference.count)
            let maxAbs = zip(logits, reference).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(maxAbs, 2e-3, "\(prompt.name ?? "") (\(prompt.input_ids.count) tokens): max |Δlogit| = \(maxAbs)")
        }
    }

    func testGreedy32TokenContinuationsMatch() throws {
        let lm = try model()
        let fixture = try fixture("prompts.json")
        let generator = Generator(model: lm.model)
        for prompt in fixture.prompts {
            let steps = prompt.greedy.steps
            XCTAssertEqual(steps, 32)
            let out = try generator.generate([prompt.input_ids], options: GenerationOptions(maxNewTokens: steps))[0].ids
            let n = comparable(prompt.greedy, threshold: fixture.near_tie_threshold)
            XCTAssertGreaterThan(n, 0)
            XCTAssertEqual(Array(out.prefix(n)), Array(prompt.greedy.ids.prefix(n)),
                           "\(prompt.name ?? ""): compared \(n) of \(steps) steps (near-tie after)")
        }
    }

    /// Eight prompts of different lengths in one left-padded batch give each prompt's own
    /// continuation, identical to generating it alone (and to transformers up to near-ties).
    func testBatchOfEightEqualsOneByOne() throws {
        let lm = try model()
        let fixture = try fixture("batch_prompts.json")
        XCTAssertEqual(fixture.prompts.count, 8)
        XCTAssertGreaterThan(Set(fixture.prompts.map(\.input_ids.count)).count, 4)
        let generator = Generator(model: lm.model)
        let options = try GenerationOptions(maxNewTokens: 16)
        let batched = try generator.generate(fixture.prompts.map(\.input_ids), options: options)
        for (i, prompt) in fixture.prompts.enumerated() {
            let alone = try generator.generate([prompt.input_ids], options: options)[0]
            XCTAssertEqual(batched[i].ids, alone.ids, "prompt \(i) \(prompt.text.debugDescription)")
            let n = comparable(prompt.greedy, threshold: fixture.near_tie_threshold)
            XCTAssertEqual(Array(alone.ids.prefix(n)), Array(prompt.greedy.ids.prefix(n)), "prompt \(i) vs transformers")
        }
    }
}
