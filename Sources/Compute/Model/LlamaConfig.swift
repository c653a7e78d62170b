/// Hyper-parameters of a Llama-family decoder (Llama 2/3, SmolLM, Mistral, Qwen2).
///
/// Field names are Strata's; readers of GGUF metadata and Hugging Face `config.json` map
/// their keys onto these in one place each (`LlamaConfig+GGUF`, `LlamaConfig+HF`).
public struct LlamaConfig: Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int            // d_model
    public var intermediateSize: Int      // SwiGLU inner width
    public var layerCount: Int
    public var headCount: Int             // query heads
    public var kvHeadCount: Int           // key/value heads (GQA when < headCount)
    public var headDim: Int
    public var rmsEpsilon: Float
    public var rope: RotaryEmbedding
    public var tiedEmbeddings: Bool       // LM head reuses the token embedding
    public var attentionBias: Bool        // q/k/v biases (Qwen2)
    public var contextLength: Int

    public init(vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int,
                headCount: Int, kvHeadCount: Int, headDim: Int? = nil, rmsEpsilon: Float,
                rope: RotaryEmbedding, tiedEmbeddings: Bool, attentionBias: Bool = false,
                contextLength: Int) throws {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim ?? (headCount > 0 ? hiddenSize / headCount : 0)
        self.rmsEpsilon = rmsEpsilon
        self.rope = rope
        self.tiedEmbeddings = tiedEmbeddings
        self.attentionBias = attentionBias
        self.contextLength = contextLength
        try validate()
    }

    /// Rejects configurations the forward pass cannot run, naming the field and the rule.
    public func validate() throws {
        func require(_ ok: Bool, _ reason: String) throws {
            if !ok { throw ModelError.invalidConfig(reason) }
        }
        try require(vocabularySize > 0, "vocabulary size must be positive (got \(vocabularySize))")
        try require(hiddenSize > 0 && intermediateSize > 0, "hidden and intermediate sizes must be positive (got \(hiddenSize), \(intermediateSize))")
        try require(layerCount > 0 && layerCount <= 1024, "layer count \(layerCount) must be in 1…1024")
        try require(headCount > 0 && kvHeadCount > 0, "head counts must be positive (got \(headCount) query, \(kvHeadCount) key/value)")
        try require(headCount % kvHeadCount == 0, "query heads (\(headCount)) must be a multiple of key/value heads (\(kvHeadCount))")
        try require(headDim > 0 && headDim % 2 == 0, "head dimension \(headDim) must be positive and even (RoPE rotates pairs)")
        try require(rope.headDim <= headDim, "RoPE dimension \(rope.headDim) exceeds the head dimension \(headDim)")
        try require(rmsEpsilon > 0, "RMSNorm epsilon must be positive (got \(rmsEpsilon))")
        try require(contextLength > 0, "context length must be positive (got \(contextLength))")
    }

    public var queryWidth: Int { headCount * headDim }
    public var kvWidth: Int { kvHeadCount * headDim }
}

/// Errors of model construction and loading: what was wrong and, where it helps, what to do.
public enum ModelError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case missingTensor(String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unsupported(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .invalidConfig(reason): return "model config: \(reason)"
        case let .missingTensor(name): return "model file: tensor '\(name)' is missing"
        case let .tensorShape(name, expected, found):
            return "model file: tensor '\(name)' has shape \(Tensor.describe(found)), expected \(Tensor.describe(expected))"
        case let .unsupported(reason): return "model: \(reason)"
        case let .invalidInput(reason): return "model input: \(reason)"
        }
    }
}
