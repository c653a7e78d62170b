import Compute
import Host
import PluginAPI
import XCTest

/// A trainable logit bias that also notes every generation it takes part in (the prompt length
/// of each prefill) and, when given a script, makes greedy decoding emit that script: the
/// honest way to get a known correct answer out of `tiny`, which cannot answer GSM8K.
private final class ScriptedAnswer: Method {
    let name = "scripted"
    let bias: Tensor                                                    // [vocab]
    let script: [Int]
    let vocabulary: Int
    /// Prompt length (tokens) of every generation prefill, in order.
    private(set) var prefillLengths: [Int] = []
    private var position = 0

    init(vocabulary: Int, script: [Int]) {
        self.vocabulary = vocabulary
        self.script = script
        bias = Tensor.zeros([vocabulary], requiresGrad: true)
        bias.name = "scripted.logits"
    }

    var trainableParameters: [Tensor] { [bias] }

    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        // Generation runs without gradients; its first pass reads the whole prompt.
        if layer == 0, !Autograd.isRecording, state.length > 1 {
            prefillLengths.append(state.length)
            position = 0
        }
        return state
    }

    func logits(_ logits: Tensor) throws -> Tensor {
        let biased = try logits + bias
        guard !Autograd.isRecording, position < script.count else { return biased }
        var push = [Float](repeating: 0, count: vocabulary)
        push[script[position]] = 1000
        position += 1
        return try biased + Tensor(shape: [vocabulary], scalars: push)
    }
}

/// `train until=correct check_every=K`: the answer check runs every K steps through the
/// active methods, on the prompts training used, and stops the run once every answer is right.
final class TrainUntilCorrectTests: XCTestCase {
    /// `tiny` on `limit` GSM8K examples, with the in-tree plugins in `methods` in use.
    private func makeSession(limit: Int = 1, methods: [(String, [(String, Value)])] = []) throws -> (Session, LanguageModel) {
        let session = Session(write: { _ in })
        if !methods.isEmpty { session.plugins = try InTreePlugins.registry() }
        _ = try session.run(CommandInvocation(name: "load", positional: [.string("tiny")], named: [], flags: []))
        _ = try session.run(CommandInvocation(name: "data", positional: [.string("gsm8k")], named: [("limit", .int(limit))], flags: []))
        for (name, named) in methods {
            _ = try session.run(CommandInvocation(name: "use", positional: [.string(name)], named: named, flags: []))
        }
        return (session, try XCTUnwrap(session.model))
    }

    /// `check_tokens` is an error without `until`, so a run without checks passes nil.
    private func train(_ session: Session, _ named: [(String, Value)], checkTokens: Int? = 24) throws -> Record {
        let base: [(String, Value)] = [("lr", .double(0.01)), ("batch", .int(1))] + (checkTokens.map { [("check_tokens", .int($0))] } ?? [])
        let value = try session.run(CommandInvocation(name: "train", positional: [], named: base + named, flags: []))
        guard case let .record(record) = value else { throw CommandError("train returned \(value)") }
        return record
    }

    private func checkSteps(_ record: Record) -> [Int] {
        guard case let .array(checks)? = record["checks"] else { return [] }
        return checks.compactMap { check in
            guard case let .record(fields) = check, case let .int(step)? = fields["step"] else { return nil }
            return step
        }
    }

    func testUnreachableAnswerRunsToTheBudgetCheckingEveryKSteps() throws {
        let (session, model) = try makeSession()
        let method = ScriptedAnswer(vocabulary: model.model.config.vocabularySize, script: [])
        try session.methods.add(method, context: nil)
        let record = try train(session, [("steps", .int(3)), ("until", .string("correct")), ("check_every", .int(2))])
        XCTAssertEqual(record["steps"], .int(3))
        XCTAssertEqual(record["stop"], .string("completed"))
        XCTAssertEqual(record["correct_at"], .void)
        // Every 2 steps, and after the last one.
        XCTAssertEqual(checkSteps(record), [2, 3])
        // Each check generated once from the example's plain-format training prompt.
        let example = try XCTUnwrap(session.trainingData?.examples.first)
        let promptLength = try TrainingExampleEncoder(model: model, format: .plain).promptIDs(example.prompt).count
        XCTAssertEqual(method.prefillLengths, [promptLength, promptLength])
    }

    func testScriptedCorrectAnswerStopsAtTheFirstCheck() throws {
        let (session, model) = try makeSession()
        let gold = try XCTUnwrap(session.trainingData?.examples.first?.answer)
        // tiny's tokenizer is byte-level: one token per byte.
        let script = Array(" #### \(gold)".utf8).map(Int.init) + [try XCTUnwrap(model.tokenizer.eosID)]
        let method = ScriptedAnswer(vocabulary: model.model.config.vocabularySize, script: script)
        try session.methods.add(method, context: nil)
        let record = try train(session, [("steps", .int(9)), ("until", .string("correct")), ("check_every", .int(3))])
        XCTAssertEqual(record["steps"], .int(3))
        XCTAssertEqual(record["stop"], .string("correct"))
        XCTAssertEqual(record["correct_at"], .int(3))
        XCTAssertEqual(checkSteps(record), [3])
        guard case let .array(checks)? = record["checks"], case let .record(check)? = checks.first else {
            return XCTFail("no checks in \(record)")
        }
        XCTAssertEqual(check["answers"], .array([.string(gold)]))
    }

    /// A check decodes without gradients and draws no randomness, so the prompt trained (with
    /// TSLoss, whose terms count training passes) is the same bits whatever `check_every` is or
    /// whether checks run at all: a long protocol may change its check interval on resume.
    func testChecksDoNotChangeWhatTrains() throws {
        var trained: [[UInt32]] = []
        for every in [nil, 2, 5] as [Int?] {
            let (session, _) = try makeSession(limit: 3, methods: [("prompt", [("m", .int(4))]), ("tsloss", [])])
            let checks: [(String, Value)] = every.map { [("until", .string("correct")), ("check_every", .int($0))] } ?? []
            let record = try train(session, [("steps", .int(6))] + checks, checkTokens: every == nil ? nil : 8)
            XCTAssertEqual(record["stop"], .string("completed"))
            XCTAssertEqual(checkSteps(record), every.map { k in Array(stride(from: k, to: 6, by: k)) + [6] } ?? [])
            let prompt = try XCTUnwrap(session.methods.methods.first { $0.name == "prompt" }?.trainableParameters.first)
            trained.append(prompt.scalars.map(\.bitPattern))
        }
        XCTAssertEqual(trained[1], trained[0])
        XCTAssertEqual(trained[2], trained[0])
    }

    func testBadStopConditionsAreClearErrors() throws {
        let (session, model) = try makeSession()
        try session.methods.add(ScriptedAnswer(vocabulary: model.model.config.vocabularySize, script: []), context: nil)
        let zero = errorText { _ = try self.train(session, [("steps", .int(2)), ("until", .string("correct")), ("check_every", .int(0))]) }
        XCTAssertTrue(zero.contains("check_every"), zero)
        let unknown = errorText { _ = try self.train(session, [("steps", .int(2)), ("until", .string("foo")), ("check_every", .int(1))]) }
        XCTAssertTrue(unknown.contains("until=foo") && unknown.contains("until=correct"), unknown)
        let missing = errorText { _ = try self.train(session, [("steps", .int(2)), ("until", .string("correct"))]) }
        XCTAssertTrue(missing.contains("needs check_every"), missing)
        let orphan = errorText { _ = try self.train(session, [("steps", .int(2)), ("check_every", .int(1))]) }
        XCTAssertTrue(orphan.contains("goes with until=correct"), orphan)
    }

    /// The trainer asks its `until` condition every `checkEvery` steps and after the last, and
    /// stops with `.conditionMet` (the tensors of that step kept) when it holds.
    func testTrainerAsksTheConditionEveryKStepsAndStopsWhenItHolds() throws {
        let fixture = SoftPromptFixture.shared
        var config = TrainingConfig()
        config.steps = 7
        config.batchSize = 2
        config.learningRate = 0.01
        config.checkEvery = 3
        var asked: [Int] = []
        let prompt = fixture.makePrompt()
        let open = try Trainer(config: config, training: fixture.training, padID: fixture.padID)
            .run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), until: { asked.append($0); return false })
        XCTAssertEqual(asked, [3, 6, 7])
        XCTAssertEqual(open.stopReason, .completed)
        XCTAssertEqual(open.stepsTaken, 7)

        asked = []
        let met = try Trainer(config: config, training: fixture.training, padID: fixture.padID)
            .run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), until: { asked.append($0); return $0 >= 6 })
        XCTAssertEqual(asked, [3, 6])
        XCTAssertEqual(met.stopReason, .conditionMet)
        XCTAssertEqual(met.stepsTaken, 6)
        XCTAssertEqual(met.keptStep, 6)

        config.checkEvery = nil
        let unchecked = errorText {
            _ = try Trainer(config: config, training: fixture.training, padID: fixture.padID)
                .run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), until: { _ in true })
        }
        XCTAssertTrue(unchecked.contains("check_every"), unchecked)
        config.checkEvery = 0
        XCTAssertTrue(errorText { _ = try Trainer(config: config, training: fixture.training, padID: fixture.padID) }
            .contains("check_every is 0"))
    }
}
