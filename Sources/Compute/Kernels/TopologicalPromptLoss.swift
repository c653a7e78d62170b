import Foundation

/// The weights and scales of the topology-aware prompt loss (METHODS.md "TSLoss").
public struct TopologicalLossSettings: Equatable {
    /// λ_ts: multiplies the whole term.
    public var lambda: Double = 1
    /// β_H0, β_H1: weights of the density (H0) and scale (H1) parts.
    public var betaH0: Double = 1
    public var betaH1: Double = 1
    /// τ: temperature of the soft nearest-neighbour distance s_i.
    public var tau: Double = 0.1
    /// α: sharpness of the soft quantile scales δ (low) and ζ (high).
    public var alpha: Double = 5
    /// λ_repel, λ_attract inside L_H1.
    public var lambdaRepel: Double = 1
    public var lambdaAttract: Double = 1

    public init() {}
}

/// The parts of the loss for one prompt, in Double.
public struct TopologicalLossTerms: Equatable {
    /// L_H0 = (1/P) Σ_i (s_i − s̄)².
    public var h0: Double
    /// L_repel, L_attract and L_H1 = λ_repel L_repel + λ_attract L_attract.
    public var repel: Double
    public var attract: Double
    public var h1: Double
    /// δ, ζ: the soft low and high quantiles of the pairwise distances.
    public var delta: Double
    public var zeta: Double
    /// L_ts = λ_ts (β_H0 L_H0 + β_H1 L_H1).
    public var total: Double

    public init(h0: Double, repel: Double, attract: Double, h1: Double, delta: Double, zeta: Double, total: Double) {
        (self.h0, self.repel, self.attract, self.h1) = (h0, repel, attract, h1)
        (self.delta, self.zeta, self.total) = (delta, zeta, total)
    }
}

/// The topology-aware loss of a soft prompt's rows x_1…x_P (METHODS.md "TSLoss"), a scalar in
/// the autograd graph. With D_ij = ‖x_i − x_j‖₂:
/// - s_i = −τ log Σ_{j≠i} exp(−D_ij/τ); L_H0 = (1/P) Σ_i (s_i − s̄)².
/// - w^low_ij ∝ exp(−α D_ij), w^high_ij ∝ exp(α D_ij), normalised over the pairs i < j;
///   δ = Σ_{i<j} w^low_ij D_ij, ζ = Σ_{i<j} w^high_ij D_ij.
/// - L_repel = (1/P²) Σ_{i≠j} max(0, δ − D_ij)², L_attract = (1/P²) Σ_{i≠j} max(0, D_ij − ζ)²:
///   the sums run over the ordered pairs of distinct points (the P×P distance matrix without its
///   zero diagonal), so each unordered pair counts twice.
/// - L_ts = λ (β_H0 L_H0 + β_H1 (λ_repel L_repel + λ_attract L_attract)).
/// Gradients flow through every part, δ and ζ included. Computed in Double; the gradient with
/// respect to x is formed with the forward pass (O(P² d)) and scaled by the upstream gradient.
/// Coincident points have no direction: their pair contributes no gradient. Fewer than two
/// points give 0.
public func topologicalPromptLoss(_ points: Tensor, settings: TopologicalLossSettings) throws -> (loss: Tensor, terms: TopologicalLossTerms) {
    guard points.rank == 2 else {
        throw TensorError.invalidShape(op: "topologicalPromptLoss", shape: points.shape, reason: "expected points [P, d]")
    }
    guard settings.tau > 0, settings.alpha.isFinite else {
        throw TensorError.invalidArgument(op: "topologicalPromptLoss", reason: "τ must be > 0 and α finite (got τ=\(settings.tau), α=\(settings.alpha))")
    }
    let (p, d) = (points.shape[0], points.shape[1])
    let x = points.contiguous().scalars.map(Double.init)
    let evaluation = TopologicalLossEvaluation(x: x, count: p, width: d, settings: settings)
    let loss = Tensor(scalar: Float(evaluation.terms.total))
    let gradient = evaluation.gradient
    loss.recorded(op: "topologicalPromptLoss", inputs: [points]) { upstream in
        let scale = Double(try upstream.item())
        return [try Tensor(shape: [p, d], scalars: gradient.map { Float($0 * scale) })]
    }
    return (loss, evaluation.terms)
}

/// The loss and its gradient with respect to the points, on a flat `[P * d]` array.
struct TopologicalLossEvaluation {
    let terms: TopologicalLossTerms
    /// ∂L_ts/∂x, `[P * d]`.
    let gradient: [Double]

    init(x: [Double], count p: Int, width d: Int, settings s: TopologicalLossSettings) {
        guard p >= 2 else {
            terms = TopologicalLossTerms(h0: 0, repel: 0, attract: 0, h1: 0, delta: 0, zeta: 0, total: 0)
            gradient = Array(repeating: 0, count: x.count)
            return
        }
        var distance = Array(repeating: 0.0, count: p * p)                         // D, symmetric
        for i in 0..<p {
            for j in (i + 1)..<p {
                var sum = 0.0
                for k in 0..<d { let diff = x[i * d + k] - x[j * d + k]; sum += diff * diff }
                distance[i * p + j] = sum.squareRoot()
                distance[j * p + i] = distance[i * p + j]
            }
        }
        // s_i and the soft nearest-neighbour weights q_ij = ∂s_i/∂D_ij (a softmax over j ≠ i).
        var soft = Array(repeating: 0.0, count: p)           // s_i
        var q = Array(repeating: 0.0, count: p * p)
        for i in 0..<p {
            let others = (0..<p).filter { $0 != i }
            let smallest = others.map { distance[i * p + $0] }.min() ?? 0
            var z = 0.0
            for j in others { q[i * p + j] = Foundation.exp(-(distance[i * p + j] - smallest) / s.tau); z += q[i * p + j] }
            for j in others { q[i * p + j] /= z }
            soft[i] = smallest - s.tau * Foundation.log(z)
        }
        let mean = soft.reduce(0, +) / Double(p)
        let h0 = soft.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(p)

        // Soft quantiles over the pairs i < j, and their derivatives with respect to D_ab.
        let pairs = (0..<p).flatMap { i in ((i + 1)..<p).map { (i, j: $0) } }
        let pairDistance = pairs.map { distance[$0.0 * p + $0.j] }
        func softmax(_ sign: Double) -> [Double] {
            let logits = pairDistance.map { sign * s.alpha * $0 }
            let top = logits.max() ?? 0
            let e = logits.map { Foundation.exp($0 - top) }
            let z = e.reduce(0, +)
            return e.map { $0 / z }
        }
        let low = softmax(-1), high = softmax(1)
        let delta = zip(low, pairDistance).reduce(0) { $0 + $1.0 * $1.1 }
        let zeta = zip(high, pairDistance).reduce(0) { $0 + $1.0 * $1.1 }
        let below = pairDistance.map { max(0, delta - $0) }                          // max(0, δ − D)
        let above = pairDistance.map { max(0, $0 - zeta) }                           // max(0, D − ζ)
        let scale = 2 / Double(p * p)                                                // ordered pairs: each twice
        let repel = scale * below.reduce(0) { $0 + $1 * $1 }
        let attract = scale * above.reduce(0) { $0 + $1 * $1 }
        let h1 = s.lambdaRepel * repel + s.lambdaAttract * attract
        let total = s.lambda * (s.betaH0 * h0 + s.betaH1 * h1)
        terms = TopologicalLossTerms(h0: h0, repel: repel, attract: attract, h1: h1, delta: delta, zeta: zeta, total: total)

        // ∂L/∂D_ab per pair, then ∂L/∂x_a = Σ_b ∂L/∂D_ab (x_a − x_b)/D_ab.
        let belowSum = below.reduce(0, +), aboveSum = above.reduce(0, +)
        var grad = Array(repeating: 0.0, count: x.count)
        for (n, (a, b)) in pairs.enumerated() {
            let dab = pairDistance[n]
            let dDelta = low[n] * (1 - s.alpha * (dab - delta))                      // ∂δ/∂D_ab
            let dZeta = high[n] * (1 + s.alpha * (dab - zeta))                       // ∂ζ/∂D_ab
            let dH0 = 2 / Double(p) * ((soft[a] - mean) * q[a * p + b] + (soft[b] - mean) * q[b * p + a])
            let dRepel = 2 * scale * (belowSum * dDelta - below[n])
            let dAttract = 2 * scale * (above[n] - aboveSum * dZeta)
            let dD = s.lambda * (s.betaH0 * dH0 + s.betaH1 * (s.lambdaRepel * dRepel + s.lambdaAttract * dAttract))
            guard dab > 0 else { continue }
            for k in 0..<d {
                let g = dD * (x[a * d + k] - x[b * d + k]) / dab
                grad[a * d + k] += g
                grad[b * d + k] -= g
            }
        }
        gradient = grad
    }
}
