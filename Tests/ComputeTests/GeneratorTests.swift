import Compute
import XCTest

final class GeneratorTests: XCTestCase {
    private let prompts: [[Int]] = [
        [1, 2, 3], [40, 41, 42, 43, 44, 45, 46, 47, 48], [7], [100, 90, 80, 70],
        [5, 6, 7, 8, 9, 10, 11], [250, 251], [33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44], [12, 13, 14, 15, 16],
    ]

    /// Greedy decoding by full forward passes, the definition the cached generator must match.
    private func referenceGreedy(_ model: LlamaModel, _ prompt: [Int], steps: Int) throws -> [Int] {
        var sequence = prompt
        for _ in 0..<steps {
            let logits = try model.forward([sequence], logits: .last)
            sequence.append(try logits.argmax(axis: -1)[0])
        }
        return Array(sequence.dropFirst(prompt.count))
    }

    func testGreedyMatchesRepeatedFullForwardPasses() throws {
        let model = try TinyLlama.make(seed: 2)
        let options = try GenerationOptions(maxNewTokens: 10)
        let out = try Generator(model: model).generate([prompts[1]], options: options)
        XCTAssertEqual(out[0].ids, try referenceGreedy(model, prompts[1], steps: 10))
        XCTAssertEqual(out[0].finishReason, .length)
    }

    func testBatchOfEightEqualsOneByOne() throws {
        let model = try TinyLlama.make(seed: 2, quantize: .q4_1)
        let generator = Generator(model: model)
        let options = try GenerationOptions(maxNewTokens: 12)
        let batched = try generator.generate(prompts, options: options)
        for (i, prompt) in prompts.enumerated() {
            XCTAssertEqual(batched[i], try generator.generate([prompt], options: options)[0], "prompt \(i)")
        }
    }

    func testSamplingIsSeededPerSequence() throws {
        let model = try TinyLlama.make(seed: 2)
        let generator = Generator(model: model)
        let sampled = try GenerationOptions(maxNewTokens: 8, sampling: SamplingOptions(temperature: 1.5, topK: 50, topP: 0.9, seed: 11))
        let a = try generator.generate(Array(prompts.prefix(3)), options: sampled)
        let b = try generator.generate(Array(prompts.prefix(3)), options: sampled)
        XCTAssertEqual(a, b)
        let other = try GenerationOptions(maxNewTokens: 8, sampling: SamplingOptions(temperature: 1.5, seed: 12))
        XCTAssertNotEqual(a.map(\.ids), try generator.generate(Array(prompts.prefix(3)), options: other).map(\.ids))
        // One-by-one with the same seed reproduces sequence 0 of the batch.
        XCTAssertEqual(a[0], try generator.generate([prompts[0]], options: sampled)[0])
    }

    func testStopsOnStopTokenAndStopString() throws {
        let model = try TinyLlama.make(seed: 2)
        let generator = Generator(model: model, decode: { ids in ids.map { "<\($0)>" }.joined() })
        let free = try generator.generate([prompts[0]], options: GenerationOptions(maxNewTokens: 6))[0].ids
        let byToken = try generator.generate([prompts[0]], options: GenerationOptions(maxNewTokens: 6, stopTokenIDs: [free[2]]))[0]
        // Generation ends at the first occurrence of the stop token.
        XCTAssertEqual(byToken.ids, Array(free.prefix(free.firstIndex(of: free[2])! + 1)))
        XCTAssertEqual(byToken.finishReason, .endOfSequence)
        let byString = try generator.generate([prompts[0]], options: GenerationOptions(maxNewTokens: 6, stopStrings: ["<\(free[1])>"]))[0]
        XCTAssertEqual(byString.ids, Array(free.prefix(free.firstIndex(of: free[1])! + 1)))
        XCTAssertEqual(byString.stopString, "<\(free[1])>")
    }

    func testStreamingCallbackSeesEveryTokenInOrder() throws {
        let model = try TinyLlama.make(seed: 2)
        var streamed: [[Int]] = [[], []]
        let out = try Generator(model: model).generate(Array(prompts.prefix(2)), options: GenerationOptions(maxNewTokens: 5)) { seq, id in
            streamed[seq].append(id)
        }
        XCTAssertEqual(streamed, out.map(\.ids))
    }

    func testBadOptionsAreClearErrors() throws {
        XCTAssertThrowsError(try SamplingOptions(temperature: -1))
        XCTAssertThrowsError(try SamplingOptions(topP: 0))
        XCTAssertThrowsError(try GenerationOptions(maxNewTokens: -2))
        let model = try TinyLlama.make()
        XCTAssertThrowsError(try Generator(model: model).generate([[1]], options: GenerationOptions(maxNewTokens: 600))) { error in
            XCTAssertTrue("\(error)".contains("context of 512"), "\(error)")
        }
    }
}
