// TSLoss — a topology-aware loss for soft prompts (METHODS.md "TSLoss").
//
// Method. The rows x_1…x_P of a soft prompt are points in R^d. The loss asks for equal local
// density (L_H0: the variance of the soft nearest-neighbour distances s_i, a proxy for equal H0
// death times) and keeps every pairwise distance between a soft low quantile δ and a soft high
// quantile ζ of the distances (L_H1 = λ_repel L_repel + λ_attract L_attract). The added term is
// L_ts = λ_ts (β_H0 L_H0 + β_H1 L_H1); the objective becomes L_CE + L_ts. The formulas and their
// gradient are `topologicalPromptLoss` (Sources/Compute/Kernels/TopologicalPromptLoss.swift).
//
// Which prompts. Every soft prompt of the methods used before it (`use prompt`, `use dham`):
// each prompt is its own point cloud, and the term is the mean over the prompts, so λ keeps its
// meaning whatever the number of DHAM stages. A prompt of one vector adds nothing.
//
// Tracking. `track=k`: every k training passes (forward passes with gradient, i.e. micro-batches)
// every prompt's Vietoris–Rips barcode is summarised (H0/H1 counts, lifespans, entropy); `inspect
// prompt-topology` prints the history and the current barcode.

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("lambda", .double(.atLeast(0)), default: .double(1),
                  help: "λ_ts, the weight of the whole term (the publication finds 10 unstable)"),
    ParameterSpec("beta0", .double(.atLeast(0)), default: .double(1), help: "β_H0, weight of the density term L_H0"),
    ParameterSpec("beta1", .double(.atLeast(0)), default: .double(1), help: "β_H1, weight of the scale term L_H1"),
    ParameterSpec("tau", .double(.greaterThan(0)), default: .double(0.1),
                  help: "τ, temperature of the soft nearest-neighbour distance (smaller: closer to the hard minimum)"),
    ParameterSpec("alpha", .double(.atLeast(0)), default: .double(5),
                  help: "α, sharpness of the soft quantiles δ, ζ (0: both are the mean distance)"),
    ParameterSpec("lrepel", .double(.atLeast(0)), default: .double(1), help: "λ_repel inside L_H1"),
    ParameterSpec("lattract", .double(.atLeast(0)), default: .double(1), help: "λ_attract inside L_H1"),
    ParameterSpec("track", .int(.closed(0...1_000_000)), default: .int(0),
                  help: "every k training passes, record the prompts' H0/H1 barcode summary (0: off)"),
])

// MARK: - Method

final class TSLoss: Method, Inspectable {
    let name = "tsloss"
    let settings: TopologicalLossSettings
    let trackEvery: Int
    /// Training passes seen (forward passes that build a graph).
    private(set) var passes = 0
    /// The topology of the prompts every `trackEvery` passes (PromptTopology.swift appends).
    var history: [PromptTopologyRecord] = []
    /// The prompts as last seen, for `inspect prompt-topology` between tracks.
    var lastPrompts: [SoftPrompt] = []

    var requires: [Capability] { [.softPrompts] }
    var lossRole: LossRole { .adds }

    init(_ parameters: ParsedParameters) throws {
        var settings = TopologicalLossSettings()
        settings.lambda = try parameters.double("lambda")
        settings.betaH0 = try parameters.double("beta0")
        settings.betaH1 = try parameters.double("beta1")
        settings.tau = try parameters.double("tau")
        settings.alpha = try parameters.double("alpha")
        settings.lambdaRepel = try parameters.double("lrepel")
        settings.lambdaAttract = try parameters.double("lattract")
        self.settings = settings
        trackEvery = try parameters.int("track")
    }

    func loss(_ context: LossContext) throws -> LossContribution? {
        let prompts = context.softPrompts.filter { $0.length >= 2 }
        guard !prompts.isEmpty else { return nil }
        var total: Tensor?
        var sums = (h0: 0.0, repel: 0.0, attract: 0.0, h1: 0.0)
        for prompt in prompts {
            let (loss, terms) = try topologicalPromptLoss(prompt.matrix, settings: settings)
            total = try total.map { try $0 + loss } ?? loss
            sums = (sums.h0 + terms.h0, sums.repel + terms.repel, sums.attract + terms.attract, sums.h1 + terms.h1)
        }
        let n = Double(prompts.count)
        lastPrompts = prompts
        if Autograd.isRecording {
            passes += 1
            if trackEvery > 0, passes % trackEvery == 0 { try track(prompts) }
        }
        return LossContribution(loss: try total.map { $0 * Float(1 / n) } ?? Tensor(scalar: 0), metrics: [
            ("tsloss.h0", sums.h0 / n), ("tsloss.repel", sums.repel / n), ("tsloss.attract", sums.attract / n), ("tsloss.h1", sums.h1 / n),
        ])
    }

    func report() -> [(String, String)] {
        let s = settings
        var lines = [("weights", "λ=\(s.lambda) β_H0=\(s.betaH0) β_H1=\(s.betaH1) λ_repel=\(s.lambdaRepel) λ_attract=\(s.lambdaAttract)"),
                     ("scales", "τ=\(s.tau) α=\(s.alpha)")]
        if trackEvery > 0 { lines.append(("tracking", "every \(trackEvery) passes, \(history.count) records")) }
        return lines
    }

    /// The pass counter and the tracked history (no tensors).
    func state() throws -> MethodState {
        MethodState(config: .object(["passes": .int(passes), "history": .array(history.map(\.json))]))
    }

    func restore(state: MethodState) throws {
        guard let saved = state.config["passes"]?.intValue else { return }
        passes = saved
        history = state.config["history"]?.arrayValue?.compactMap(PromptTopologyRecord.init(json:)) ?? []
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "tsloss", version: "1.0",
        summary: "topology-aware loss on soft prompts: equal local density (H0) and bounded pairwise scales (H1)",
        citation: "TSLoss — topology-aware loss for soft prompts (METHODS.md, TSLoss)",
        schema: schema,
        factory: { parameters, _ in try TSLoss(parameters) }
    ).retainedPointer()
}
