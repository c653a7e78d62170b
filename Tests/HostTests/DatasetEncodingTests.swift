import Compute
import Host
import XCTest

/// Tokenising examples for teacher forcing, and batching them.
final class DatasetEncodingTests: XCTestCase {
    private static let tiny = try! LanguageModel.load("tiny")
    private var tiny: LanguageModel { Self.tiny }
    private let eos = 256, imEnd = 258

    /// Labels are the next token on the answer part and -100 on the prompt; EOS ends the target.
    func testPlainFormatLabelsAreTheShiftedTarget() throws {
        let encoder = try TrainingExampleEncoder(model: tiny, format: .plain)
        let example = try encoder.encode(prompt: " What is 2+3? ", target: "5\n")
        let prompt = Array("Question: What is 2+3?\nAnswer:".utf8).map(Int.init)     // byte-level: one id per byte
        let full = prompt + Array(" 5".utf8).map(Int.init) + [eos]
        XCTAssertEqual(example.inputIDs, Array(full.dropLast()))
        XCTAssertEqual(example.labels.count, example.inputIDs.count)
        for t in 0..<example.labels.count {
            XCTAssertEqual(example.labels[t], t + 1 >= prompt.count ? full[t + 1] : -100, "position \(t)")
        }
        XCTAssertEqual(example.labels.last, eos)
        XCTAssertEqual(example.targetTokenCount, 3)                                    // " ", "5", EOS
    }

    /// The chat format renders a user and an assistant turn; the end-of-turn token is the last
    /// label (a stop token of the model), with nothing learned after it.
    func testChatFormatEndsAtTheEndOfTurn() throws {
        let encoder = try TrainingExampleEncoder(model: tiny, format: .chat)
        let example = try encoder.encode(prompt: "hi", target: "hello")
        let text = tiny.tokenizer.decode(example.inputIDs + [example.labels.last ?? -1])
        XCTAssertEqual(text, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>")
        XCTAssertEqual(example.labels.last, imEnd)
        let promptLength = tiny.tokenizer.encode("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n").count
        XCTAssertEqual(example.labels.prefix(promptLength - 1).allSatisfy { $0 == -100 }, true)
        XCTAssertEqual(example.targetTokenCount, "hello".utf8.count + 1)
    }

    /// Too long: the prompt loses its beginning, the target stays whole.
    func testMaxLengthCutsThePromptFromTheLeft() throws {
        let encoder = try TrainingExampleEncoder(model: tiny, format: .raw, maxLength: 12)
        let example = try encoder.encode(prompt: "0123456789abcdef", target: "XYZ")
        XCTAssertEqual(example.length, 12)
        // 16 + 3 + EOS = 20 tokens; 12 inputs keep the last 9 prompt bytes.
        XCTAssertEqual(tiny.tokenizer.decode(example.inputIDs), "789abcdefXYZ")
        XCTAssertEqual(example.labels.suffix(4), Array("XYZ".utf8).map(Int.init) + [eos])
        XCTAssertEqual(example.targetTokenCount, 4)

        // A target longer than the window keeps one prompt token and loses its own end.
        let tight = try TrainingExampleEncoder(model: tiny, format: .raw, maxLength: 4)
        let cut = try tight.encode(prompt: "abc", target: "0123456789")
        XCTAssertEqual(tiny.tokenizer.decode(cut.inputIDs), "c012")
        XCTAssertEqual(cut.labels, Array("0123".utf8).map(Int.init))
        XCTAssertThrowsError(try TrainingExampleEncoder(model: tiny, maxLength: 1))
    }

    func testPreferencePairsShareThePromptTokens() throws {
        let pair = try shippedData.load("hh-rlhf", split: "test").examples[0]
        let encoder = try TrainingExampleEncoder(model: tiny, format: .raw, maxLength: 4096)
        let (chosen, rejected) = try encoder.encodePair(pair)
        let promptLength = try encoder.promptIDs(pair.prompt).count
        XCTAssertEqual(chosen.inputIDs.prefix(promptLength), rejected.inputIDs.prefix(promptLength))
        XCTAssertEqual(chosen.labels.prefix(promptLength - 1).allSatisfy { $0 == -100 }, true)
        XCTAssertNotEqual(chosen.labels, rejected.labels)
        XCTAssertThrowsError(try encoder.encodePair(Example(id: "x", prompt: "p", target: "t")))
    }

    func testBatchPadsOnTheRightAndMasksThePadding() throws {
        let short = TrainingExample(inputIDs: [1, 2], labels: [-100, 3])
        let long = TrainingExample(inputIDs: [4, 5, 6, 7], labels: [-100, 6, 7, 8])
        let batch = try Batch([short, long], padID: 0)
        XCTAssertEqual(batch.inputIDs, [[1, 2, 0, 0], [4, 5, 6, 7]])
        XCTAssertEqual(batch.labels, [[-100, 3, -100, -100], [-100, 6, 7, 8]])
        XCTAssertEqual(batch.isReal, [[true, true, false, false], [true, true, true, true]])
        XCTAssertEqual(batch.flatLabels.count, 8)
        XCTAssertEqual(batch.realTokenCount, 6)
        XCTAssertEqual(batch.targetTokenCount, 4)
        XCTAssertThrowsError(try Batch([TrainingExample(inputIDs: [1], labels: [])], padID: 0))
    }

    /// Every example once per epoch, the last batch partial, a fresh seeded order per epoch,
    /// and batch b×2 visiting examples in the same order as two batches of b.
    func testScheduleShufflesPerEpochAndKeepsThePartialBatch() throws {
        let examples = (0..<7).map { TrainingExample(inputIDs: [$0], labels: [$0]) }
        let schedule = try BatchSchedule(examples: examples, batchSize: 3, seed: 11, padID: 0)
        XCTAssertEqual(schedule.batchesPerEpoch, 3)
        let epoch0 = try schedule.batches(epoch: 0)
        XCTAssertEqual(epoch0.map(\.size), [3, 3, 1])
        XCTAssertEqual(epoch0.flatMap(\.exampleIndices).sorted(), Array(0..<7))
        XCTAssertEqual(epoch0.flatMap(\.exampleIndices), schedule.order(epoch: 0))
        XCTAssertNotEqual(schedule.order(epoch: 0), schedule.order(epoch: 1))
        XCTAssertEqual(try schedule.batch(at: 4).batch.exampleIndices, Array(schedule.order(epoch: 1)[3..<6]))

        let again = try BatchSchedule(examples: examples, batchSize: 3, seed: 11, padID: 0)
        XCTAssertEqual(again.order(epoch: 5), schedule.order(epoch: 5))
        let other = try BatchSchedule(examples: examples, batchSize: 3, seed: 12, padID: 0)
        XCTAssertNotEqual(other.order(epoch: 0), schedule.order(epoch: 0))

        let big = try BatchSchedule(examples: examples + examples.prefix(1), batchSize: 4, seed: 3, padID: 0)
        let small = try BatchSchedule(examples: examples + examples.prefix(1), batchSize: 2, seed: 3, padID: 0)
        XCTAssertEqual(try big.batches(epoch: 0).flatMap(\.exampleIndices), try small.batches(epoch: 0).flatMap(\.exampleIndices))
    }
}
