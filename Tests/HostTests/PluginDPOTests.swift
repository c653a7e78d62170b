import Compute
import Foundation
import Host
import PluginAPI
import XCTest

/// A method whose trainable tensor has no effect at its zero initialisation: a bias added to
/// the logits (like a LoRA B = 0). With it, the policy starts equal to the reference.
private final class LogitBias: Method {
    let name = "bias"
    let bias: Tensor

    init(vocabulary: Int) {
        bias = Tensor.zeros([vocabulary], requiresGrad: true)
        bias.name = "bias.logits"
    }

    var trainableParameters: [Tensor] { [bias] }

    func logits(_ logits: Tensor) throws -> Tensor { try logits + bias }
}

/// Another method that replaces the loss, to check that two replacing methods are refused.
private final class OtherObjective: Method {
    let name = "other"
    var lossRole: LossRole { .replaces }
}

/// Plugins/DPO with the host's preference batches, `data hh-rlhf` and `prefeval`, on `tiny`.
final class PluginDPOTests: XCTestCase {
    private var written = ""
    private lazy var session: Session = {
        let session = Session(write: { self.written += $0 })
        if case let .success(registry) = RepositoryPlugins.registry { session.plugins = registry }
        return session
    }()

    @discardableResult
    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = [], flags: [String] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: flags))
    }

    private func dpo(_ parameters: [(String, ParameterValue)] = [], model: LanguageModel) throws -> Method {
        try RepositoryPlugins.registration("dpo").makeMethod(parameters.map { (name: $0.0, value: $0.1) },
                                                            context: MethodContext(model: model, seed: 0))
    }

    /// Four HH-RLHF pairs encoded for `tiny`, short enough to be quick.
    private func pairBatch(_ model: LanguageModel) throws -> Batch {
        let examples = try shippedData.load("hh-rlhf", split: "test").examples.prefix(4)
        let encoder = try TrainingExampleEncoder(model: model, format: .raw, maxLength: 40)
        let pairs = try examples.map(encoder.encodePair)
        return try Batch(chosen: pairs.map(\.chosen), rejected: pairs.map(\.rejected), padID: 0)
    }

    func testZeroInitialisedAdapterMakesThePolicyTheReferenceAndTheLossLog2() throws {
        let model = try LanguageModel.load("tiny")
        let set = MethodSet()
        let bias = LogitBias(vocabulary: model.model.config.vocabularySize)
        try set.add(bias, context: nil)
        try set.add(try dpo(model: model), context: nil)
        XCTAssertTrue(set.needsPreferencePairs)
        let batch = try pairBatch(model)
        XCTAssertEqual(batch.preferencePairs, 4)
        XCTAssertEqual(batch.size, 8)
        let logits = try model.model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal, hooks: set)
        let context = LossContext(model: model, inputIDs: batch.inputIDs, logits: logits, targets: batch.labels,
                                  preferencePairs: batch.preferencePairs, methods: set.methods) { ids, withMethods in
            try model.model.forward(ids, hooks: withMethods ? set : nil)
        }
        let (total, terms) = try set.loss(context)
        XCTAssertEqual(Double(try total.item()), log(2), accuracy: 1e-5)
        let metrics = Dictionary(terms, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(metrics["dpo.loss"] ?? .nan, log(2), accuracy: 1e-5)
        XCTAssertEqual(metrics["dpo.margin"] ?? .nan, 0, accuracy: 1e-5)
        XCTAssertEqual(metrics["dpo.accuracy"], 0)
        XCTAssertEqual(metrics["dpo.chosen_reward"] ?? .nan, 0, accuracy: 1e-5)
        try total.backward()
        let gradient = try XCTUnwrap(bias.bias.grad).scalars
        XCTAssertGreaterThan(gradient.map(abs).max() ?? 0, 1e-6, "the gradient reaches the adapter")
    }

    func testLossRefusesABatchWithoutPairs() throws {
        let model = try LanguageModel.load("tiny")
        let method = try dpo(model: model)
        let ids = [[1, 2, 3]]
        let logits = try model.model.forward(ids)
        let context = LossContext(model: model, inputIDs: ids, logits: logits, targets: [[2, 3, -100]]) { ids, _ in
            try model.model.forward(ids)
        }
        XCTAssertThrowsError(try method.loss(context)) {
            XCTAssertTrue("\($0)".contains("dpo needs preference pairs: `data hh-rlhf`"), "\($0)")
        }
    }

    func testDataHHRLHFDividesTheShippedTestSplitIntoDisjointTrainingAndHeldOutPairs() throws {
        try run("data", [.string("hh-rlhf")], [("limit", .int(8)), ("validation", .int(4))])
        let training = try XCTUnwrap(session.trainingData), held = try XCTUnwrap(session.validationData)
        XCTAssertEqual(training.count, 8)
        XCTAssertEqual(held.count, 4)
        XCTAssertTrue(training.examples.allSatisfy(\.isPreferencePair))
        XCTAssertTrue(Set(training.examples.map(\.id)).isDisjoint(with: held.examples.map(\.id)))
        XCTAssertTrue(training.examples.allSatisfy { $0.id.hasPrefix("hh-rlhf/test/") })
        written = ""
        try run("show")
        XCTAssertTrue(written.contains("HH-RLHF helpful-base test split, divided (seed 0) into 8 training and 4 held-out pairs — the train split is not shipped"), written)
        // Without validation=, 200 pairs are held out; split=test explicitly divides nothing.
        try run("data", [.string("hh-rlhf")], [("limit", .int(8))])
        XCTAssertEqual(session.validationData?.count, 200)
        try run("data", [.string("hh-rlhf")], [("split", .string("test")), ("limit", .int(8))])
        XCTAssertNil(session.validationData)
        XCTAssertTrue(session.dataDescription?.hasPrefix("hh-rlhf test: 8 training pairs") == true, session.dataDescription ?? "")
    }

    func testTrainingStepsLowerTheDPOLossOnTheTrainingPairsAndLogItsMetrics() throws {
        try run("load", [.string("tiny")])
        try run("data", [.string("hh-rlhf")], [("limit", .int(8)), ("validation", .int(4))])
        let model = try XCTUnwrap(session.model)
        try session.methods.add(LogitBias(vocabulary: model.model.config.vocabularySize), context: nil)
        try run("use", [.string("dpo")], [("beta", .double(0.5))])
        let pairs = try XCTUnwrap(session.trainingData).examples
        let before = try PreferenceEvaluation.run(session: session, examples: pairs, beta: 0.5, format: .raw, maxLength: 40)
        XCTAssertEqual(before.meanLoss, log(2), accuracy: 1e-5, "zero-initialised: the policy is the reference")
        XCTAssertEqual(before.n, 8)

        let result = try run("train", [], [("steps", .int(6)), ("lr", .double(0.05)), ("batch", .int(4)), ("format", .string("raw")),
                                           ("max_length", .int(40)), ("eval_every", .int(6))])
        let after = try PreferenceEvaluation.run(session: session, examples: pairs, beta: 0.5, format: .raw, maxLength: 40)
        XCTAssertLessThan(after.meanLoss, before.meanLoss - 0.02, "\(after)")
        XCTAssertGreaterThan(after.meanMargin, 0)
        XCTAssertGreaterThan(after.accuracy, 0.5)

        guard case let .record(record) = result, case let .record(metrics)? = record["metrics"] else {
            return XCTFail("train returns its metrics: \(result)")
        }
        for name in ["dpo.loss", "dpo.margin", "dpo.accuracy", "dpo.chosen_reward", "dpo.rejected_reward"] {
            XCTAssertNotNil(metrics[name], name)
        }
        XCTAssertEqual(record["trainable_parameters"], .int(model.model.config.vocabularySize))
        guard case let .record(validation)? = record["validation_metrics"], case let .double(accuracy)? = validation["dpo.accuracy"] else {
            return XCTFail("validation metrics on the held-out pairs: \(record)")
        }
        XCTAssertTrue((0...1).contains(accuracy))
        XCTAssertTrue(written.contains("trainable parameters; dpo.loss"), written)
    }

    func testPrefevalReportsAccuracyMarginAndLossOnHeldOutPairs() throws {
        try run("load", [.string("tiny")])
        XCTAssertThrowsError(try run("prefeval")) {
            XCTAssertTrue("\($0)".contains("no held-out preference pairs; choose some with `data hh-rlhf validation=100`"), "\($0)")
        }
        try run("data", [.string("hh-rlhf")], [("limit", .int(4)), ("validation", .int(3))])
        written = ""
        let result = try run("prefeval", [], [("max_length", .int(32)), ("format", .string("raw"))], flags: ["json"])
        guard case let .record(record) = result else { return XCTFail("prefeval returns a record") }
        XCTAssertEqual(record["n"], .int(3))
        XCTAssertEqual(record["accuracy"], .double(0))
        guard case let .double(loss)? = record["loss"] else { return XCTFail("loss") }
        XCTAssertEqual(loss, log(2), accuracy: 1e-6, "no methods: the policy is the reference")
        for key in ["margin", "chosen_reward", "rejected_reward", "beta", "methods"] { XCTAssertNotNil(record[key], key) }
        XCTAssertTrue(written.hasPrefix("{\"accuracy\":0,\"beta\":0.1,") && written.contains("\"n\":3"), written)
        XCTAssertThrowsError(try run("prefeval", [], [("beta", .double(0))])) {
            XCTAssertTrue("\($0)".contains("beta"), "\($0)")
        }
        XCTAssertThrowsError(try run("prefeval", [], [("format", .string("xml"))])) {
            XCTAssertTrue("\($0)".contains("format=xml is not one of"), "\($0)")
        }
    }

    func testPrefevalScoresWithTheActiveDPOBetaUnlessGivenOne() throws {
        try run("load", [.string("tiny")])
        try run("data", [.string("hh-rlhf")], [("limit", .int(4)), ("validation", .int(2))])
        let model = try XCTUnwrap(session.model)
        // A bias that makes the policy differ from the reference, so that β scales the rewards.
        let bias = LogitBias(vocabulary: model.model.config.vocabularySize)
        bias.bias.data.update(repeating: 0.5, count: 3)
        try session.methods.add(bias, context: nil)
        try run("use", [.string("dpo")], [("beta", .double(0.3))])
        let options: [(String, Value)] = [("max_length", .int(32)), ("format", .string("raw"))]
        guard case let .record(active) = try run("prefeval", [], options),
              case let .record(given) = try run("prefeval", [], options + [("beta", .double(0.1))]) else {
            return XCTFail("prefeval returns records")
        }
        XCTAssertEqual(active["beta"], .double(0.3))
        XCTAssertEqual(given["beta"], .double(0.1))
        XCTAssertTrue(written.contains("vs the frozen model, beta 0.3)"), written)
        guard case let .double(activeMargin)? = active["margin"], case let .double(givenMargin)? = given["margin"] else {
            return XCTFail("margins: \(active), \(given)")
        }
        XCTAssertNotEqual(givenMargin, 0, "the bias changes the policy")
        XCTAssertEqual(activeMargin, 3 * givenMargin, accuracy: 1e-4 * abs(givenMargin), "rewards are β times the log-ratios")
    }

    func testDPOOnNonPairDataAndTwoReplacingMethodsAreErrors() throws {
        try run("load", [.string("tiny")])
        try run("data", [.string("gsm8k")], [("limit", .int(4))])
        let model = try XCTUnwrap(session.model)
        try session.methods.add(LogitBias(vocabulary: model.model.config.vocabularySize), context: nil)
        try run("use", [.string("dpo")])
        XCTAssertThrowsError(try run("train", [], [("steps", .int(1)), ("max_length", .int(32))])) {
            XCTAssertTrue("\($0)".hasPrefix("train: dpo needs preference pairs: `data hh-rlhf`"), "\($0)")
        }
        try run("unuse", [.string("dpo")])
        try session.methods.add(OtherObjective(), context: nil)
        XCTAssertThrowsError(try run("use", [.string("dpo")])) {
            XCTAssertEqual("\($0)", "dpo replaces the loss, and other (in use) already replaces it; `unuse other` first")
        }
        XCTAssertThrowsError(try run("use", [.string("dpo")], [("beta", .double(0))])) {
            XCTAssertTrue("\($0)".contains("beta"), "\($0)")
        }
        XCTAssertThrowsError(try run("use", [.string("dpo")], [("label_smoothing", .double(0.5))])) {
            XCTAssertTrue("\($0)".contains("label_smoothing"), "\($0)")
        }
    }
}
