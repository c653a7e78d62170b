import Foundation

/// The DPO objective over a batch of preference pairs, with the per-pair numbers worth logging.
public struct PreferenceLoss {
    /// Mean DPO loss over the pairs: a rank-0 tensor whose gradient reaches the policy log-probs.
    public let loss: Tensor
    /// Implicit rewards β·(log π_θ(y|x) − log π_ref(y|x)) of the chosen and rejected replies, `[P]`.
    public let chosenRewards: [Double]
    public let rejectedRewards: [Double]

    /// Reward margins, chosen minus rejected, `[P]`.
    public var margins: [Double] { zip(chosenRewards, rejectedRewards).map { $0 - $1 } }
    /// Mean margin (0 for no pairs).
    public var meanMargin: Double { Self.mean(margins) }
    /// The fraction of pairs whose chosen reward exceeds the rejected one.
    public var accuracy: Double { Self.mean(margins.map { $0 > 0 ? 1 : 0 }) }
    public var meanChosenReward: Double { Self.mean(chosenRewards) }
    public var meanRejectedReward: Double { Self.mean(rejectedRewards) }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}

/// Direct Preference Optimization (Rafailov et al., NeurIPS 2023; METHODS.md, HierLoRA "DPO loss"):
///
///     Δ_p = (log π_θ(y_w|x) − log π_ref(y_w|x)) − (log π_θ(y_l|x) − log π_ref(y_l|x))
///     L   = mean_p [ −(1 − ε) log σ(β Δ_p) − ε log σ(−β Δ_p) ]
///
/// ε is the label smoothing of conservative DPO (cDPO; ε = 0 is plain DPO). Inputs are summed
/// sequence log-probabilities `[P]`, one per pair. The reference terms are constants: only the
/// policy tensors receive a gradient, dL/d log π_θ(y_w|x) = β(σ(βΔ) − (1 − ε))/P and the
/// negative of it for y_l.
public func dpoLoss(policyChosen: Tensor, policyRejected: Tensor,
                    referenceChosen: Tensor, referenceRejected: Tensor,
                    beta: Double, labelSmoothing: Double = 0) throws -> PreferenceLoss {
    let op = "dpoLoss"
    let pairs = policyChosen.count
    for (name, tensor) in [("policyRejected", policyRejected), ("referenceChosen", referenceChosen),
                           ("referenceRejected", referenceRejected)] where tensor.shape != policyChosen.shape {
        throw TensorError.shapeMismatch(op: op, lhs: policyChosen.shape, rhs: tensor.shape,
                                        reason: "\(name) must have the shape of policyChosen (one log-prob per pair)")
    }
    guard policyChosen.rank == 1, pairs > 0 else {
        throw TensorError.invalidShape(op: op, shape: policyChosen.shape, reason: "log-probs must be [pairs] with at least one pair")
    }
    guard beta.isFinite, beta > 0 else {
        throw TensorError.invalidArgument(op: op, reason: "beta is \(beta); it must be finite and > 0")
    }
    guard labelSmoothing.isFinite, labelSmoothing >= 0, labelSmoothing < 0.5 else {
        throw TensorError.invalidArgument(op: op, reason: "label smoothing is \(labelSmoothing); it must be in [0, 0.5)")
    }
    let pc = policyChosen.contiguous(), pr = policyRejected.contiguous()
    let rc = referenceChosen.contiguous().scalars.map(Double.init), rr = referenceRejected.contiguous().scalars.map(Double.init)
    var chosenRewards: [Double] = [], rejectedRewards: [Double] = [], slopes: [Double] = []
    var total = 0.0
    for p in 0..<pairs {
        let chosen = beta * (Double(pc.data[p]) - rc[p])
        let rejected = beta * (Double(pr.data[p]) - rr[p])
        let z = chosen - rejected                                           // β·Δ_p
        total += -(1 - labelSmoothing) * logSigmoid(z) - labelSmoothing * logSigmoid(-z)
        slopes.append(beta * (sigmoid(z) - (1 - labelSmoothing)) / Double(pairs))   // dL/dΔ_p
        chosenRewards.append(chosen)
        rejectedRewards.append(rejected)
    }
    let out = Tensor(scalar: Float(total / Double(pairs)))
    out.recorded(op: op, inputs: [pc, pr]) { g in
        let scale = Double(g.data[0])
        let gc = Tensor(zeros: [pairs]), gr = Tensor(zeros: [pairs])
        for p in 0..<pairs {
            gc.data[p] = Float(scale * slopes[p])
            gr.data[p] = Float(-scale * slopes[p])
        }
        return [gc, gr]
    }
    return PreferenceLoss(loss: out, chosenRewards: chosenRewards, rejectedRewards: rejectedRewards)
}

/// log σ(z) without overflow: −log(1 + e^{−z}) for z ≥ 0, z − log(1 + e^{z}) otherwise.
private func logSigmoid(_ z: Double) -> Double {
    z >= 0 ? -log1p(Foundation.exp(-z)) : z - log1p(Foundation.exp(z))
}

private func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
}
