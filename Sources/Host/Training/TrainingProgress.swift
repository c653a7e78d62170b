/// Metrics of one optimiser step.
public struct StepMetrics: Codable, Equatable {
    /// 1-based: the number of steps taken once this one is done.
    public var step: Int
    /// Mean of the step's micro-batch losses.
    public var loss: Float
    public var learningRate: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    /// Non-padding tokens the step read.
    public var tokens: Int

    public init(step: Int, loss: Float, learningRate: Float, gradientNorm: Float, tokens: Int) {
        self.step = step
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.tokens = tokens
    }
}

/// One validation pass.
public struct ValidationMetrics: Codable, Equatable {
    public var step: Int
    /// Mean validation loss, weighted by the rows of each batch.
    public var loss: Float

    public init(step: Int, loss: Float) {
        self.step = step
        self.loss = loss
    }
}

/// What the loop reports after every step and validation (the REPL draws it as a bar).
public struct TrainingProgress {
    public enum Event: Equatable {
        case step
        case validation
        case checkpoint(path: String)
    }

    public var event: Event
    public var step: Int
    public var totalSteps: Int
    /// The step this run began at: the checkpoint's for a resumed run, else 0.
    public var firstStep: Int
    /// 0-based epoch of the step's last micro-batch.
    public var epoch: Int
    public var loss: Float
    public var learningRate: Float
    public var gradientNorm: Float
    /// Set for `.validation` events.
    public var validationLoss: Float?
    /// Non-padding tokens per second over this run so far.
    public var tokensPerSecond: Double
    /// Seconds since this run started (a resumed run counts from its resumption).
    public var elapsed: Double

    public var fractionDone: Double { totalSteps > 0 ? Double(step) / Double(totalSteps) : 1 }
}

/// How a run ended and what it kept.
public struct TrainingResult {
    public enum StopReason: String, Equatable {
        /// Every step ran.
        case completed
        /// The validation loss stopped improving for `patience` validations.
        case earlyStopped
        /// Ctrl-C (`Interruption.request()`): the state after the last whole step is kept.
        case interrupted
        /// A loss, gradient norm or updated parameter was NaN or infinite; the last good
        /// parameters and optimiser state are kept.
        case nonFinite
        /// The `until` condition held at a check (e.g. every training answer correct).
        case conditionMet
    }

    public var stopReason: StopReason
    /// Optimiser steps taken when the loop stopped.
    public var stepsTaken: Int
    public var totalSteps: Int
    /// The step whose parameters the tensors now hold (the best one after early stopping).
    public var keptStep: Int
    public var history: [StepMetrics]
    public var validations: [ValidationMetrics]
    public var bestValidation: ValidationMetrics?
    /// Paths of the checkpoints written, in order.
    public var checkpoints: [String]
    /// What went wrong, for `.nonFinite` (e.g. "loss is nan at step 3").
    public var message: String?
    public var elapsed: Double

    public var finalLoss: Float? { history.last?.loss }
}
