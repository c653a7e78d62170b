import XCTest
import Compute
import PluginAPI
import Host

/// Every in-tree method plugin through the same checks (STYLE §5): no effect at initialisation
/// where promised, training moves only the method's own tensors, save/restore round-trips,
/// `unuse` restores the base model exactly. Add a plugin with one entry in `entries`
/// (`ConformanceEntry` says what each field promises).
final class PluginConformanceTests: XCTestCase {
    static let entries: [ConformanceEntry] = [
        ConformanceEntry(name: "prompt", parameters: [("m", .int(4))],
                         atStart: .actsFromStart("a soft prompt is inserted before the tokens, so it changes the logits from the start"),
                         training: .ownTensors, state: .applies),
        ConformanceEntry(name: "prefix", parameters: [("m", .int(2))],
                         atStart: .actsFromStart("random prefix keys and values are attended to from the start"),
                         training: .ownTensors, state: .applies),
        ConformanceEntry(name: "lora", parameters: [("r", .int(2)), ("targets", .string("q,k,v,o"))],
                         atStart: .promised, training: .ownTensors, state: .applies),
        ConformanceEntry(name: "hierlora", parameters: [("block", .string("mid")), ("r", .int(2))],
                         atStart: .promised, training: .ownTensors, state: .applies),
        ConformanceEntry(name: "dham", parameters: [("metric", .string("uniform")), ("G", .int(2)), ("m", .int(2))],
                         atStart: .actsFromStart("stage prompts are inserted before the tokens, so they change the logits from the start"),
                         training: .ownTensors, state: .applies),
        ConformanceEntry(name: "dpo", parameters: [("beta", .double(0.5))],
                         setUp: [("lora", [("r", .int(2)), ("targets", .string("q,v"))])], objective: .preferencePairs,
                         atStart: .neverActsOnTheForwardPass("dpo only replaces the loss"),
                         training: .noTensors("dpo trains the tensors of the methods used before it", changesTheStep: true),
                         state: .notApplicable("dpo keeps nothing but its parameters (beta, label smoothing)")),
        ConformanceEntry(name: "tsloss", parameters: [("lambda", .double(1)), ("track", .int(1))],
                         setUp: [("prompt", [("m", .int(4))])],
                         atStart: .neverActsOnTheForwardPass("tsloss only adds a loss term on the soft prompts"),
                         training: .noTensors("tsloss shapes the soft prompts of the methods used before it", changesTheStep: true),
                         state: .applies),
        ConformanceEntry(name: "dpc", parameters: [("mode", .string("always"))],
                         setUp: [("prompt", [("m", .int(4))])],
                         atStart: .neverActsOnTheForwardPass("dpc acts after a generation, and its attention tap is off outside its own saliency pass"),
                         training: .noTensors("dpc corrupts a trained prompt at inference and adds no loss", changesTheStep: false),
                         state: .notApplicable("dpc's decisions are per-generation notes, not checkpointed state")),
    ]

    private let ids = Array("Conformance".utf8).map(Int.init)

    private func forEachEntry(_ check: (ConformanceEntry, LanguageModel) throws -> Void) throws {
        let model = try LanguageModel.load("tiny")
        for entry in Self.entries {
            do { try check(entry, model) } catch { XCTFail("\(entry.name): \(error)") }
        }
    }

    /// The entry's set-up methods then the method itself, in one set (`use …` in order).
    private func build(_ entry: ConformanceEntry, _ model: LanguageModel, seed: UInt64 = 7,
                       withMethod: Bool = true) throws -> (method: Method?, set: MethodSet) {
        let context = MethodContext(model: model, seed: seed)
        let set = MethodSet()
        func make(_ name: String, _ parameters: [(String, ParameterValue)]) throws -> Method {
            try InTreePlugins.registration(name).makeMethod(parameters.map { (name: $0.0, value: $0.1) }, context: context)
        }
        for step in entry.setUp { try set.add(try make(step.name, step.parameters), context: context) }
        guard withMethod else { return (nil, set) }
        let method = try make(entry.name, entry.parameters)
        try set.add(method, context: context)
        return (method, set)
    }

    private func logits(_ model: LanguageModel, _ hooks: ForwardHooks?) throws -> [Float] {
        try InTreePlugins.logits(model, ids, hooks: hooks)
    }

    /// One AdamW step on the entry's objective over every trainable tensor of `set`.
    private func trainOneStep(_ set: MethodSet, _ entry: ConformanceEntry, model: LanguageModel) throws {
        switch entry.objective {
        case .crossEntropy:
            try InTreePlugins.trainOneStep(set, model: model, learningRate: entry.learningRate)
        case .preferencePairs:
            let examples = try shippedData.load("hh-rlhf", split: "test").examples.prefix(2)
            let encoder = try TrainingExampleEncoder(model: model, format: .raw, maxLength: 32)
            let pairs = try examples.map(encoder.encodePair)
            let batch = try Batch(chosen: pairs.map(\.chosen), rejected: pairs.map(\.rejected), padID: 0)
            let optimizer = try AdamW(parameters: set.trainableParameters, learningRate: entry.learningRate, weightDecay: 0)
            let logits = try model.model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal, hooks: set)
            let context = LossContext(model: model, inputIDs: batch.inputIDs, logits: logits, targets: batch.labels,
                                      preferencePairs: batch.preferencePairs, methods: set.methods) { ids, withMethods in
                try model.model.forward(ids, hooks: withMethods ? set : nil)
            }
            try set.loss(context).total.backward()
            try optimizer.step()
            optimizer.zeroGrad()
        }
    }

    /// Every weight of the backbone, as Float32 values.
    private func backbone(_ model: LanguageModel) -> [[Float]] {
        let m = model.model
        return [m.tokenEmbedding.dense().scalars, m.finalNorm.scalars] + m.blocks.flatMap { b in
            [b.attentionNorm.scalars, b.mlpNorm.scalars] + [b.q, b.k, b.v, b.o, b.gate, b.up, b.down].map { $0.dense().scalars }
        }
    }

    /// A state's tensors by name (values) and config, comparable.
    private func contents(_ state: MethodState) -> ([String: [Float]], JSONValue) {
        (state.tensors.mapValues(\.scalars), state.config)
    }

    private func actsOnTheForwardPass(_ entry: ConformanceEntry) -> Bool {
        if case .neverActsOnTheForwardPass = entry.atStart { return false }
        return true
    }

    func testTheTableCoversEveryPluginInTheRepository() throws {
        // The names `Plugins/*` declare, found without building them.
        XCTAssertEqual(try InTreePlugins.registry().names, Self.entries.map(\.name).sorted(), "one conformance entry per plugin in Plugins/")
    }

    func testNoEffectAtInitialisationWherePromised() throws {
        try forEachEntry { entry, model in
            let (_, set) = try build(entry, model)
            let with = try logits(model, set)
            try set.remove(named: entry.name)
            let without = try logits(model, set)          // the set-up alone (the base model when there is none)
            switch entry.atStart {
            case .promised, .neverActsOnTheForwardPass:
                XCTAssertEqual(with, without, "\(entry.name) changes the model before training")
            case .actsFromStart:
                XCTAssertNotEqual(with, without, "\(entry.name) is declared to act from the start")
            }
        }
    }

    func testTrainingChangesOnlyTheMethodsOwnTensors() throws {
        try forEachEntry { entry, model in
            let (built, set) = try build(entry, model)
            let method = try XCTUnwrap(built)
            let weightsBefore = backbone(model)
            switch entry.training {
            case .ownTensors:
                let parameters = method.trainableParameters
                XCTAssertFalse(parameters.isEmpty, entry.name)
                for p in parameters {
                    XCTAssertTrue(p.name?.hasPrefix(entry.name + ".") == true, "\(entry.name): tensor \(p.name ?? "unnamed") lacks the method's prefix")
                    XCTAssertTrue(p.requiresGrad, "\(p.name ?? "")")
                }
                let valuesBefore = parameters.map(\.scalars)
                try trainOneStep(set, entry, model: model)
                let moved = zip(parameters, valuesBefore).filter { $0.0.scalars != $0.1 }.count
                XCTAssertGreaterThan(moved, 0, "\(entry.name): one step changed none of its tensors")
            case let .noTensors(_, changesTheStep):
                XCTAssertTrue(method.trainableParameters.isEmpty, "\(entry.name) is declared to have no tensors")
                let setUp = set.trainableParameters
                XCTAssertFalse(setUp.isEmpty, "\(entry.name): the set-up gives the step something to train")
                let valuesBefore = setUp.map(\.scalars)
                try trainOneStep(set, entry, model: model)
                XCTAssertTrue(zip(setUp, valuesBefore).contains { $0.0.scalars != $0.1 }, "\(entry.name): the step moved nothing")
                // The same step with the set-up alone, from the same initialisation.
                let (_, alone) = try build(entry, model, withMethod: false)
                try trainOneStep(alone, entry, model: model)
                let same = zip(setUp, alone.trainableParameters).allSatisfy { $0.0.scalars == $0.1.scalars }
                XCTAssertEqual(same, !changesTheStep, "\(entry.name): its loss \(changesTheStep ? "should" : "should not") change the step")
            }
            XCTAssertTrue(backbone(model) == weightsBefore, "\(entry.name) changed the backbone")
        }
    }

    func testStateRestoresIntoAFreshInstance() throws {
        try forEachEntry { entry, model in
            let (built, set) = try build(entry, model)
            let method = try XCTUnwrap(built)
            try trainOneStep(set, entry, model: model)
            let saved = try method.state()
            XCTAssertEqual(Set(saved.tensors.keys), Set(method.trainableParameters.compactMap(\.name)))
            switch entry.state {
            case .applies:
                let trained = try logits(model, set)
                let (freshBuilt, freshSet) = try build(entry, model, seed: 12345)
                let fresh = try XCTUnwrap(freshBuilt)
                XCTAssertFalse(contents(try fresh.state()) == contents(saved), "\(entry.name): a fresh instance should differ")
                try fresh.restore(state: saved)
                XCTAssertTrue(contents(try fresh.state()) == contents(saved), "\(entry.name): restore")
                if actsOnTheForwardPass(entry) {
                    XCTAssertEqual(try logits(model, freshSet), trained, "\(entry.name): restored logits")
                }
            case .notApplicable:
                // Nothing to round-trip: the state it saves is empty.
                XCTAssertTrue(saved.tensors.isEmpty && saved.config == .object([:]), "\(entry.name) saves state: \(saved.config)")
            }
        }
    }

    func testUnuseRestoresTheBaseModelExactly() throws {
        try forEachEntry { entry, model in
            let before = try logits(model, nil)
            let (_, set) = try build(entry, model)
            try trainOneStep(set, entry, model: model)
            let trained = try logits(model, set)
            try set.remove(named: entry.name)
            if actsOnTheForwardPass(entry) {
                XCTAssertNotEqual(trained, before, "\(entry.name): trained, it acts")
            } else {
                XCTAssertEqual(try logits(model, set), trained, "\(entry.name): unuse leaves its set-up as trained")
            }
            for step in entry.setUp.reversed() { try set.remove(named: step.name) }
            XCTAssertEqual(try logits(model, set), before, "\(entry.name): after unuse")
            XCTAssertEqual(try logits(model, nil), before)
        }
    }
}
