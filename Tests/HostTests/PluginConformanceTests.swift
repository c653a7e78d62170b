import XCTest
import Compute
import PluginAPI
import Host

/// Every in-tree method plugin through the same checks (STYLE §5). Add a plugin with one entry
/// in `PluginConformanceTests.entries`.
struct ConformanceEntry {
    /// `use NAME`.
    var name: String
    /// Parameters for `tiny` (small and fast).
    var parameters: [(String, ParameterValue)]
    /// Whether the method promises to leave the model unchanged until trained, and if not, why.
    var noEffectAtStart: Expectation
    /// Learning rate of the one training step (large enough to move every tensor).
    var learningRate: Float = 0.05

    enum Expectation {
        case promised
        case notApplicable(String)
    }
}

final class PluginConformanceTests: XCTestCase {
    static let entries: [ConformanceEntry] = [
        ConformanceEntry(name: "prompt", parameters: [("m", .int(4))],
                         noEffectAtStart: .notApplicable("a soft prompt is inserted before the tokens, so it changes the logits from the start")),
        ConformanceEntry(name: "lora", parameters: [("r", .int(2)), ("targets", .string("q,k,v,o"))], noEffectAtStart: .promised),
        ConformanceEntry(name: "hierlora", parameters: [("block", .string("mid")), ("r", .int(2))], noEffectAtStart: .promised),
    ]

    private let ids = Array("Conformance".utf8).map(Int.init)

    private func forEachEntry(_ check: (ConformanceEntry, LanguageModel) throws -> Void) throws {
        let model = try LanguageModel.load("tiny")
        for entry in Self.entries {
            do { try check(entry, model) } catch { XCTFail("\(entry.name): \(error)") }
        }
    }

    /// Every weight of the backbone, as Float32 values.
    private func backbone(_ model: LanguageModel) -> [[Float]] {
        let m = model.model
        return [m.tokenEmbedding.dense().scalars, m.finalNorm.scalars] + m.blocks.flatMap { b in
            [b.attentionNorm.scalars, b.mlpNorm.scalars] + [b.q, b.k, b.v, b.o, b.gate, b.up, b.down].map { $0.dense().scalars }
        }
    }

    func testNoEffectAtInitialisationWherePromised() throws {
        try forEachEntry { entry, model in
            let set = try InTreePlugins.method(entry.name, entry.parameters, model: model).set
            let with = try InTreePlugins.logits(model, ids, hooks: set), without = try InTreePlugins.logits(model, ids, hooks: nil)
            switch entry.noEffectAtStart {
            case .promised:
                XCTAssertEqual(with, without, "\(entry.name) changes the model before training")
            case .notApplicable:
                XCTAssertNotEqual(with, without, "\(entry.name) is declared to act from the start")
            }
        }
    }

    func testTrainingChangesOnlyTheMethodsOwnTensors() throws {
        try forEachEntry { entry, model in
            let (method, set) = try InTreePlugins.method(entry.name, entry.parameters, model: model)
            let parameters = method.trainableParameters
            XCTAssertFalse(parameters.isEmpty, entry.name)
            for p in parameters {
                XCTAssertTrue(p.name?.hasPrefix(entry.name + ".") == true, "\(entry.name): tensor \(p.name ?? "unnamed") lacks the method's prefix")
                XCTAssertTrue(p.requiresGrad, "\(p.name ?? "")")
            }
            let weightsBefore = backbone(model)
            let valuesBefore = parameters.map(\.scalars)
            try InTreePlugins.trainOneStep(set, model: model, learningRate: entry.learningRate)
            XCTAssertTrue(backbone(model) == weightsBefore, "\(entry.name) changed the backbone")
            let moved = zip(parameters, valuesBefore).filter { $0.0.scalars != $0.1 }.count
            XCTAssertGreaterThan(moved, 0, "\(entry.name): one step changed none of its tensors")
        }
    }

    func testStateRestoresIntoAFreshInstance() throws {
        try forEachEntry { entry, model in
            let (method, set) = try InTreePlugins.method(entry.name, entry.parameters, model: model)
            try InTreePlugins.trainOneStep(set, model: model, learningRate: entry.learningRate)
            let trained = try InTreePlugins.logits(model, ids, hooks: set)
            let state = try method.state()
            XCTAssertEqual(Set(state.tensors.keys), Set(method.trainableParameters.compactMap(\.name)))
            let (fresh, freshSet) = try InTreePlugins.method(entry.name, entry.parameters, model: model, seed: 12345)
            XCTAssertNotEqual(try InTreePlugins.logits(model, ids, hooks: freshSet), trained, "\(entry.name): a fresh instance should differ")
            try fresh.restore(state: state)
            XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: freshSet), trained, "\(entry.name): restore")
        }
    }

    func testUnuseRestoresTheBaseModelExactly() throws {
        try forEachEntry { entry, model in
            let before = try InTreePlugins.logits(model, ids, hooks: nil)
            let (_, set) = try InTreePlugins.method(entry.name, entry.parameters, model: model)
            try InTreePlugins.trainOneStep(set, model: model, learningRate: entry.learningRate)
            XCTAssertNotEqual(try InTreePlugins.logits(model, ids, hooks: set), before, "\(entry.name): trained, it acts")
            try set.remove(named: entry.name)
            XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: set), before, "\(entry.name): after unuse")
            XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: nil), before)
        }
    }
}
