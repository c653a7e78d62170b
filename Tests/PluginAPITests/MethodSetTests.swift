import XCTest
import Compute
import PluginAPI

/// A method written in the test: records the hooks it sees and applies simple, checkable
/// changes (adds to the logits, multiplies them).
final class RecordingMethod: Method {
    let name: String
    var requires: [Capability] = []
    var lossRole: LossRole = .none
    var journal: [String]
    var logitsChange: (Tensor) throws -> Tensor = { $0 }
    var lossValue: Float?
    var detached = false

    init(_ name: String, journal: [String] = []) {
        self.name = name
        self.journal = journal
    }

    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        journal.append("\(name).blocks.\(layer).input")
        return state
    }

    func logits(_ logits: Tensor) throws -> Tensor { try logitsChange(logits) }

    func loss(_ context: LossContext) throws -> LossContribution? {
        lossValue.map { LossContribution(loss: Tensor(scalar: $0), metrics: [("\(name).metric", 7)]) }
    }

    func detach() { detached = true }
}

/// A soft-prompt method: m slots of value `fill` inserted before block 0.
final class SlotMethod: SoftPromptProvider {
    let name = "slots"
    let prompt: Tensor
    init(m: Int, d: Int, fill: Float) {
        prompt = Tensor.full([m, d], value: fill, requiresGrad: true)
        prompt.name = "slots.prompt"
    }
    var softPrompts: [SoftPrompt] { [SoftPrompt(name: "slots.prompt", matrix: prompt, layer: 0)] }
    var trainableParameters: [Tensor] { [prompt] }
    var insertedPositions: Int { prompt.shape[0] }
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        guard layer == 0 else { return state }
        return try state.startsSequence() ? state.prependingSlots(prompt) : state.shiftingPositions(by: prompt.shape[0])
    }
}

final class MethodSetTests: XCTestCase {
    func testHooksRunInUseOrder() throws {
        let set = MethodSet()
        let a = RecordingMethod("a"), b = RecordingMethod("b")
        a.logitsChange = { try $0 + Tensor(scalar: 1) }
        b.logitsChange = { $0 * 2 }
        try set.add(a, context: nil)
        try set.add(b, context: nil)
        let out = try set.logits(Tensor(shape: [1, 1, 2], scalars: [1, 3]))
        XCTAssertEqual(out.scalars, [4, 8])                          // (x + 1) · 2, not x · 2 + 1
        let state = SequenceState(hidden: Tensor(zeros: [1, 2, 4]), positions: [[0, 1]], isReal: [[true, true]])
        _ = try set.blockInput(3, state)
        XCTAssertEqual(a.journal + b.journal, ["a.blocks.3.input", "b.blocks.3.input"])
        XCTAssertEqual(set.names, ["a", "b"])
    }

    func testLossIsCrossEntropyPlusAddedTerms() throws {
        let set = MethodSet()
        let adder = RecordingMethod("adder")
        adder.lossRole = .adds
        adder.lossValue = 0.5
        try set.add(adder, context: nil)
        let context = try lossContext(methods: set.methods)
        let base = try context.crossEntropyLoss().item()
        let (total, terms) = try set.loss(context)
        XCTAssertEqual(try total.item(), base + 0.5, accuracy: 1e-6)
        XCTAssertEqual(terms.map(\.0), ["loss.ce", "adder.loss", "adder.metric"])
    }

    func testReplacerReplacesTheBaseLoss() throws {
        let set = MethodSet()
        let replacer = RecordingMethod("dpo")
        replacer.lossRole = .replaces
        replacer.lossValue = 2
        let adder = RecordingMethod("reg")
        adder.lossRole = .adds
        adder.lossValue = 0.25
        try set.add(replacer, context: nil)
        try set.add(adder, context: nil)
        let (total, _) = try set.loss(try lossContext(methods: set.methods))
        XCTAssertEqual(try total.item(), 2.25, accuracy: 1e-6)
        replacer.lossValue = nil
        XCTAssertThrowsError(try set.loss(try lossContext(methods: set.methods))) {
            XCTAssertEqual("\($0)", "dpo: it replaces the loss but returned none")
        }
    }

    func testTwoLossReplacersAreRefusedAtUse() throws {
        let set = MethodSet()
        let first = RecordingMethod("dpo"), second = RecordingMethod("orpo")
        first.lossRole = .replaces
        second.lossRole = .replaces
        try set.add(first, context: nil)
        XCTAssertThrowsError(try set.add(second, context: nil)) {
            XCTAssertEqual($0 as? MethodError, .lossConflict(method: "orpo", active: "dpo"))
            XCTAssertTrue("\($0)".contains("unuse dpo"))
        }
        XCTAssertEqual(set.names, ["dpo"])
    }

    func testMissingCapabilityIsRefusedAndUnuseKeepsProviders() throws {
        let set = MethodSet()
        let tsloss = RecordingMethod("tsloss")
        tsloss.requires = [.softPrompts]
        XCTAssertThrowsError(try set.add(tsloss, context: nil)) {
            XCTAssertEqual($0 as? MethodError, .missingCapability(method: "tsloss", capability: .softPrompts))
            XCTAssertTrue("\($0)".contains("use prompt"), "\($0)")
        }
        let slots = SlotMethod(m: 2, d: 4, fill: 1)
        XCTAssertEqual(slots.provides, [.softPrompts])
        try set.add(slots, context: nil)
        try set.add(tsloss, context: nil)
        XCTAssertThrowsError(try set.remove(named: "slots")) {
            XCTAssertEqual($0 as? MethodError, .stillRequired(method: "slots", by: "tsloss", capability: .softPrompts))
        }
        XCTAssertThrowsError(try set.add(RecordingMethod("tsloss"), context: nil)) {
            XCTAssertEqual($0 as? MethodError, .alreadyActive("tsloss"))
        }
        try set.remove(named: "tsloss")
        XCTAssertTrue(tsloss.detached)
        try set.remove(named: "slots")
        XCTAssertThrowsError(try set.remove(named: "slots")) {
            XCTAssertEqual("\($0)", "slots is not in use (none is in use)")
        }
    }

    func testInsertedSlotsAreDroppedBeforeFinalNorm() throws {
        let model = try TinyLlama.make()
        let set = MethodSet()
        try set.add(SlotMethod(m: 3, d: model.config.hiddenSize, fill: 0.1), context: nil)
        let logits = try model.forward([[5, 6, 7, 8]], hooks: set)
        XCTAssertEqual(logits.shape, [1, 4, model.config.vocabularySize])
        let last = try model.forward([[5, 6, 7, 8]], hooks: set, logits: .last)
        let plain = try model.forward([[5, 6, 7, 8]])
        let change = zip(plain.scalars, logits.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(change, 1e-3, "the slots must change the output")
        let lastRow = try logits.slice(axis: 1, range: 3..<4).contiguous().scalars
        for (x, y) in zip(last.contiguous().scalars, lastRow) { XCTAssertEqual(x, y, accuracy: 1e-4) }
    }

    func testSlotsTakeTheFirstPositionsAndContinuationsShift() throws {
        let state = SequenceState(hidden: Tensor(zeros: [2, 3, 4]), positions: [[0, 0, 1], [0, 1, 2]],
                                  isReal: [[false, true, true], [true, true, true]])
        XCTAssertTrue(try state.startsSequence())
        let prompted = try state.prependingSlots(Tensor.ones([2, 4]))
        XCTAssertEqual(prompted.hidden.shape, [2, 5, 4])
        XCTAssertEqual(prompted.positions, [[0, 1, 2, 2, 3], [0, 1, 2, 3, 4]])
        XCTAssertEqual(prompted.isReal[0], [true, true, false, true, true])
        let step = SequenceState(hidden: Tensor(zeros: [2, 1, 4]), positions: [[2], [3]], isReal: [[true], [true]])
        XCTAssertFalse(try step.startsSequence())
        XCTAssertEqual(step.shiftingPositions(by: 2).positions, [[4], [5]])
        let mixed = SequenceState(hidden: Tensor(zeros: [2, 1, 4]), positions: [[0], [3]], isReal: [[true], [true]])
        XCTAssertThrowsError(try mixed.startsSequence())
    }

    func testDefaultStateRoundTripsAndRefusesWrongShapes() throws {
        let slots = SlotMethod(m: 2, d: 3, fill: 0.5)
        let saved = try slots.state()
        XCTAssertEqual(Array(saved.tensors.keys), ["slots.prompt"])
        slots.prompt.data.update(repeating: 9, count: slots.prompt.count)
        try slots.restore(state: saved)
        XCTAssertEqual(slots.prompt.scalars, Array(repeating: 0.5, count: 6))
        let other = SlotMethod(m: 4, d: 3, fill: 0)
        XCTAssertThrowsError(try other.restore(state: saved)) { XCTAssertTrue("\($0)".contains("shape [2, 3]"), "\($0)") }
        XCTAssertEqual(other.prompt.scalars, Array(repeating: 0, count: 12))
    }

    func testAfterGenerationFirstRerunWins() throws {
        final class Rerunner: Method {
            let name: String
            let decision: GenerationDecision
            var seen = 0
            init(_ name: String, _ decision: GenerationDecision) { self.name = name; self.decision = decision }
            func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision {
                seen += 1
                generation.notes[0][name] = .number(Double(seen))
                return decision
            }
        }
        let set = MethodSet()
        let a = Rerunner("a", .accept), b = Rerunner("b", .rerun(reason: "b")), c = Rerunner("c", .rerun(reason: "c"))
        for m in [a, b, c] { try set.add(m, context: nil) }
        var record = GenerationRecord(prompts: [[1]], outputs: [], texts: [], attempt: 1)
        XCTAssertEqual(try set.afterGeneration(&record), .rerun(reason: "b"))
        XCTAssertEqual([a.seen, b.seen, c.seen], [1, 1, 1])
        XCTAssertEqual(record.notes[0].keys.sorted(), ["a", "b", "c"], "each method's note is kept")
    }

    private func lossContext(methods: [Method]) throws -> LossContext {
        let model = try LanguageModel.load("tiny")
        let ids = [[1, 2, 3, 4]]
        let logits = try model.model.forward(ids)
        return LossContext(model: model, inputIDs: ids, logits: logits, targets: [[2, 3, 4, -100]],
                           methods: methods, forward: { ids, _ in try model.model.forward(ids) })
    }
}
