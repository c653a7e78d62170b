/// Per-sequence sum of target log-probabilities, `Σ_t log softmax(logits[b, t])[target[b][t]]`
/// over the counted positions (the policy and reference terms of DPO).
///
/// Logits at position t score `targets[b][t]`; shift targets by one beforehand for
/// next-token prediction.
///
/// - logits: `[B, T, V]`
/// - targets: `[B][T]`
/// - mask: `[B][T]`, true where a position counts (e.g. response tokens)
/// - returns `[B]`, with a gradient to the logits.
public func sequenceLogProbs(logits: Tensor, targets: [[Int]], mask: [[Bool]]) throws -> Tensor {
    let op = "sequenceLogProbs"
    let (batch, length) = try checkSequenceShapes(logits, targets: targets, op: op)
    guard mask.count == batch, mask.allSatisfy({ $0.count == length }) else {
        throw TensorError.shapeMismatch(op: op, lhs: logits.shape, rhs: [mask.count, mask.first?.count ?? 0],
                                        reason: "the mask must be [B][T] = [\(batch)][\(length)]")
    }
    return try sequenceLogProbsCounting(logits, targets: targets.flatMap { $0 }, counted: mask.flatMap { $0 }, op: op)
}

/// As `sequenceLogProbs(logits:targets:mask:)`, counting the positions whose target is not
/// `ignoreIndex`.
public func sequenceLogProbs(logits: Tensor, targets: [[Int]], ignoreIndex: Int = -100) throws -> Tensor {
    let op = "sequenceLogProbs"
    _ = try checkSequenceShapes(logits, targets: targets, op: op)
    let flat = targets.flatMap { $0 }
    return try sequenceLogProbsCounting(logits, targets: flat, counted: flat.map { $0 != ignoreIndex }, op: op)
}

private func checkSequenceShapes(_ logits: Tensor, targets: [[Int]], op: String) throws -> (Int, Int) {
    guard logits.rank == 3 else {
        throw TensorError.invalidShape(op: op, shape: logits.shape, reason: "logits must be [B, T, V]")
    }
    let (batch, length) = (logits.shape[0], logits.shape[1])
    guard targets.count == batch, targets.allSatisfy({ $0.count == length }) else {
        throw TensorError.shapeMismatch(op: op, lhs: logits.shape, rhs: [targets.count, targets.first?.count ?? 0],
                                        reason: "targets must be [B][T] = [\(batch)][\(length)]")
    }
    return (batch, length)
}

private func sequenceLogProbsCounting(_ logits: Tensor, targets: [Int], counted: [Bool], op: String) throws -> Tensor {
    let (batch, length, vocabulary) = (logits.shape[0], logits.shape[1], logits.shape[2])
    // Targets at uncounted positions may be anything (padding); only counted ones are checked.
    for (index, target) in targets.enumerated() where counted[index] && (target < 0 || target >= vocabulary) {
        throw TensorError.invalidArgument(op: op,
            reason: "target \(target) at position \(index) is outside the vocabulary of size \(vocabulary)")
    }
    let x = logits.contiguous()
    let rows = batch * length
    let logSumExps = rowLogSumExps(x.data, rows: rows, vocabulary: vocabulary, counted: counted)
    let out = Tensor(zeros: [batch])
    for b in 0..<batch {
        var total = 0.0
        for t in 0..<length where counted[b * length + t] {
            let row = b * length + t
            total += Double(x.data[row * vocabulary + targets[row]] - logSumExps[row])
        }
        out.data[b] = Float(total)
    }
    return out.recorded(op: op, inputs: [x]) { g in
        // d/dx[b, t] = g[b] · (onehot(target) − softmax) on counted positions.
        let gx = Tensor(zeros: x.shape)
        let coefficients = (0..<rows).map { counted[$0] ? -g.data[$0 / max(length, 1)] : 0 }
        softmaxMinusOneHot(x.data, into: gx.data, rows: rows, vocabulary: vocabulary,
                           targets: targets, coefficients: coefficients, logSumExps: logSumExps)
        return [gx]
    }
}
