import Compute

/// Copies of the trainable values and the optimiser state at one step, so the loop can go
/// back to them (a non-finite update, the best validated step).
struct TrainingSnapshot {
    let step: Int
    let values: [Tensor]
    let optimizerState: [String: Tensor]

    init(step: Int, parameters: [Tensor], optimizer: Optimizer) {
        self.step = step
        values = Autograd.noGrad { parameters.map { $0.contiguous().copy() } }
        optimizerState = optimizer.stateTensors()
    }

    init(step: Int, values: [Tensor], optimizerState: [String: Tensor]) {
        self.step = step
        self.values = values
        self.optimizerState = optimizerState
    }

    /// Writes the saved values back into `parameters` (in place: hooks holding the tensors
    /// see the change) and the saved state into `optimizer`.
    func restore(parameters: [Tensor], optimizer: Optimizer) throws {
        try optimizer.loadState(optimizerState)
        for (parameter, value) in zip(parameters, values) where parameter.count > 0 {
            parameter.data.update(from: value.data, count: parameter.count)
        }
    }
}

/// The key of parameter `index` in checkpoints, as the optimisers key their state: its
/// `name`, or `parameters.<index>` when it has none.
func parameterKey(_ parameter: Tensor, index: Int) -> String {
    if let name = parameter.name, !name.isEmpty { return name }
    return "parameters.\(index)"
}

/// True when every element of every tensor is finite.
func allFinite(_ tensors: [Tensor]) -> Bool {
    tensors.allSatisfy { tensor in
        let values = tensor.contiguous()
        let data = values.data
        for i in 0..<values.count where !data[i].isFinite { return false }
        return true
    }
}
