import Compute
import PluginAPI

/// Preference metrics of the active methods against the frozen model on held-out pairs
/// (HierLoRA's report, METHODS.md): rewards r = β·(log π_θ(y|x) − log π_ref(y|x)) summed over
/// the reply's tokens; accuracy = the fraction of pairs whose chosen reward exceeds the
/// rejected one; margin = r_chosen − r_rejected; the DPO loss −log σ(margin).
public struct PreferenceMetrics: Equatable {
    /// Pairs evaluated.
    public var n: Int
    public var accuracy: Double
    public var meanMargin: Double
    public var meanLoss: Double
    public var meanChosenReward: Double
    public var meanRejectedReward: Double
    public var beta: Double
}

public enum PreferenceEvaluation {
    /// Scores `examples` (preference pairs) with the session's active methods as the policy and
    /// the model without them as the reference, `batchSize` pairs at a time, without gradients.
    /// With no active method the policy is the reference: every reward is 0 and the loss log 2.
    public static func run(session: Session, examples: [Example], beta: Double,
                           format: PromptFormat = .plain, maxLength: Int? = nil, batchSize: Int = 4) throws -> PreferenceMetrics {
        let model = try session.requireModel(for: "prefeval")
        guard !examples.isEmpty else { throw CommandError("prefeval: there are no preference pairs to evaluate") }
        guard beta.isFinite, beta > 0 else { throw CommandError("prefeval: beta is \(beta); it must be > 0 (DPO uses 0.1)") }
        guard batchSize >= 1 else { throw CommandError("prefeval: batch size is \(batchSize); it must be at least 1") }
        if let single = examples.first(where: { !$0.isPreferencePair }) {
            throw CommandError("prefeval: example \(single.id) is not a preference pair (no rejected reply); use `data hh-rlhf`")
        }
        let encoder = try TrainingExampleEncoder(model: model, format: format, maxLength: maxLength)
        let pairs = try examples.map(encoder.encodePair)
        let hooks = session.activeHooks
        let padID = model.tokenizer.eosID ?? 0
        var chosenRewards: [Double] = [], rejectedRewards: [Double] = []
        var lossTotal = 0.0
        for start in stride(from: 0, to: pairs.count, by: batchSize) {
            try Interruption.check()
            let slice = pairs[start..<min(start + batchSize, pairs.count)]
            let batch = try Batch(chosen: slice.map(\.chosen), rejected: slice.map(\.rejected), padID: padID)
            let p = batch.preferencePairs
            let result = try Autograd.noGrad { () -> PreferenceLoss in
                func logProbs(_ hooks: ForwardHooks?) throws -> Tensor {
                    let logits = try UnpaddedForward.logits(batch, model: model.model, hooks: hooks)
                    return try sequenceLogProbs(logits: logits, targets: batch.labels, ignoreIndex: TrainingExample.ignoreIndex)
                }
                let policy = try logProbs(hooks), reference = try logProbs(nil)        // [2P] each
                return try dpoLoss(policyChosen: policy.slice(axis: 0, range: 0..<p).contiguous(),
                                   policyRejected: policy.slice(axis: 0, range: p..<(2 * p)).contiguous(),
                                   referenceChosen: reference.slice(axis: 0, range: 0..<p).contiguous(),
                                   referenceRejected: reference.slice(axis: 0, range: p..<(2 * p)).contiguous(),
                                   beta: beta)
            }
            chosenRewards += result.chosenRewards
            rejectedRewards += result.rejectedRewards
            lossTotal += Double(try result.loss.item()) * Double(p)
        }
        let n = chosenRewards.count
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(n) }
        let margins = zip(chosenRewards, rejectedRewards).map { $0 - $1 }
        return PreferenceMetrics(n: n, accuracy: mean(margins.map { $0 > 0 ? 1 : 0 }), meanMargin: mean(margins),
                                 meanLoss: lossTotal / Double(n), meanChosenReward: mean(chosenRewards),
                                 meanRejectedReward: mean(rejectedRewards), beta: beta)
    }
}
