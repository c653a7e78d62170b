/// A dense layer `y = x · Wᵀ + b` in one sgemm.
///
/// - x: `[..., in]`
/// - weight: `[out, in]` (the PyTorch / GGUF layout)
/// - bias: `[out]`, optional
/// - returns `[..., out]`
///
/// Gradients go to x, weight and bias; work for an input that needs no gradient is skipped.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    guard weight.rank == 2 else {
        throw TensorError.shapeMismatch(op: "linear", lhs: x.shape, rhs: weight.shape,
                                        reason: "the weight must be 2-D [out, in]")
    }
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    guard x.rank >= 1 && x.shape[x.rank - 1] == inFeatures else {
        throw TensorError.shapeMismatch(op: "linear", lhs: x.shape, rhs: weight.shape,
                                        reason: "the input's last axis must equal the weight's in-features (\(inFeatures))")
    }
    if let bias, bias.shape != [outFeatures] {
        throw TensorError.shapeMismatch(op: "linear", lhs: weight.shape, rhs: bias.shape,
                                        reason: "the bias must be [\(outFeatures)] to match the weight's out-features")
    }
    let x = x.contiguous(), w = weight.contiguous(), b = bias?.contiguous()
    let rows = x.count / max(inFeatures, 1)
    let outShape = Array(x.shape.dropLast()) + [outFeatures]
    let out = b == nil ? Tensor(uninitialized: outShape) : Tensor(zeros: outShape)
    let y = out.data
    if let b {
        for row in 0..<rows { (y + row * outFeatures).update(from: b.data, count: outFeatures) }
    }
    // y[rows, out] (+)= x[rows, in] · Wᵀ[in, out]
    BLASGemm.gemm(m: rows, n: outFeatures, k: inFeatures,
                  .init(x.data, leadingDimension: inFeatures),
                  .init(w.data, transposed: true, leadingDimension: inFeatures),
                  beta: b == nil ? 0 : 1, c: y, ldc: outFeatures)

    let needX = x.requiresGrad, needW = w.requiresGrad, needB = b?.requiresGrad ?? false
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return out.recorded(op: "linear", inputs: inputs) { g in
        // g: [..., out]
        var grads: [Tensor?] = []
        if needX {
            // dx[rows, in] = g[rows, out] · W[out, in]
            let gx = Tensor(zeros: x.shape)
            BLASGemm.gemm(m: rows, n: inFeatures, k: outFeatures,
                          .init(g.data, leadingDimension: outFeatures),
                          .init(w.data, leadingDimension: inFeatures),
                          c: gx.data, ldc: inFeatures)
            grads.append(gx)
        } else {
            grads.append(nil)
        }
        if needW {
            // dW[out, in] = gᵀ[out, rows] · x[rows, in]
            let gw = Tensor(zeros: w.shape)
            BLASGemm.gemm(m: outFeatures, n: inFeatures, k: rows,
                          .init(g.data, transposed: true, leadingDimension: outFeatures),
                          .init(x.data, leadingDimension: inFeatures),
                          c: gw.data, ldc: inFeatures)
            grads.append(gw)
        } else {
            grads.append(nil)
        }
        if b != nil {
            grads.append(needB ? columnSums(g.data, rows: rows, columns: outFeatures) : nil)
        }
        return grads
    }
}

/// Σ over rows of a `[rows, columns]` array, as a `[columns]` tensor.
private func columnSums(_ source: UnsafeMutablePointer<Float>, rows: Int, columns: Int) -> Tensor {
    let out = Tensor(zeros: [columns])
    let sums = out.data
    for row in 0..<rows {
        let line = source + row * columns
        for j in 0..<columns { sums[j] += line[j] }
    }
    return out
}
