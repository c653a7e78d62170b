/// The tree that agglomerative clustering builds, in scipy's linkage convention, and its flat
/// cuts (DHAM step 3: cutting at threshold τ gives G(τ) clusters).
///
/// Flat labels are numbered 0, 1, 2, … in order of first appearance over the leaves (leaf 0 is
/// always in cluster 0), not scipy's `fcluster` numbering; the partition itself is scipy's.
public struct Dendrogram: Equatable {
    public let leafCount: Int
    /// `leafCount − 1` merges in increasing distance; merge k creates cluster `leafCount + k`.
    public let merges: [ClusterMerge]

    public init(leafCount: Int, merges: [ClusterMerge]) {
        self.leafCount = leafCount
        self.merges = merges
    }

    /// The largest merge distance in each merge's subtree (scipy's `maxdists`); equal to the
    /// merge distance for the monotone linkages here, kept for robustness.
    public var subtreeHeights: [Double] {
        var heights: [Double] = []
        heights.reserveCapacity(merges.count)
        for merge in merges {
            var h = merge.distance
            for child in [merge.left, merge.right] where child >= leafCount { h = max(h, heights[child - leafCount]) }
            heights.append(h)
        }
        return heights
    }

    /// Flat clusters whose cophenetic distance is at most `threshold` (scipy's
    /// `fcluster(Z, t, criterion='distance')`), labelled in order of first appearance.
    public func clusters(threshold: Double) -> [Int] {
        let heights = subtreeHeights
        return labels(joining: merges.indices.filter { heights[$0] <= threshold })
    }

    /// How many flat clusters `clusters(threshold:)` gives.
    public func clusterCount(threshold: Double) -> Int {
        leafCount - subtreeHeights.filter { $0 <= threshold }.count
    }

    /// At most `count` flat clusters (scipy's `criterion='maxclust'`): the cut at the smallest
    /// merge height that leaves no more than `count`; fewer only when several merges tie at that
    /// height. `count ≥ leafCount` gives every leaf its own cluster.
    public func clusters(count: Int) throws -> [Int] {
        guard count >= 1 else {
            throw TensorError.invalidArgument(op: "Dendrogram", reason: "the number of clusters is \(count); it must be at least 1")
        }
        guard let threshold = threshold(forCount: count) else { return Array(0..<leafCount) }
        return clusters(threshold: threshold)
    }

    /// The smallest merge height at which at most `count` clusters remain; nil when no merge
    /// is needed (`count ≥ leafCount`).
    public func threshold(forCount count: Int) -> Double? {
        guard count < leafCount, !merges.isEmpty else { return nil }
        let sorted = subtreeHeights.sorted()
        // Cutting at sorted[i] joins every merge at or below it: leafCount − (merges ≤ sorted[i]).
        for (i, h) in sorted.enumerated() {
            let joined = sorted[(i + 1)...].prefix { $0 <= h }.count + i + 1
            if leafCount - joined <= count { return h }
        }
        return sorted.last
    }

    private func labels(joining chosen: [Int]) -> [Int] {
        // Union–find over the leaves; merge k's representative leaf stands for cluster n + k.
        var parent = Array(0..<leafCount)
        func find(_ x: Int) -> Int {
            var r = x
            while parent[r] != r { r = parent[r] }
            return r
        }
        var representative = Array(0..<leafCount)   // per merge, a leaf in its subtree
        representative += Array(repeating: 0, count: merges.count)
        for (k, merge) in merges.enumerated() {
            representative[leafCount + k] = representative[merge.left]
        }
        for k in chosen {
            let a = find(representative[merges[k].left]), b = find(representative[merges[k].right])
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        var number: [Int: Int] = [:]
        return (0..<leafCount).map { leaf in
            let root = find(leaf)
            if let existing = number[root] { return existing }
            number[root] = number.count
            return number[root]!
        }
    }
}
