import Compute
import Dispatch

/// The training loop: AdamW over the given tensors, with gradient accumulation, a learning
/// rate schedule, gradient clipping, validation with early stopping, checkpoints and resume.
///
/// The trainer knows nothing of methods or models: the caller passes the trainable tensors
/// and closures that compute a loss for a batch (building the forward pass with its hooks).
/// It never loses trained state: an interrupt, a non-finite loss or gradient, or a
/// non-finite update stops the loop with the tensors at the last good step.
public final class Trainer {
    public let config: TrainingConfig
    public let schedule: BatchSchedule
    public let validationBatches: [Batch]
    /// Recorded in checkpoint sidecars (what produced the tensors).
    public var methods: [CheckpointMethod]

    /// Throws for an invalid config, no training examples, or validation asked for
    /// (`evalEvery`) without validation examples.
    ///
    /// Preference pairs: `training` and `validation` hold the chosen replies and
    /// `trainingRejected` / `validationRejected` the rejected ones, index for index; every batch
    /// then holds its pairs' chosen rows followed by their rejected rows (`Batch.preferencePairs`).
    public init(config: TrainingConfig, training: [TrainingExample], validation: [TrainingExample] = [],
                trainingRejected: [TrainingExample]? = nil, validationRejected: [TrainingExample]? = nil,
                padID: Int, methods: [CheckpointMethod] = []) throws {
        try config.validate()
        guard !training.isEmpty else { throw TrainingError.missingInput("there are no training examples; load data first") }
        if config.evalEvery != nil && validation.isEmpty {
            throw TrainingError.missingInput("eval_every needs validation examples; hold some out of the training data")
        }
        if let validationRejected, validationRejected.count != validation.count {
            throw TrainingError.missingInput("\(validation.count) chosen and \(validationRejected.count) rejected validation replies; preference pairs need one of each")
        }
        self.config = config
        schedule = try BatchSchedule(examples: training, rejected: trainingRejected, batchSize: config.batchSize,
                                     seed: config.seed, padID: padID)
        validationBatches = try stride(from: 0, to: validation.count, by: config.batchSize).map { start in
            let indices = Array(start..<min(start + config.batchSize, validation.count))
            if let validationRejected {
                return try Batch(chosen: indices.map { validation[$0] }, rejected: indices.map { validationRejected[$0] },
                                 exampleIndices: indices, padID: padID)
            }
            return try Batch(indices.map { validation[$0] }, exampleIndices: indices, padID: padID)
        }
        self.methods = methods
    }

    public var totalSteps: Int { config.totalSteps(batchesPerEpoch: schedule.batchesPerEpoch) }

    /// Trains `parameters` (contiguous leaf tensors with `requiresGrad`, names unique).
    ///
    /// - loss: the training loss of a batch (a single-element tensor whose graph reaches the
    ///   parameters). With accumulation k, each micro-batch loss is scaled by 1/k.
    /// - validationLoss: the validation loss of a batch, run without gradients (`loss` when nil).
    /// - resumeFrom: a checkpoint (sidecar, safetensors or folder) to continue from; the run then
    ///   takes the same batches and optimiser state an uninterrupted run would have.
    /// - learningRateScales: per parameter, a factor on the scheduled learning rate (a method's
    ///   `learningRateScale`); all 1 when nil.
    /// - until: asked with the step count every `config.checkEvery` steps (and after the last
    ///   step); true stops the run there with `.conditionMet`, keeping that step's tensors.
    /// - onProgress: called after every step, validation and checkpoint.
    public func run(parameters: [Tensor],
                    learningRateScales: [Float]? = nil,
                    loss: (Batch) throws -> Tensor,
                    validationLoss: ((Batch) throws -> Tensor)? = nil,
                    resumeFrom: String? = nil,
                    until: ((Int) throws -> Bool)? = nil,
                    onProgress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingResult {
        if let frozen = parameters.enumerated().first(where: { !$0.element.requiresGrad }) {
            throw TrainingError.missingInput("parameter '\(parameterKey(frozen.element, index: frozen.offset))' does not require a gradient, so training cannot change it")
        }
        let optimizer = try AdamW(parameters: parameters, learningRate: config.learningRate, weightDecay: config.weightDecay,
                                  learningRateScales: learningRateScales)
        // Whatever way the run ends (a loss closure may throw), no stale gradient is left behind.
        defer { optimizer.zeroGrad() }
        let totalSteps = self.totalSteps
        let totalMicroBatches = config.totalMicroBatches(batchesPerEpoch: schedule.batchesPerEpoch)
        guard config.warmupSteps <= totalSteps else {
            throw TrainingError.invalidConfig("warmup is \(config.warmupSteps); it must be at most the run's \(totalSteps) steps")
        }
        if until != nil && config.checkEvery == nil {
            throw TrainingError.invalidConfig("a stop condition needs check_every (how many steps between checks)")
        }
        let learningRates = try LearningRateSchedule(peakLearningRate: config.learningRate, totalSteps: totalSteps,
                                                     warmupSteps: config.warmupSteps, decay: config.schedule.decay)
        var state = RunState()
        if let resumeFrom {
            state = try resume(from: resumeFrom, parameters: parameters, optimizer: optimizer)
        }

        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let firstStep = state.step
        var tokensThisRun = 0
        var stopReason = TrainingResult.StopReason.completed
        var message: String?
        var epoch = 0

        func progress(_ event: TrainingProgress.Event, validation: Float? = nil) -> TrainingProgress {
            let last = state.history.last
            let seconds = elapsed()
            return TrainingProgress(event: event, step: state.step, totalSteps: totalSteps, firstStep: firstStep, epoch: epoch,
                                    loss: last?.loss ?? .nan, learningRate: last?.learningRate ?? optimizer.learningRate,
                                    gradientNorm: last?.gradientNorm ?? .nan, validationLoss: validation,
                                    tokensPerSecond: seconds > 0 ? Double(tokensThisRun) / seconds : 0,
                                    elapsed: seconds)
        }

        steps: while state.step < totalSteps {
            let firstMicroBatch = state.step * config.gradientAccumulation
            let microBatches = min(config.gradientAccumulation, totalMicroBatches - firstMicroBatch)
            optimizer.zeroGrad()
            var stepLoss: Float = 0
            var stepTokens = 0
            for micro in 0..<microBatches {
                // Between micro-batches too: a long accumulation stays interruptible, and the
                // partial gradients are simply dropped.
                if stopRequested() { stopReason = .interrupted; break steps }
                let (batchEpoch, batch) = try schedule.batch(at: firstMicroBatch + micro)
                epoch = batchEpoch
                let value: Float
                do {
                    let lossTensor = try loss(batch)
                    guard lossTensor.count == 1 else {
                        throw TrainingError.invalidConfig("the loss must be a single number; it has shape \(lossTensor.shape)")
                    }
                    value = try lossTensor.item()
                    guard value.isFinite else {
                        stopReason = .nonFinite
                        message = "the loss is \(value) at step \(state.step + 1) (micro-batch \(micro + 1) of \(microBatches)); the parameters of step \(state.step) are kept"
                        break steps
                    }
                    try (microBatches == 1 ? lossTensor : lossTensor * (1 / Float(microBatches))).backward()
                } catch is Interrupted {
                    stopReason = .interrupted
                    break steps
                }
                stepLoss += value / Float(microBatches)
                stepTokens += batch.realTokenCount
            }

            let norm = try clipGradientNorm(parameters, maxNorm: config.maxGradNorm ?? .greatestFiniteMagnitude)
            guard norm.isFinite else {
                stopReason = .nonFinite
                message = "the gradient norm is \(norm) at step \(state.step + 1); the parameters of step \(state.step) are kept"
                break steps
            }
            learningRates.apply(to: optimizer)
            let beforeStep = TrainingSnapshot(step: state.step, parameters: parameters, optimizer: optimizer)
            try optimizer.step()
            optimizer.zeroGrad()
            guard allFinite(parameters) else {
                try beforeStep.restore(parameters: parameters, optimizer: optimizer)
                stopReason = .nonFinite
                message = "step \(state.step + 1) made a parameter non-finite (learning rate \(optimizer.learningRate)); the parameters of step \(state.step) are kept"
                break steps
            }
            state.step += 1
            tokensThisRun += stepTokens
            state.history.append(StepMetrics(step: state.step, loss: stepLoss, learningRate: optimizer.learningRate,
                                             gradientNorm: norm, tokens: stepTokens))
            onProgress(progress(.step))

            if let every = config.evalEvery, state.step % every == 0 || state.step == totalSteps {
                let measured = try validationLoss.map { try validate($0) } ?? validate(loss)
                guard let validation = measured else { stopReason = .interrupted; break steps }
                let metrics = ValidationMetrics(step: state.step, loss: validation)
                state.validations.append(metrics)
                onProgress(progress(.validation, validation: validation))
                if let best = state.best, !(validation < best.loss) {
                    state.validationsWithoutImprovement += 1
                    if let patience = config.patience, state.validationsWithoutImprovement >= patience {
                        stopReason = .earlyStopped
                        break steps
                    }
                } else {
                    state.best = metrics
                    state.bestSnapshot = TrainingSnapshot(step: state.step, parameters: parameters, optimizer: optimizer)
                    state.validationsWithoutImprovement = 0
                }
            }
            if let every = config.checkpointEvery, state.step % every == 0 {
                let path = try saveCheckpoint(&state, parameters: parameters, optimizer: optimizer, totalSteps: totalSteps)
                state.checkpoints.append(path)
                onProgress(progress(.checkpoint(path: path)))
            }
            if let until, let every = config.checkEvery, state.step % every == 0 || state.step == totalSteps {
                let met: Bool
                do { met = try until(state.step) } catch is Interrupted { stopReason = .interrupted; break steps }
                if met { stopReason = .conditionMet; break steps }
            }
        }
        optimizer.zeroGrad()    // partial gradients of an interrupted or non-finite step

        // A final checkpoint describes the run where it stopped (before any best-restore below),
        // so resuming from it replays the rest of the run exactly.
        if config.checkpointDirectory != nil, state.step > 0, state.lastCheckpointStep != state.step {
            let path = try saveCheckpoint(&state, parameters: parameters, optimizer: optimizer, totalSteps: totalSteps)
            state.checkpoints.append(path)
            onProgress(progress(.checkpoint(path: path)))
        }
        var keptStep = state.step
        if config.patience != nil, stopReason == .completed || stopReason == .earlyStopped,
           let best = state.bestSnapshot, best.step != state.step {
            try best.restore(parameters: parameters, optimizer: optimizer)
            keptStep = best.step
        }
        return TrainingResult(stopReason: stopReason, stepsTaken: state.step, totalSteps: totalSteps, keptStep: keptStep,
                              history: state.history, validations: state.validations, bestValidation: state.best,
                              checkpoints: state.checkpoints, message: message, elapsed: elapsed())
    }

    /// `Interruption.check()` as a flag (it clears the request).
    private func stopRequested() -> Bool {
        do {
            try Interruption.check()
            return false
        } catch {
            return true
        }
    }

    /// The mean validation loss, weighted by batch rows; nil when interrupted.
    private func validate(_ lossOf: (Batch) throws -> Tensor) throws -> Float? {
        var total = 0.0
        var rows = 0
        for batch in validationBatches {
            if stopRequested() { return nil }
            do {
                let value = try Autograd.noGrad { try lossOf(batch).item() }
                total += Double(value) * Double(batch.size)
                rows += batch.size
            } catch is Interrupted {
                return nil
            }
        }
        return rows > 0 ? Float(total / Double(rows)) : .nan
    }
}

/// What the loop carries from step to step, and what a checkpoint restores.
struct RunState {
    var step = 0
    var history: [StepMetrics] = []
    var validations: [ValidationMetrics] = []
    var best: ValidationMetrics?
    var bestSnapshot: TrainingSnapshot?
    var validationsWithoutImprovement = 0
    var checkpoints: [String] = []
    var lastCheckpointStep: Int?
}
