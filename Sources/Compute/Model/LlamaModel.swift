/// Weights of one transformer block. Shapes are `[out, in]` as in PyTorch.
public struct LlamaBlockWeights {
    public var attentionNorm: Tensor      // [d_model]
    public var q: WeightMatrix            // [q_heads*head_dim, d_model]
    public var k: WeightMatrix            // [kv_heads*head_dim, d_model]
    public var v: WeightMatrix            // [kv_heads*head_dim, d_model]
    public var o: WeightMatrix            // [d_model, q_heads*head_dim]
    public var qBias: Tensor?             // [q_heads*head_dim] (Qwen2)
    public var kBias: Tensor?             // [kv_heads*head_dim]
    public var vBias: Tensor?             // [kv_heads*head_dim]
    public var mlpNorm: Tensor            // [d_model]
    public var gate: WeightMatrix         // [d_ff, d_model]
    public var up: WeightMatrix           // [d_ff, d_model]
    public var down: WeightMatrix         // [d_model, d_ff]

    public init(attentionNorm: Tensor, q: WeightMatrix, k: WeightMatrix, v: WeightMatrix, o: WeightMatrix,
                qBias: Tensor? = nil, kBias: Tensor? = nil, vBias: Tensor? = nil,
                mlpNorm: Tensor, gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix) {
        self.attentionNorm = attentionNorm
        self.q = q; self.k = k; self.v = v; self.o = o
        self.qBias = qBias; self.kBias = kBias; self.vBias = vBias
        self.mlpNorm = mlpNorm
        self.gate = gate; self.up = up; self.down = down
    }
}

/// What the forward pass returns logits for.
public enum LogitSelection {
    case all      // [batch, seq, vocab] — training
    case last     // [batch, 1, vocab] — generation: skips the LM head elsewhere
}

/// A Llama-family decoder: embeddings, `layerCount` pre-norm blocks (grouped-query attention
/// with RoPE, SwiGLU MLP), a final RMSNorm and the LM head. The backbone is frozen (weights
/// carry no gradient); methods change its behaviour through `ForwardHooks`.
public final class LlamaModel {
    public let config: LlamaConfig
    public let tokenEmbedding: WeightMatrix   // [vocab, d_model]
    public let blocks: [LlamaBlockWeights]
    public let finalNorm: Tensor              // [d_model]
    public let lmHead: WeightMatrix           // [vocab, d_model] (the embedding when tied)
    /// Where the weights came from, for `show` and error messages.
    public let source: String

    public init(config: LlamaConfig, tokenEmbedding: WeightMatrix, blocks: [LlamaBlockWeights],
                finalNorm: Tensor, lmHead: WeightMatrix?, source: String) throws {
        try config.validate()
        guard blocks.count == config.layerCount else {
            throw ModelError.invalidConfig("\(blocks.count) blocks were given for a \(config.layerCount)-layer config")
        }
        self.config = config
        self.tokenEmbedding = tokenEmbedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.lmHead = lmHead ?? tokenEmbedding
        self.source = source
        try checkShapes()
    }

    /// Token embeddings `[batch, seq, d_model]` for `ids` (off the graph: the table is frozen).
    public func embed(_ ids: [[Int]]) throws -> Tensor {
        let t = ids.first?.count ?? 0
        guard ids.allSatisfy({ $0.count == t }) else {
            throw ModelError.invalidInput("every row of a batch must have the same length (pad first); got lengths \(ids.map(\.count))")
        }
        return try tokenEmbedding.gatherRows(ids.flatMap { $0 }).reshape([ids.count, t, config.hiddenSize])
    }

    /// Runs the model on `ids` `[batch][seq]`. `positions` default to 0…seq−1 per row; `isReal`
    /// marks padding (default: all real). With `cache`, the tokens continue the cached ones.
    /// Returns logits `[batch, seq or 1, vocab]`.
    public func forward(_ ids: [[Int]], positions: [[Int]]? = nil, isReal: [[Bool]]? = nil,
                        cache: KVCache? = nil, hooks: ForwardHooks? = nil,
                        logits selection: LogitSelection = .all) throws -> Tensor {
        try forward(embeddedState(ids, positions: positions, isReal: isReal), cache: cache, hooks: hooks, logits: selection)
    }

    /// `ids` `[batch][seq]` embedded, with their positions (default 0…seq−1 per row) and
    /// padding marks (default: all real): what the blocks read.
    public func embeddedState(_ ids: [[Int]], positions: [[Int]]? = nil, isReal: [[Bool]]? = nil) throws -> SequenceState {
        let hidden = try embed(ids)
        let batch = ids.count, length = ids.first?.count ?? 0
        guard batch > 0, length > 0 else { throw ModelError.invalidInput("the batch is empty") }
        return SequenceState(
            hidden: hidden,
            positions: positions ?? Array(repeating: Array(0..<length), count: batch),
            isReal: isReal ?? Array(repeating: Array(repeating: true, count: length), count: batch))
    }

    /// Runs the blocks, final norm and LM head on an embedded sequence.
    public func forward(_ input: SequenceState, cache: KVCache? = nil, hooks: ForwardHooks? = nil,
                        logits selection: LogitSelection = .all) throws -> Tensor {
        var lastOnly = false
        if case .last = selection { lastOnly = true }
        let hidden = try finalHidden(input, cache: cache, hooks: hooks, lastOnly: lastOnly)
        return try logits(ofFinalHidden: hidden, hooks: hooks)
    }

    /// The blocks and the final norm (after its hook): `[batch, seq, d_model]`, or the last
    /// position only — what the LM head reads.
    public func finalHidden(_ input: SequenceState, cache: KVCache? = nil, hooks: ForwardHooks? = nil,
                            lastOnly: Bool = false) throws -> Tensor {
        var state = input
        for layer in 0..<config.layerCount {
            if let hooks { state = try hooks.blockInput(layer, state) }
            try checkState(state, layer: layer)
            state.hidden = try block(layer, state, cache: cache, hooks: hooks)
        }
        var hidden = state.hidden
        if lastOnly {
            hidden = try hidden.slice(axis: 1, range: (state.length - 1)..<state.length)
        }
        hidden = try rmsNorm(hidden, weight: finalNorm, epsilon: config.rmsEpsilon)
        if let hooks { hidden = try hooks.finalNorm(hidden) }
        return hidden
    }

    /// The LM head, then the logits hook: `[..., d_model]` → `[..., vocab]`.
    public func logits(ofFinalHidden hidden: Tensor, hooks: ForwardHooks? = nil) throws -> Tensor {
        var logits = try lmHead.apply(hidden)
        if let hooks { logits = try hooks.logits(logits) }
        return logits
    }

    /// One pre-norm block: x + Attn(RMSNorm(x)), then x + MLP(RMSNorm(x)).
    private func block(_ layer: Int, _ state: SequenceState, cache: KVCache?, hooks: ForwardHooks?) throws -> Tensor {
        let w = blocks[layer]
        let (b, t) = (state.batch, state.length)
        let x = state.hidden                                                      // [b, t, d]
        let normed = try rmsNorm(x, weight: w.attentionNorm, epsilon: config.rmsEpsilon)

        func project(_ kind: Projection, _ weight: WeightMatrix, _ bias: Tensor?, _ input: Tensor) throws -> Tensor {
            var out = try weight.apply(input)
            if let bias { out = try out + bias }
            if let hooks { out = try hooks.projection(layer, kind, input: input, output: out) }
            return out
        }

        let dh = config.headDim
        var q = try project(.q, w.q, w.qBias, normed).reshape([b, t, config.headCount, dh])
        var k = try project(.k, w.k, w.kBias, normed).reshape([b, t, config.kvHeadCount, dh])
        let v = try project(.v, w.v, w.vBias, normed).reshape([b, t, config.kvHeadCount, dh])
        q = try applyRoPE(q, positions: state.positions, rope: config.rope)
        k = try applyRoPE(k, positions: state.positions, rope: config.rope)

        var keys = k, values = v, queryOffset = 0
        var mask = try Self.paddingMask(state.isReal)                             // [b, t_k]
        if let cache {
            let cached = try cache.append(layer: layer, key: k, value: v, isReal: state.isReal)
            (keys, values, mask, queryOffset) = (cached.keys, cached.values, cached.mask, cached.queryOffset)
        }
        if let prefix = try hooks?.prefixKeyValues(layer, batch: b) {
            // Prefix slots come first, are visible to every query, and carry no RoPE.
            let m = prefix.key.shape[1]
            keys = try Tensor.concat([prefix.key, keys], axis: 1)
            values = try Tensor.concat([prefix.value, values], axis: 1)
            mask = try Tensor.concat([Tensor(zeros: [b, m]), mask], axis: 1)
            queryOffset += m
        }
        var probabilities = try attentionProbabilities(
            query: q, key: keys, scale: 1 / Float(dh).squareRoot(), causal: true,
            queryOffset: queryOffset, mask: mask)                                 // [b, h, t, t_k]
        if let hooks { probabilities = try hooks.attentionProbabilities(layer, probabilities) }
        let attended = try attentionOutput(probabilities: probabilities, value: values)
            .reshape([b, t, config.queryWidth])                                   // [b, t, h*dh]
        let h = try x + project(.o, w.o, nil, attended)

        let normed2 = try rmsNorm(h, weight: w.mlpNorm, epsilon: config.rmsEpsilon)
        let gate = try project(.gate, w.gate, nil, normed2)                       // [b, t, d_ff]
        let up = try project(.up, w.up, nil, normed2)
        let down = try project(.down, w.down, nil, try swiglu(gate: gate, up: up))
        return try h + down
    }

    /// Additive mask `[batch, seq]`: 0 where real, −∞ at padding.
    static func paddingMask(_ isReal: [[Bool]]) throws -> Tensor {
        let b = isReal.count, t = isReal.first?.count ?? 0
        let mask = Tensor(zeros: [b, t])
        for i in 0..<b {
            for j in 0..<t where !isReal[i][j] { mask.data[i * t + j] = -.infinity }
        }
        return mask
    }

    private func checkState(_ state: SequenceState, layer: Int) throws {
        let shape = state.hidden.shape
        guard shape.count == 3, shape[2] == config.hiddenSize else {
            throw TensorError.invalidShape(op: "blocks.\(layer).input", shape: shape,
                                           reason: "expected [batch, seq, \(config.hiddenSize)]")
        }
        guard state.positions.count == shape[0], state.positions.allSatisfy({ $0.count == shape[1] }),
              state.isReal.count == shape[0], state.isReal.allSatisfy({ $0.count == shape[1] }) else {
            throw ModelError.invalidInput("blocks.\(layer).input: positions and padding must be [batch][seq] = [\(shape[0])][\(shape[1])]")
        }
    }

    private func checkShapes() throws {
        let c = config
        func expect(_ name: String, _ found: [Int], _ expected: [Int]) throws {
            if found != expected { throw ModelError.tensorShape(name: name, expected: expected, found: found) }
        }
        func dims(_ w: WeightMatrix) -> [Int] { [w.outFeatures, w.inFeatures] }
        try expect("token_embd", dims(tokenEmbedding), [c.vocabularySize, c.hiddenSize])
        try expect("output", dims(lmHead), [c.vocabularySize, c.hiddenSize])
        try expect("output_norm", finalNorm.shape, [c.hiddenSize])
        for (i, w) in blocks.enumerated() {
            try expect("blk.\(i).attn_norm", w.attentionNorm.shape, [c.hiddenSize])
            try expect("blk.\(i).attn_q", dims(w.q), [c.queryWidth, c.hiddenSize])
            try expect("blk.\(i).attn_k", dims(w.k), [c.kvWidth, c.hiddenSize])
            try expect("blk.\(i).attn_v", dims(w.v), [c.kvWidth, c.hiddenSize])
            try expect("blk.\(i).attn_output", dims(w.o), [c.hiddenSize, c.queryWidth])
            try expect("blk.\(i).ffn_norm", w.mlpNorm.shape, [c.hiddenSize])
            try expect("blk.\(i).ffn_gate", dims(w.gate), [c.intermediateSize, c.hiddenSize])
            try expect("blk.\(i).ffn_up", dims(w.up), [c.intermediateSize, c.hiddenSize])
            try expect("blk.\(i).ffn_down", dims(w.down), [c.hiddenSize, c.intermediateSize])
        }
    }
}
