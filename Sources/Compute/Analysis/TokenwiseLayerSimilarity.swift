/// Layer-to-layer comparisons token by token: the cosine and Euclidean baselines of DHAM's
/// ablation (METHODS.md "DHAM", baselines), beside linear CKA. Each layer is `[N, d]`, row t
/// being the same token in every layer.
public enum TokenwiseLayerSimilarity {
    /// S_ab = (1/N) Σ_t cos(X_a[t], X_b[t]): the mean cosine similarity of the same token's
    /// representations in layers a and b. In [−1, 1], ones on the diagonal. A zero row has
    /// cosine 0 with everything (1 with itself).
    public static func cosine(_ layers: [Tensor]) throws -> [[Double]] {
        let (rows, n, d) = try flatten(layers)
        let norms = rows.map { x in (0..<n).map { t in (0..<d).reduce(0.0) { $0 + Double(x[t * d + $1]) * Double(x[t * d + $1]) }.squareRoot() } }
        var s = Array(repeating: Array(repeating: 1.0, count: layers.count), count: layers.count)
        for a in 0..<layers.count {
            for b in (a + 1)..<layers.count {
                var sum = 0.0
                for t in 0..<n where norms[a][t] > 0 && norms[b][t] > 0 {
                    var dot = 0.0
                    for k in 0..<d { dot += Double(rows[a][t * d + k]) * Double(rows[b][t * d + k]) }
                    sum += dot / (norms[a][t] * norms[b][t])
                }
                s[a][b] = sum / Double(n)
                s[b][a] = s[a][b]
            }
        }
        return s
    }

    /// D_ab = √((1/N) Σ_t ‖X̃_a[t] − X̃_b[t]‖²) on mean-normalised representations
    /// X̃ = (X − μ)/r: each layer's mean token μ removed, then scaled by its root-mean-square
    /// token norm r, so that the growth of the residual stream with depth does not dominate.
    /// In [0, 2], zeros on the diagonal. A constant layer (r = 0) is an error.
    public static func euclidean(_ layers: [Tensor]) throws -> [[Double]] {
        let (rows, n, d) = try flatten(layers)
        let normalised = try rows.enumerated().map { index, x -> [Double] in
            var mean = Array(repeating: 0.0, count: d)
            for t in 0..<n { for k in 0..<d { mean[k] += Double(x[t * d + k]) } }
            for k in 0..<d { mean[k] /= Double(n) }
            var centred = Array(repeating: 0.0, count: n * d)
            var squares = 0.0
            for t in 0..<n {
                for k in 0..<d {
                    centred[t * d + k] = Double(x[t * d + k]) - mean[k]
                    squares += centred[t * d + k] * centred[t * d + k]
                }
            }
            let rms = (squares / Double(n)).squareRoot()
            guard rms > 0, rms.isFinite else {
                throw TensorError.invalidArgument(op: "TokenwiseLayerSimilarity", reason: "layer \(index) is constant across tokens (or not finite); its normalised distance is undefined")
            }
            return centred.map { $0 / rms }
        }
        var distance = Array(repeating: Array(repeating: 0.0, count: layers.count), count: layers.count)
        for a in 0..<layers.count {
            for b in (a + 1)..<layers.count {
                var sum = 0.0
                for i in 0..<(n * d) { let diff = normalised[a][i] - normalised[b][i]; sum += diff * diff }
                distance[a][b] = (sum / Double(n)).squareRoot()
                distance[b][a] = distance[a][b]
            }
        }
        return distance
    }

    /// The layers' values `[N * d]` each, after checking they share one shape `[N, d]`, N ≥ 1.
    private static func flatten(_ layers: [Tensor]) throws -> (rows: [[Float]], n: Int, d: Int) {
        guard let first = layers.first else { return ([], 0, 0) }
        for (index, layer) in layers.enumerated() where layer.rank != 2 || layer.shape != first.shape || layer.shape[0] < 1 {
            throw TensorError.shapeMismatch(op: "TokenwiseLayerSimilarity", lhs: first.shape, rhs: layer.shape,
                                            reason: "layer \(index) must be [N, d] like layer 0, with N ≥ 1 (one row per token)")
        }
        return (layers.map { $0.contiguous().scalars }, first.shape[0], first.shape[1])
    }
}
