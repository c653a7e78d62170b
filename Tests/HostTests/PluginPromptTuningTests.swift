import XCTest
import Compute
import PluginAPI
import Host

/// Plugins/PromptTuning, built from the repository by the registry as `use prompt` does.
final class PluginPromptTuningTests: XCTestCase {
    private static var registration: Result<PluginRegistration, Error>?
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Built once for the class (a fresh cache, so the build really runs).
    private func prompt() throws -> PluginRegistration {
        if Self.registration == nil {
            Self.registration = Result {
                let cache = NSTemporaryDirectory() + "strata-prompt-tests-\(ProcessInfo.processInfo.processIdentifier)"
                let builder = PluginBuilder(toolchain: try PluginToolchain.current(), cacheDirectory: cache)
                let registry = PluginRegistry(searchFolders: [Self.repository + "/Plugins"], builder: builder)
                XCTAssertTrue(registry.names.contains("prompt"), "\(registry.names)")   // known before building
                return try registry.registration(named: "prompt")
            }
        }
        return try Self.registration!.get()
    }

    private func method(_ parameters: [(String, ParameterValue)], model: LanguageModel, seed: UInt64 = 7) throws
        -> (method: Method, set: MethodSet) {
        let context = MethodContext(model: model, seed: seed)
        let method = try prompt().makeMethod(parameters.map { (name: $0.0, value: $0.1) }, context: context)
        let set = MethodSet()
        try set.add(method, context: context)
        return (method, set)
    }

    func testDiscoveredFromTheRepositorysPluginsFolder() {
        let folders = PluginRegistry.defaultSearchFolders(environment: [:], currentDirectory: Self.repository + "/Sources")
        XCTAssertEqual(folders.first, Self.repository + "/Plugins")
        XCTAssertEqual(PluginRegistry.defaultSearchFolders(environment: ["STRATA_PLUGINS": "/a:/b"]), ["/a", "/b"])
    }

    func testSoftPromptIsOneNamedTrainableMatrix() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try method([("m", .int(6))], model: model)
        let provider = try XCTUnwrap(method as? SoftPromptProvider)
        XCTAssertEqual(method.trainableParameters.count, 1)
        let p = method.trainableParameters[0]
        XCTAssertEqual(p.name, "prompt.embedding")
        XCTAssertEqual(p.shape, [6, model.model.config.hiddenSize])
        XCTAssertTrue(p.requiresGrad)
        XCTAssertTrue(provider.softPrompts.first?.matrix === p)
        XCTAssertEqual(provider.softPrompts.first?.layer, 0)
        let values = p.scalars.map(Double.init)
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.004)                   // N(0, 0.02²) over 384 values
        let again = try self.method([("m", .int(6))], model: model).method.trainableParameters[0]
        XCTAssertEqual(again.scalars, p.scalars, "the same seed gives the same prompt")
        XCTAssertThrowsError(try self.method([("init", .string("words"))], model: model)) {
            XCTAssertTrue("\($0)".hasPrefix("prompt init=words: expected random or text:"), "\($0)")
        }
        XCTAssertThrowsError(try self.method([("m", .int(0))], model: model)) {
            XCTAssertEqual("\($0)", "prompt m=0 is out of range: m must be in [1, 4096]")
        }
    }

    func testTextInitIsTheEmbeddingOfTheTextRepeatedToM() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try method([("m", .int(5)), ("init", .string("text:\"abc\""))], model: model)
        let ids = model.tokenizer.encode("abc", addSpecial: false)
        XCTAssertEqual(ids.count, 3)
        let expected = try model.model.tokenEmbedding.gatherRows(ids + ids.prefix(2)).contiguous().scalars
        XCTAssertEqual(method.trainableParameters[0].scalars, expected)
    }

    func testAFewAdamWStepsReduceTheLossOnOneExample() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try method([("m", .int(4))], model: model)
        let example = Example(prompt: "2+2=", answer: "4.", model: model)
        let ids = example.ids
        let targets = ids.indices.map { t in
            t + 1 < ids.count && t + 1 >= example.promptIDs.count ? ids[t + 1] : -100
        }
        let optimizer = try AdamW(parameters: set.trainableParameters, learningRate: 0.05, weightDecay: 0)
        var losses: [Float] = []
        for _ in 0..<8 {
            optimizer.zeroGrad()
            let logits = try model.model.forward([ids], hooks: set)
            XCTAssertEqual(logits.shape, [1, ids.count, model.model.config.vocabularySize])
            let context = LossContext(model: model, inputIDs: [ids], logits: logits, targets: [targets],
                                      methods: set.methods, forward: { _, _ in logits })
            let loss = try set.loss(context).total
            losses.append(try loss.item())
            try loss.backward()
            try optimizer.step()
        }
        XCTAssertLessThan(losses.last!, losses.first! * 0.8, "\(losses)")
        XCTAssertNotNil(method.trainableParameters[0].grad)
    }

    func testKVCacheGenerationEqualsAFullForwardOverPromptAndText() throws {
        let model = try LanguageModel.load("tiny")
        // Text init: prompt vectors at the embeddings' scale, so the prompt visibly steers the output.
        let (method, set) = try method([("m", .int(3)), ("init", .string("text:#!~"))], model: model)
        let p = method.trainableParameters[0]
        let prompts = [Array("Hi there".utf8).map(Int.init), Array("Yo".utf8).map(Int.init)]   // left-padded batch
        let options = try GenerationOptions(maxNewTokens: 6)
        let generated = try Generator(model: model.model).generate(prompts, options: options, hooks: set)

        for (row, prompt) in prompts.enumerated() {
            // By hand: [P | E(text)] at positions 0…, no hooks, no cache, greedy.
            var ids = prompt
            var expected: [Int] = []
            for _ in 0..<6 {
                let embedded = try model.model.embed([ids])
                let hidden = try Tensor.concat([p.unsqueezed(axis: 0), embedded], axis: 1)
                let n = hidden.shape[1]
                let logits = try Autograd.noGrad {
                    try model.model.forward(SequenceState(hidden: hidden, positions: [Array(0..<n)],
                                                          isReal: [Array(repeating: true, count: n)]), logits: .last)
                }.scalars
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                expected.append(next)
                ids.append(next)
            }
            XCTAssertEqual(generated[row].ids, expected, "row \(row)")
        }
    }

    func testKVCacheStepsGiveTheLogitsOfAFullForward() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try method([("m", .int(4)), ("init", .string("text:#!~"))], model: model)
        let p = method.trainableParameters[0]
        let tokens = Array("Hello, world".utf8).map(Int.init)
        let promptLength = 5                                      // prefill "Hello", then one token a step
        let cache = try KVCache(config: model.model.config, batch: 1, capacity: tokens.count + set.insertedPositions)
        try Autograd.noGrad {
            for end in promptLength...tokens.count {
                let start = end == promptLength ? 0 : end - 1
                let cached = try model.model.forward([Array(tokens[start..<end])], positions: [Array(start..<end)],
                                                     cache: cache, hooks: set, logits: .last).scalars
                let hidden = try Tensor.concat([p.unsqueezed(axis: 0), model.model.embed([Array(tokens[..<end])])], axis: 1)
                let n = hidden.shape[1]
                let full = try model.model.forward(SequenceState(hidden: hidden, positions: [Array(0..<n)],
                                                                 isReal: [Array(repeating: true, count: n)]), logits: .last).scalars
                let error = zip(cached, full).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThan(error, 1e-3, "step ending at \(end)")
                let plain = try model.model.forward([Array(tokens[..<end])], logits: .last).scalars
                XCTAssertGreaterThan(zip(plain, full).map { abs($0 - $1) }.max() ?? 0, 1e-2, "the prompt must change the logits")
            }
        }
    }
}
