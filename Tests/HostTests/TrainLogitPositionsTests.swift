import Compute
import Host
import PluginAPI
import XCTest

/// A trainable logit bias that records, in its loss, whether the batch's logits are finite at
/// the first prompt position and at the first scored one.
private final class LogitProbe: Method {
    let name = "probe"
    let bias: Tensor
    let needsLogitsAtEveryPosition: Bool
    var promptIsFinite: [Bool] = []
    var scoredIsFinite: [Bool] = []

    init(vocabulary: Int, everyPosition: Bool) {
        bias = Tensor.zeros([vocabulary], requiresGrad: true)
        bias.name = "probe.bias"
        needsLogitsAtEveryPosition = everyPosition
    }

    var lossRole: LossRole { .adds }
    var trainableParameters: [Tensor] { [bias] }

    func logits(_ logits: Tensor) throws -> Tensor { try logits + bias }

    func loss(_ context: LossContext) throws -> LossContribution? {
        let vocabulary = context.logits.shape[2], length = context.logits.shape[1]
        let first = try XCTUnwrap(context.targets[0].firstIndex { $0 != context.ignoreIndex })
        let values = context.logits.contiguous().scalars
        func finite(_ position: Int) -> Bool {
            values[(position * vocabulary)..<((position + 1) * vocabulary)].allSatisfy(\.isFinite)
        }
        XCTAssertGreaterThan(first, 0, "the prompt comes before the response")
        XCTAssertLessThan(first, length)
        promptIsFinite.append(finite(0))
        scoredIsFinite.append(finite(first))
        return nil
    }
}

/// `train` runs the LM head at scored positions only, unless a method asks for every position.
final class TrainLogitPositionsTests: XCTestCase {
    private func train(everyPosition: Bool) throws -> LogitProbe {
        let session = Session(write: { _ in })
        _ = try session.run(CommandInvocation(name: "load", positional: [.string("tiny")]))
        _ = try session.run(CommandInvocation(name: "data", positional: [.string("gsm8k")], named: [("limit", .int(3))]))
        let model = try XCTUnwrap(session.model)
        let probe = LogitProbe(vocabulary: model.model.config.vocabularySize, everyPosition: everyPosition)
        try session.methods.add(probe, context: nil)
        _ = try session.run(CommandInvocation(name: "train", named: [("steps", .int(2)), ("batch", .int(3)), ("max_length", .int(480))]))
        return probe
    }

    func testPromptPositionsAreNaNWhenNoMethodReadsThem() throws {
        let probe = try train(everyPosition: false)
        XCTAssertEqual(probe.scoredIsFinite, [true, true])
        XCTAssertEqual(probe.promptIsFinite, [false, false])
    }

    func testAMethodThatReadsEveryPositionGetsThemAll() throws {
        let probe = try train(everyPosition: true)
        XCTAssertEqual(probe.scoredIsFinite, [true, true])
        XCTAssertEqual(probe.promptIsFinite, [true, true])
    }
}
