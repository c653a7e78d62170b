// LoRA — Hu, Shen, Wallis, Allen-Zhu, Li, Wang, Wang & Chen, "LoRA: Low-Rank Adaptation of
// Large Language Models", ICLR 2022. https://arxiv.org/abs/2106.09685
//
// Method (METHODS.md, "LoRA"). A chosen projection W of a chosen layer computes
// W x + (α/r)·B A dropout(x), A ∈ R^{r×in} (Kaiming-uniform, as PEFT), B ∈ R^{out×r} (zeros):
// at initialisation the model is unchanged. Only A and B train; the backbone is frozen.
//
// The adapters sit on the projection hook (`blocks.{i}.attn.q` …): the model is never modified,
// so `unuse` restores it exactly. The math is Compute's `LowRankAdapterSet`, shared with HierLoRA.
//
// Dropout applies while autograd records (a training forward: `train` runs its forwards with
// gradients, while eval, generate, logits and validation run under `Autograd.noGrad`).

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("r", .int(.closed(1...4096)), default: .int(8), help: "rank of A and B"),
    ParameterSpec("alpha", .double(.greaterThan(0)), default: .double(16), help: "scale numerator: the update is (alpha/r)·B·A·x"),
    ParameterSpec("dropout", .double(Bounds(lower: 0, upper: 1, upperIsOpen: true)), default: .double(0),
                  help: "dropout probability on the adapter's input, in training only"),
    ParameterSpec("targets", .string, default: .string("q,k,v,o"),
                  help: "projections to adapt, comma-separated: q, k, v, o, gate, up, down"),
    ParameterSpec("layers", .layers, default: .string("all"), help: "layers to adapt: all, a...b or i,j,k (0-indexed)"),
    ParameterSpec("b-init", .choice(["zero", "random"]), default: .string("zero"),
                  help: "zero (the method: no change at start) or random N(0, 0.02²) (tests and interop checks)"),
])

// MARK: - Method

final class LoRA: Method {
    let name = "lora"
    let rank: Int
    let alpha: Double
    let dropout: Float
    let targets: [Projection]
    let layerSelection: LayerSelection
    let randomB: Bool
    /// Created at `attach` (the shapes come from the model).
    private(set) var adapters: LowRankAdapterSet?

    init(_ parameters: ParsedParameters) throws {
        rank = try parameters.int("r")
        alpha = try parameters.double("alpha")
        dropout = Float(try parameters.double("dropout"))
        let targetText = try parameters.string("targets")
        do { targets = try LowRankAdapterSet.parseTargets(targetText) } catch {
            throw ParameterError("lora targets=\(targetText): \(error)")
        }
        layerSelection = try LayerSelection(parsing: parameters.string("layers"))
        randomB = try parameters.string("b-init") == "random"
    }

    func attach(to context: MethodContext) throws {
        let config = context.model.model.config
        do {
            let layers = try layerSelection.resolve(layerCount: config.layerCount)
            var generator = context.generator(for: name)
            adapters = try LowRankAdapterSet(prefix: name, config: config, layers: layers, targets: targets, rank: rank,
                                             alpha: alpha, dropout: dropout, seed: generator.next(), randomB: randomB)
        } catch let error as AdapterError {
            throw ParameterError("lora layers=\(layerSelection): \(error)")
        }
    }

    var trainableParameters: [Tensor] { adapters?.parameters ?? [] }

    // blocks.{i}.attn.q … : [batch, seq, out] + (α/r)·B·A·dropout(x)
    func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor {
        try adapters?.apply(layer, kind, input: input, output: output) ?? output
    }

    func state() throws -> MethodState {
        MethodState(tensors: Dictionary(uniqueKeysWithValues: trainableParameters.map { ($0.name ?? name, $0.copy()) }),
                    config: adapters?.stateConfig ?? .object([:]))
    }

    func report() -> [(String, String)] {
        guard let adapters else { return [("targets", targets.map(\.rawValue).joined(separator: ","))] }
        return [("targets", adapters.targetList), ("layers", LayerSelection.describe(adapters.layers)),
                ("r / alpha / dropout", "\(rank) / \(alpha) / \(dropout)"),
                ("trainable parameters", "\(adapters.parameterCount)")]
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "lora", version: "1.0",
        summary: "LoRA: trainable low-rank updates (alpha/r)·B·A on the attention projections, backbone frozen",
        citation: "Hu et al., LoRA: Low-Rank Adaptation of Large Language Models, ICLR 2022, arXiv:2106.09685",
        schema: schema,
        factory: { parameters, _ in try LoRA(parameters) }
    ).retainedPointer()
}
