import Compute

/// The settings of one `train` run. Every field has a default; `validate()` names a bad one
/// and its allowed range.
public struct TrainingConfig: Codable, Equatable {
    /// The learning-rate curve after warm-up.
    public enum Schedule: String, Codable, CaseIterable {
        case cosine, linear, constant

        var decay: LearningRateSchedule.Decay {
            switch self {
            case .cosine: return .cosine
            case .linear: return .linear
            case .constant: return .constant
            }
        }
    }

    /// Optimiser steps to take; ignored when `epochs` is set.
    public var steps: Int = 100
    /// Whole passes over the training examples, instead of `steps`.
    public var epochs: Int?
    /// Examples per micro-batch.
    public var batchSize: Int = 4
    /// Micro-batches whose gradients are summed (each loss scaled by 1/k) into one step.
    public var gradientAccumulation: Int = 1
    public var learningRate: Float = 1e-3
    /// AdamW's decoupled weight decay.
    public var weightDecay: Float = 0
    /// Steps of linear warm-up from 0 to `learningRate`.
    public var warmupSteps: Int = 0
    public var schedule: Schedule = .cosine
    /// Global gradient-norm clip; nil leaves gradients as they are (the norm is still reported).
    public var maxGradNorm: Float? = 1
    /// Validation every k steps (and after the last step); nil: no validation.
    public var evalEvery: Int?
    /// Early stopping: stop after this many validations without a lower validation loss. When
    /// set, training ends (stopped early or not) with the best validated parameters restored.
    public var patience: Int?
    /// Save a checkpoint every k steps (and when training stops) into `checkpointDirectory`.
    public var checkpointEvery: Int?
    public var checkpointDirectory: String?
    /// The `until` condition of `Trainer.run` is asked every k steps (and after the last step).
    public var checkEvery: Int?
    /// Seeds the batch order of every epoch.
    public var seed: UInt64 = 0

    public init() {}

    /// Throws `TrainingError.invalidConfig` naming the first field out of range.
    public func validate() throws {
        func require(_ ok: Bool, _ field: String, _ value: Any, _ rule: String) throws {
            if !ok { throw TrainingError.invalidConfig("\(field) is \(value); it must be \(rule)") }
        }
        if let epochs {
            try require(epochs >= 1, "epochs", epochs, "at least 1")
        } else {
            try require(steps >= 1, "steps", steps, "at least 1")
        }
        try require(batchSize >= 1, "batch", batchSize, "at least 1")
        try require(gradientAccumulation >= 1, "accumulate", gradientAccumulation, "at least 1")
        try require(learningRate.isFinite && learningRate > 0, "lr", learningRate, "finite and > 0")
        try require(weightDecay.isFinite && weightDecay >= 0, "weight_decay", weightDecay, "finite and ≥ 0")
        try require(warmupSteps >= 0, "warmup", warmupSteps, "≥ 0")
        if let maxGradNorm {
            try require(maxGradNorm.isFinite && maxGradNorm > 0, "max_grad_norm", maxGradNorm, "finite and > 0")
        }
        if let evalEvery { try require(evalEvery >= 1, "eval_every", evalEvery, "at least 1") }
        if let patience {
            try require(patience >= 1, "patience", patience, "at least 1")
            try require(evalEvery != nil, "patience", patience, "used with eval_every (early stopping needs validations)")
        }
        if let checkEvery { try require(checkEvery >= 1, "check_every", checkEvery, "at least 1") }
        if let checkpointEvery {
            try require(checkpointEvery >= 1, "checkpoint_every", checkpointEvery, "at least 1")
            try require(checkpointDirectory != nil, "checkpoint_every", checkpointEvery, "given with a checkpoint directory")
        }
    }

    /// Optimiser steps of the run over `batchesPerEpoch` micro-batches per epoch.
    public func totalSteps(batchesPerEpoch: Int) -> Int {
        guard let epochs else { return steps }
        return (epochs * batchesPerEpoch + gradientAccumulation - 1) / gradientAccumulation
    }

    /// Micro-batches the run consumes in all (the last step of an epoch run may take fewer).
    func totalMicroBatches(batchesPerEpoch: Int) -> Int {
        guard let epochs else { return steps * gradientAccumulation }
        return epochs * batchesPerEpoch
    }
}

/// Errors of the training loop and its checkpoints, phrased for the user.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    /// The run asked for validation but has no validation examples, or similar.
    case missingInput(String)
    /// A checkpoint that cannot be used: unreadable, or not matching the parameters or run.
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfig(message), let .missingInput(message): return message
        case let .checkpoint(path, reason): return "checkpoint \(path): \(reason)"
        }
    }
}
