// Direct Preference Optimization — Rafailov, Sharma, Mitchell, Ermon, Manning & Finn, "Direct
// Preference Optimization: Your Language Model is Secretly a Reward Model", NeurIPS 2023.
// https://arxiv.org/abs/2305.18290 — the objective of HierLoRA (METHODS.md, "DPO loss").
//
// Method. On preference pairs (x, y_w, y_l) the objective replaces the cross-entropy:
//   L = −log σ(β[(log π_θ(y_w|x) − log π_ref(y_w|x)) − (log π_θ(y_l|x) − log π_ref(y_l|x))]),
// averaged over pairs. π_θ is the model with every other active method (adapters, prompts);
// π_ref is the frozen model with the methods switched off. Sequence log-probs are summed over
// the response tokens only (the targets ignore the prompt and padding).
//
// Label smoothing ε (conservative DPO, Mitchell 2023): −(1−ε) log σ(βΔ) − ε log σ(−βΔ).
//
// DPO has no parameters of its own: it composes with any method that has some
// (`use lora …; use dpo`). Its batches come from `train` as chosen rows then rejected rows
// (`LossContext.preferencePairs`).

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("beta", .double(.greaterThan(0)), default: .double(0.1),
                  help: "β, the strength of the KL tie to the reference model (0.1 in HierLoRA)"),
    ParameterSpec("label_smoothing", .double(Bounds(lower: 0, upper: 0.5, upperIsOpen: true)), default: .double(0),
                  help: "ε of conservative DPO: the assumed rate of flipped preference labels (0 = plain DPO)"),
])

// MARK: - Method

final class DPO: Method, PreferenceObjective {
    let name = "dpo"
    let beta: Double
    let labelSmoothing: Double

    init(_ parameters: ParsedParameters) throws {
        beta = try parameters.double("beta")
        labelSmoothing = try parameters.double("label_smoothing")
    }

    var lossRole: LossRole { .replaces }
    var needsPreferencePairs: Bool { true }

    func loss(_ context: LossContext) throws -> LossContribution? {
        let pairs = context.preferencePairs
        let rows = context.inputIDs.count
        guard pairs > 0, rows == 2 * pairs else {
            throw MethodError.invalidLoss(method: name, reason: "dpo needs preference pairs: `data hh-rlhf` gives them, and `train` batches each chosen reply with its rejected one (this batch has \(rows) rows and \(pairs) pairs)")
        }
        // Summed log-probs of each row's response tokens, [2P]: with the methods (in the graph) …
        let policy = try sequenceLogProbs(logits: context.logits, targets: context.targets, ignoreIndex: context.ignoreIndex)
        // … and of the frozen model, once per batch, off the graph.
        let reference = try Autograd.noGrad {
            let logits = try context.forward(context.inputIDs, false)
            return try sequenceLogProbs(logits: logits, targets: context.targets, ignoreIndex: context.ignoreIndex)
        }
        let result = try dpoLoss(policyChosen: policy.slice(axis: 0, range: 0..<pairs).contiguous(),
                                 policyRejected: policy.slice(axis: 0, range: pairs..<rows).contiguous(),
                                 referenceChosen: reference.slice(axis: 0, range: 0..<pairs).contiguous(),
                                 referenceRejected: reference.slice(axis: 0, range: pairs..<rows).contiguous(),
                                 beta: beta, labelSmoothing: labelSmoothing)
        return LossContribution(loss: result.loss, metrics: [
            ("dpo.margin", result.meanMargin), ("dpo.accuracy", result.accuracy),
            ("dpo.chosen_reward", result.meanChosenReward), ("dpo.rejected_reward", result.meanRejectedReward),
        ])
    }

    func report() -> [(String, String)] {
        var lines = [("objective", "DPO against the frozen model"), ("beta", "\(beta)")]
        if labelSmoothing > 0 { lines.append(("label smoothing", "\(labelSmoothing)")) }
        return lines
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "dpo", version: "1.0",
        summary: "direct preference optimisation: replaces the loss with DPO on preference pairs against the frozen model",
        citation: "Rafailov et al., Direct Preference Optimization: Your Language Model is Secretly a Reward Model, NeurIPS 2023, arXiv:2305.18290",
        schema: schema,
        factory: { parameters, _ in try DPO(parameters) }
    ).retainedPointer()
}
