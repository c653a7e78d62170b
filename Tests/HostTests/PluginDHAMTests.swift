import XCTest
import Compute
import PluginAPI
import Host

/// Plugins/DHAM on the tiny model (4 layers, d 64), built from the repository as `use dham` does.
final class PluginDHAMTests: XCTestCase {
    func registry() throws -> PluginRegistry { try InTreePlugins.registry() }

    private func registration(_ name: String) throws -> PluginRegistration {
        try registry().registration(named: name)
    }

    func use(_ name: String, _ parameters: [(String, ParameterValue)], model: LanguageModel, set: MethodSet = MethodSet(),
             examples: [PluginAPI.Example] = []) throws -> (method: Method, set: MethodSet) {
        let context = MethodContext(model: model, seed: 7, examples: examples)
        let method = try registration(name).makeMethod(parameters.map { (name: $0.0, value: $0.1) }, context: context)
        try set.add(method, context: context)
        return (method, set)
    }

    func stages(_ method: Method) throws -> [[Int]] {
        let inspection = try XCTUnwrap(method as? Inspectable).inspect("stages")
        return try XCTUnwrap(inspection.json["stages"]?.arrayValue).map { try XCTUnwrap($0["layers"]?.arrayValue?.compactMap(\.intValue)) }
    }

    func testUniformStagesInsertTheirPromptsAtTheirShallowestLayer() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try use("dham", [("metric", .string("uniform")), ("G", .int(3)), ("m", .int(2))], model: model)
        let provider = try XCTUnwrap(method as? SoftPromptProvider)
        XCTAssertEqual(try stages(method), [[0, 1], [2], [3]])                       // 4 layers: 2, 1, 1
        XCTAssertEqual(provider.softPrompts.map(\.layer), [0, 2, 3])
        XCTAssertEqual(provider.softPrompts.map(\.name), ["dham.stage0.prompt", "dham.stage1.prompt", "dham.stage2.prompt"])
        XCTAssertEqual(method.trainableParameters.map(\.shape), Array(repeating: [2, 64], count: 3))
        XCTAssertEqual(set.insertedPositions, 6)

        // What each block sees, and what the KV cache of each layer holds after a prefill.
        let probe = LengthProbe(set)
        let ids = [Array("Hello".utf8).map(Int.init)]
        let logits = try model.model.forward(ids, hooks: probe)
        XCTAssertEqual(probe.lengths, [7, 7, 9, 11])
        XCTAssertEqual(logits.shape, [1, 5, 260], "logits cover the tokens only")
        let cache = try KVCache(config: model.model.config, batch: 1, capacity: 5 + set.insertedPositions)
        _ = try Autograd.noGrad { try model.model.forward(ids, cache: cache, hooks: set, logits: .last) }
        XCTAssertEqual(cache.lengths, [7, 7, 9, 11])

        let budget = try use("dham", [("metric", .string("uniform")), ("G", .int(3)), ("budget", .int(7))], model: model).method
        XCTAssertEqual(budget.trainableParameters.map { $0.shape[0] }, [3, 2, 2], "the remainder goes to the shallowest stage")
    }

    func testGradientsReachEveryStagePrompt() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try use("dham", [("metric", .string("uniform")), ("G", .int(4)), ("m", .int(3))], model: model)
        let ids = Array("2+2=4.".utf8).map(Int.init)
        let logits = try model.model.forward([ids], hooks: set)
        let targets = ids.indices.map { $0 + 1 < ids.count ? ids[$0 + 1] : -100 }
        let context = LossContext(model: model, inputIDs: [ids], logits: logits, targets: [targets], methods: set.methods) { _, _ in logits }
        try set.loss(context).total.backward()
        XCTAssertEqual(method.trainableParameters.count, 4)
        for p in method.trainableParameters {
            let grad = try XCTUnwrap(p.grad, "\(p.name ?? "?")")
            XCTAssertGreaterThan(grad.scalars.map(abs).max() ?? 0, 0, "\(p.name ?? "?") gets a gradient")
        }
    }

    func testOneStageIsExactlyPromptTuning() throws {
        let model = try LanguageModel.load("tiny")
        let prompt = try use("prompt", [("m", .int(5))], model: model)
        let ids = [Array("Two plus two".utf8).map(Int.init), Array("is four....".utf8).map(Int.init) + [32]]
        let targets = ids.map { row in row.indices.map { $0 + 1 < row.count ? row[$0 + 1] : -100 } }
        func run(_ set: MethodSet) throws -> (logits: [Float], grad: [Float]) {
            let logits = try model.model.forward(ids, hooks: set)
            let context = LossContext(model: model, inputIDs: ids, logits: logits, targets: targets, methods: set.methods) { _, _ in logits }
            try set.loss(context).total.backward()
            return (logits.scalars, try XCTUnwrap(set.trainableParameters.first?.grad).scalars)
        }
        let expected = try run(prompt.set)
        for parameters: [(String, ParameterValue)] in [[("metric", .string("single")), ("m", .int(5))],
                                                        [("G", .int(1)), ("m", .int(5))],                 // cka, but one stage: no calibration
                                                        [("metric", .string("uniform")), ("G", .int(1)), ("budget", .int(5))]] {
            let dham = try use("dham", parameters, model: model)
            XCTAssertEqual(dham.method.trainableParameters.count, 1)
            XCTAssertEqual((dham.method as? SoftPromptProvider)?.softPrompts.first?.layer, 0)
            try dham.method.restore(state: MethodState(tensors: ["dham.stage0.prompt": prompt.method.trainableParameters[0]]))
            let got = try run(dham.set)
            XCTAssertEqual(got.logits, expected.logits, "\(parameters)")
            XCTAssertEqual(got.grad, expected.grad, "\(parameters)")
        }
    }

    func testTextInitIsTheTextsHiddenStatesAtEachStagesLayer() throws {
        // Stages at blocks 0, 2 and 3; the text (3 tokens) repeated to the longest prompt (4).
        let model = try LanguageModel.load("tiny")
        let (method, _) = try use("dham", [("metric", .string("uniform")), ("G", .int(3)), ("budget", .int(10)),
                                           ("init", .string("text:#!~"))], model: model)
        XCTAssertEqual(method.trainableParameters.map(\.shape), [[4, 64], [3, 64], [3, 64]])
        let text = model.tokenizer.encode("#!~", addSpecial: false)
        XCTAssertEqual(text.count, 3)
        let tokens = text + [text[0]]
        let states = try LayerRepresentations.collect(model: model.model, sequences: [tokens], layers: [0, 2, 3])
        for (stage, (prompt, state)) in zip(method.trainableParameters, states).enumerated() {
            let m = prompt.shape[0]
            XCTAssertEqual(prompt.scalars, Array(state.scalars.prefix(m * 64)), "stage \(stage)")
        }
        let embeddings = try model.model.tokenEmbedding.gatherRows(tokens).scalars
        XCTAssertEqual(method.trainableParameters[0].scalars, embeddings, "the first stage: the text's embeddings")
        XCTAssertNotEqual(method.trainableParameters[1].scalars, Array(embeddings.prefix(3 * 64)), "deeper: not the embeddings")
    }

    func testPositionsAreThoseOfAllPromptsInFrontOfTheTokens() throws {
        // By hand: at layer r(i) put P^(i) in front and number the whole sequence 0, 1, 2, …
        let model = try LanguageModel.load("tiny")
        let (method, set) = try use("dham", [("metric", .string("uniform")), ("G", .int(2)), ("m", .int(3)),
                                             ("init", .string("text:#!~"))], model: model)
        let byHand = ConsecutivePrompts(layers: [0, 2], prompts: method.trainableParameters)
        let ids = [Array("Hello there".utf8).map(Int.init)]
        let expected = try model.model.forward(ids, hooks: byHand).scalars
        let got = try model.model.forward(ids, hooks: set).scalars
        XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity, 1e-5)
        let plain = try model.model.forward(ids).scalars
        XCTAssertGreaterThan(zip(got, plain).map { abs($0 - $1) }.max() ?? 0, 1e-2, "the prompts change the logits")
    }

    func testKVCacheGenerationEqualsGreedyFullForwards() throws {
        let model = try LanguageModel.load("tiny")
        let (_, set) = try use("dham", [("metric", .string("uniform")), ("G", .int(3)), ("budget", .int(7)),
                                        ("init", .string("text:#!~"))], model: model)
        let prompts = [Array("Hi there".utf8).map(Int.init), Array("Yo".utf8).map(Int.init)]    // left-padded batch
        let generated = try Generator(model: model.model).generate(prompts, options: try GenerationOptions(maxNewTokens: 6), hooks: set)
        for (row, prompt) in prompts.enumerated() {
            var ids = prompt, expected: [Int] = []
            for _ in 0..<6 {
                let logits = try Autograd.noGrad { try model.model.forward([ids], hooks: set, logits: .last) }.scalars
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                expected.append(next)
                ids.append(next)
            }
            XCTAssertEqual(generated[row].ids, expected, "row \(row)")
        }
    }

    func testStateKeepsThePartition() throws {
        let model = try LanguageModel.load("tiny")
        let saved = try use("dham", [("metric", .string("uniform")), ("G", .int(3)), ("m", .int(2))], model: model).method
        let state = try saved.state()
        XCTAssertEqual(state.config["stages"], JSONValue.array([.array([.int(0), .int(1)]), .array([.int(2)]), .array([.int(3)])]))
        let other = try use("dham", [("metric", .string("uniform")), ("G", .int(2)), ("m", .int(4))], model: model).method
        try other.restore(state: state)
        XCTAssertEqual(try stages(other), [[0, 1], [2], [3]])
        XCTAssertEqual((other as? SoftPromptProvider)?.softPrompts.map(\.layer), [0, 2, 3])
        XCTAssertEqual(other.trainableParameters.map(\.scalars), saved.trainableParameters.map(\.scalars))
        XCTAssertTrue(other.trainableParameters.allSatisfy(\.requiresGrad))
        XCTAssertEqual(other.insertedPositions, 6)

        var broken = state
        broken.config = JSONValue.object(["stages": JSONValue.array([.array([.int(0), .int(1)]), .array([.int(3)])])])
        XCTAssertThrowsError(try other.restore(state: broken)) { XCTAssertTrue("\($0)".contains("exactly once"), "\($0)") }
        XCTAssertEqual(try stages(other), [[0, 1], [2], [3]], "a failed restore changes nothing")
    }

    func testInspectStagesAndReport() throws {
        let model = try LanguageModel.load("tiny")
        let method = try use("dham", [("metric", .string("uniform")), ("G", .int(2)), ("m", .int(4))], model: model).method
        let inspection = try XCTUnwrap(method as? Inspectable).inspect("stages")
        XCTAssertEqual(inspection.json["G"], JSONValue.int(2))
        XCTAssertEqual(inspection.json["stages"]?.arrayValue?.compactMap { $0["representative"]?.intValue }, [0, 2])
        XCTAssertTrue(inspection.lines.contains("  stage 1: layers 2–3 → prompt of 4 vectors at blocks.2.input"), "\(inspection.lines)")
        let report = Dictionary(uniqueKeysWithValues: method.report())
        XCTAssertEqual(report["G"], "2")
        XCTAssertTrue(report["stage 0"]?.hasPrefix("layers 0–1, prompt at layer 0, m=4") ?? false, "\(report)")
    }

    func testBadParametersAreClearErrors() throws {
        let model = try LanguageModel.load("tiny")
        func message(_ parameters: (String, ParameterValue)...) -> String {
            do { _ = try use("dham", parameters, model: model); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(("G", .int(0))), "dham G=0 is out of range: G must be auto or in [1, 1024]")
        XCTAssertEqual(message(("gmin", .int(5)), ("gmax", .int(3))), "dham gmin=5 is larger than gmax=3; give gmin ≤ gmax (e.g. gmin=3 gmax=5)")
        XCTAssertTrue(message(("metric", .string("cca"))).hasPrefix("dham metric=cca is not one of cka, cosine, euclidean, uniform, single; did you mean cka?"))
        XCTAssertTrue(message(("metric", .string("cka"))).contains("run `data …` first"), message())
        XCTAssertTrue(message(("metric", .string("uniform"))).contains("needs the number of stages: give G=k"))
        XCTAssertTrue(message(("metric", .string("uniform")), ("G", .int(5))).contains("G must be in [1, 4]"))
        XCTAssertTrue(message(("metric", .string("single")), ("G", .int(3))).contains("metric=single is one stage"))
        XCTAssertTrue(message(("m", .int(4)), ("budget", .int(8))).contains("give m (vectors per stage) or budget"))
        XCTAssertTrue(message(("metric", .string("uniform")), ("G", .int(3)), ("budget", .int(2))).contains("give budget ≥ 3"))
        XCTAssertTrue(message(("init", .string("zeros"))).hasPrefix("dham init=zeros: expected random or text:"))
    }
}

extension PluginDHAMTests {
    private func calibrationExamples(_ model: LanguageModel) -> [PluginAPI.Example] {
        ["Natalia sold clips to 48 of her friends.", "What is 7 times 8?", "The cat sat on the mat and purred.",
         "Tom has 3 apples and buys 5 more.", "A train leaves at noon going 60 miles per hour.", "Solve for x: 2x + 3 = 11.",
         "Every morning she walks 2 miles.", "How many legs do 4 spiders have?"].map {
            PluginAPI.Example(prompt: $0, answer: " The answer is 42.", model: model)
        }
    }

    func testCKACalibrationClustersTheLayersOfTheBlockInputs() throws {
        let model = try LanguageModel.load("tiny")
        let examples = calibrationExamples(model)
        let (method, set) = try use("dham", [("calib", .int(6)), ("bootstrap", .int(8)), ("m", .int(2)), ("skip", .int(0))],
                                     model: model, examples: examples)
        let inspection = try XCTUnwrap(method as? Inspectable).inspect("stages")
        let calibration = try XCTUnwrap(inspection.json["calibration"])
        XCTAssertEqual(calibration["examples"], JSONValue.int(6))

        // The similarity shown is linear CKA of the block inputs over the six examples' tokens.
        let probe = BlockInputs()
        for example in examples.prefix(6) { _ = try model.model.forward([example.ids], hooks: probe, logits: .last) }
        let layers = try (0..<4).map { l in try Tensor(shape: [probe.rows[l].count / 64, 64], scalars: probe.rows[l]) }
        XCTAssertEqual(calibration["tokens"], JSONValue.int(layers[0].shape[0]))
        let expected = try LinearCKA.matrix(layers)
        let shown = try XCTUnwrap(calibration["similarity"]?.arrayValue).map { try XCTUnwrap($0.arrayValue?.compactMap(\.doubleValue)) }
        for i in 0..<4 { for j in 0..<4 { XCTAssertEqual(shown[i][j], expected[i][j], accuracy: 1e-6) } }   // batched vs one-by-one forwards

        let skipping = try use("dham", [("calib", .int(6)), ("bootstrap", .int(0))], model: model, examples: examples).method
        let skipped = try XCTUnwrap(skipping as? Inspectable).inspect("stages").json["calibration"]?["tokens"]
        XCTAssertEqual(skipped, JSONValue.int(layers[0].shape[0] - 6), "skip=1 (the default) leaves out each example's first token")

        // G = 3 (gmin=3, and 4 layers allow at most 3), the stages are the tree's 3 clusters.
        let tree = AgglomerativeClustering.cluster(try DistanceMatrix.fromSimilarity(expected), linkage: .average)
        let labels = try tree.clusters(count: 3)
        let byCluster = Dictionary(grouping: 0..<4) { labels[$0] }.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        XCTAssertEqual(try stages(method), byCluster)
        XCTAssertEqual(calibration["votes"]?["3"], JSONValue.int(8))
        XCTAssertNotNil(calibration["silhouette"]?["3"]?.doubleValue)
        XCTAssertEqual((method as? SoftPromptProvider)?.softPrompts.map(\.layer), byCluster.map { $0[0] })
        XCTAssertEqual(inspection.figures.count, 3, "heatmap, dendrogram, silhouette by G")
        XCTAssertTrue(inspection.lines.contains { $0.hasPrefix("silhouette by G: G=3 ") }, "\(inspection.lines)")
        XCTAssertTrue(inspection.lines.contains("bootstrap votes (8 resamples): G=3: 8"), "\(inspection.lines)")
        _ = try model.model.forward([examples[0].ids], hooks: set)           // the calibrated stages run

        // G=2 forced, other metrics and linkages: stages from the same kind of tree, deterministic.
        for parameters: [(String, ParameterValue)] in [[("G", .int(2))], [("metric", .string("cosine")), ("G", .int(2))],
                                                        [("metric", .string("euclidean")), ("G", .int(2)), ("linkage", .string("ward"))]] {
            let first = try use("dham", parameters, model: model, examples: examples).method
            let again = try use("dham", parameters, model: model, examples: examples).method
            XCTAssertEqual(try stages(first).count, 2, "\(parameters)")
            XCTAssertEqual(try stages(first), try stages(again), "\(parameters)")
            XCTAssertEqual(try stages(first).first?.first, 0)
        }
    }

    func testNonContiguousStagesAreReportedWithTheirSpan() throws {
        let model = try LanguageModel.load("tiny")
        let method = try use("dham", [("metric", .string("uniform")), ("G", .int(2)), ("m", .int(2))], model: model).method
        var state = try method.state()
        state.config = JSONValue.object(["stages": JSONValue.array([.array([.int(0), .int(2)]), .array([.int(1), .int(3)])])])
        try method.restore(state: state)
        XCTAssertEqual((method as? SoftPromptProvider)?.softPrompts.map(\.layer), [0, 1])
        let report = Dictionary(uniqueKeysWithValues: method.report())
        XCTAssertEqual(report["note"], "stages 0, 1 are not contiguous in depth; each spans its layers")
        let lines = try XCTUnwrap(method as? Inspectable).inspect("stages").lines
        XCTAssertTrue(lines.contains("  stage 0: layers 0, 2 → prompt of 2 vectors at blocks.0.input (not contiguous: spans 0–2)"), "\(lines)")
    }
}

extension PluginDHAMTests {
    func testSessionCalibratesTrainsSavesAndRestoresTheStages() throws {
        let session = Session(write: { _ in })
        session.plugins = try registry()
        func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = []) throws -> Value {
            try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: []))
        }
        func stages(_ value: Value) -> [Value]? {
            guard case let .record(record) = value, case let .array(stages)? = record["stages"] else { return nil }
            return stages
        }
        _ = try run("load", [.string("tiny")])
        XCTAssertThrowsError(try run("use", [.string("dham")])) { XCTAssertTrue("\($0)".contains("run `data …` first"), "\($0)") }
        _ = try run("data", [.string("gsm8k")], [("limit", .int(6))])
        _ = try run("use", [.string("dham")], [("calib", .int(6)), ("bootstrap", .int(3)), ("m", .int(2))])
        let calibrated = try run("inspect", [.string("stages")])
        XCTAssertEqual(stages(calibrated)?.count, 3)
        _ = try run("train", [], [("steps", .int(2)), ("batch", .int(2)), ("max_length", .int(48))])

        let path = NSTemporaryDirectory() + "strata-dham-\(ProcessInfo.processInfo.processIdentifier).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try run("save", [.string(path)])
        let trained = try XCTUnwrap(session.methods.method(named: "dham")).trainableParameters.map(\.scalars)
        _ = try run("unuse", [.string("dham")])
        _ = try run("use", [.string("dham")], [("metric", .string("uniform")), ("G", .int(2))])
        _ = try run("restore", [.string(path)])
        XCTAssertEqual(stages(try run("inspect", [.string("stages")])).map { $0.map { $0.description } },
                       stages(calibrated).map { $0.map { $0.description } }, "the restored method has the saved stages")
        XCTAssertEqual(try XCTUnwrap(session.methods.method(named: "dham")).trainableParameters.map(\.scalars), trained)
    }
}

/// Copies the sequence entering every block (batch of one).
private final class BlockInputs: ForwardHooks {
    var rows: [[Float]] = Array(repeating: [], count: 4)
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        rows[layer] += state.hidden.contiguous().scalars
        return state
    }
}

/// Records the sequence length entering each block after the methods' hooks.
private final class LengthProbe: ForwardHooks {
    let inner: ForwardHooks
    var lengths: [Int] = []
    init(_ inner: ForwardHooks) { self.inner = inner }
    var insertedPositions: Int { inner.insertedPositions }
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        let out = try inner.blockInput(layer, state)
        lengths.append(out.length)
        return out
    }
    func finalNorm(_ hidden: Tensor) throws -> Tensor { try inner.finalNorm(hidden) }
}

/// The positions convention written out: prompts in front, the whole sequence numbered 0…n−1.
private final class ConsecutivePrompts: ForwardHooks {
    let layers: [Int], prompts: [Tensor]
    init(layers: [Int], prompts: [Tensor]) { (self.layers, self.prompts) = (layers, prompts) }
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        guard let i = layers.firstIndex(of: layer) else { return state }
        let hidden = try Tensor.concat([prompts[i].unsqueezed(axis: 0), state.hidden], axis: 1)
        let n = hidden.shape[1]
        return SequenceState(hidden: hidden, positions: [Array(0..<n)], isReal: [Array(repeating: true, count: n)])
    }
    func finalNorm(_ hidden: Tensor) throws -> Tensor {
        try hidden.slice(axis: 1, range: (hidden.shape[1] - 11)..<hidden.shape[1])   // the 11 tokens of "Hello there"
    }
}
