/// The hidden states of every layer on a set of token sequences, stacked over their real
/// (non-padding) tokens: DHAM's calibration step (METHODS.md, DHAM step 1), `inspect cka`.
///
/// Representation l (0…L) is:
/// - l = 0: the token embeddings (`blocks.0.input`);
/// - 1 ≤ l < L: the output of block l−1, i.e. `blocks.l.input`;
/// - l = L: the output of the last block as the `final_norm` hook sees it — after the final
///   RMSNorm (the model exposes no hook before it), so it is the last block's output rescaled per
///   token and per feature.
/// So representation l is what a stage prompt inserted at `blocks.l.input` would join (l < L).
public enum LayerRepresentations {
    /// One `[N, d_model]` tensor per requested representation (default: all L + 1), N the real
    /// tokens of `sequences` in order, stopping after `maxTokens` of them. Runs without hooks
    /// other than its own and without recording a graph; `batchSize` sequences per forward pass.
    /// `skipLeading`: leave out each sequence's first positions (the BOS token, whose hidden
    /// state in Llama-family models carries outsized activations that can dominate linear CKA);
    /// they still run through the model, so later positions attend to them as usual.
    public static func collect(model: LlamaModel, sequences: [[Int]], maxTokens: Int? = nil,
                               layers requested: [Int]? = nil, batchSize: Int = 8,
                               skipLeading: Int = 0) throws -> [Tensor] {
        let count = model.config.layerCount + 1
        let layers = requested ?? Array(0..<count)
        if let bad = layers.first(where: { !(0..<count).contains($0) }) {
            throw ModelError.invalidInput("layer representation \(bad) does not exist; this model has 0…\(count - 1) (0 = embeddings, \(count - 1) = final norm)")
        }
        guard !sequences.isEmpty, sequences.allSatisfy({ !$0.isEmpty }) else {
            throw ModelError.invalidInput("representations need at least one non-empty token sequence")
        }
        if let maxTokens, maxTokens < 1 {
            throw ModelError.invalidInput("maxTokens is \(maxTokens); it must be at least 1")
        }
        guard batchSize >= 1 else { throw ModelError.invalidInput("batchSize is \(batchSize); it must be at least 1") }
        guard skipLeading >= 0 else { throw ModelError.invalidInput("skipLeading is \(skipLeading); it must be at least 0") }
        // The model is causal, so cutting sequences at the token budget leaves the kept
        // positions' states unchanged and spares computing the rest.
        var budget = maxTokens ?? .max
        var kept: [[Int]] = []
        for sequence in sequences where budget > 0 && sequence.count > skipLeading {
            let (end, overflow) = skipLeading.addingReportingOverflow(budget)
            let taken = Array(sequence.prefix(overflow ? sequence.count : end))
            kept.append(taken)
            budget -= taken.count - skipLeading
        }
        guard !kept.isEmpty else {
            throw ModelError.invalidInput("every sequence has at most \(skipLeading) tokens, all of them skipped")
        }
        let sequences = kept
        let collector = RepresentationCollector(layers: Set(layers), finalIndex: count - 1, width: model.config.hiddenSize,
                                                limit: maxTokens ?? .max, skipLeading: skipLeading)
        var start = 0
        while start < sequences.count && collector.collected < collector.limit {
            let batch = Array(sequences[start..<min(start + batchSize, sequences.count)])
            let length = batch.map(\.count).max() ?? 0
            let ids = batch.map { $0 + Array(repeating: 0, count: length - $0.count) }
            let isReal = batch.map { Array(repeating: true, count: $0.count) + Array(repeating: false, count: length - $0.count) }
            collector.beginBatch(isReal: isReal)
            _ = try Autograd.noGrad { try model.forward(ids, isReal: isReal, hooks: collector) }
            collector.endBatch()
            start += batchSize
        }
        return try layers.map { layer in
            try Tensor(shape: [collector.collected, model.config.hiddenSize], scalars: collector.rows[layer])
        }
    }
}

/// Copies the real-token rows of the hooked hidden states into per-layer buffers.
final class RepresentationCollector: ForwardHooks {
    let layers: Set<Int>
    let finalIndex: Int
    let width: Int
    let limit: Int
    let skipLeading: Int
    /// Per representation index (0…finalIndex), `[collected, width]` row-major; empty when not requested.
    private(set) var rows: [[Float]]
    private(set) var collected = 0
    /// How many of the current batch's real tokens fit under the limit, and which positions they are.
    private var taken: [(row: Int, position: Int)] = []

    init(layers: Set<Int>, finalIndex: Int, width: Int, limit: Int, skipLeading: Int) {
        self.skipLeading = skipLeading
        self.layers = layers
        self.finalIndex = finalIndex
        self.width = width
        self.limit = limit
        rows = Array(repeating: [], count: finalIndex + 1)
    }

    func beginBatch(isReal: [[Bool]]) {
        taken = []
        for (row, mask) in isReal.enumerated() {
            for (position, real) in mask.enumerated() where real && position >= skipLeading && collected + taken.count < limit {
                taken.append((row, position))
            }
        }
    }

    func endBatch() { collected += taken.count }

    private func capture(_ layer: Int, _ hidden: Tensor) {   // hidden: [batch, seq, d_model]
        guard layers.contains(layer) else { return }
        let source = hidden.contiguous()
        let length = source.shape[1]
        for (row, position) in taken {
            let base = source.data + (row * length + position) * width
            rows[layer].append(contentsOf: UnsafeBufferPointer(start: base, count: width))
        }
    }

    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        capture(layer, state.hidden)
        return state
    }

    func finalNorm(_ hidden: Tensor) throws -> Tensor {
        capture(finalIndex, hidden)
        return hidden
    }
}
