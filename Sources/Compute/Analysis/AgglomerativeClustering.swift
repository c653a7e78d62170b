/// How the distance between two clusters follows from their members' distances (the
/// Lance–Williams update after merging clusters i and j, seen from cluster k).
public enum Linkage: String, CaseIterable {
    /// min(d_ki, d_kj): nearest members.
    case single
    /// max(d_ki, d_kj): farthest members.
    case complete
    /// UPGMA, (n_i·d_ki + n_j·d_kj)/(n_i + n_j): mean over member pairs.
    case average
    /// Ward's minimum variance on the given distances, as scipy's `linkage(y, 'ward')` on a
    /// condensed matrix: √(((n_i+n_k)d_ki² + (n_j+n_k)d_kj² − n_k·d_ij²)/(n_i+n_j+n_k)).
    case ward

    func updated(ki: Double, kj: Double, ij: Double, ni: Double, nj: Double, nk: Double) -> Double {
        switch self {
        case .single: return min(ki, kj)
        case .complete: return max(ki, kj)
        case .average: return (ni * ki + nj * kj) / (ni + nj)
        case .ward:
            let value = ((ni + nk) * ki * ki + (nj + nk) * kj * kj - nk * ij * ij) / (ni + nj + nk)
            return max(0, value).squareRoot()
        }
    }
}

/// One merge of a dendrogram in scipy's linkage convention: clusters `left` < `right` (leaves
/// are 0..<n, merge k creates cluster n + k) joined at `distance`, giving `size` leaves.
public struct ClusterMerge: Equatable {
    public var left: Int
    public var right: Int
    public var distance: Double
    public var size: Int

    public init(left: Int, right: Int, distance: Double, size: Int) {
        self.left = left
        self.right = right
        self.distance = distance
        self.size = size
    }
}

/// Agglomerative (hierarchical) clustering, DHAM step 3: repeatedly merge the two closest
/// clusters. All four linkages are reducible, so the nearest-neighbour chain algorithm finds
/// the same merges as the naive search in O(n²) time; the merges are then sorted by distance
/// (stable) and numbered as scipy's `linkage` does, so results match it merge for merge when
/// distances have no ties.
public enum AgglomerativeClustering {
    /// The dendrogram of `distances` under `linkage`.
    public static func cluster(_ distances: DistanceMatrix, linkage: Linkage) -> Dendrogram {
        let n = distances.count
        guard n > 1 else { return Dendrogram(leafCount: n, merges: []) }
        // Full square working copy: d[i*n + j] is the distance between the clusters whose
        // representative indices are i and j (a merged cluster lives on at the larger index).
        var d = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                d[i * n + j] = distances[i, j]
                d[j * n + i] = distances[i, j]
            }
        }
        var size = [Int](repeating: 1, count: n)
        var chain: [Int] = []
        var raw: [ClusterMerge] = []   // left/right are representative indices until relabelled
        raw.reserveCapacity(n - 1)
        for _ in 0..<(n - 1) {
            if chain.isEmpty, let first = size.firstIndex(where: { $0 > 0 }) { chain.append(first) }
            var x = 0, y = 0, best = Double.infinity
            while true {
                x = chain[chain.count - 1]
                if chain.count > 1 {
                    y = chain[chain.count - 2]
                    best = d[x * n + y]
                } else {
                    best = .infinity
                }
                for i in 0..<n where size[i] > 0 && i != x {
                    let value = d[x * n + i]
                    if value < best {
                        best = value
                        y = i
                    }
                }
                if chain.count > 1 && y == chain[chain.count - 2] { break }
                chain.append(y)
            }
            chain.removeLast(2)
            if x > y { swap(&x, &y) }
            let (nx, ny) = (size[x], size[y])
            raw.append(ClusterMerge(left: x, right: y, distance: best, size: nx + ny))
            size[x] = 0
            size[y] = nx + ny
            for i in 0..<n where size[i] > 0 && i != y {
                let value = linkage.updated(ki: d[i * n + x], kj: d[i * n + y], ij: best,
                                            ni: Double(nx), nj: Double(ny), nk: Double(size[i]))
                d[i * n + y] = value
                d[y * n + i] = value
            }
        }
        let order = raw.indices.sorted { (raw[$0].distance, $0) < (raw[$1].distance, $1) }
        return Dendrogram(leafCount: n, merges: relabel(order.map { raw[$0] }, leafCount: n))
    }

    /// Replaces representative indices by cluster ids (leaf i, merge k → n + k), smaller id
    /// first — scipy's `label` step.
    private static func relabel(_ merges: [ClusterMerge], leafCount n: Int) -> [ClusterMerge] {
        var parent = Array(0..<(2 * n - 1))
        var nextID = n
        func find(_ x: Int) -> Int {
            var root = x
            while parent[root] != root { root = parent[root] }
            var node = x
            while parent[node] != root {
                let next = parent[node]
                parent[node] = root
                node = next
            }
            return root
        }
        return merges.map { merge in
            let (a, b) = (find(merge.left), find(merge.right))
            parent[a] = nextID
            parent[b] = nextID
            nextID += 1
            return ClusterMerge(left: min(a, b), right: max(a, b), distance: merge.distance, size: merge.size)
        }
    }
}
