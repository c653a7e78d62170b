/// Scales the gradients of `parameters` together so that their global L2 norm is at most
/// `maxNorm`, as PyTorch's `clip_grad_norm_`: when the norm exceeds `maxNorm` every gradient
/// is multiplied by `maxNorm / (norm + 1e-6)`. Parameters without a gradient are skipped.
///
/// Returns the norm *before* clipping. The sum of squares is accumulated in Double, in fixed
/// blocks summed in order, so the result does not depend on the thread count. A non-finite
/// norm (a NaN or infinite gradient) is returned and nothing is scaled, so that the training
/// loop's NaN guard can stop instead of silently zeroing the gradients.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) throws -> Float {
    let op = "clipGradientNorm"
    try validateHyperparameter(maxNorm, name: "maxNorm", op: op, requirement: "finite and > 0") { $0 > 0 }
    var gradients: [Tensor] = []
    for (index, parameter) in parameters.enumerated() {
        guard let grad = parameter.grad else { continue }
        guard grad.shape == parameter.shape else {
            let label = parameter.name ?? "parameters.\(index)"
            throw TensorError.shapeMismatch(op: op, lhs: parameter.shape, rhs: grad.shape,
                                            reason: "the gradient of parameter \"\(label)\" must have the parameter's shape")
        }
        // Gradients from backward() are contiguous and owned; a view set by hand is replaced
        // by a contiguous copy so that scaling it in place cannot write through to other tensors.
        if !grad.isContiguous {
            parameter.grad = Autograd.noGrad { grad.copy() }
        }
        gradients.append(parameter.grad!)
    }

    var sumOfSquares = 0.0
    for gradient in gradients { sumOfSquares += squaredNorm(gradient) }
    let norm = Float(sumOfSquares.squareRoot())
    guard norm.isFinite else { return norm }

    let coefficient = Double(maxNorm) / (Double(norm) + 1e-6)
    guard coefficient < 1 else { return norm }
    let scale = Float(coefficient)
    for gradient in gradients {
        let g = gradient.data
        TrainableParameters.forEachChunk(gradient.count) { range in
            for i in range { g[i] *= scale }
        }
    }
    return norm
}

/// Σ x² over a contiguous tensor in Double, by 64K-element blocks whose partial sums are
/// added in block order (deterministic whatever the thread count).
private func squaredNorm(_ tensor: Tensor) -> Double {
    let count = tensor.count
    guard count > 0 else { return 0 }
    let blockSize = 1 << 16
    let blocks = (count + blockSize - 1) / blockSize
    let x = tensor.data
    var partials = [Double](repeating: 0, count: blocks)
    partials.withUnsafeMutableBufferPointer { partial in
        let out = partial.baseAddress!
        Threads.parallelFor(blocks) { range in
            for block in range {
                let start = block * blockSize
                let end = min(count, start + blockSize)
                // Eight Double lanes let the loop vectorise; the lane order is fixed.
                var lanes = SIMD8<Double>()
                var i = start
                while i + 8 <= end {
                    let v = SIMD8<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
                    lanes += v * v
                    i += 8
                }
                var sum = lanes.sum()
                while i < end {
                    let v = Double(x[i])
                    sum += v * v
                    i += 1
                }
                out[block] = sum
            }
        }
    }
    return partials.reduce(0, +)
}
