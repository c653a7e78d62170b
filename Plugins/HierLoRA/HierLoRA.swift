// HierLoRA — hierarchical alignment: LoRA on one depth block (Local, Mid or Global) of the
// model, trained with DPO in the publication (METHODS.md, "HierLoRA — Hierarchical Alignment").
//
// Blocks. N layers, n = N/3, r = N mod 3: Local = the first n + [r>0] layers, Mid = the next
// n + [r>1], Global = the rest (`HierarchicalBlocks` in Compute; N=30 → 0–9, 10–19, 20–29).
// `block=full` adapts every layer (the full-model LoRA baseline).
//
// Adapters. LoRA on q/k/v/o of the selected block only (r=16, α=32, dropout 0.05 as
// published), through Compute's `LowRankAdapterSet`, the same as `use lora`. The loss is
// whatever the session uses (cross-entropy, or DPO when a DPO method is in use).
//
// Dropout applies while autograd records (a training forward); eval and generation run without.

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("block", .choice(["local", "mid", "global", "full"]), default: .string("global"),
                  help: "which third of the layers gets adapters (full: all layers)"),
    ParameterSpec("r", .int(.closed(1...4096)), default: .int(16), help: "rank of A and B"),
    ParameterSpec("alpha", .double(.greaterThan(0)), default: .double(32), help: "the update is (alpha/r)·B·A·x"),
    ParameterSpec("dropout", .double(Bounds(lower: 0, upper: 1, upperIsOpen: true)), default: .double(0.05),
                  help: "dropout probability on the adapter's input, in training only"),
    ParameterSpec("targets", .string, default: .string("q,k,v,o"), help: "projections to adapt: q, k, v, o, gate, up, down"),
    ParameterSpec("b-init", .choice(["zero", "random"]), default: .string("zero"),
                  help: "zero (no change at start) or random N(0, 0.02²) (tests and interop checks)"),
])

// MARK: - Method

final class HierLoRA: Method {
    let name = "hierlora"
    let block: String
    let rank: Int
    let alpha: Double
    let dropout: Float
    let targets: [Projection]
    let randomB: Bool
    /// Set at `attach`, from the model's layer count.
    private(set) var split: HierarchicalBlocks?
    private(set) var adapters: LowRankAdapterSet?

    init(_ parameters: ParsedParameters) throws {
        block = try parameters.string("block")
        rank = try parameters.int("r")
        alpha = try parameters.double("alpha")
        dropout = Float(try parameters.double("dropout"))
        let targetText = try parameters.string("targets")
        do { targets = try LowRankAdapterSet.parseTargets(targetText) } catch {
            throw ParameterError("hierlora targets=\(targetText): \(error)")
        }
        randomB = try parameters.string("b-init") == "random"
    }

    func attach(to context: MethodContext) throws {
        let config = context.model.model.config
        let split = try HierarchicalBlocks.split(layerCount: config.layerCount)
        let layers = HierarchicalBlocks.Block(rawValue: block).map { Array(split[$0]) } ?? Array(0..<config.layerCount)
        var generator = context.generator(for: name)
        adapters = try LowRankAdapterSet(prefix: name, config: config, layers: layers, targets: targets, rank: rank,
                                         alpha: alpha, dropout: dropout, seed: generator.next(), randomB: randomB)
        self.split = split
    }

    var trainableParameters: [Tensor] { adapters?.parameters ?? [] }

    // blocks.{i}.attn.q … : [batch, seq, out] + (α/r)·B·A·dropout(x) for layers of the block
    func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor {
        try adapters?.apply(layer, kind, input: input, output: output) ?? output
    }

    func state() throws -> MethodState {
        guard case var .object(config) = adapters?.stateConfig ?? .object([:]) else { return MethodState() }
        config["block"] = .string(block)
        return MethodState(tensors: Dictionary(uniqueKeysWithValues: trainableParameters.map { ($0.name ?? name, $0.copy()) }),
                           config: .object(config))
    }

    func report() -> [(String, String)] {
        var lines: [(String, String)] = [("block", block)]
        if let split {
            lines += HierarchicalBlocks.Block.allCases.map { b in
                ("  \(b.rawValue)", "layers \(HierarchicalBlocks.describe(split[b]))" + (b.rawValue == block || block == "full" ? "  (selected)" : ""))
            }
        }
        if let adapters {
            lines += [("targets", adapters.targetList), ("r / alpha / dropout", "\(rank) / \(alpha) / \(dropout)"),
                      ("trainable parameters", "\(adapters.parameterCount)")]
        }
        return lines
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "hierlora", version: "1.0",
        summary: "HierLoRA: LoRA on one depth block (local, mid or global third of the layers)",
        citation: "Hierarchical Alignment: LoRA on Local/Mid/Global layer blocks aligned with DPO (see METHODS.md, HierLoRA)",
        schema: schema,
        factory: { parameters, _ in try HierLoRA(parameters) }
    ).retainedPointer()
}
