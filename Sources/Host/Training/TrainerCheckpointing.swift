import Compute

/// Writing a run's state as a checkpoint and picking it up again.
extension Trainer {
    func saveCheckpoint(_ state: inout RunState, parameters: [Tensor], optimizer: Optimizer, totalSteps: Int) throws -> String {
        guard let directory = config.checkpointDirectory else {
            throw TrainingError.invalidConfig("checkpoints need a checkpoint directory")
        }
        let keys = parameters.enumerated().map { parameterKey($1, index: $0) }
        let sidecar = CheckpointSidecar(
            step: state.step, totalSteps: totalSteps, tensorsFile: "", config: config, methods: methods,
            parameters: zip(keys, parameters).map { .init(name: $0, shape: $1.shape) },
            data: .init(algorithm: "SeededPermutation per epoch (xoshiro256**, seed ^ (epoch+1)·0x9E3779B97F4A7C15)",
                        seed: config.seed, nextMicroBatch: state.step * config.gradientAccumulation,
                        trainingExamples: schedule.examples.count),
            history: state.history, validations: state.validations, best: state.best,
            validationsWithoutImprovement: state.validationsWithoutImprovement)
        var best: (parameters: [String: Tensor], optimizer: [String: Tensor])?
        if let snapshot = state.bestSnapshot {
            best = (Dictionary(uniqueKeysWithValues: zip(keys, snapshot.values)), snapshot.optimizerState)
        }
        let checkpoint = TrainingCheckpoint(
            sidecar: sidecar,
            parameters: Dictionary(uniqueKeysWithValues: zip(keys, parameters)),
            optimizerState: optimizer.stateTensors(),
            bestParameters: best?.parameters, bestOptimizerState: best?.optimizer)
        let path = try CheckpointStore(directory: directory).save(checkpoint)
        state.lastCheckpointStep = state.step
        return path
    }

    /// Loads the checkpoint at `path` into `parameters` and `optimizer` and returns the loop
    /// state to continue from. The settings that fix the batch order must be the same.
    func resume(from path: String, parameters: [Tensor], optimizer: Optimizer) throws -> RunState {
        let checkpoint = try CheckpointStore.load(path)
        let saved = checkpoint.sidecar
        func require<T: Equatable>(_ savedValue: T, _ current: T, _ name: String) throws {
            guard savedValue == current else {
                throw TrainingError.checkpoint(path: path, reason: "it was trained with \(name)=\(savedValue), this run has \(name)=\(current); use the same value so the batch order continues")
            }
        }
        try require(saved.config.batchSize, config.batchSize, "batch")
        try require(saved.config.gradientAccumulation, config.gradientAccumulation, "accumulate")
        try require(saved.data.seed, config.seed, "seed")
        try require(saved.data.trainingExamples, schedule.examples.count, "training examples")

        try CheckpointStore.restore(checkpoint.parameters, into: parameters, path: path)
        do {
            try optimizer.loadState(checkpoint.optimizerState)
        } catch {
            throw TrainingError.checkpoint(path: path, reason: "its optimiser state does not fit: \(error)")
        }
        var state = RunState()
        state.step = saved.step
        state.history = saved.history
        state.validations = saved.validations
        state.best = saved.best
        state.validationsWithoutImprovement = saved.validationsWithoutImprovement
        state.lastCheckpointStep = saved.step
        if let best = saved.best, let values = checkpoint.bestParameters, let bestState = checkpoint.bestOptimizerState {
            let keys = parameters.enumerated().map { parameterKey($1, index: $0) }
            let ordered = try keys.map { key -> Tensor in
                guard let value = values[key] else {
                    throw TrainingError.checkpoint(path: path, reason: "its best-step tensors lack parameter '\(key)'")
                }
                return value
            }
            state.bestSnapshot = TrainingSnapshot(step: best.step, values: ordered, optimizerState: bestState)
        }
        return state
    }
}
