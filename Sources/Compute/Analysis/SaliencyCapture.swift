/// Captures saliency during one forward/backward pass (METHODS.md, saliency): every layer's
/// attention probabilities stay in the graph, and when the gradient reaches them their
/// `Σ_h A ⊙ ∂L/∂A` is reduced to the analysed `[n, n]` block at once. Only these `[n, n]`
/// sums are kept, never the `[heads, n, n]` gradients (what `retainGrad` would hold for
/// every layer at the same time).
///
/// Use it as the model's hooks, wrapping the session's (`SaliencyCapture(wrapping: methods)`),
/// or call `tap` from a method's own `attentionProbabilities` hook.
public final class SaliencyCapture: ForwardHooks {
    /// The hooks every callback is forwarded to first (the active methods), if any.
    public let inner: ForwardHooks?
    /// n: the trailing positions of each attention map that are analysed.
    public let keep: Int
    /// Signed `Σ_h A ⊙ G` per layer, filled during `backward()`.
    public private(set) var signedSums: [Int: [Float]] = [:]

    public init(wrapping inner: ForwardHooks?, keep n: Int) {
        self.inner = inner
        self.keep = n
    }

    /// Passes `probabilities` `[1, heads, q_seq, k_seq]` on unchanged, in the graph, through an
    /// identity whose backward records the layer's signed head sum.
    public func tap(_ layer: Int, _ probabilities: Tensor) throws -> Tensor {
        guard Autograd.isRecording else { return probabilities }
        let a = probabilities.contiguous()
        // A frozen model with no trainable tensor records nothing: make A a leaf that needs a
        // gradient, so the layers above it are recorded.
        if !a.requiresGrad { a.requiresGrad = true }
        let n = keep
        let out = Tensor(shape: a.shape, strides: a.strides, offset: a.offset, storage: a.storage)
        return out.recorded(op: "saliency.tap", inputs: [a]) { [weak self] g in
            let sum = try SaliencyMap.signedHeadSum(probabilities: a, gradient: g, keep: n)
            if let self {
                if let previous = self.signedSums[layer] {
                    self.signedSums[layer] = zip(previous, sum).map { $0 + $1 }
                } else {
                    self.signedSums[layer] = sum
                }
            }
            return [g]
        }
    }

    /// I^l for layers 0..<layerCount (`absolute: false` gives the signed head sums).
    public func maps(layerCount: Int, absolute: Bool = true) throws -> [SaliencyMap] {
        try (0..<layerCount).map { layer in
            guard let sum = signedSums[layer] else {
                throw TensorError.invalidArgument(op: "saliency", reason: "layer \(layer)'s attention probabilities got no gradient (were they computed without autograd, or with batch > 1?)")
            }
            return absolute ? try SaliencyMap.absolute(sum, count: keep) : try SaliencyMap(count: keep, values: sum)
        }
    }

    // MARK: ForwardHooks — forwarded to `inner`, with the probabilities tapped.

    public var insertedPositions: Int { inner?.insertedPositions ?? 0 }

    public func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        try inner?.blockInput(layer, state) ?? state
    }

    public func attentionProbabilities(_ layer: Int, _ probabilities: Tensor) throws -> Tensor {
        try tap(layer, try inner?.attentionProbabilities(layer, probabilities) ?? probabilities)
    }

    public func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor {
        try inner?.projection(layer, kind, input: input, output: output) ?? output
    }

    public func prefixKeyValues(_ layer: Int, batch: Int) throws -> (key: Tensor, value: Tensor)? {
        try inner?.prefixKeyValues(layer, batch: batch)
    }

    public func finalNorm(_ hidden: Tensor) throws -> Tensor { try inner?.finalNorm(hidden) ?? hidden }

    public func logits(_ logits: Tensor) throws -> Tensor { try inner?.logits(logits) ?? logits }
}

/// Runs the saliency analysis of one sequence `[soft prompt | question | rationale]`.
public enum SaliencyRunner {
    /// Forward, the rationale's cross-entropy as L, backward; returns I^l for every layer.
    ///
    /// - tokens: question then rationale token ids (the soft prompt is inserted by the hooks).
    /// - segments: the analysed positions; `segments.count` = prompt length + `tokens.count`.
    /// - capture: the capture the forward pass taps (as its hooks or from a method's hook).
    /// - forward: runs the model on `[tokens]` in the autograd graph and returns logits
    ///   `[1, ≥ tokens.count, vocab]` (the trailing `tokens.count` positions are the tokens).
    /// - preserving: tensors whose `.grad` must not change (trainable prompts): L's gradient
    ///   reaches them too, and is put back to what it was.
    /// - L: the mean cross-entropy of each rationale token given everything before it.
    public static func run(tokens: [Int], segments: SequenceSegments, layerCount: Int, capture: SaliencyCapture,
                           preserving: [Tensor] = [], absolute: Bool = true,
                           forward: ([Int]) throws -> Tensor) throws -> [SaliencyMap] {
        let promptLength = segments.prompt.count
        guard tokens.count + promptLength == segments.count, capture.keep == segments.count else {
            throw TensorError.invalidArgument(op: "saliency", reason: "the segments (\(segments.count) positions) do not match the prompt (\(promptLength)) plus \(tokens.count) tokens, or the capture keeps \(capture.keep)")
        }
        guard !segments.rationale.isEmpty else {
            throw TensorError.invalidArgument(op: "saliency", reason: "the rationale is empty: there is no loss to explain")
        }
        guard !segments.question.isEmpty else {
            throw TensorError.invalidArgument(op: "saliency", reason: "the question is empty: the rationale's first token needs a token before it")
        }
        let saved = preserving.map(\.grad)
        defer { for (tensor, grad) in zip(preserving, saved) { tensor.grad = grad } }

        let logits = try forward(tokens)                                   // [1, ≥ T, vocab]
        guard logits.rank == 3, logits.shape[0] == 1, logits.shape[1] >= tokens.count else {
            throw TensorError.invalidShape(op: "saliency", shape: logits.shape, reason: "expected logits [1, ≥ \(tokens.count), vocab]")
        }
        let t = tokens.count
        let own = try logits.slice(axis: 1, range: (logits.shape[1] - t)..<logits.shape[1])
        // Position p predicts token p + 1; only rationale tokens count (token positions are
        // shifted by the prompt length in `segments`).
        let rationaleStart = segments.rationale.lowerBound - promptLength
        let targets = (0..<t).map { p in p + 1 >= rationaleStart && p + 1 < t ? tokens[p + 1] : -100 }
        let loss = try crossEntropy(logits: own, targets: targets)
        try loss.backward()
        return try capture.maps(layerCount: layerCount, absolute: absolute)
    }
}
