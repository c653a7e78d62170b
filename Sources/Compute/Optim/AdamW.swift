import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019), step for step as PyTorch's `torch.optim.AdamW`:
///
///     θ ← θ − lr·λ·θ                      (decay first, independent of the gradient)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
///     θ ← θ − lr·m̂ / (√v̂ + ε)
///
/// As in PyTorch, `t` counts the steps in which *this parameter* had a gradient, so a tensor
/// that first receives one late still gets a correctly bias-corrected first update; when every
/// parameter has a gradient every step, `t` equals `stepCount`.
///
/// `learningRateScales` multiply the learning rate per parameter, as PyTorch parameter groups
/// with their own `lr` do (the decay uses the scaled rate too); all 1 by default.
///
/// State keys per parameter: `<key>.adam_m`, `<key>.adam_v` (parameter's shape) and
/// `<key>.adam_step` (rank 0); plus `optimizer.step`.
public final class AdamW: Optimizer {
    public var parameters: [Tensor] { trainable.tensors }
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    /// Per parameter, a factor on `learningRate` (1 for each by default).
    public let learningRateScales: [Float]
    public private(set) var stepCount = 0

    private let trainable: TrainableParameters
    /// First and second moments, one per parameter, with its shape.
    private let firstMoments: [Tensor]
    private let secondMoments: [Tensor]
    /// Steps in which each parameter had a gradient (the `t` of its bias correction).
    private var parameterSteps: [Int]

    private static let op = "AdamW"

    /// Throws when the list is empty, holds a view, a non-leaf or a tensor twice, or when a
    /// hyperparameter is out of range (named in the message).
    public init(parameters: [Tensor], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01, learningRateScales: [Float]? = nil) throws {
        let op = AdamW.op
        try validateHyperparameter(learningRate, name: "learningRate", op: op, requirement: "finite and ≥ 0") { $0 >= 0 }
        try validateHyperparameter(beta1, name: "beta1", op: op, requirement: "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try validateHyperparameter(beta2, name: "beta2", op: op, requirement: "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try validateHyperparameter(epsilon, name: "epsilon", op: op, requirement: "finite and ≥ 0") { $0 >= 0 }
        try validateHyperparameter(weightDecay, name: "weightDecay", op: op, requirement: "finite and ≥ 0") { $0 >= 0 }
        let scales = learningRateScales ?? Array(repeating: 1, count: parameters.count)
        guard scales.count == parameters.count else {
            throw TensorError.invalidArgument(op: op, reason: "\(scales.count) learning-rate scales for \(parameters.count) parameters; give one per parameter")
        }
        for scale in scales {
            try validateHyperparameter(scale, name: "a learning-rate scale", op: op, requirement: "finite and ≥ 0") { $0 >= 0 }
        }
        trainable = try TrainableParameters(parameters, op: op)
        self.learningRateScales = scales
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor(zeros: $0.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.shape) }
        parameterSteps = Array(repeating: 0, count: parameters.count)
    }

    public func step() throws {
        try validateHyperparameter(learningRate, name: "learningRate", op: AdamW.op, requirement: "finite and ≥ 0") { $0 >= 0 }
        try trainable.forEachGradient(op: AdamW.op) { index, gradient in
            parameterSteps[index] += 1
            update(index, gradient: gradient)
        }
        stepCount += 1
    }

    /// One AdamW update of parameter `index`. Scalars are formed in Double as PyTorch does
    /// in Python, then the elementwise work runs in Float.
    private func update(_ index: Int, gradient: Tensor) {
        let t = Double(parameterSteps[index])
        let lr = Double(learningRate) * Double(learningRateScales[index])
        let decay = Float(1 - lr * Double(weightDecay))
        let stepSize = Float(lr / (1 - pow(Double(beta1), t)))
        let correction2Sqrt = Float((1 - pow(Double(beta2), t)).squareRoot())
        let b1 = beta1, b2 = beta2, eps = epsilon
        let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2

        let theta = trainable.tensors[index].data
        let m = firstMoments[index].data
        let v = secondMoments[index].data
        let g = gradient.data
        TrainableParameters.forEachChunk(gradient.count) { range in
            for i in range {
                let gi = g[i]
                let mi = b1 * m[i] + oneMinusB1 * gi
                let vi = b2 * v[i] + oneMinusB2 * gi * gi
                m[i] = mi
                v[i] = vi
                let denominator = vi.squareRoot() / correction2Sqrt + eps
                theta[i] = theta[i] * decay - stepSize * (mi / denominator)
            }
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var state: [String: Tensor] = [optimizerStepKey: OptimizerStateCoding.encode(count: stepCount)]
        for (index, key) in trainable.keys.enumerated() {
            state[key + ".adam_m"] = OptimizerStateCoding.snapshot(firstMoments[index], key: key + ".adam_m")
            state[key + ".adam_v"] = OptimizerStateCoding.snapshot(secondMoments[index], key: key + ".adam_v")
            let stepTensor = OptimizerStateCoding.encode(count: parameterSteps[index])
            stepTensor.name = key + ".adam_step"
            state[key + ".adam_step"] = stepTensor
        }
        return state
    }

    public func loadState(_ state: [String: Tensor]) throws {
        let op = "AdamW.loadState"
        // Read and check everything first: a failed load changes nothing.
        let savedStep = try OptimizerStateCoding.count(state, key: optimizerStepKey, op: op)
        var moments: [(Tensor, Tensor)] = []
        var steps: [Int] = []
        for (index, key) in trainable.keys.enumerated() {
            let shape = trainable.tensors[index].shape
            moments.append((try OptimizerStateCoding.tensor(state, key: key + ".adam_m", shape: shape, op: op),
                            try OptimizerStateCoding.tensor(state, key: key + ".adam_v", shape: shape, op: op)))
            steps.append(try OptimizerStateCoding.count(state, key: key + ".adam_step", op: op))
        }
        for (index, (m, v)) in moments.enumerated() {
            OptimizerStateCoding.copyValues(from: m, into: firstMoments[index])
            OptimizerStateCoding.copyValues(from: v, into: secondMoments[index])
        }
        parameterSteps = steps
        stepCount = savedStep
    }
}
