import Compute
import Foundation
import Host
import XCTest

/// The training loop on `tiny` with a soft prompt on a few GSM8K examples.
final class TrainerTests: XCTestCase {
    private let fixture = SoftPromptFixture.shared

    override func setUp() {
        Interruption.reset()
    }

    /// Parameters after `steps` plain steps of `config` from the same initial prompt.
    private func reference(_ config: TrainingConfig, steps: Int) throws -> [Float] {
        var config = config
        config.steps = steps
        (config.evalEvery, config.patience, config.checkpointEvery, config.checkpointDirectory) = (nil, nil, nil, nil)
        let prompt = fixture.makePrompt()
        _ = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        return prompt.scalars
    }

    func testLossDecreasesOnTheTrainingData() throws {
        let prompt = fixture.makePrompt()
        let before = try fixture.loss(of: fixture.training, prompt: prompt)
        var progress: [TrainingProgress] = []
        let result = try fixture.trainer(fixture.config(steps: 24, lr: 3e-2))
            .run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), onProgress: { progress.append($0) })
        let after = try fixture.loss(of: fixture.training, prompt: prompt)
        XCTAssertEqual(result.stopReason, .completed)
        XCTAssertEqual(result.stepsTaken, 24)
        XCTAssertEqual(result.history.map(\.step), Array(1...24))
        XCTAssertLessThan(after, before - 0.1, "loss \(before) → \(after)")
        XCTAssertEqual(progress.filter { $0.event == .step }.count, 24)
        let last = try XCTUnwrap(progress.last)
        XCTAssertEqual(last.step, 24)
        XCTAssertEqual(last.firstStep, 0)
        XCTAssertGreaterThan(last.elapsed, 0)
        XCTAssertGreaterThan(last.tokensPerSecond, 0)
        XCTAssertTrue(result.history.allSatisfy { $0.gradientNorm > 0 && $0.tokens > 0 })
    }

    /// Two micro-batches of 2 with the loss scaled by 1/2 make the same update as one batch of 4.
    func testAccumulationOfTwoBatchesOfTwoEqualsABatchOfFour() throws {
        let whole = fixture.makePrompt(), split = fixture.makePrompt()
        var config = fixture.config(steps: 3, batch: 4)
        config.maxGradNorm = 0.5                                  // clipping sees the accumulated gradient
        let a = try fixture.trainer(config).run(parameters: [whole], loss: fixture.rowMeanLoss(whole))
        config.batchSize = 2
        config.gradientAccumulation = 2
        let b = try fixture.trainer(config).run(parameters: [split], loss: fixture.rowMeanLoss(split))
        XCTAssertNotEqual(whole.scalars, fixture.makePrompt().scalars, "training moved the prompt")
        for (x, y) in zip(whole.scalars, split.scalars) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        for (x, y) in zip(a.history, b.history) {
            XCTAssertEqual(x.loss, y.loss, accuracy: 1e-5)
            XCTAssertEqual(x.gradientNorm, y.gradientNorm, accuracy: 1e-4)
            XCTAssertEqual(x.tokens, y.tokens)
        }
    }

    /// A NaN loss at step 3 stops the run with the parameters of step 2.
    func testNaNLossKeepsTheLastGoodParameters() throws {
        let config = fixture.config(steps: 6)
        let afterTwo = try reference(config, steps: 2)
        let prompt = fixture.makePrompt()
        let realLoss = fixture.tokenMeanLoss(prompt)
        var calls = 0
        let result = try fixture.trainer(config).run(parameters: [prompt], loss: { batch in
            calls += 1
            return calls == 3 ? Tensor(scalar: .nan) : try realLoss(batch)
        })
        XCTAssertEqual(result.stopReason, .nonFinite)
        XCTAssertEqual(result.stepsTaken, 2)
        XCTAssertEqual(prompt.scalars, afterTwo)
        XCTAssertTrue(result.message?.contains("step 3") == true, result.message ?? "")
        XCTAssertNil(prompt.grad)
    }

    /// A finite loss whose gradient is NaN is caught by the gradient-norm check.
    func testNaNGradientKeepsTheLastGoodParameters() throws {
        let config = fixture.config(steps: 6)
        let afterTwo = try reference(config, steps: 2)
        let prompt = fixture.makePrompt()
        let realLoss = fixture.tokenMeanLoss(prompt)
        var calls = 0
        let result = try fixture.trainer(config).run(parameters: [prompt], loss: { batch in
            calls += 1
            let loss = try realLoss(batch)
            guard calls == 3 else { return loss }
            let poisoned = Tensor(scalar: 0).recorded(op: "poison", inputs: [prompt]) { _ in
                [Tensor.full(prompt.shape, value: .nan)]
            }
            return try loss + poisoned
        })
        XCTAssertEqual(result.stopReason, .nonFinite)
        XCTAssertEqual(result.stepsTaken, 2)
        XCTAssertEqual(prompt.scalars, afterTwo)
        XCTAssertTrue(result.message?.contains("gradient norm is nan") == true, result.message ?? "")
    }

    /// An update that overflows the parameters (AdamW's first step moves each value by about
    /// 10·lr, infinite for lr = 1e38) is undone.
    func testNonFiniteUpdateIsRolledBack() throws {
        let prompt = fixture.makePrompt()
        let initial = prompt.scalars
        let result = try fixture.trainer(fixture.config(steps: 3, lr: 1e38))
            .run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        XCTAssertEqual(result.stopReason, .nonFinite)
        XCTAssertEqual(result.stepsTaken, 0)
        XCTAssertEqual(prompt.scalars, initial)
        XCTAssertTrue(result.message?.contains("step 1 made a parameter non-finite") == true, result.message ?? "")
    }

    /// Ctrl-C after step 2 stops before step 3 and keeps what step 2 made.
    func testInterruptKeepsTheTrainedState() throws {
        let config = fixture.config(steps: 6)
        let afterTwo = try reference(config, steps: 2)
        let prompt = fixture.makePrompt()
        let result = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), onProgress: { progress in
            if progress.event == .step && progress.step == 2 { Interruption.request() }
        })
        XCTAssertEqual(result.stopReason, .interrupted)
        XCTAssertEqual(result.stepsTaken, 2)
        XCTAssertEqual(result.keptStep, 2)
        XCTAssertEqual(prompt.scalars, afterTwo)
        XCTAssertFalse(Interruption.isRequested, "the request is consumed")
    }

    /// Validation losses 1.0, 0.5, 0.7, 0.8: patience 2 stops at step 4 and restores step 2.
    func testEarlyStoppingRestoresTheBestParameters() throws {
        var config = fixture.config(steps: 10)
        config.evalEvery = 1
        config.patience = 2
        let afterTwo = try reference(config, steps: 2)
        let prompt = fixture.makePrompt()
        let scripted: [Float] = [1.0, 0.5, 0.7, 0.8, 0.1, 0.1]
        var validations = 0, lastStep = 0
        let result = try fixture.trainer(config, validation: true).run(
            parameters: [prompt], loss: fixture.tokenMeanLoss(prompt),
            validationLoss: { batch in
                // One validation = one batch of 4 here; the step number picks the scripted value.
                XCTAssertEqual(batch.size, 4)
                validations += 1
                return Tensor(scalar: scripted[lastStep - 1])
            },
            onProgress: { if $0.event == .step { lastStep = $0.step } })
        XCTAssertEqual(result.stopReason, .earlyStopped)
        XCTAssertEqual(result.stepsTaken, 4)
        XCTAssertEqual(validations, 4)
        XCTAssertEqual(result.bestValidation, ValidationMetrics(step: 2, loss: 0.5))
        XCTAssertEqual(result.keptStep, 2)
        XCTAssertEqual(result.validations.map(\.loss), [1.0, 0.5, 0.7, 0.8])
        XCTAssertEqual(prompt.scalars, afterTwo)
    }

    /// Real validation on held-out examples: the kept step is the best one validated.
    func testValidationOnHeldOutExamples() throws {
        var config = fixture.config(steps: 6, lr: 3e-2)
        config.evalEvery = 2
        config.patience = 5
        let prompt = fixture.makePrompt()
        let result = try fixture.trainer(config, validation: true)
            .run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        XCTAssertEqual(result.validations.map(\.step), [2, 4, 6])
        let best = try XCTUnwrap(result.bestValidation)
        XCTAssertEqual(best.loss, result.validations.map(\.loss).min())
        XCTAssertEqual(result.keptStep, best.step)
        XCTAssertEqual(try fixture.loss(of: fixture.validation, prompt: prompt), best.loss, accuracy: 1e-4)
    }

    /// Warm-up then cosine decay, as `LearningRateSchedule` gives it, step by step.
    func testLearningRateFollowsTheSchedule() throws {
        var config = fixture.config(steps: 5, lr: 1e-2)
        config.warmupSteps = 2
        config.schedule = .cosine
        let prompt = fixture.makePrompt()
        let result = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        let schedule = try LearningRateSchedule(peakLearningRate: 1e-2, totalSteps: 5, warmupSteps: 2, decay: .cosine)
        XCTAssertEqual(result.history.map(\.learningRate), (0..<5).map(schedule.learningRate(at:)))
    }

    /// Epochs: 8 examples in batches of 3 make 3 micro-batches per epoch; 2 epochs with
    /// accumulation 4 take 2 steps, the second from the remaining 2 micro-batches.
    func testEpochsCoverEveryExampleOncePerEpoch() throws {
        var config = fixture.config(steps: 1, batch: 3, accumulate: 4)
        config.epochs = 2
        let prompt = fixture.makePrompt()
        let trainer = try fixture.trainer(config)
        XCTAssertEqual(trainer.totalSteps, 2)
        let result = try trainer.run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        XCTAssertEqual(result.stepsTaken, 2)
        let tokensPerEpoch = fixture.training.reduce(0) { $0 + $1.length }
        XCTAssertEqual(result.history.reduce(0) { $0 + $1.tokens }, 2 * tokensPerEpoch)
    }

    func testBadSettingsAreNamed() {
        var config = fixture.config(steps: 3)
        config.learningRate = 0
        XCTAssertEqual(errorText { _ = try fixture.trainer(config) }, "lr is 0.0; it must be finite and > 0")
        config = fixture.config(steps: 3)
        config.patience = 2
        XCTAssertTrue(errorText { _ = try fixture.trainer(config) }.contains("patience is 2; it must be used with eval_every"))
        config = fixture.config(steps: 3)
        config.evalEvery = 1
        XCTAssertTrue(errorText { _ = try fixture.trainer(config) }.contains("eval_every needs validation examples"))
        config = fixture.config(steps: 3)
        config.warmupSteps = 4
        let prompt = fixture.makePrompt()
        XCTAssertTrue(errorText { _ = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt)) }
            .contains("warmup is 4; it must be at most the run's 3 steps"))
        config = fixture.config(steps: 3)
        XCTAssertTrue(errorText { _ = try fixture.trainer(config).run(parameters: [prompt], loss: { _ in Tensor(zeros: [2]) }) }
            .contains("the loss must be a single number"))
        let frozen = Tensor(zeros: [2])
        XCTAssertEqual(errorText { _ = try fixture.trainer(config).run(parameters: [frozen], loss: { _ in Tensor(scalar: 0) }) },
                       "parameter 'parameters.0' does not require a gradient, so training cannot change it")
    }
}
