/// Saliency of one layer (METHODS.md, Shared building blocks: saliency; Dai et al. 2021, Wang
/// et al. 2023): `I^l = |Σ_h A^{h,l} ⊙ ∂L/∂A^{h,l}|`, an `[n, n]` matrix whose row i is the
/// attending (query) token and column j the attended (key) token — the flow from j to i.
public struct SaliencyMap: Equatable {
    /// Sequence length n.
    public let count: Int
    /// `[n, n]` row-major: `values[i * n + j]`.
    public var values: [Float]

    public init(count: Int, values: [Float]) throws {
        guard count >= 0, values.count == count * count else {
            throw TensorError.invalidShape(op: "SaliencyMap", shape: [values.count],
                                           reason: "an [n, n] map with n = \(count) needs \(count * count) values")
        }
        self.count = count
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Float { values[row * count + column] }

    /// `Σ_h A ⊙ G` over the heads, keeping the trailing `n` query rows and key columns, before
    /// the absolute value (the signed form is what a finite difference measures).
    ///
    /// - probabilities, gradient: `[1, heads, q_seq, k_seq]` with `q_seq, k_seq ≥ n`. Leading
    ///   rows/columns are slots other methods inserted at deeper layers or prefix keys; they
    ///   are not part of the analysed sequence.
    public static func signedHeadSum(probabilities: Tensor, gradient: Tensor, keep n: Int) throws -> [Float] {
        let op = "saliency"
        guard probabilities.rank == 4, probabilities.shape == gradient.shape else {
            throw TensorError.shapeMismatch(op: op, lhs: probabilities.shape, rhs: gradient.shape,
                                            reason: "attention probabilities and their gradient must both be [batch, heads, q_seq, k_seq]")
        }
        let (batch, heads, tq, tk) = (probabilities.shape[0], probabilities.shape[1], probabilities.shape[2], probabilities.shape[3])
        guard batch == 1 else {
            throw TensorError.invalidShape(op: op, shape: probabilities.shape, reason: "saliency is computed for one sequence (batch 1)")
        }
        guard n >= 0, n <= tq, n <= tk else {
            throw TensorError.invalidShape(op: op, shape: probabilities.shape, reason: "the analysed sequence (\(n) tokens) is longer than the attention map")
        }
        let a = probabilities.contiguous(), g = gradient.contiguous()
        let (rowStart, columnStart) = (tq - n, tk - n)
        var sum = [Float](repeating: 0, count: n * n)
        sum.withUnsafeMutableBufferPointer { out in
            for h in 0..<heads {
                for i in 0..<n {
                    let base = (h * tq + rowStart + i) * tk + columnStart
                    let pa = a.data + base, pg = g.data + base
                    let target = out.baseAddress! + i * n
                    for j in 0..<n { target[j] += pa[j] * pg[j] }
                }
            }
        }
        return sum
    }

    /// `I^l` from the signed head sum: the absolute value of every entry.
    public static func absolute(_ signed: [Float], count: Int) throws -> SaliencyMap {
        try SaliencyMap(count: count, values: signed.map { Swift.abs($0) })
    }
}
