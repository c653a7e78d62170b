/// The silhouette score of a flat clustering on precomputed distances (DHAM step 3 chooses the
/// cut that maximises it), as `sklearn.metrics.silhouette_score(D, labels, metric='precomputed')`.
public enum Silhouette {
    /// Per point: a = mean distance to the other members of its cluster, b = the smallest mean
    /// distance to another cluster, s = (b − a)/max(a, b); 0 for a point alone in its cluster
    /// (and where a = b = 0).
    public static func samples(_ distances: DistanceMatrix, labels: [Int]) throws -> [Double] {
        let n = distances.count
        guard labels.count == n else {
            throw TensorError.invalidArgument(op: "Silhouette", reason: "there are \(labels.count) labels for \(n) points")
        }
        let ids = Array(Set(labels)).sorted()
        guard ids.count >= 2, ids.count <= n - 1 else {
            throw TensorError.invalidArgument(op: "Silhouette", reason: "the silhouette needs between 2 and n−1 = \(n - 1) clusters; the labels have \(ids.count)")
        }
        let slot = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, $0.offset) })
        let cluster = labels.map { slot[$0]! }
        var sizes = [Int](repeating: 0, count: ids.count)
        for c in cluster { sizes[c] += 1 }
        var result = [Double](repeating: 0, count: n)
        var sums = [Double](repeating: 0, count: ids.count)
        for i in 0..<n {
            for c in sums.indices { sums[c] = 0 }
            for j in 0..<n where j != i { sums[cluster[j]] += distances[i, j] }
            let own = cluster[i]
            guard sizes[own] > 1 else { continue }   // singleton: 0
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for c in sums.indices where c != own { b = min(b, sums[c] / Double(sizes[c])) }
            let denominator = max(a, b)
            result[i] = denominator > 0 ? (b - a) / denominator : 0
        }
        return result
    }

    /// The mean of `samples`: the score in [−1, 1].
    public static func score(_ distances: DistanceMatrix, labels: [Int]) throws -> Double {
        let values = try samples(distances, labels: labels)
        return values.reduce(0, +) / Double(values.count)
    }
}
