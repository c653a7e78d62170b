/// Builds a `LlamaModel` from a GGUF file, keeping quantized tensors quantized and borrowed
/// from the memory mapping (no copy): a Q4_1 8B model stays about 5 GB.
///
/// Metadata keys are `<arch>.…` with `arch = general.architecture` (llama, mistral, qwen2).
/// Tensor names follow llama.cpp: `token_embd`, `blk.N.attn_q`, …, `output_norm`, `output`.
public enum LlamaGGUFLoader {
    public static let supportedArchitectures = ["llama", "mistral", "qwen2"]

    public static func load(_ file: GGUFFile) throws -> LlamaModel {
        let config = try config(from: file)
        func matrix(_ name: String) throws -> WeightMatrix {
            let info = try file.tensorInfo(named: name)
            guard info.ggmlDims.count == 2 else {
                throw ModelError.tensorShape(name: name, expected: [-1, -1], found: info.shape)
            }
            let bytes = try file.tensorData(info)
            if info.type == .f32 {
                let dense = try QuantizedMatrix(rows: info.shape[0], columns: info.shape[1], type: .f32,
                                                bytes: bytes, owner: file.owner).dequantized()
                return .dense(dense)
            }
            let q = try QuantizedMatrix(rows: info.shape[0], columns: info.shape[1], type: info.type,
                                        bytes: bytes, owner: file.owner)
            q.name = name
            return .quantized(q)
        }
        func vector(_ name: String) throws -> Tensor {
            let info = try file.tensorInfo(named: name)
            guard info.ggmlDims.count == 1 else {
                throw ModelError.tensorShape(name: name, expected: [-1], found: info.shape)
            }
            return try QuantizedMatrix(rows: 1, columns: info.elementCount, type: info.type,
                                       bytes: file.tensorData(info), owner: file.owner).dequantized().reshape([info.elementCount])
        }
        func optionalVector(_ name: String) throws -> Tensor? {
            file.tensors.contains { $0.name == name } ? try vector(name) : nil
        }

        var blocks: [LlamaBlockWeights] = []
        for i in 0..<config.layerCount {
            let p = "blk.\(i)."
            blocks.append(LlamaBlockWeights(
                attentionNorm: try vector(p + "attn_norm.weight"),
                q: try matrix(p + "attn_q.weight"), k: try matrix(p + "attn_k.weight"),
                v: try matrix(p + "attn_v.weight"), o: try matrix(p + "attn_output.weight"),
                qBias: try optionalVector(p + "attn_q.bias"), kBias: try optionalVector(p + "attn_k.bias"),
                vBias: try optionalVector(p + "attn_v.bias"),
                mlpNorm: try vector(p + "ffn_norm.weight"),
                gate: try matrix(p + "ffn_gate.weight"), up: try matrix(p + "ffn_up.weight"),
                down: try matrix(p + "ffn_down.weight")))
        }
        let hasOutput = file.tensors.contains { $0.name == "output.weight" }
        return try LlamaModel(config: config, tokenEmbedding: try matrix("token_embd.weight"), blocks: blocks,
                              finalNorm: try vector("output_norm.weight"),
                              lmHead: hasOutput ? try matrix("output.weight") : nil, source: file.path)
    }

    /// The model's hyper-parameters from the file's metadata.
    public static func config(from file: GGUFFile) throws -> LlamaConfig {
        let m = file.metadata
        let arch = try m.string("general.architecture")
        guard supportedArchitectures.contains(arch) else {
            throw ModelError.unsupported("architecture '\(arch)' in \(file.path); supported: \(supportedArchitectures.joined(separator: ", "))")
        }
        let heads = try m.int("\(arch).attention.head_count")
        let hidden = try m.int("\(arch).embedding_length")
        let headDim = try m.int("\(arch).attention.key_length", default: heads > 0 ? hidden / heads : 0)
        let ropeDim = try m.int("\(arch).rope.dimension_count", default: headDim)
        let vocabulary = m.contains("\(arch).vocab_size")
            ? try m.int("\(arch).vocab_size")
            : try file.tensorInfo(named: "token_embd.weight").shape[0]
        // llama.cpp's converter permutes Llama/Mistral q and k so that its "normal" RoPE
        // (interleaved pairs) on the stored weights equals rotate_half on the originals;
        // Qwen2 is stored unpermuted and rotated in halves (ggml "neox").
        let pairing: RotaryEmbedding.Pairing = arch == "qwen2" ? .halves : .interleaved
        let rope = try RotaryEmbedding(headDim: ropeDim, base: try m.float("\(arch).rope.freq_base", default: 10_000),
                                       scaling: try ropeScaling(file, arch: arch), pairing: pairing)
        return try LlamaConfig(
            vocabularySize: vocabulary, hiddenSize: hidden,
            intermediateSize: try m.int("\(arch).feed_forward_length"),
            layerCount: try m.int("\(arch).block_count"), headCount: heads,
            kvHeadCount: try m.int("\(arch).attention.head_count_kv", default: heads), headDim: headDim,
            rmsEpsilon: try m.float("\(arch).attention.layer_norm_rms_epsilon"), rope: rope,
            tiedEmbeddings: !file.tensors.contains { $0.name == "output.weight" },
            attentionBias: file.tensors.contains { $0.name == "blk.0.attn_q.bias" },
            contextLength: try m.int("\(arch).context_length", default: 4096))
    }

    private static func ropeScaling(_ file: GGUFFile, arch: String) throws -> RotaryEmbedding.Scaling {
        if file.tensors.contains(where: { $0.name == "rope_freqs.weight" }) {
            let info = try file.tensorInfo(named: "rope_freqs.weight")
            let factors = try QuantizedMatrix(rows: 1, columns: info.elementCount, type: info.type,
                                              bytes: file.tensorData(info), owner: file.owner).dequantized().scalars
            return .frequencyFactors(factors)
        }
        let m = file.metadata
        let kind = try m.string("\(arch).rope.scaling.type", default: "none")
        switch kind {
        case "none": return .none
        case "linear": return .linear(factor: try m.float("\(arch).rope.scaling.factor"))
        default:
            throw ModelError.unsupported("RoPE scaling '\(kind)' in \(file.path); supported: none, linear, per-frequency factors")
        }
    }
}

/// Builds the tokenizer stored in a GGUF file's metadata (`tokenizer.ggml.*`).
public enum GGUFTokenizerLoader {
    public static func load(_ file: GGUFFile) throws -> Tokenizer {
        let m = file.metadata
        guard m.contains("tokenizer.ggml.model") else {
            throw ModelError.unsupported("\(file.path) has no tokenizer metadata (tokenizer.ggml.model is missing); give a model directory with tokenizer.json instead")
        }
        let kind = try m.string("tokenizer.ggml.model")
        guard kind == "gpt2" || kind == "llama" else {
            throw ModelError.unsupported("tokenizer model '\(kind)' in \(file.path); supported: gpt2 (byte-level BPE), llama (SentencePiece BPE)")
        }
        let tokens = try m.stringArray("tokenizer.ggml.tokens")
        let types = m.contains("tokenizer.ggml.token_type") ? try m.intArray("tokenizer.ggml.token_type").map(Int32.init) : nil
        func optionalID(_ key: String) throws -> Int? { m.contains(key) ? try m.int(key) : nil }
        switch kind {
        case "gpt2":
            let pre = try m.string("tokenizer.ggml.pre", default: "gpt2")
            guard let preTokenizer = PreTokenizer(ggufName: pre) else {
                throw ModelError.unsupported("pre-tokenizer '\(pre)' in \(file.path); supported: gpt2, smollm, llama3 (llama-bpe), qwen2")
            }
            return try ByteLevelBPETokenizer(
                tokens: tokens, merges: try m.stringArray("tokenizer.ggml.merges"), tokenTypes: types,
                preTokenizer: preTokenizer, bosID: try optionalID("tokenizer.ggml.bos_token_id"),
                eosID: try optionalID("tokenizer.ggml.eos_token_id"), unknownID: try optionalID("tokenizer.ggml.unknown_token_id"),
                addBOS: try m.bool("tokenizer.ggml.add_bos_token", default: false),
                addEOS: try m.bool("tokenizer.ggml.add_eos_token", default: false))
        case "llama":
            return try SentencePieceBPETokenizer(
                tokens: tokens, scores: try m.floatArray("tokenizer.ggml.scores"), tokenTypes: types,
                bosID: try optionalID("tokenizer.ggml.bos_token_id"), eosID: try optionalID("tokenizer.ggml.eos_token_id"),
                unknownID: try optionalID("tokenizer.ggml.unknown_token_id"),
                addBOS: try m.bool("tokenizer.ggml.add_bos_token", default: true),
                addEOS: try m.bool("tokenizer.ggml.add_eos_token", default: false),
                addSpacePrefix: try m.bool("tokenizer.ggml.add_space_prefix", default: true))
        default:
            throw ModelError.unsupported("tokenizer model '\(kind)' in \(file.path); supported: gpt2 (byte-level BPE), llama (SentencePiece BPE)")
        }
    }

    /// The chat format named by `tokenizer.chat_template`, if any.
    public static func chatTemplate(_ file: GGUFFile) -> ChatTemplate? {
        ChatTemplate.detect(from: try? file.metadata.string("tokenizer.chat_template"))
    }
}
