import Foundation

/// Builds a model from a Hugging Face directory: `config.json`, `model.safetensors` (or a
/// sharded index), `tokenizer.json` and optionally `tokenizer_config.json` (chat template).
/// F16/BF16 weights stay in their 16-bit form, borrowed from the mapping; F32 ones are dense.
public enum LlamaHFLoader {
    public struct Loaded {
        public let model: LlamaModel
        public let tokenizer: Tokenizer
        public let chatTemplate: ChatTemplate?
        public let checkpoint: SafetensorsCheckpoint
    }

    public static let supportedModelTypes = ["llama", "mistral", "qwen2"]

    public static func load(directory: String) throws -> Loaded {
        let checkpoint = try SafetensorsCheckpoint(path: directory)
        guard let json = checkpoint.config else {
            throw ModelError.unsupported("\(directory) has no config.json")
        }
        let config = try self.config(from: json, directory: directory)

        func matrix(_ name: String) throws -> WeightMatrix {
            let info = try checkpoint.tensorInfo(named: name)
            guard info.shape.count == 2 else {
                throw ModelError.tensorShape(name: name, expected: [-1, -1], found: info.shape)
            }
            switch info.dtype {
            case .f32: return .dense(try checkpoint.floatTensor(named: name))
            case .f16, .bf16:
                let q = try QuantizedMatrix(rows: info.shape[0], columns: info.shape[1],
                                            type: info.dtype == .f16 ? .f16 : .bf16,
                                            bytes: checkpoint.tensorData(named: name), owner: checkpoint)
                q.name = name
                return .quantized(q)
            }
        }
        func vector(_ name: String) throws -> Tensor { try checkpoint.floatTensor(named: name) }
        func optionalVector(_ name: String) throws -> Tensor? { checkpoint.contains(name) ? try vector(name) : nil }

        var blocks: [LlamaBlockWeights] = []
        for i in 0..<config.layerCount {
            let p = "model.layers.\(i)."
            blocks.append(LlamaBlockWeights(
                attentionNorm: try vector(p + "input_layernorm.weight"),
                q: try matrix(p + "self_attn.q_proj.weight"), k: try matrix(p + "self_attn.k_proj.weight"),
                v: try matrix(p + "self_attn.v_proj.weight"), o: try matrix(p + "self_attn.o_proj.weight"),
                qBias: try optionalVector(p + "self_attn.q_proj.bias"), kBias: try optionalVector(p + "self_attn.k_proj.bias"),
                vBias: try optionalVector(p + "self_attn.v_proj.bias"),
                mlpNorm: try vector(p + "post_attention_layernorm.weight"),
                gate: try matrix(p + "mlp.gate_proj.weight"), up: try matrix(p + "mlp.up_proj.weight"),
                down: try matrix(p + "mlp.down_proj.weight")))
        }
        let lmHead = !config.tiedEmbeddings && checkpoint.contains("lm_head.weight") ? try matrix("lm_head.weight") : nil
        let model = try LlamaModel(config: config, tokenEmbedding: try matrix("model.embed_tokens.weight"), blocks: blocks,
                                   finalNorm: try vector("model.norm.weight"), lmHead: lmHead, source: directory)

        let tokenizerURL = URL(fileURLWithPath: directory).appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ModelError.unsupported("\(directory) has no tokenizer.json; copy it from the model's repository")
        }
        let tokenizer = try TokenizerJSON.load(contentsOf: tokenizerURL)
        var template: ChatTemplate?
        if let data = FileManager.default.contents(atPath: directory + "/tokenizer_config.json"),
           let text = String(data: data, encoding: .utf8), let json = try? JSONValue.parse(text) {
            template = ChatTemplate.detect(from: json["chat_template"]?.stringValue)
        }
        return Loaded(model: model, tokenizer: tokenizer, chatTemplate: template, checkpoint: checkpoint)
    }

    /// `LlamaConfig` from a Hugging Face `config.json`.
    public static func config(from json: JSONValue, directory: String) throws -> LlamaConfig {
        func int(_ key: String) throws -> Int {
            guard let v = json[key]?.intValue else {
                throw ModelError.invalidConfig("\(directory)/config.json: '\(key)' is missing or not an integer")
            }
            return v
        }
        func double(_ key: String, default value: Double) throws -> Double {
            guard let entry = json[key], !entry.isNull else { return value }
            guard let v = entry.doubleValue else {
                throw ModelError.invalidConfig("\(directory)/config.json: '\(key)' is a \(entry.typeName), expected a number")
            }
            return v
        }
        let type = json["model_type"]?.stringValue ?? "llama"
        guard supportedModelTypes.contains(type) else {
            throw ModelError.unsupported("model_type '\(type)' in \(directory)/config.json; supported: \(supportedModelTypes.joined(separator: ", "))")
        }
        let heads = try int("num_attention_heads")
        let hidden = try int("hidden_size")
        let headDim = json["head_dim"]?.intValue ?? hidden / max(heads, 1)
        let rope = try RotaryEmbedding(headDim: headDim, base: Float(try double("rope_theta", default: 10_000)),
                                       scaling: try ropeScaling(json["rope_scaling"], directory: directory), pairing: .halves)
        return try LlamaConfig(
            vocabularySize: try int("vocab_size"), hiddenSize: hidden, intermediateSize: try int("intermediate_size"),
            layerCount: try int("num_hidden_layers"), headCount: heads,
            kvHeadCount: json["num_key_value_heads"]?.intValue ?? heads, headDim: headDim,
            rmsEpsilon: Float(try double("rms_norm_eps", default: 1e-6)), rope: rope,
            tiedEmbeddings: json["tie_word_embeddings"]?.boolValue ?? false,
            attentionBias: json["attention_bias"]?.boolValue ?? (type == "qwen2"),
            contextLength: json["max_position_embeddings"]?.intValue ?? 4096)
    }

    private static func ropeScaling(_ value: JSONValue?, directory: String) throws -> RotaryEmbedding.Scaling {
        guard let value, !value.isNull else { return .none }
        let kind = value["rope_type"]?.stringValue ?? value["type"]?.stringValue ?? "default"
        func number(_ key: String) throws -> Float {
            guard let v = value[key]?.doubleValue else {
                throw ModelError.invalidConfig("\(directory)/config.json: rope_scaling.\(key) is missing")
            }
            return Float(v)
        }
        switch kind {
        case "default": return .none
        case "linear": return .linear(factor: try number("factor"))
        case "llama3":
            return .llama3(factor: try number("factor"), lowFrequencyFactor: try number("low_freq_factor"),
                           highFrequencyFactor: try number("high_freq_factor"),
                           originalContextLength: Int(try number("original_max_position_embeddings")))
        default:
            throw ModelError.unsupported("rope_scaling type '\(kind)' in \(directory)/config.json; supported: linear, llama3")
        }
    }
}
