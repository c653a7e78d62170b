import XCTest
import Compute
import PluginAPI
import Host

/// Plugins/DPC on `tiny` after `use prompt m=4`, with a generation record wired to the model and
/// the method set as the host wires it; and `inspect saliency`.
final class PluginDPCTests: XCTestCase {
    private func registry() throws -> PluginRegistry { try InTreePlugins.registry() }

    private struct Setup {
        let model: LanguageModel
        let set: MethodSet
        let prompt: Tensor
    }

    private func setup(_ dpc: [(String, ParameterValue)], seed: UInt64 = 7) throws -> Setup {
        let model = try LanguageModel.load("tiny")
        let context = MethodContext(model: model, seed: seed)
        let set = MethodSet()
        // Text init: prompt vectors at the embeddings' scale, so corrupting them changes the output.
        let prompt = try registry().registration(named: "prompt")
            .makeMethod([(name: "m", value: .int(4)), (name: "init", value: .string("text:#!~"))], context: context)
        try set.add(prompt, context: context)
        let method = try registry().registration(named: "dpc").makeMethod(dpc.map { (name: $0.0, value: $0.1) }, context: context)
        try set.add(method, context: context)
        return Setup(model: model, set: set, prompt: prompt.trainableParameters[0])
    }

    private let questions = [Array("2+2=".utf8).map(Int.init), Array("Why is the sky".utf8).map(Int.init)]

    private func options() throws -> GenerationOptions { try GenerationOptions(maxNewTokens: 6) }

    /// What the host hands `afterGeneration`: the first answers, regenerate and forward with the methods.
    private func record(_ s: Setup) throws -> GenerationRecord {
        let generator = Generator(model: s.model.model)
        let options = try options()
        let outputs = try generator.generate(questions, options: options, hooks: s.set)
        let decode = { (ids: [Int]) in s.model.tokenizer.decode(ids, skipSpecial: true) }
        return GenerationRecord(prompts: questions, outputs: outputs, texts: outputs.map { decode($0.ids) }, attempt: 1,
                                methods: s.set.methods,
                                regenerate: { try generator.generate($0, options: options, hooks: s.set) },
                                forward: { try s.model.model.forward($0, hooks: s.set) },
                                decode: decode)
    }

    private func note(_ record: GenerationRecord, _ item: Int) throws -> [String: JSONValue] {
        try XCTUnwrap(record.notes[item]["dpc"]?.objectValue, "item \(item) has a dpc note")
    }

    func testDPCNeedsASoftPromptMethod() throws {
        let model = try LanguageModel.load("tiny")
        let context = MethodContext(model: model, seed: 1)
        let method = try registry().registration(named: "dpc").makeMethod([], context: context)
        XCTAssertThrowsError(try MethodSet().add(method, context: context)) {
            XCTAssertEqual("\($0)", "dpc needs soft-prompts but no method in use provides it; use a soft-prompt method such as `use prompt` or `use dham` first")
        }
    }

    func testAlwaysCorruptsRegeneratesRestoresThePromptAndWritesTheNote() throws {
        let s = try setup([("mode", .string("always"))])
        let before = s.prompt.scalars
        let generator = Generator(model: s.model.model)
        // `tiny` repeats its last token whatever the prompt, so a regenerated answer would equal
        // the first; this regenerate marks its answers (one extra token) to show they replace
        // the first ones, and records the prompt it ran with.
        var calls: [(prompts: [[Int]], prompt: [Float])] = []
        var record = try self.record(s)
        let first = record.outputs, firstTexts = record.texts
        let decode = record.decode
        record = GenerationRecord(prompts: record.prompts, outputs: first, texts: firstTexts, attempt: 1, methods: s.set.methods,
                                  regenerate: { prompts in
                                      calls.append((prompts, s.prompt.scalars))
                                      return try generator.generate(prompts, options: try self.options(), hooks: s.set).map { sequence in
                                          var marked = sequence
                                          marked.ids.append(0)
                                          return marked
                                      }
                                  },
                                  forward: { try s.model.model.forward($0, hooks: s.set) }, decode: decode)
        XCTAssertEqual(try s.set.afterGeneration(&record), .accept)
        XCTAssertEqual(s.prompt.scalars, before, "the prompt is restored exactly")
        XCTAssertNil(s.prompt.grad, "the saliency pass leaves no gradient on the prompt")
        XCTAssertEqual(calls.map(\.prompts), questions.map { [$0] }, "one regeneration per item, of that item")

        for item in questions.indices {
            let note = try note(record, item)
            let key = try XCTUnwrap(note["key"]?.intValue)
            XCTAssertEqual(note["triggered"], .bool(true))
            XCTAssertEqual(note["changed"], .bool(true))
            XCTAssertEqual(note["first"], .string(firstTexts[item]))
            // Independently: the analysis through a capture wrapping the method set gives the same R and key.
            let rationale = first[item].ids
            let segments = try SequenceSegments(prompt: 4, question: questions[item].count, rationale: rationale.count)
            let capture = SaliencyCapture(wrapping: s.set, keep: segments.count)
            let maps = try SaliencyRunner.run(tokens: questions[item] + rationale, segments: segments, layerCount: 4,
                                              capture: capture, preserving: [s.prompt]) { try s.model.model.forward([$0], hooks: capture) }
            XCTAssertEqual(key, try InformationAccumulation(maps: maps, segments: segments).key, "item \(item)")
            XCTAssertEqual(try XCTUnwrap(note["R"]?.doubleValue), TriggerRatio(map: maps[3], segments: segments).ratio, accuracy: 1e-12)

            // Regeneration ran with the corrupted prompt: key vector zeroed, 10% smallest of the others.
            let corrupted = try PromptCorruption(fraction: 0.1, scope: .vector).corrupt(s.prompt, key: key).scalars
            XCTAssertEqual(calls[item].prompt, corrupted, "item \(item)")
            XCTAssertEqual(corrupted.filter { $0 == 0 }.count, 64 + 3 * 6, "the key's 64 entries and round(6.4) of each other vector")
            XCTAssertEqual(record.outputs[item].ids, first[item].ids + [0])
            XCTAssertEqual(record.texts[item], decode(first[item].ids + [0]))
        }
    }

    func testWorksOnDHAMsFirstStagePrompt() throws {
        let model = try LanguageModel.load("tiny")
        let context = MethodContext(model: model, seed: 3)
        let set = MethodSet()
        let dham = try registry().registration(named: "dham")
            .makeMethod([(name: "metric", value: .string("uniform")), (name: "G", value: .int(2)), (name: "m", value: .int(3))], context: context)
        try set.add(dham, context: context)
        try set.add(try registry().registration(named: "dpc").makeMethod([(name: "mode", value: .string("always"))], context: context),
                    context: context)
        let stages = try XCTUnwrap(dham as? SoftPromptProvider).softPrompts
        XCTAssertEqual(stages.map(\.layer), [0, 2])
        let before = stages.map(\.matrix.scalars)
        let generator = Generator(model: model.model)
        let options = try options()
        var seen: [[Float]] = []
        let outputs = try generator.generate(questions, options: options, hooks: set)
        var record = GenerationRecord(prompts: questions, outputs: outputs, texts: outputs.map { model.tokenizer.decode($0.ids) },
                                      attempt: 1, methods: set.methods,
                                      regenerate: { seen.append(stages[0].matrix.scalars); return try generator.generate($0, options: options, hooks: set) },
                                      forward: { try model.model.forward($0, hooks: set) },
                                      decode: { model.tokenizer.decode($0) })
        XCTAssertEqual(try set.afterGeneration(&record), .accept)
        XCTAssertEqual(stages.map(\.matrix.scalars), before, "every stage prompt is restored exactly")
        XCTAssertEqual(seen.count, questions.count)
        for item in questions.indices {
            let key = try XCTUnwrap(try note(record, item)["key"]?.intValue)
            XCTAssertTrue((0..<3).contains(key), "the key is a vector of the first stage's prompt")
            let corrupted = try PromptCorruption(fraction: 0.1, scope: .vector).corrupt(stages[0].matrix, key: key).scalars
            XCTAssertEqual(seen[item], corrupted, "regeneration ran with the first stage's prompt corrupted (item \(item))")
        }
    }

    func testDPCLeavesTheForwardPassUnchanged() throws {
        let s = try setup([])
        let ids = questions[1]
        let prompted = MethodSet()
        try prompted.add(try XCTUnwrap(s.set.method(named: "prompt")), context: nil)
        XCTAssertEqual(try InTreePlugins.logits(s.model, ids, hooks: s.set), try InTreePlugins.logits(s.model, ids, hooks: prompted))
    }

    func testDynamicWithThresholdOneNeverTriggers() throws {
        let s = try setup([("threshold", .double(1))])
        var record = try record(s)
        let first = record.outputs, texts = record.texts
        _ = try s.set.afterGeneration(&record)
        XCTAssertEqual(record.outputs, first)
        XCTAssertEqual(record.texts, texts)
        for item in questions.indices {
            let note = try note(record, item)
            XCTAssertEqual(note["triggered"], .bool(false))
            XCTAssertEqual(note["changed"], .bool(false))
            let r = try XCTUnwrap(note["R"]?.doubleValue)
            XCTAssertTrue((0...1).contains(r), "R = \(r)")
        }
        // The decisions stay readable for a calibration: `inspect dpc`.
        let dpc = try XCTUnwrap(s.set.method(named: "dpc") as? Inspectable)
        XCTAssertEqual(dpc.inspectionSubjects, ["dpc"])
        let inspection = try dpc.inspect("dpc")
        XCTAssertEqual(inspection.json["items"]?.arrayValue?.compactMap { $0["R"]?.doubleValue },
                       record.notes.compactMap { $0["dpc"]?["R"]?.doubleValue })
        XCTAssertEqual(inspection.json["triggered"], .int(0))
        XCTAssertEqual(inspection.json["analysed"], .int(2))
    }

    /// `key=random` draws from the session seed: the same seed, the same keys; other seeds,
    /// other keys; and not the keys `key=auto` picks by saliency.
    func testRandomKeyFollowsTheSessionSeed() throws {
        func keys(seed: UInt64, choice: String = "random") throws -> [Int] {
            let s = try setup([("mode", .string("always")), ("key", .string(choice))], seed: seed)
            var record = try record(s)
            _ = try s.set.afterGeneration(&record)
            return try questions.indices.map { try XCTUnwrap(note(record, $0)["key"]?.intValue) }
        }
        let a = try keys(seed: 3)
        XCTAssertEqual(a, try keys(seed: 3))
        XCTAssertTrue(a.allSatisfy { (0..<4).contains($0) }, "\(a)")
        let drawn = try (0..<10).map { try keys(seed: UInt64($0)) }
        XCTAssertTrue(drawn.allSatisfy { $0.allSatisfy { (0..<4).contains($0) } }, "\(drawn)")
        XCTAssertGreaterThan(Set(drawn).count, 1, "ten seeds drew the same keys: \(drawn)")
        let auto = try keys(seed: 0, choice: "auto")
        XCTAssertTrue(drawn.contains { $0 != auto }, "every draw equals key=auto's \(auto)")
    }

    func testBadParametersAreClearErrors() throws {
        func error(_ parameters: [(String, ParameterValue)]) -> String {
            do { _ = try setup(parameters); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error([("threshold", .double(2))]), "dpc threshold=2.0 is out of range: threshold must be in [0.0, 1.0]")
        XCTAssertTrue(error([("scope", .string("vectors"))]).hasPrefix("dpc scope=vectors is not one of vector, global; did you mean vector?"))
        XCTAssertTrue(error([("mode", .string("sometimes"))]).hasPrefix("dpc mode=sometimes is not one of dynamic, always"))
        XCTAssertTrue(error([("key", .string("first"))]).hasPrefix("dpc key=first is not one of auto, random"))
        XCTAssertEqual(error([("ratio", .double(1.5))]), "dpc ratio=1.5 is out of range: ratio must be in [0.0, 1.0]")
        XCTAssertEqual(error([("factor", .int(0))]), "dpc factor=0.0 is out of range: factor must be > 0.0")
        XCTAssertTrue(error([("shallow", .string("0..x"))]).hasPrefix("dpc shallow=0..x: \"0..x\" is not a layer index"), error([("shallow", .string("0..x"))]))
        XCTAssertEqual(error([("shallow", .string("0...6"))]), "dpc shallow=0...6: layer 4 is out of range: the model has 4 layers (0…3)")
        XCTAssertEqual(error([("shallow", .list([.int(9)]))]), "dpc shallow=9: layer 9 is out of range: the model has 4 layers (0…3)")
        XCTAssertEqual(error([("shallow", .list([.int(0), .int(1)]))]), "no error")           // `shallow=0...1` in the REPL
        XCTAssertEqual(error([("shallow", .string("auto"))]), "no error")
        XCTAssertEqual(error([("shallow", .string("1...2"))]), "no error")
        XCTAssertEqual(error([("shallow", .string("0..<4"))]), "no error")
    }

    // MARK: - inspect saliency

    private var written = ""

    private func session() throws -> Session {
        let session = Session(write: { self.written += $0 })
        session.plugins = try registry()
        _ = try session.run(CommandInvocation(name: "load", positional: [.string("tiny")], named: [], flags: []))
        return session
    }

    private func inspect(_ session: Session, _ named: [(String, Value)]) throws -> Value {
        try session.run(CommandInvocation(name: "inspect", positional: [.string("saliency")], named: named, flags: ["json"]))
    }

    func testInspectSaliencyGivesPerLayerFlowsAndAccumulationWithAPrompt() throws {
        let session = try session()
        let question: [(String, Value)] = [("question", .string("2+2=")), ("rationale", .string("4, since two and two"))]
        guard case let .record(plain) = try inspect(session, question) else { return XCTFail("a record") }
        guard case let .array(qr)? = plain["question_rationale"] else { return XCTFail("question_rationale") }
        XCTAssertEqual(qr.count, 4)
        XCTAssertNil(plain["prompt_rationale"], "no soft prompt: question→rationale alone")

        _ = try session.run(CommandInvocation(name: "use", positional: [.string("prompt")], named: [("m", .int(4))], flags: []))
        guard case let .record(r) = try inspect(session, question) else { return XCTFail("a record") }
        for key in ["prompt_question", "prompt_rationale", "question_rationale"] {
            guard case let .array(series)? = r[key] else { return XCTFail(key) }
            XCTAssertEqual(series.count, 4, key)
        }
        guard case let .array(c)? = r["accumulation"], case let .int(k)? = r["key"] else { return XCTFail("accumulation") }
        XCTAssertEqual(c.count, 4)
        XCTAssertTrue((0..<4).contains(k))
        XCTAssertNil(session.methods.trainableParameters[0].grad)

        written = ""
        _ = try session.run(CommandInvocation(name: "inspect", positional: [.string("saliency")],
                                              named: [("question", .string("2+2=")), ("max_tokens", .int(5))], flags: []))
        XCTAssertTrue(written.contains("layer  prompt→question  prompt→rationale  question→rationale"), written)
        XCTAssertTrue(written.contains("key token k* = "), written)

        written = ""                                                  // `plot saliency` draws its figures
        _ = try session.run(CommandInvocation(name: "plot", positional: [.string("saliency")], named: question, flags: []))
        XCTAssertTrue(written.contains("saliency flow by layer"), written)
        XCTAssertTrue(written.contains("information accumulation per soft token"), written)
    }

    func testInspectSaliencyArgumentErrors() throws {
        let session = try session()
        func error(_ named: [(String, Value)]) -> String {
            do { _ = try inspect(session, named); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(error([]).contains("give index=N (a session data example) or question="), error([]))
        XCTAssertTrue(error([("index", .int(0))]).contains("index= needs session data"))
        XCTAssertTrue(error([("index", .int(0)), ("question", .string("x"))]).contains("not both"))
        XCTAssertTrue(error([("question", .string("x")), ("format", .string("fancy"))]).contains("format=fancy is not one of"))
        XCTAssertTrue(error([("question", .string("x")), ("max_tokens", .int(0))]).contains("max_tokens=0 is out of range"))
        XCTAssertTrue(error([("questoin", .string("x"))]).contains("did you mean 'question'"))
    }
}
