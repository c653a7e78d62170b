import Compute
import Foundation
import PluginAPI

/// Writes a method's trained tensors as a Hugging Face PEFT adapter folder.
///
/// - LoRA-layout methods (`lora`, `hierlora`: state config `kind: "lora"`) → `peft_type: LORA`,
///   tensors `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight` `[r, in]` and
///   `lora_B.weight` `[out, r]`; q/k B rows reordered to Hugging Face's order for GGUF Llama models.
/// - One soft prompt at the input (`prompt`) → `peft_type: PROMPT_TUNING`, `prompt_embeddings` `[m, d]`.
public enum PEFTExport {
    /// What was written.
    public struct Summary: Equatable {
        public var peftType: String
        public var directory: String
        public var tensorNames: [String]
        public var baseModel: String
    }

    @discardableResult
    public static func write(_ method: Method, model: LanguageModel, to directory: String) throws -> Summary {
        let state = try method.state()
        let config = model.model.config
        let (peftType, tensors, fields): (String, [(name: String, tensor: Tensor)], [String: JSONValue])
        if state.config["kind"]?.stringValue == "lora" {
            (tensors, fields) = try loraTensors(method.name, state: state, config: config)
            peftType = "LORA"
        } else if let provider = method as? SoftPromptProvider {
            (tensors, fields) = try promptTensors(provider, config: config)
            peftType = "PROMPT_TUNING"
        } else {
            throw CommandError("export peft: \(method.name) has no PEFT form; LoRA-style methods (lora, hierlora) and prompt tuning (prompt) export")
        }
        let baseModel = PEFTLayout.baseModelName(model)
        var document = fields
        document["peft_type"] = .string(peftType)
        document["task_type"] = .string("CAUSAL_LM")
        document["base_model_name_or_path"] = .string(baseModel)
        document["inference_mode"] = .bool(true)
        document["revision"] = .null

        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory + "/" + PEFTLayout.weightsFileName)
        try Data((JSONValue.object(document).serialized() + "\n").utf8)
            .write(to: URL(fileURLWithPath: directory + "/" + PEFTLayout.configFileName), options: .atomic)
        return Summary(peftType: peftType, directory: directory, tensorNames: tensors.map(\.name).sorted(), baseModel: baseModel)
    }

    private static func loraTensors(_ name: String, state: MethodState, config: LlamaConfig) throws
        -> ([(name: String, tensor: Tensor)], [String: JSONValue]) {
        let c = state.config
        guard let r = c["r"]?.intValue, let alpha = c["alpha"]?.doubleValue,
              let targets = c["targets"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(Projection.init(rawValue:)) }),
              let layers = c["layers"]?.arrayValue?.compactMap(\.intValue) else {
            throw CommandError("export peft: \(name)'s state lacks r, alpha, targets or layers")
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        for layer in layers {
            for projection in targets {
                let base = LowRankAdapterSet.tensorName(prefix: name, .init(layer: layer, projection: projection))
                guard let a = state.tensors[base + ".A"], var b = state.tensors[base + ".B"] else {
                    throw CommandError("export peft: \(name) has no tensor \(base).A/.B")
                }
                if PEFTLayout.rowsArePermuted(config, projection) {
                    b = try PEFTLayout.reorderRows(b, headDim: config.headDim, toHuggingFace: true)
                }
                tensors.append((PEFTLayout.loraTensorName(layer: layer, projection, matrix: "A"), a.contiguous()))
                tensors.append((PEFTLayout.loraTensorName(layer: layer, projection, matrix: "B"), b.contiguous()))
            }
        }
        let fields: [String: JSONValue] = [
            "r": .int(r), "lora_alpha": alpha == alpha.rounded() ? .int(Int(alpha)) : .number(alpha),
            "lora_dropout": .number(c["dropout"]?.doubleValue ?? 0),
            "target_modules": .array(targets.map { .string(PEFTLayout.targetModule($0)) }),
            "layers_to_transform": layers == Array(0..<config.layerCount) ? .null : .array(layers.map { .int($0) }),
            "layers_pattern": .null, "bias": .string("none"), "fan_in_fan_out": .bool(false),
            "init_lora_weights": .bool(true), "use_rslora": .bool(false), "use_dora": .bool(false),
            "modules_to_save": .null, "rank_pattern": .object([:]), "alpha_pattern": .object([:]),
        ]
        return (tensors, fields)
    }

    private static func promptTensors(_ provider: SoftPromptProvider, config: LlamaConfig) throws
        -> ([(name: String, tensor: Tensor)], [String: JSONValue]) {
        guard provider.softPrompts.count == 1, let prompt = provider.softPrompts.first, prompt.layer == 0 else {
            throw CommandError("export peft: \(provider.name) has \(provider.softPrompts.count) prompts at layers \(provider.softPrompts.map(\.layer)); PEFT prompt tuning holds one prompt at the input")
        }
        let fields: [String: JSONValue] = [
            "num_virtual_tokens": .int(prompt.length), "token_dim": .int(config.hiddenSize),
            "num_transformer_submodules": .int(1), "num_attention_heads": .int(config.headCount),
            "num_layers": .int(config.layerCount), "prompt_tuning_init": .string("RANDOM"),
            "prompt_tuning_init_text": .null, "tokenizer_name_or_path": .null, "modules_to_save": .null,
        ]
        return ([(PEFTLayout.promptEmbeddingsName, prompt.matrix.detached().contiguous())], fields)
    }
}
