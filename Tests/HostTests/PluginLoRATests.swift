import XCTest
import Compute
import PluginAPI
import Host

/// Plugins/LoRA, built from the repository as `use lora` builds it.
final class PluginLoRATests: XCTestCase {
    private let ids = Array("The cat sat".utf8).map(Int.init)

    private func tensors(_ method: Method) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: method.trainableParameters.map { ($0.name ?? "", $0) })
    }

    func testZeroBLeavesTheLogitsUnchanged() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("lora", [("r", .int(4))], model: model)
        XCTAssertEqual(method.trainableParameters.count, 4 * 4 * 2)              // 4 layers × q,k,v,o × (A, B)
        XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: set), try InTreePlugins.logits(model, ids, hooks: nil))
    }

    func testTargetsLayersAndParameterCount() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try InTreePlugins.method("lora", [("r", .int(2)), ("targets", .string("q,v")),
                                                           ("layers", .list([.int(1), .int(2)]))], model: model)
        XCTAssertEqual(method.trainableParameters.compactMap(\.name).sorted(), [
            "lora.blocks.1.q.A", "lora.blocks.1.q.B", "lora.blocks.1.v.A", "lora.blocks.1.v.B",
            "lora.blocks.2.q.A", "lora.blocks.2.q.B", "lora.blocks.2.v.A", "lora.blocks.2.v.B"])
        let report = Dictionary(uniqueKeysWithValues: method.report())
        XCTAssertEqual(report["targets"], "q,v")
        XCTAssertEqual(report["layers"], "1...2")
        XCTAssertEqual(report["trainable parameters"], "\(2 * (2 * 128 + 2 * 96))")
    }

    /// On tiny (Float32 weights): the hook's W x + (α/r) B A x equals a model whose W is W + (α/r) B A.
    func testMergedAndUnmergedGiveTheSameLogits() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("lora", [("r", .int(4)), ("alpha", .double(8)), ("targets", .string("q,k,v,o")),
                                                               ("b-init", .string("random"))], model: model)
        let t = tensors(method)
        let base = model.model
        var blocks = base.blocks
        for layer in 0..<blocks.count {
            func merged(_ w: WeightMatrix, _ kind: String) throws -> WeightMatrix {
                let a = try XCTUnwrap(t["lora.blocks.\(layer).\(kind).A"]), b = try XCTUnwrap(t["lora.blocks.\(layer).\(kind).B"])
                let delta = try Autograd.noGrad { try matmul(b, a) * Float(8.0 / 4.0) }
                return .dense(try w.dense() + delta)
            }
            blocks[layer].q = try merged(blocks[layer].q, "q")
            blocks[layer].k = try merged(blocks[layer].k, "k")
            blocks[layer].v = try merged(blocks[layer].v, "v")
            blocks[layer].o = try merged(blocks[layer].o, "o")
        }
        let mergedModel = try LanguageModel(
            name: "tiny-merged", source: .tiny,
            model: LlamaModel(config: base.config, tokenEmbedding: base.tokenEmbedding, blocks: blocks,
                              finalNorm: base.finalNorm, lmHead: nil, source: "merged"),
            tokenizer: model.tokenizer, chatTemplate: nil)
        let unmerged = try InTreePlugins.logits(model, ids, hooks: set)
        let plain = try InTreePlugins.logits(model, ids, hooks: nil)
        XCTAssertGreaterThan(InTreePlugins.maxDifference(unmerged, plain), 1e-2, "random B must change the logits")
        XCTAssertLessThan(InTreePlugins.maxDifference(unmerged, try InTreePlugins.logits(mergedModel, ids, hooks: nil)), 1e-4)
    }

    func testGradientsReachBFirstAndAIsZeroWhileBIsZero() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("lora", [("targets", .string("q,v"))], model: model)
        let logits = try model.model.forward([ids], hooks: set)
        try logits.sum().backward()
        for p in method.trainableParameters {
            let g = try XCTUnwrap(p.grad, "\(p.name ?? "")").scalars
            if p.name?.hasSuffix(".B") == true {
                XCTAssertGreaterThan(g.map(abs).max() ?? 0, 0, "\(p.name ?? "")")
            } else {
                XCTAssertTrue(g.allSatisfy { $0 == 0 }, "\(p.name ?? "") while B = 0")
            }
        }
    }

    func testDropoutAppliesOnlyInTrainingForwards() throws {
        let model = try LanguageModel.load("tiny")
        let with = try InTreePlugins.method("lora", [("dropout", .double(0.5)), ("b-init", .string("random"))], model: model).set
        let without = try InTreePlugins.method("lora", [("b-init", .string("random"))], model: model).set
        let inference = try InTreePlugins.logits(model, ids, hooks: with)
        XCTAssertEqual(inference, try InTreePlugins.logits(model, ids, hooks: without), "no dropout without gradients")
        let training = try model.model.forward([ids], hooks: with, logits: .last).scalars
        XCTAssertGreaterThan(InTreePlugins.maxDifference(training, inference), 1e-4, "dropout in a recording forward")
    }

    func testBadParametersAreClearErrors() throws {
        let model = try LanguageModel.load("tiny")
        func message(_ parameters: [(String, ParameterValue)]) -> String {
            do { _ = try InTreePlugins.method("lora", parameters, model: model); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message([("r", .int(0))]), "lora r=0 is out of range: r must be in [1, 4096]")
        XCTAssertEqual(message([("targets", .string("q,x"))]),
                       "lora targets=q,x: unknown target \"x\" in targets=q,x; the projections are q, k, v, o, gate, up, down")
        XCTAssertEqual(message([("layers", .int(9))]), "lora layers=9: layer 9 is out of range: the model has 4 layers (0…3)")
        XCTAssertTrue(message([("layers", .string("foo"))]).hasPrefix("lora layers=foo: \"foo\" is not a layer index"),
                      message([("layers", .string("foo"))]))
        XCTAssertTrue(message([("dropout", .double(1))]).hasPrefix("lora dropout=1.0 is out of range"), message([("dropout", .double(1))]))
        XCTAssertTrue(message([("alpha", .double(0))]).hasPrefix("lora alpha=0.0 is out of range"), message([("alpha", .double(0))]))
    }
}
