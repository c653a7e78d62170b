/// Inverted dropout: each element is zeroed with `probability` and the survivors scaled by
/// `1 / (1 − probability)`, so the expected value is unchanged and inference needs no rescale.
///
/// The mask comes from `generator` (one uniform draw per element, in row-major order), and the
/// gradient passes through the same mask. With `training` false or a probability of 0 the
/// input itself is returned and no draws are made. A probability outside `[0, 1)` is an error.
public func dropout(_ x: Tensor, probability: Float, generator: inout SeededGenerator,
                    training: Bool = true) throws -> Tensor {
    guard probability >= 0 && probability < 1 else {
        throw TensorError.invalidArgument(op: "dropout", reason: "probability \(probability) must be in [0, 1)")
    }
    guard training && probability > 0 else { return x }
    let x = x.contiguous()
    let n = x.count
    let scale = 1 / (1 - probability)
    // The mask holds 0 or the survivor scale, so forward and backward are one multiply each.
    let mask = Tensor(zeros: x.shape)
    let ms = mask.data
    for i in 0..<n where generator.nextUniform() >= probability { ms[i] = scale }
    let out = Tensor(zeros: x.shape)
    let xs = x.data, ys = out.data
    for i in 0..<n { ys[i] = xs[i] * ms[i] }
    return out.recorded(op: "dropout", inputs: [x]) { g in
        let gx = Tensor(zeros: g.shape)
        let gs = g.data, dx = gx.data, kept = mask.data
        for i in 0..<n { dx[i] = gs[i] * kept[i] }
        return [gx]
    }
}
