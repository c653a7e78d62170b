import Compute

/// What a method's `loss` sees for one training batch.
public struct LossContext {
    /// The model (its backbone is frozen).
    public let model: LanguageModel
    /// The batch's token ids `[batch][seq]` (padded to one length).
    public let inputIDs: [[Int]]
    /// Logits of the forward pass with every active method: `[batch, seq, vocab]`, aligned
    /// with `inputIDs` (slots inserted by methods have been dropped). `train` runs the LM head
    /// only at the scored positions (`targets` not `ignoreIndex`); the other rows are NaN
    /// unless an active method `needsLogitsAtEveryPosition`.
    public let logits: Tensor
    /// Next-token targets `[batch][seq]`; `ignoreIndex` where a position is not scored (the
    /// prompt and padding), so the scored positions are exactly the response tokens.
    public let targets: [[Int]]
    public let ignoreIndex: Int
    /// For a batch of preference pairs, the number of pairs P (0 otherwise): rows 0..<P hold
    /// the chosen replies and rows P..<2P the rejected ones, row i pairing with row P + i over
    /// the same prompt. `train` builds such batches when a method `needsPreferencePairs`.
    public let preferencePairs: Int
    /// The examples behind the batch (for preference pairs and other fields).
    public let examples: [Example]
    /// The active methods in `use` order (this one included).
    public let methods: [Method]
    /// Runs the model on other ids; `withMethods: false` gives the frozen base model (a
    /// reference policy for DPO). Returns logits `[batch, seq, vocab]`. Rows are taken as
    /// unpadded; `inputIDs` are padded on the right, which leaves the logits of real positions
    /// unchanged under causal attention. Given `inputIDs` themselves, `train` skips the padding
    /// and fills only the scored rows, as for `logits`.
    public let forward: (_ ids: [[Int]], _ withMethods: Bool) throws -> Tensor

    public init(model: LanguageModel, inputIDs: [[Int]], logits: Tensor, targets: [[Int]], ignoreIndex: Int = -100,
                preferencePairs: Int = 0, examples: [Example] = [], methods: [Method] = [],
                forward: @escaping (_ ids: [[Int]], _ withMethods: Bool) throws -> Tensor) {
        self.model = model
        self.inputIDs = inputIDs
        self.logits = logits
        self.targets = targets
        self.ignoreIndex = ignoreIndex
        self.preferencePairs = preferencePairs
        self.examples = examples
        self.methods = methods
        self.forward = forward
    }

    /// The soft prompts of every active `SoftPromptProvider`, in `use` order.
    public var softPrompts: [SoftPrompt] {
        methods.compactMap { $0 as? SoftPromptProvider }.flatMap(\.softPrompts)
    }

    /// Mean token cross-entropy of `logits` against `targets`: the base objective.
    public func crossEntropyLoss() throws -> Tensor {
        try crossEntropy(logits: logits, targets: targets.flatMap { $0 }, ignoreIndex: ignoreIndex)
    }
}

/// A method's loss: a scalar in the autograd graph, and numbers worth logging.
public struct LossContribution {
    /// Scalar `[]`; for `.adds`, already scaled by the method's weight (λ).
    public var loss: Tensor
    /// Logged under these names (`tsloss.reg`).
    public var metrics: [(String, Double)]

    public init(loss: Tensor, metrics: [(String, Double)] = []) {
        self.loss = loss
        self.metrics = metrics
    }
}
