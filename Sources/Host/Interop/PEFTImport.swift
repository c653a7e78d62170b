import Compute
import Foundation
import PluginAPI

/// Reads a Hugging Face PEFT adapter folder back into the `use` parameters and the state of
/// a Strata method: `LORA` → `use lora …`, `PROMPT_TUNING` → `use prompt m=…`. Every tensor
/// is checked against the model; errors name the tensor and what was expected.
public enum PEFTImport {
    /// A method to `use` and the state to restore into it.
    public struct Adapter {
        public var peftType: String
        /// `lora` or `prompt`.
        public var method: String
        public var parameters: [(name: String, value: ParameterValue)]
        /// Tensors under Strata's names (`lora.blocks.3.q.A`), in Strata's row order.
        public var state: MethodState
    }

    public static func read(directory: String, model: LanguageModel) throws -> Adapter {
        let configPath = directory + "/" + PEFTLayout.configFileName
        let weightsPath = directory + "/" + PEFTLayout.weightsFileName
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            throw CommandError("import peft: cannot read \(configPath); a PEFT adapter folder holds \(PEFTLayout.configFileName) and \(PEFTLayout.weightsFileName)")
        }
        let config: JSONValue
        do { config = try JSONValue.parse(text) } catch { throw CommandError("import peft: \(configPath) is not valid JSON: \(error)") }
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw CommandError("import peft: \(weightsPath) is missing (only safetensors adapters are read)")
        }
        let weights = try SafetensorsFile(path: weightsPath)
        switch config["peft_type"]?.stringValue {
        case "LORA": return try lora(config, weights, model: model)
        case "PROMPT_TUNING": return try prompt(config, weights, model: model)
        case let other:
            throw CommandError("import peft: unsupported peft_type \(other.map { "\"\($0)\"" } ?? "(missing)") in \(configPath); Strata imports LORA and PROMPT_TUNING")
        }
    }

    private static func lora(_ json: JSONValue, _ weights: SafetensorsFile, model: LanguageModel) throws -> Adapter {
        let config = model.model.config
        guard let r = json["r"]?.intValue, r >= 1 else { throw CommandError("import peft: adapter_config.json needs an integer r ≥ 1") }
        let alpha = json["lora_alpha"]?.doubleValue ?? 8                 // PEFT's default lora_alpha
        let dropout = json["lora_dropout"]?.doubleValue ?? 0
        for flag in ["use_dora", "use_rslora"] where json[flag]?.boolValue == true {
            throw CommandError("import peft: \(flag) adapters are not supported (plain LoRA only)")
        }
        if let bias = json["bias"]?.stringValue, bias != "none" {
            throw CommandError("import peft: bias=\"\(bias)\" adapters are not supported (bias \"none\" only)")
        }
        guard let modules = json["target_modules"]?.arrayValue?.compactMap(\.stringValue), !modules.isEmpty else {
            throw CommandError("import peft: target_modules must be a list of module names (a regular expression is not supported)")
        }
        let targets = try modules.map { module -> Projection in
            guard let p = PEFTLayout.projection(ofTargetModule: module) else {
                throw CommandError("import peft: unknown target module \"\(module)\"; Strata adapts q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj")
            }
            return p
        }
        let ordered = Projection.allCases.filter(targets.contains)
        var layers = Array(0..<config.layerCount)
        switch json["layers_to_transform"] {
        case nil, .null?: break
        case let .int(i)?: layers = [i]
        case let .array(items)?: layers = items.compactMap(\.intValue).sorted()
        default: throw CommandError("import peft: layers_to_transform must be an integer or a list of integers")
        }
        if let bad = layers.first(where: { $0 < 0 || $0 >= config.layerCount }) {
            throw CommandError("import peft: layers_to_transform names layer \(bad); the model has \(config.layerCount) layers")
        }

        var tensors: [String: Tensor] = [:]
        var expectedNames = Set<String>()
        for layer in layers {
            for projection in ordered {
                let (out, input) = config.projectionShape(projection)
                let aName = PEFTLayout.loraTensorName(layer: layer, projection, matrix: "A")
                let bName = PEFTLayout.loraTensorName(layer: layer, projection, matrix: "B")
                expectedNames.formUnion([aName, bName])
                let a = try tensor(aName, shape: [r, input], in: weights)
                var b = try tensor(bName, shape: [out, r], in: weights)
                if PEFTLayout.rowsArePermuted(config, projection) {
                    b = try PEFTLayout.reorderRows(b, headDim: config.headDim, toHuggingFace: false)
                }
                let base = LowRankAdapterSet.tensorName(prefix: "lora", .init(layer: layer, projection: projection))
                tensors[base + ".A"] = a
                tensors[base + ".B"] = b
            }
        }
        if let extra = weights.tensors.map(\.name).sorted().first(where: { !expectedNames.contains($0) }) {
            throw CommandError("import peft: unexpected tensor \(extra) (the config names layers \(LayerSelection.describe(layers)) and targets \(modules.joined(separator: ", ")))")
        }
        let parameters: [(name: String, value: ParameterValue)] = [
            ("r", .int(r)), ("alpha", .double(alpha)), ("dropout", .double(dropout)),
            ("targets", .string(ordered.map(\.rawValue).joined(separator: ","))),
            ("layers", .string(layers == Array(0..<config.layerCount) ? "all" : LayerSelection.describe(layers))),
        ]
        return Adapter(peftType: "LORA", method: "lora", parameters: parameters, state: MethodState(tensors: tensors))
    }

    private static func prompt(_ json: JSONValue, _ weights: SafetensorsFile, model: LanguageModel) throws -> Adapter {
        let d = model.model.config.hiddenSize
        guard let m = json["num_virtual_tokens"]?.intValue, m >= 1 else {
            throw CommandError("import peft: adapter_config.json needs an integer num_virtual_tokens ≥ 1")
        }
        if let dim = json["token_dim"]?.intValue, dim != d {
            throw CommandError("import peft: token_dim is \(dim) but the model's hidden size is \(d); load the model the prompt was trained for")
        }
        if let n = json["num_transformer_submodules"]?.intValue, n != 1 {
            throw CommandError("import peft: num_transformer_submodules is \(n); a decoder-only model has 1")
        }
        let p = try tensor(PEFTLayout.promptEmbeddingsName, shape: [m, d], in: weights)
        return Adapter(peftType: "PROMPT_TUNING", method: "prompt", parameters: [("m", .int(m))],
                       state: MethodState(tensors: ["prompt.embedding": p]))
    }

    private static func tensor(_ name: String, shape: [Int], in weights: SafetensorsFile) throws -> Tensor {
        guard weights.contains(name) else {
            throw CommandError("import peft: \(weights.path) has no tensor \(name)")
        }
        let t = try weights.floatTensor(named: name)
        guard t.shape == shape else {
            throw CommandError("import peft: \(name) has shape \(Tensor.describe(t.shape)); this model needs \(Tensor.describe(shape))")
        }
        return t
    }
}
