import XCTest
import Compute
import PluginAPI
import Host

/// Plugins/TSLoss with the soft prompts of Plugins/PromptTuning and Plugins/DHAM on `tiny`.
final class PluginTSLossTests: XCTestCase {
    func registry() throws -> PluginRegistry { try InTreePlugins.registry() }

    @discardableResult
    private func use(_ name: String, _ parameters: [(String, ParameterValue)], model: LanguageModel, set: MethodSet) throws -> Method {
        let context = MethodContext(model: model, seed: 7)
        let method = try registry().registration(named: name).makeMethod(parameters.map { (name: $0.0, value: $0.1) }, context: context)
        try set.add(method, context: context)
        return method
    }

    private func lossContext(_ model: LanguageModel, _ set: MethodSet) throws -> LossContext {
        let ids = [Array("2+2=4.".utf8).map(Int.init)]
        let logits = try model.model.forward(ids, hooks: set)
        let targets = ids.map { row in row.indices.map { $0 + 1 < row.count ? row[$0 + 1] : -100 } }
        return LossContext(model: model, inputIDs: ids, logits: logits, targets: targets, methods: set.methods) { _, _ in logits }
    }

    func testNeedsASoftPromptMethodFirst() throws {
        let model = try LanguageModel.load("tiny")
        XCTAssertThrowsError(try use("tsloss", [], model: model, set: MethodSet())) {
            XCTAssertEqual("\($0)", "tsloss needs soft-prompts but no method in use provides it; use a soft-prompt method such as `use prompt` or `use dham` first")
        }
        XCTAssertThrowsError(try use("tsloss", [("tau", .double(0))], model: model, set: MethodSet())) {
            XCTAssertEqual("\($0)", "tsloss tau=0.0 is out of range: tau must be > 0.0")
        }
    }

    func testAddsTheTermOfThePromptAndLogsItsParts() throws {
        let model = try LanguageModel.load("tiny")
        let set = MethodSet()
        let prompt = try use("prompt", [("m", .int(6))], model: model, set: set)
        try use("tsloss", [("lambda", .double(2)), ("tau", .double(0.05)), ("alpha", .double(3))], model: model, set: set)
        let context = try lossContext(model, set)
        let (total, terms) = try set.loss(context)
        let values = Dictionary(terms, uniquingKeysWith: { a, _ in a })
        var settings = TopologicalLossSettings()
        (settings.lambda, settings.tau, settings.alpha) = (2, 0.05, 3)
        let expected = try topologicalPromptLoss(prompt.trainableParameters[0].detached(), settings: settings).terms
        XCTAssertEqual(try XCTUnwrap(values["tsloss.loss"]), expected.total, accuracy: 1e-6 * max(1, expected.total))
        XCTAssertEqual(try XCTUnwrap(values["tsloss.h0"]), expected.h0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(values["tsloss.repel"]), expected.repel, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(values["tsloss.attract"]), expected.attract, accuracy: 1e-12)
        XCTAssertEqual(Double(try total.item()), try XCTUnwrap(values["loss.ce"]) + expected.total, accuracy: 1e-4)
        XCTAssertGreaterThan(expected.total, 0)
        try total.backward()
        XCTAssertNotNil(prompt.trainableParameters[0].grad)
    }

    func testTheTermIsTheMeanOverDHAMStagePrompts() throws {
        let model = try LanguageModel.load("tiny")
        let set = MethodSet()
        let dham = try use("dham", [("metric", .string("uniform")), ("G", .int(2)), ("m", .int(4))], model: model, set: set)
        try use("tsloss", [], model: model, set: set)
        let values = Dictionary(try set.loss(try lossContext(model, set)).terms, uniquingKeysWith: { a, _ in a })
        let perStage = try dham.trainableParameters.map { try topologicalPromptLoss($0.detached(), settings: TopologicalLossSettings()).terms }
        XCTAssertEqual(try XCTUnwrap(values["tsloss.loss"]), perStage.map(\.total).reduce(0, +) / 2, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(values["tsloss.h0"]), perStage.map(\.h0).reduce(0, +) / 2, accuracy: 1e-12)
    }

    func testTrainingLogsTheTermsAndTracksThePrompt() throws {
        var written = ""
        let session = Session(write: { written += $0 })
        session.plugins = try registry()
        func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = []) throws -> Value {
            try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: []))
        }
        _ = try run("load", [.string("tiny")])
        _ = try run("data", [.string("gsm8k")], [("limit", .int(4))])
        _ = try run("use", [.string("prompt")], [("m", .int(4))])
        _ = try run("use", [.string("tsloss")], [("track", .int(2))])
        let result = try run("train", [], [("steps", .int(4)), ("batch", .int(2)), ("lr", .double(0.01)), ("max_length", .int(48))])
        guard case let .record(record) = result, case let .record(metrics)? = record["metrics"] else {
            return XCTFail("train returns its logged terms under metrics: \(result)")
        }
        for name in ["loss.ce", "tsloss.loss", "tsloss.h0", "tsloss.repel", "tsloss.attract"] {
            guard case let .array(values)? = metrics[name] else { return XCTFail("no \(name) in \(metrics)") }
            XCTAssertEqual(values.count, 4, name)
        }
        let tsloss = try XCTUnwrap(session.methods.method(named: "tsloss") as? Inspectable)
        let inspection = try tsloss.inspect("prompt-topology")
        XCTAssertEqual(inspection.json["history"]?.arrayValue?.compactMap { $0["pass"]?.intValue }, [2, 4])
        XCTAssertEqual(inspection.json["passes"], JSONValue.int(4))
        XCTAssertEqual(inspection.json["history"]?.arrayValue?.compactMap { $0["h0"]?["count"]?.intValue }, [4, 4], "4 points: 4 H0 bars")
        XCTAssertNotNil(inspection.json["history"]?.arrayValue?.first?["loss"]?["h0"]?.doubleValue)

        // The current barcode is the Vietoris–Rips barcode of the trained prompt.
        let prompt = try XCTUnwrap(session.methods.method(named: "prompt")?.trainableParameters.first)
        let barcode = try VietorisRips.barcode(points: prompt.detached())
        let current = try XCTUnwrap(inspection.json["current"]?.arrayValue?.first)
        XCTAssertEqual(current["prompt"], JSONValue.string("prompt.embedding"))
        XCTAssertEqual(current["bars"]?.arrayValue?.count, barcode.h0.count + barcode.h1.count)
        XCTAssertEqual(try XCTUnwrap(current["h0"]?["max_lifespan"]?.doubleValue), barcode.summary(dimension: 0).maxLifespan, accuracy: 1e-12)
        XCTAssertEqual(inspection.figures.count, 2, "entropy by pass and the current barcode")
        guard case let .barcode(figure)? = inspection.figures.last else { return XCTFail("the last figure is the barcode") }
        XCTAssertEqual(figure.bars.filter { $0.dimension == 0 }.count, 4)

        // The history survives save and restore.
        let fresh = MethodSet()
        try use("prompt", [("m", .int(4))], model: try LanguageModel.load("tiny"), set: fresh)
        let restored = try use("tsloss", [("track", .int(2))], model: try LanguageModel.load("tiny"), set: fresh)
        try restored.restore(state: try XCTUnwrap(tsloss as Method).state())
        XCTAssertEqual(try XCTUnwrap(restored as? Inspectable).inspect("prompt-topology").json["history"], inspection.json["history"])

        // And through the commands: TSLoss saves no tensors, only its passes and history, and
        // `restore` gives them back with the prompt's tensor.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tsloss-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = try run("save", [.string(file)])
        _ = try run("unuse", [.string("tsloss")])
        _ = try run("unuse", [.string("prompt")])
        _ = try run("use", [.string("prompt")], [("m", .int(4))])
        _ = try run("use", [.string("tsloss")], [("track", .int(2))])
        let answer = try run("restore", [.string(file)])
        XCTAssertEqual(answer, .record(Record([("restored", .array([.string("prompt"), .string("tsloss")]))])))
        let reloaded = try XCTUnwrap(session.methods.method(named: "tsloss") as? Inspectable).inspect("prompt-topology")
        XCTAssertEqual(reloaded.json["history"], inspection.json["history"])
        XCTAssertEqual(reloaded.json["passes"], JSONValue.int(4))
    }
}
