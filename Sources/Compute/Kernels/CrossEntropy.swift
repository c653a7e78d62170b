import Foundation

/// Mean token cross-entropy `−log softmax(logits)[target]` over the positions whose target is
/// not `ignoreIndex`.
///
/// - logits: `[N, V]` or `[B, T, V]`
/// - targets: `N` (or `B·T`, flattened row-major) class ids
/// - returns a scalar `[]`
///
/// When every target is ignored the loss is 0 and its gradient is zero (nothing to learn from),
/// rather than the 0/0 = NaN of a literal mean. A target outside `0..<V` (other than
/// `ignoreIndex`) is an error.
public func crossEntropy(logits: Tensor, targets: [Int], ignoreIndex: Int = -100) throws -> Tensor {
    let op = "crossEntropy"
    guard logits.rank == 2 || logits.rank == 3 else {
        throw TensorError.invalidShape(op: op, shape: logits.shape, reason: "logits must be [N, V] or [B, T, V]")
    }
    let vocabulary = logits.shape[logits.rank - 1]
    let rows = logits.shape.dropLast().reduce(1, *)
    guard targets.count == rows else {
        throw TensorError.shapeMismatch(op: op, lhs: logits.shape, rhs: [targets.count],
                                        reason: "there must be one target per logits row (\(rows))")
    }
    try checkTargets(targets, vocabulary: vocabulary, isIgnored: { $0 == ignoreIndex }, op: op)
    let x = logits.contiguous()
    let counted = targets.filter { $0 != ignoreIndex }.count
    let logSumExps = rowLogSumExps(x.data, rows: rows, vocabulary: vocabulary, counted: targets.map { $0 != ignoreIndex })
    var total = 0.0
    for (row, target) in targets.enumerated() where target != ignoreIndex {
        total += Double(logSumExps[row] - x.data[row * vocabulary + target])
    }
    let out = Tensor(scalar: counted == 0 ? 0 : Float(total / Double(counted)))
    return out.recorded(op: op, inputs: [x]) { g in
        // d/dx = (softmax − onehot(target)) · g / counted on counted rows, 0 elsewhere.
        let gx = Tensor(zeros: x.shape)
        guard counted > 0 else { return [gx] }
        let weight = g.data[0] / Float(counted)
        let coefficients = targets.map { $0 == ignoreIndex ? Float(0) : weight }
        softmaxMinusOneHot(x.data, into: gx.data, rows: rows, vocabulary: vocabulary,
                           targets: targets, coefficients: coefficients, logSumExps: logSumExps)
        return [gx]
    }
}

/// Throws for a target outside `0..<vocabulary` that is not ignored.
func checkTargets(_ targets: [Int], vocabulary: Int, isIgnored: (Int) -> Bool, op: String) throws {
    if let bad = targets.firstIndex(where: { !isIgnored($0) && ($0 < 0 || $0 >= vocabulary) }) {
        throw TensorError.invalidArgument(op: op,
            reason: "target \(targets[bad]) at position \(bad) is outside the vocabulary of size \(vocabulary)")
    }
}

/// log Σ exp over each `[vocabulary]` row marked in `counted` (the others are 0): a training
/// batch scores its responses only, often under half its positions.
func rowLogSumExps(_ logits: UnsafeMutablePointer<Float>, rows: Int, vocabulary: Int, counted: [Bool]) -> [Float] {
    var result = [Float](repeating: 0, count: rows)
    let wanted = counted.indices.filter { counted[$0] }
    result.withUnsafeMutableBufferPointer { out in
        let target = out.baseAddress!
        Threads.parallelFor(wanted.count, minChunk: max(1, 16_384 / max(vocabulary, 1))) { range in
            for row in wanted[range] { target[row] = logSumExpRow(logits + row * vocabulary, vocabulary) }
        }
    }
    return result
}

/// `gx[row] = c[row] · (softmax(x[row]) − onehot(target[row]))`, rows with c = 0 left zero.
func softmaxMinusOneHot(_ logits: UnsafeMutablePointer<Float>, into gx: UnsafeMutablePointer<Float>,
                        rows: Int, vocabulary: Int, targets: [Int], coefficients: [Float], logSumExps: [Float]) {
    Threads.parallelFor(rows, minChunk: max(1, 16_384 / max(vocabulary, 1))) { range in
        for row in range {
            let c = coefficients[row]
            guard c != 0 else { continue }
            let x = logits + row * vocabulary, out = gx + row * vocabulary
            let lse = logSumExps[row]
            for j in 0..<vocabulary { out[j] = c * exp(x[j] - lse) }
            out[targets[row]] -= c
        }
    }
}
