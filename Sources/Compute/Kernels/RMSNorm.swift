import Foundation

/// Root-mean-square normalisation over the last axis (Llama):
/// `y = x / sqrt(mean(x²) + ε) ⊙ w`.
///
/// - x: `[..., d]`
/// - weight: `[d]`
/// - returns `[..., d]`, with gradients to x and weight.
public func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Float) throws -> Tensor {
    guard x.rank >= 1, weight.shape == [x.shape[x.rank - 1]] else {
        throw TensorError.shapeMismatch(op: "rmsNorm", lhs: x.shape, rhs: weight.shape,
                                        reason: "the weight must be 1-D with the input's last-axis size")
    }
    guard epsilon >= 0 && epsilon.isFinite else {
        throw TensorError.invalidArgument(op: "rmsNorm", reason: "epsilon \(epsilon) must be finite and non-negative")
    }
    let x = x.contiguous(), w = weight.contiguous()
    let d = w.count
    let rows = d == 0 ? 0 : x.count / d
    let out = Tensor(zeros: x.shape)
    // 1 / sqrt(mean(x²) + ε) per row, kept for the backward pass.
    let inverseRMS = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(rows, 1))
    let xs = x.data, ws = w.data, ys = out.data, rs = inverseRMS.baseAddress!
    Threads.parallelFor(rows, minChunk: max(1, 8192 / max(d, 1))) { range in
        for row in range {
            let source = xs + row * d, target = ys + row * d
            var squares: Float = 0
            for j in 0..<d { squares += source[j] * source[j] }
            let r = 1 / (squares / Float(d) + epsilon).squareRoot()
            rs[row] = r
            for j in 0..<d { target[j] = source[j] * r * ws[j] }
        }
    }
    let saved = SavedBuffer(inverseRMS)
    let needX = x.requiresGrad, needW = w.requiresGrad
    return out.recorded(op: "rmsNorm", inputs: [x, w]) { g in
        let gs = g.data, rs = saved.buffer.baseAddress!
        var gx: Tensor?
        if needX {
            // dx = r·(g⊙w) − x · r³/d · Σ(g⊙w⊙x)
            let result = Tensor(zeros: x.shape)
            let dxs = result.data
            Threads.parallelFor(rows, minChunk: max(1, 8192 / max(d, 1))) { range in
                for row in range {
                    let source = xs + row * d, grad = gs + row * d, target = dxs + row * d
                    var dot: Float = 0
                    for j in 0..<d { dot += grad[j] * ws[j] * source[j] }
                    let r = rs[row]
                    let correction = r * r * r * dot / Float(d)
                    for j in 0..<d { target[j] = r * grad[j] * ws[j] - source[j] * correction }
                }
            }
            gx = result
        }
        var gw: Tensor?
        if needW {
            // dw = Σ_rows g ⊙ x · r
            let result = Tensor(zeros: w.shape)
            let dws = result.data
            for row in 0..<rows {
                let source = xs + row * d, grad = gs + row * d, r = rs[row]
                for j in 0..<d { dws[j] += grad[j] * source[j] * r }
            }
            gw = result
        }
        return [gx, gw]
    }
}

/// Owns a scratch buffer that a backward closure needs; freed with the closure.
final class SavedBuffer {
    let buffer: UnsafeMutableBufferPointer<Float>

    init(_ buffer: UnsafeMutableBufferPointer<Float>) {
        self.buffer = buffer
    }

    deinit { buffer.deallocate() }
}
