import Compute
import Foundation
import Host
import XCTest

/// Checkpoints: files, exact round trips, clear errors, and resuming a run exactly.
final class CheckpointTests: XCTestCase {
    private let fixture = SoftPromptFixture.shared
    private var directory = ""

    override func setUpWithError() throws {
        Interruption.reset()
        directory = try makeTemporaryDirectory("checkpoints")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func bits(_ tensor: Tensor?) -> [UInt32] { tensor?.scalars.map(\.bitPattern) ?? [] }

    /// Every k steps and at the end: the tensors are the trained ones bit for bit, the sidecar
    /// holds step, config, methods, history and the data stream position.
    func testTrainingWritesCheckpointsThatRoundTrip() throws {
        var config = fixture.config(steps: 5)
        config.checkpointEvery = 2
        config.checkpointDirectory = directory
        let prompt = fixture.makePrompt()
        var events: [String] = []
        let result = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), onProgress: { progress in
            if case let .checkpoint(path) = progress.event { events.append((path as NSString).lastPathComponent) }
        })
        XCTAssertEqual(events, ["step-000002.json", "step-000004.json", "step-000005.json"])
        XCTAssertEqual(result.checkpoints, CheckpointStore(directory: directory).sidecars())
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(files.count, 6, "no temporary files left: \(files)")

        let checkpoint = try CheckpointStore.load(directory)                     // a folder means its latest
        XCTAssertEqual(checkpoint.step, 5)
        XCTAssertEqual(bits(checkpoint.parameters["prompt_tuning.prompt"]), bits(prompt))
        XCTAssertEqual(Set(checkpoint.optimizerState.keys),
                       ["optimizer.step", "prompt_tuning.prompt.adam_m", "prompt_tuning.prompt.adam_v", "prompt_tuning.prompt.adam_step"])
        XCTAssertEqual(try checkpoint.optimizerState["optimizer.step"]?.item(), 5)
        let sidecar = checkpoint.sidecar
        XCTAssertEqual(sidecar.config, config)
        XCTAssertEqual(sidecar.methods, [CheckpointMethod(name: "prompt_tuning", parameters: ["m": "4"])])
        XCTAssertEqual(sidecar.parameters, [.init(name: "prompt_tuning.prompt", shape: [4, 64])])
        XCTAssertEqual(sidecar.history, result.history)
        XCTAssertEqual(sidecar.totalSteps, 5)
        XCTAssertEqual(sidecar.data.seed, 9)
        XCTAssertEqual(sidecar.data.nextMicroBatch, 5)
        XCTAssertEqual(sidecar.data.trainingExamples, fixture.training.count)
        XCTAssertEqual(sidecar.tensorsFile, "step-000005.safetensors")

        // The optimiser state loads into a fresh AdamW and comes back unchanged.
        let other = fixture.makePrompt(seed: 2)
        try CheckpointStore.restore(checkpoint.parameters, into: [other], path: directory)
        XCTAssertEqual(bits(other), bits(prompt))
        let optimizer = try AdamW(parameters: [other], learningRate: 1e-3)
        try optimizer.loadState(checkpoint.optimizerState)
        XCTAssertEqual(optimizer.stepCount, 5)
        for (key, value) in checkpoint.optimizerState {
            XCTAssertEqual(bits(optimizer.stateTensors()[key]), bits(value), key)
        }
    }

    /// Special values survive exactly, in the tensors and in the sidecar's metrics.
    func testSaveAndLoadAreExact() throws {
        let values: [Float] = [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1 / 3, -7.25, .infinity]
        let tensor = try Tensor(shape: [2, 3], scalars: values)
        let sidecar = CheckpointSidecar(
            step: 7, totalSteps: 9, tensorsFile: "", config: TrainingConfig(), methods: [],
            parameters: [.init(name: "a.b", shape: [2, 3])],
            data: .init(algorithm: "test", seed: 1, nextMicroBatch: 7, trainingExamples: 3),
            history: [StepMetrics(step: 7, loss: .nan, learningRate: 1e-3, gradientNorm: .infinity, tokens: 5)],
            validations: [], best: nil, validationsWithoutImprovement: 0)
        let path = try CheckpointStore(directory: directory).save(
            TrainingCheckpoint(sidecar: sidecar, parameters: ["a.b": tensor], optimizerState: ["optimizer.step": Tensor(scalar: 7)]))
        let loaded = try CheckpointStore.load(path)
        XCTAssertEqual(bits(loaded.parameters["a.b"]), values.map(\.bitPattern))
        XCTAssertEqual(loaded.parameters["a.b"]?.shape, [2, 3])
        XCTAssertTrue(loaded.sidecar.history[0].loss.isNaN)
        XCTAssertEqual(loaded.sidecar.history[0].gradientNorm, .infinity)
        XCTAssertEqual(loaded.sidecar.step, 7)
        XCTAssertEqual(try CheckpointStore.load(directory + "/step-000007.safetensors").step, 7)
    }

    func testRestoreNamesWhatDoesNotMatch() throws {
        let saved = ["lora.a": Tensor(zeros: [2, 3]), "lora.b": Tensor(zeros: [3, 2])]
        func named(_ name: String, _ shape: [Int]) -> Tensor {
            let t = Tensor(zeros: shape)
            t.name = name
            return t
        }
        let wrongShape = errorText { try CheckpointStore.restore(saved, into: [named("lora.a", [2, 3]), named("lora.b", [2, 3])], path: "c") }
        XCTAssertEqual(wrongShape, "checkpoint c: parameter 'lora.b' is [2, 3] here but [3, 2] in the checkpoint; use the same method settings as when it was saved")
        let missing = errorText { try CheckpointStore.restore(saved, into: [named("lora.a", [2, 3]), named("dham.p", [1])], path: "c") }
        XCTAssertTrue(missing.contains("no tensor for parameter 'dham.p'"), missing)
        let extra = errorText { try CheckpointStore.restore(saved, into: [named("lora.a", [2, 3])], path: "c") }
        XCTAssertTrue(extra.contains("tensors no parameter here matches: lora.b"), extra)
        let untouched = named("lora.a", [2, 3])
        untouched.data[0] = 5
        _ = errorText { try CheckpointStore.restore(saved, into: [untouched], path: "c") }
        XCTAssertEqual(untouched.data[0], 5, "a failed restore changes nothing")
    }

    func testUnreadableCheckpointsAreClearErrors() throws {
        XCTAssertTrue(errorText { _ = try CheckpointStore.load(directory) }.contains("holds no step-*.json checkpoint"))
        XCTAssertTrue(errorText { _ = try CheckpointStore.load(directory + "/nope.json") }.contains("no such file or folder"))
        try "{\"format\": \"strata-checkpoint\"".write(toFile: directory + "/step-000001.json", atomically: true, encoding: .utf8)
        XCTAssertTrue(errorText { _ = try CheckpointStore.load(directory) }.contains("not a readable checkpoint sidecar"))

        // A sidecar listing a tensor the file lacks.
        var config = fixture.config(steps: 1)
        config.checkpointDirectory = directory
        let prompt = fixture.makePrompt()
        let result = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        let path = try XCTUnwrap(result.checkpoints.last)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"prompt_tuning.prompt\"", with: "\"prompt_tuning.other\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(errorText { _ = try CheckpointStore.load(path) }
            .contains("the sidecar lists parameter 'prompt_tuning.other' but the file has no tensor for it"))
    }

    /// Interrupted at step 3 and resumed from its checkpoint, a run ends exactly where the
    /// uninterrupted run does: same parameters, same losses, learning rates and validations.
    func testResumeEqualsAnUninterruptedRun() throws {
        var config = fixture.config(steps: 6, batch: 2, accumulate: 2, lr: 2e-2)
        config.schedule = .cosine
        config.warmupSteps = 1
        config.evalEvery = 2
        config.patience = 3
        let straightPrompt = fixture.makePrompt()
        let straight = try fixture.trainer(config, validation: true)
            .run(parameters: [straightPrompt], loss: fixture.tokenMeanLoss(straightPrompt))
        XCTAssertEqual(straight.stopReason, .completed)

        config.checkpointDirectory = directory
        let first = fixture.makePrompt()
        let stopped = try fixture.trainer(config, validation: true).run(parameters: [first], loss: fixture.tokenMeanLoss(first), onProgress: {
            if $0.event == .step && $0.step == 3 { Interruption.request() }
        })
        XCTAssertEqual(stopped.stopReason, .interrupted)
        XCTAssertEqual(stopped.checkpoints.map { ($0 as NSString).lastPathComponent }, ["step-000003.json"])

        let resumed = fixture.makePrompt(seed: 77)                               // other values: the checkpoint must set them
        var firstSteps: Set<Int> = []
        let rest = try fixture.trainer(config, validation: true)
            .run(parameters: [resumed], loss: fixture.tokenMeanLoss(resumed), resumeFrom: directory,
                 onProgress: { firstSteps.insert($0.firstStep) })
        XCTAssertEqual(firstSteps, [3], "every event of the resumed run names the step it began at")
        XCTAssertEqual(rest.stopReason, .completed)
        XCTAssertEqual(rest.stepsTaken, 6)
        XCTAssertEqual(bits(resumed), bits(straightPrompt))
        XCTAssertEqual(rest.history, straight.history)
        XCTAssertEqual(rest.validations, straight.validations)
        XCTAssertEqual(rest.keptStep, straight.keptStep)
    }

    func testResumeRefusesADifferentBatchOrder() throws {
        var config = fixture.config(steps: 2, batch: 2)
        config.checkpointDirectory = directory
        let prompt = fixture.makePrompt()
        _ = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt))
        config.batchSize = 4
        config.steps = 4
        let message = errorText {
            _ = try fixture.trainer(config).run(parameters: [prompt], loss: fixture.tokenMeanLoss(prompt), resumeFrom: directory)
        }
        XCTAssertTrue(message.contains("it was trained with batch=2, this run has batch=4"), message)
    }
}
