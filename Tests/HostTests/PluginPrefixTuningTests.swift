import Compute
import Host
import PluginAPI
import XCTest

/// Plugins/PrefixTuning, built from the repository as `use prefix` does, on `tiny`.
final class PluginPrefixTuningTests: XCTestCase {
    private func prefix(_ parameters: [(String, ParameterValue)], model: LanguageModel, seed: UInt64 = 3) throws
        -> (method: Method, set: MethodSet) {
        let context = MethodContext(model: model, seed: seed)
        let method = try RepositoryPlugins.registration("prefix").makeMethod(parameters.map { (name: $0.0, value: $0.1) }, context: context)
        let set = MethodSet()
        try set.add(method, context: context)
        return (method, set)
    }

    /// Mean cross-entropy of predicting each next byte of `text`.
    private func loss(_ model: LanguageModel, _ set: MethodSet, _ text: String) throws -> Tensor {
        let ids = Array(text.utf8).map(Int.init)
        let logits = try model.model.forward([Array(ids.dropLast())], hooks: set)
        return try crossEntropy(logits: logits, targets: Array(ids.dropFirst()))
    }

    func testKeysAndValuesAreNamedPerLayerAndExpandedToTheBatch() throws {
        let model = try LanguageModel.load("tiny")
        let c = model.model.config
        let (method, set) = try prefix([("m", .int(3))], model: model)
        XCTAssertEqual(method.trainableParameters.map { $0.name ?? "" },
                       (0..<c.layerCount).flatMap { ["prefix.blocks.\($0).key", "prefix.blocks.\($0).value"] })
        for p in method.trainableParameters {
            XCTAssertEqual(p.shape, [3, c.kvHeadCount, c.headDim])
            XCTAssertTrue(p.requiresGrad)
        }
        let kv = try XCTUnwrap(try set.prefixKeyValues(1, batch: 2))
        XCTAssertEqual(kv.key.shape, [2, 3, c.kvHeadCount, c.headDim])
        XCTAssertEqual(kv.value.shape, [2, 3, c.kvHeadCount, c.headDim])
        XCTAssertEqual(try kv.key.select(axis: 0, index: 1).contiguous().scalars, method.trainableParameters[2].scalars)
        XCTAssertEqual(set.insertedPositions, 0, "a prefix adds no positions to the sequence")
        let again = try prefix([("m", .int(3))], model: model).method
        XCTAssertEqual(again.trainableParameters[5].scalars, method.trainableParameters[5].scalars, "seeded")
    }

    func testGradientsReachEveryKeyAndValueAndTrainingLowersTheLoss() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try prefix([("m", .int(4)), ("std", .double(0.5))], model: model)
        let text = "The cat sat on the mat."
        let optimizer = try AdamW(parameters: method.trainableParameters, learningRate: 0.05, weightDecay: 0)
        var losses: [Float] = []
        for step in 0..<6 {
            optimizer.zeroGrad()
            let l = try loss(model, set, text)
            losses.append(try l.item())
            try l.backward()
            if step == 0 {
                for p in method.trainableParameters {
                    let g = try XCTUnwrap(p.grad, p.name ?? "").scalars
                    XCTAssertGreaterThan(g.map(abs).max() ?? 0, 0, "\(p.name ?? "") gets a gradient")
                }
            }
            try optimizer.step()
        }
        XCTAssertLessThan(losses.last!, losses.first!, "\(losses)")
    }

    func testCachedGenerationEqualsAFullForwardWithThePrefix() throws {
        let model = try LanguageModel.load("tiny")
        let (_, set) = try prefix([("m", .int(3)), ("init", .string("text:#!~"))], model: model)
        let prompts = [Array("Hi there".utf8).map(Int.init), Array("Yo".utf8).map(Int.init)]     // left-padded batch
        let generated = try Generator(model: model.model).generate(prompts, options: try GenerationOptions(maxNewTokens: 6), hooks: set)
        var differs = false
        for (row, prompt) in prompts.enumerated() {
            var ids = prompt
            var expected: [Int] = []
            for _ in 0..<6 {                                  // greedy, no cache: a full forward each step
                let logits = try Autograd.noGrad { try model.model.forward([ids], hooks: set, logits: .last) }.scalars
                let plain = try Autograd.noGrad { try model.model.forward([ids], logits: .last) }.scalars
                if zip(logits, plain).contains(where: { abs($0 - $1) > 1e-3 }) { differs = true }
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                expected.append(next)
                ids.append(next)
            }
            XCTAssertEqual(generated[row].ids, expected, "row \(row)")
        }
        XCTAssertTrue(differs, "the prefix must change the logits")
    }

    func testTextInitIsTheFrozenModelsKeysAndValuesOfTheText() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try prefix([("m", .int(2)), ("init", .string("text:ab"))], model: model)
        final class Capture: ForwardHooks {
            var v: [Tensor] = []
            func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor {
                if kind == .v { v.append(output) }
                return output
            }
        }
        let capture = Capture()
        _ = try model.model.forward([Array("ab".utf8).map(Int.init)], hooks: capture)
        let c = model.model.config
        XCTAssertEqual(method.trainableParameters[3].scalars, capture.v[1].contiguous().scalars)   // blocks.1.value
        XCTAssertEqual(method.trainableParameters[3].shape, [2, c.kvHeadCount, c.headDim])
    }

    func testMLPReparameterisationTrainsItsMatrices() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try prefix([("m", .int(2)), ("reparam", .string("mlp")), ("hidden", .int(8))], model: model)
        let c = model.model.config
        XCTAssertEqual(method.trainableParameters.map { $0.name ?? "" },
                       ["prefix.embedding", "prefix.mlp.w1", "prefix.mlp.b1", "prefix.mlp.w2", "prefix.mlp.b2"])
        XCTAssertEqual(method.trainableParameters[3].shape, [c.layerCount * 2 * c.kvWidth, 8])
        let kv = try XCTUnwrap(try set.prefixKeyValues(0, batch: 1))
        XCTAssertEqual(kv.key.shape, [1, 2, c.kvHeadCount, c.headDim])
        try loss(model, set, "hello world").backward()
        for p in method.trainableParameters {
            XCTAssertGreaterThan(try XCTUnwrap(p.grad, p.name ?? "").scalars.map(abs).max() ?? 0, 0, p.name ?? "")
        }
    }

    func testBadParametersAreErrors() throws {
        let model = try LanguageModel.load("tiny")
        XCTAssertThrowsError(try prefix([("m", .int(0))], model: model)) {
            XCTAssertEqual("\($0)", "prefix m=0 is out of range: m must be in [1, 1024]")
        }
        XCTAssertThrowsError(try prefix([("init", .string("zeros"))], model: model)) {
            XCTAssertTrue("\($0)".hasPrefix("prefix init=zeros: expected random or text:"), "\($0)")
        }
        XCTAssertThrowsError(try prefix([("reparam", .string("lstm"))], model: model)) {
            XCTAssertTrue("\($0)".contains("reparam"), "\($0)")
        }
        XCTAssertThrowsError(try prefix([("reparam", .string("mlp")), ("init", .string("text:hi"))], model: model)) {
            XCTAssertTrue("\($0)".contains("random with reparam=mlp"), "\($0)")
        }
        XCTAssertThrowsError(try prefix([("std", .double(-1))], model: model)) {
            XCTAssertTrue("\($0)".contains("std"), "\($0)")
        }
    }
}
