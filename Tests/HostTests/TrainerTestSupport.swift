import Compute
import Host
import XCTest

/// A trainable soft prompt: `m` vectors prepended to the sequence entering block 0.
final class SoftPrompt: ForwardHooks {
    let prompt: Tensor                                                            // [m, d_model]

    init(_ prompt: Tensor) { self.prompt = prompt }

    var length: Int { prompt.shape[0] }

    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        guard layer == 0 else { return state }
        let (b, m, d) = (state.batch, length, prompt.shape[1])
        let batched = try prompt.unsqueezed(axis: 0).expanded(to: [b, m, d])      // [b, m, d]
        var next = state
        next.hidden = try Tensor.concat([batched, state.hidden], axis: 1)         // [b, m + t, d]
        next.positions = state.positions.map { Array(0..<(m + $0.count)) }
        next.isReal = state.isReal.map { Array(repeating: true, count: m) + $0 }
        return next
    }
}

/// `tiny`, a few GSM8K training examples tokenised for it, and soft-prompt losses.
struct SoftPromptFixture {
    static let shared: SoftPromptFixture = {
        do { return try SoftPromptFixture() } catch { fatalError("fixture: \(error)") }
    }()

    let model: LanguageModel
    let training: [TrainingExample]
    let validation: [TrainingExample]
    let padID = 256

    private init() throws {
        model = try LanguageModel.load("tiny")
        let (train, held) = try shippedData.load("gsm8k", split: "train").split(validation: 4, limit: 8, seed: 5)
        let encoder = try TrainingExampleEncoder(model: model, format: .plain, maxLength: 40)
        training = try train.examples.map(encoder.encode)
        validation = try held.examples.map(encoder.encode)
    }

    /// A fresh prompt `[4, d_model]` drawn from `seed`, named as a method's tensor would be.
    func makePrompt(seed: UInt64 = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let prompt = Tensor.randn([4, model.model.config.hiddenSize], std: 0.1, generator: &generator, requiresGrad: true)
        prompt.name = "prompt_tuning.prompt"
        return prompt
    }

    /// Logits of the batch's own positions `[b, t, vocab]` with the prompt prepended.
    func logits(_ batch: Batch, prompt: Tensor) throws -> Tensor {
        let hooks = SoftPrompt(prompt)
        let all = try model.model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal, hooks: hooks)
        return try all.slice(axis: 1, range: hooks.length..<(hooks.length + batch.length))
    }

    /// Mean cross-entropy over the batch's target tokens.
    func tokenMeanLoss(_ prompt: Tensor) -> (Batch) throws -> Tensor {
        { batch in try crossEntropy(logits: try logits(batch, prompt: prompt), targets: batch.flatLabels) }
    }

    /// Mean over rows of each row's mean cross-entropy: a per-example average, which
    /// gradient accumulation with 1/k scaling reproduces exactly.
    func rowMeanLoss(_ prompt: Tensor) -> (Batch) throws -> Tensor {
        { batch in
            let all = try logits(batch, prompt: prompt)
            var total = Tensor(scalar: 0)
            for row in 0..<batch.size {
                total = try total + crossEntropy(logits: try all.select(axis: 0, index: row), targets: batch.labels[row])
            }
            return total / Float(batch.size)
        }
    }

    /// The loss over `examples` (one batch), without gradients.
    func loss(of examples: [TrainingExample], prompt: Tensor) throws -> Float {
        try Autograd.noGrad { try tokenMeanLoss(prompt)(try Batch(examples, padID: padID)).item() }
    }

    func config(steps: Int, batch: Int = 4, accumulate: Int = 1, lr: Float = 1e-2) -> TrainingConfig {
        var config = TrainingConfig()
        config.steps = steps
        config.batchSize = batch
        config.gradientAccumulation = accumulate
        config.learningRate = lr
        config.schedule = .constant
        config.seed = 9
        return config
    }

    func trainer(_ config: TrainingConfig, validation: Bool = false) throws -> Trainer {
        try Trainer(config: config, training: training, validation: validation ? self.validation : [], padID: padID,
                    methods: [CheckpointMethod(name: "prompt_tuning", parameters: ["m": "4"])])
    }
}
