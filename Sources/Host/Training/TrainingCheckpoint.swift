import Compute

/// A method in use when a checkpoint was written, with its parameters as the user gave them.
public struct CheckpointMethod: Codable, Equatable {
    public var name: String
    public var parameters: [String: String]

    public init(name: String, parameters: [String: String] = [:]) {
        self.name = name
        self.parameters = parameters
    }
}

/// The JSON sidecar of a checkpoint: everything but the tensors.
public struct CheckpointSidecar: Codable, Equatable {
    public struct TensorEntry: Codable, Equatable {
        public var name: String
        public var shape: [Int]

        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    /// Where the batch order stands. Epoch e's order is `SeededPermutation` of
    /// `SeededPermutation.epochSeed(seed, epoch: e)`, so the seed and the next micro-batch
    /// index are the whole state of the data stream.
    public struct DataStream: Codable, Equatable {
        public var algorithm: String
        public var seed: UInt64
        public var nextMicroBatch: Int
        public var trainingExamples: Int

        public init(algorithm: String, seed: UInt64, nextMicroBatch: Int, trainingExamples: Int) {
            self.algorithm = algorithm
            self.seed = seed
            self.nextMicroBatch = nextMicroBatch
            self.trainingExamples = trainingExamples
        }
    }

    public static let formatName = "strata-checkpoint"
    public static let currentVersion = 1

    public var format: String = CheckpointSidecar.formatName
    public var version: Int = CheckpointSidecar.currentVersion
    /// Optimiser steps taken.
    public var step: Int
    public var totalSteps: Int
    /// File (in the same folder) holding the tensors.
    public var tensorsFile: String
    public var config: TrainingConfig
    public var methods: [CheckpointMethod]
    public var parameters: [TensorEntry]
    public var data: DataStream
    public var history: [StepMetrics]
    public var validations: [ValidationMetrics]
    public var best: ValidationMetrics?
    public var validationsWithoutImprovement: Int

    public init(step: Int, totalSteps: Int, tensorsFile: String, config: TrainingConfig, methods: [CheckpointMethod],
                parameters: [TensorEntry], data: DataStream, history: [StepMetrics], validations: [ValidationMetrics],
                best: ValidationMetrics?, validationsWithoutImprovement: Int) {
        self.step = step
        self.totalSteps = totalSteps
        self.tensorsFile = tensorsFile
        self.config = config
        self.methods = methods
        self.parameters = parameters
        self.data = data
        self.history = history
        self.validations = validations
        self.best = best
        self.validationsWithoutImprovement = validationsWithoutImprovement
    }
}

/// A checkpoint in memory: the sidecar and the tensors, keyed as the trainer keys them
/// (parameters by `Tensor.name` or `parameters.<i>`; optimiser state by its own keys).
public struct TrainingCheckpoint {
    public var sidecar: CheckpointSidecar
    public var parameters: [String: Tensor]
    public var optimizerState: [String: Tensor]
    /// The best validated step's values and optimiser state, when early stopping tracks one.
    public var bestParameters: [String: Tensor]?
    public var bestOptimizerState: [String: Tensor]?

    public init(sidecar: CheckpointSidecar, parameters: [String: Tensor], optimizerState: [String: Tensor],
                bestParameters: [String: Tensor]? = nil, bestOptimizerState: [String: Tensor]? = nil) {
        self.sidecar = sidecar
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.bestParameters = bestParameters
        self.bestOptimizerState = bestOptimizerState
    }

    public var step: Int { sidecar.step }
}
