/// Stochastic gradient descent with optional momentum, step for step as PyTorch's
/// `torch.optim.SGD`:
///
///     d ← g + λ·θ                          (coupled L2 weight decay, when λ ≠ 0)
///     b ← d on a parameter's first step,  else b ← μ·b + (1 − dampening)·d
///     d ← d + μ·b  (Nesterov)  or  d ← b   (when μ ≠ 0)
///     θ ← θ − lr·d
///
/// State keys per parameter, only when momentum is used: `<key>.momentum_buffer`
/// (parameter's shape) and `<key>.sgd_step` (rank 0: steps in which the parameter had a
/// gradient; 0 means the buffer is not yet started). Plus `optimizer.step`.
public final class SGD: Optimizer {
    public var parameters: [Tensor] { trainable.tensors }
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let weightDecay: Float
    public let nesterov: Bool
    public private(set) var stepCount = 0

    private let trainable: TrainableParameters
    /// Momentum buffers (parameter's shape); empty when `momentum` is 0.
    private let buffers: [Tensor]
    private var parameterSteps: [Int]

    private static let op = "SGD"

    /// Throws when the list is empty, holds a view, a non-leaf or a tensor twice, when a
    /// hyperparameter is out of range, or for Nesterov without momentum or with dampening.
    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) throws {
        let op = SGD.op
        try validateHyperparameter(learningRate, name: "learningRate", op: op, requirement: "finite and ≥ 0") { $0 >= 0 }
        try validateHyperparameter(momentum, name: "momentum", op: op, requirement: "in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try validateHyperparameter(dampening, name: "dampening", op: op, requirement: "in [0, 1]") { $0 >= 0 && $0 <= 1 }
        try validateHyperparameter(weightDecay, name: "weightDecay", op: op, requirement: "finite and ≥ 0") { $0 >= 0 }
        if nesterov && (momentum == 0 || dampening != 0) {
            throw TensorError.invalidArgument(op: op, reason: "nesterov needs momentum > 0 and dampening 0 (momentum is \(momentum), dampening \(dampening))")
        }
        trainable = try TrainableParameters(parameters, op: op)
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = momentum == 0 ? [] : parameters.map { Tensor(zeros: $0.shape) }
        parameterSteps = Array(repeating: 0, count: parameters.count)
    }

    private var usesMomentum: Bool { momentum != 0 }

    public func step() throws {
        try validateHyperparameter(learningRate, name: "learningRate", op: SGD.op, requirement: "finite and ≥ 0") { $0 >= 0 }
        try trainable.forEachGradient(op: SGD.op) { index, gradient in
            parameterSteps[index] += 1
            update(index, gradient: gradient)
        }
        stepCount += 1
    }

    private func update(_ index: Int, gradient: Tensor) {
        let lr = learningRate, decay = weightDecay, mu = momentum
        let carry = 1 - dampening
        let theta = trainable.tensors[index].data
        let g = gradient.data
        let count = gradient.count
        guard usesMomentum else {
            TrainableParameters.forEachChunk(count) { range in
                for i in range { theta[i] -= lr * (g[i] + decay * theta[i]) }
            }
            return
        }
        let b = buffers[index].data
        let firstStep = parameterSteps[index] == 1
        let nesterov = self.nesterov
        TrainableParameters.forEachChunk(count) { range in
            for i in range {
                let d = g[i] + decay * theta[i]
                // PyTorch starts the buffer at d itself, undamped.
                let bi = firstStep ? d : mu * b[i] + carry * d
                b[i] = bi
                theta[i] -= lr * (nesterov ? d + mu * bi : bi)
            }
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var state: [String: Tensor] = [optimizerStepKey: OptimizerStateCoding.encode(count: stepCount)]
        guard usesMomentum else { return state }
        for (index, key) in trainable.keys.enumerated() {
            state[key + ".momentum_buffer"] = OptimizerStateCoding.snapshot(buffers[index], key: key + ".momentum_buffer")
            let stepTensor = OptimizerStateCoding.encode(count: parameterSteps[index])
            stepTensor.name = key + ".sgd_step"
            state[key + ".sgd_step"] = stepTensor
        }
        return state
    }

    public func loadState(_ state: [String: Tensor]) throws {
        let op = "SGD.loadState"
        // Read and check everything first: a failed load changes nothing.
        let savedStep = try OptimizerStateCoding.count(state, key: optimizerStepKey, op: op)
        var saved: [Tensor] = []
        var steps = parameterSteps
        if usesMomentum {
            for (index, key) in trainable.keys.enumerated() {
                let shape = trainable.tensors[index].shape
                saved.append(try OptimizerStateCoding.tensor(state, key: key + ".momentum_buffer", shape: shape, op: op))
                steps[index] = try OptimizerStateCoding.count(state, key: key + ".sgd_step", op: op)
            }
        }
        for (index, buffer) in saved.enumerated() {
            OptimizerStateCoding.copyValues(from: buffer, into: buffers[index])
        }
        parameterSteps = steps
        stepCount = savedStep
    }
}
