import Compute
import Host
import PluginAPI
import XCTest

/// A logit bias whose method asks for its own learning-rate scale.
private final class ScaledBias: Method {
    let name: String
    let learningRateScale: Double
    let bias: Tensor

    init(name: String, scale: Double, vocabulary: Int) {
        self.name = name
        learningRateScale = scale
        bias = Tensor.zeros([vocabulary], requiresGrad: true)
        bias.name = "\(name).logits"
    }

    var trainableParameters: [Tensor] { [bias] }

    func logits(_ logits: Tensor) throws -> Tensor { try logits + bias }
}

/// `train` moves each method's tensors at the run's learning rate times the method's scale.
final class TrainLearningRateScaleTests: XCTestCase {
    func testEachMethodTrainsAtItsScaledLearningRate() throws {
        let session = Session(write: { _ in })
        func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = []) throws {
            _ = try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: []))
        }
        try run("load", [.string("tiny")])
        try run("data", [.string("gsm8k")], [("limit", .int(2))])
        let vocabulary = try XCTUnwrap(session.model).model.config.vocabularySize
        let full = ScaledBias(name: "full", scale: 1, vocabulary: vocabulary)
        let quarter = ScaledBias(name: "quarter", scale: 0.25, vocabulary: vocabulary)
        let frozen = ScaledBias(name: "frozen", scale: 0, vocabulary: vocabulary)
        for method in [full, quarter, frozen] { try session.methods.add(method, context: nil) }
        try run("train", [], [("steps", .int(1)), ("lr", .double(0.01)), ("max_length", .int(24)), ("clip", .double(0))])
        // One AdamW step from zero moves an element by lr·scale·m̂/(√v̂ + ε) ≈ lr·scale·sign(g).
        // The three biases get the same gradient (they are summed into the same logits).
        let moved = { (t: Tensor) in t.scalars.map(abs).max() ?? 0 }
        XCTAssertEqual(moved(full.bias), 0.01, accuracy: 1e-4)
        XCTAssertEqual(moved(quarter.bias), 0.0025, accuracy: 1e-5)
        XCTAssertEqual(moved(frozen.bias), 0)
    }
}
