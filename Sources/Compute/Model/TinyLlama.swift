/// `tiny`: a deterministic, randomly initialised small Llama built in memory for tests and
/// quick notebooks. It exercises every code path of the real models (GQA, RoPE, tied
/// embeddings, optional quantized weights) in milliseconds.
public enum TinyLlama {
    /// 4 layers, d_model 64, 4 query heads over 2 key/value heads, vocabulary of 260 tokens
    /// (the 256 bytes plus 4 special tokens of `TinyLlama.specialTokens`).
    public static func config() throws -> LlamaConfig {
        try LlamaConfig(vocabularySize: 260, hiddenSize: 64, intermediateSize: 128, layerCount: 4,
                        headCount: 4, kvHeadCount: 2, rmsEpsilon: 1e-5,
                        rope: RotaryEmbedding(headDim: 16, base: 10_000, scaling: .none, pairing: .halves),
                        tiedEmbeddings: true, contextLength: 512)
    }

    /// Special tokens after the 256 byte tokens, in id order.
    public static let specialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]

    /// Builds the model from `seed`. With `quantize`, projection weights are stored in that
    /// format (norms and the embedding stay Float32), as a GGUF file would hold them.
    public static func make(seed: UInt64 = 0, quantize: QuantType? = nil) throws -> LlamaModel {
        let c = try config()
        var generator = SeededGenerator(seed: seed)
        func matrix(_ rows: Int, _ columns: Int) throws -> WeightMatrix {
            let w = Tensor.randn([rows, columns], std: 0.08, generator: &generator)
            if let quantize { return .quantized(try QuantizedMatrix.quantize(w, as: quantize)) }
            return .dense(w)
        }
        func norm() -> Tensor {
            Tensor.uniform([c.hiddenSize], low: 0.8, high: 1.2, generator: &generator)
        }
        let embedding = WeightMatrix.dense(Tensor.randn([c.vocabularySize, c.hiddenSize], std: 0.5, generator: &generator))
        var blocks: [LlamaBlockWeights] = []
        for _ in 0..<c.layerCount {
            blocks.append(LlamaBlockWeights(
                attentionNorm: norm(),
                q: try matrix(c.queryWidth, c.hiddenSize), k: try matrix(c.kvWidth, c.hiddenSize),
                v: try matrix(c.kvWidth, c.hiddenSize), o: try matrix(c.hiddenSize, c.queryWidth),
                mlpNorm: norm(),
                gate: try matrix(c.intermediateSize, c.hiddenSize), up: try matrix(c.intermediateSize, c.hiddenSize),
                down: try matrix(c.hiddenSize, c.intermediateSize)))
        }
        return try LlamaModel(config: c, tokenEmbedding: embedding, blocks: blocks, finalNorm: norm(),
                              lmHead: nil, source: "tiny (seed \(seed))")
    }
}
