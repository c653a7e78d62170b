import CKernels
import Foundation

/// The Llama feed-forward gate `silu(gate) ⊙ up`, with `silu(g) = g · σ(g)`.
///
/// - gate, up: the same shape, e.g. `[batch, seq, d_ff]`
/// - returns that shape, with gradients to both.
public func swiglu(gate: Tensor, up: Tensor) throws -> Tensor {
    guard gate.shape == up.shape else {
        throw TensorError.shapeMismatch(op: "swiglu", lhs: gate.shape, rhs: up.shape,
                                        reason: "gate and up must have the same shape")
    }
    let g = gate.contiguous(), u = up.contiguous()
    let out = Tensor(zeros: g.shape)
    let gs = g.data, us = u.data, ys = out.data
    let useAVX2 = KernelSet.useAVX2
    Threads.parallelFor(g.count, minChunk: 16_384) { range in
        if useAVX2 {
            strata_avx2_swiglu(gs + range.lowerBound, us + range.lowerBound, ys + range.lowerBound, range.count)
            return
        }
        for i in range {
            let x = gs[i]
            ys[i] = x / (1 + exp(-x)) * us[i]
        }
    }
    let needGate = g.requiresGrad, needUp = u.requiresGrad
    return out.recorded(op: "swiglu", inputs: [g, u]) { grad in
        let dy = grad.data
        let dGate = needGate ? Tensor(zeros: g.shape) : nil
        let dUp = needUp ? Tensor(zeros: u.shape) : nil
        let dgs = dGate?.data, dus = dUp?.data
        Threads.parallelFor(g.count, minChunk: 16_384) { range in
            for i in range {
                let x = gs[i]
                let sigma = 1 / (1 + exp(-x))
                // d silu / dx = σ(x) · (1 + x · (1 − σ(x)))
                dgs?[i] = dy[i] * us[i] * sigma * (1 + x * (1 - sigma))
                dus?[i] = dy[i] * x * sigma
            }
        }
        return [dGate, dUp]
    }
}
