import Compute

/// Hugging Face PEFT's adapter layout (`adapter_config.json` + `adapter_model.safetensors`,
/// as `PeftModel.save_pretrained` writes them, checked against peft 0.21): names and the q/k
/// row order.
public enum PEFTLayout {
    public static let configFileName = "adapter_config.json"
    public static let weightsFileName = "adapter_model.safetensors"
    /// The soft prompt's tensor under `PROMPT_TUNING`: `[num_virtual_tokens, token_dim]`.
    public static let promptEmbeddingsName = "prompt_embeddings"

    /// The transformers module of a projection: `self_attn.q_proj`, `mlp.gate_proj`.
    public static func moduleName(_ projection: Projection) -> String {
        switch projection {
        case .q, .k, .v, .o: return "self_attn.\(projection.rawValue)_proj"
        case .gate, .up, .down: return "mlp.\(projection.rawValue)_proj"
        }
    }

    /// `q_proj` for `target_modules`.
    public static func targetModule(_ projection: Projection) -> String { "\(projection.rawValue)_proj" }

    /// The projection of a `target_modules` entry (`q_proj`, or a full `self_attn.q_proj`).
    public static func projection(ofTargetModule module: String) -> Projection? {
        let last = module.split(separator: ".").last.map(String.init) ?? module
        guard last.hasSuffix("_proj") else { return nil }
        return Projection(rawValue: String(last.dropLast("_proj".count)))
    }

    /// `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight` (matrix "A" or "B").
    public static func loraTensorName(layer: Int, _ projection: Projection, matrix: String) -> String {
        "base_model.model.model.layers.\(layer).\(moduleName(projection)).lora_\(matrix).weight"
    }

    /// What PEFT records as the base model: the Hub name of the models Strata knows by alias,
    /// the directory of a Hugging Face checkpoint, else the model's name.
    public static func baseModelName(_ model: LanguageModel) -> String {
        switch model.source {
        case .huggingFaceDirectory(let path): return path
        case .tiny: return "strata/tiny"
        case .gguf:
            return model.name == "smollm2" ? "HuggingFaceTB/SmolLM2-135M-Instruct" : model.name
        }
    }

    // MARK: q/k row order

    /// Whether the model's q/k rows are in llama.cpp's order (GGUF Llama, rotated in interleaved
    /// pairs) rather than Hugging Face's: then a LoRA B on q or k must have its rows reordered
    /// for PEFT. Models from Hugging Face directories (and Qwen2 GGUFs) rotate halves: no change.
    public static func rowsArePermuted(_ config: LlamaConfig, _ projection: Projection) -> Bool {
        config.rope.pairing == .interleaved && (projection == .q || projection == .k)
    }

    /// The Hugging Face row of a GGUF q/k row (Tests/Fixtures/smollm2/README.md): with head dim D,
    /// GGUF row h·D + 2i + p is HF row h·D + p·D/2 + i.
    public static func huggingFaceRow(ofGGUFRow row: Int, headDim: Int) -> Int {
        let head = row / headDim, within = row % headDim
        return head * headDim + (within % 2) * (headDim / 2) + within / 2
    }

    /// B `[out, r]` with its rows moved from GGUF to Hugging Face order (`toHuggingFace`) or back.
    public static func reorderRows(_ b: Tensor, headDim: Int, toHuggingFace: Bool) throws -> Tensor {
        let source = b.contiguous()
        let rows = source.shape[0], width = source.count / max(rows, 1)
        guard headDim >= 2, headDim % 2 == 0, rows % headDim == 0 else {
            throw AdapterError("cannot reorder \(rows) rows in heads of \(headDim)")
        }
        let out = Tensor(zeros: source.shape)
        for g in 0..<rows {
            let h = huggingFaceRow(ofGGUFRow: g, headDim: headDim)
            let (from, to) = toHuggingFace ? (g, h) : (h, g)
            (out.data + to * width).update(from: source.data + from * width, count: width)
        }
        return out
    }
}
