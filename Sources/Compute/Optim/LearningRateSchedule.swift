import Foundation

/// Learning rate as a function of the optimiser step: a linear warm-up to the peak, then a
/// decay to a minimum at `totalSteps`, held there afterwards.
///
/// With `warmupStartFactor` 0 and `minimumLearningRate` 0 the values equal Hugging Face
/// transformers' `get_linear_schedule_with_warmup` / `get_cosine_schedule_with_warmup`
/// (step 0 of a warm-up has learning rate 0). Steps count from 0: `learningRate(at: s)` is the
/// rate for the optimiser's (s+1)-th update, i.e. `optimizer.stepCount` before the step.
public struct LearningRateSchedule: Equatable, CustomStringConvertible {
    /// The shape of the curve after warm-up.
    public enum Decay: String, Equatable, CaseIterable {
        /// Hold the peak.
        case constant
        /// Straight line from the peak to the minimum.
        case linear
        /// Half a cosine period from the peak to the minimum.
        case cosine
    }

    public let peakLearningRate: Float
    public let totalSteps: Int
    public let warmupSteps: Int
    /// Fraction of the peak at step 0 of the warm-up, in [0, 1].
    public let warmupStartFactor: Float
    public let decay: Decay
    /// Rate reached at `totalSteps` (ignored by `.constant`), in [0, peak].
    public let minimumLearningRate: Float

    private static let op = "LearningRateSchedule"

    /// Throws, naming the parameter and its allowed range, when a value is out of range:
    /// peak > 0, totalSteps ≥ 1, 0 ≤ warmupSteps ≤ totalSteps, warmupStartFactor in [0, 1],
    /// 0 ≤ minimumLearningRate ≤ peak.
    public init(peakLearningRate: Float, totalSteps: Int, warmupSteps: Int = 0,
                warmupStartFactor: Float = 0, decay: Decay = .cosine,
                minimumLearningRate: Float = 0) throws {
        let op = LearningRateSchedule.op
        try validateHyperparameter(peakLearningRate, name: "peakLearningRate", op: op,
                                   requirement: "finite and > 0") { $0 > 0 }
        guard totalSteps >= 1 else {
            throw TensorError.invalidArgument(op: op, reason: "totalSteps is \(totalSteps); it must be ≥ 1")
        }
        guard warmupSteps >= 0 && warmupSteps <= totalSteps else {
            throw TensorError.invalidArgument(op: op, reason: "warmupSteps is \(warmupSteps); it must be in [0, totalSteps] = [0, \(totalSteps)]")
        }
        try validateHyperparameter(warmupStartFactor, name: "warmupStartFactor", op: op,
                                   requirement: "in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try validateHyperparameter(minimumLearningRate, name: "minimumLearningRate", op: op,
                                   requirement: "in [0, peakLearningRate] = [0, \(peakLearningRate)]") {
            $0 >= 0 && $0 <= peakLearningRate
        }
        self.peakLearningRate = peakLearningRate
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.warmupStartFactor = warmupStartFactor
        self.decay = decay
        self.minimumLearningRate = minimumLearningRate
    }

    /// The rate for 0-based `step`; steps before 0 read as 0 and steps past `totalSteps` as
    /// `totalSteps`.
    public func learningRate(at step: Int) -> Float {
        let s = min(max(step, 0), totalSteps)
        let peak = Double(peakLearningRate)
        if s < warmupSteps {
            let start = Double(warmupStartFactor)
            return Float(peak * (start + (1 - start) * Double(s) / Double(warmupSteps)))
        }
        let floor = Double(minimumLearningRate)
        let decaySteps = totalSteps - warmupSteps
        let progress = decaySteps == 0 ? 0 : Double(s - warmupSteps) / Double(decaySteps)
        switch decay {
        case .constant:
            return peakLearningRate
        case .linear:
            return Float(floor + (peak - floor) * (1 - progress))
        case .cosine:
            return Float(floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    /// Sets `optimizer.learningRate` for its next step (`learningRate(at: stepCount)`).
    public func apply(to optimizer: Optimizer) {
        optimizer.learningRate = learningRate(at: optimizer.stepCount)
    }

    public var description: String {
        var text = "\(decay.rawValue) schedule: peak \(peakLearningRate) over \(totalSteps) steps"
        if warmupSteps > 0 {
            text += ", warm-up \(warmupSteps) steps from \(warmupStartFactor)×peak"
        }
        if decay != .constant { text += ", to \(minimumLearningRate)" }
        return text
    }
}
