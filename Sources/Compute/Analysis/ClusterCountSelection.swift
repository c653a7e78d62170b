/// Choosing the number of clusters G (DHAM step 3): the cut of the dendrogram whose flat
/// clustering has the highest silhouette, stabilised over bootstrap resamples of the data.
public enum ClusterCountSelection {
    /// The silhouette of the cut into exactly G clusters, for each G in `range`; nil where no
    /// cut gives exactly G (merge heights tie) or G is outside 2…n−1 (the silhouette is undefined).
    public static func silhouettes(_ distances: DistanceMatrix, linkage: Linkage,
                                   range: ClosedRange<Int>) throws -> [Int: Double?] {
        let tree = AgglomerativeClustering.cluster(distances, linkage: linkage)
        var result: [Int: Double?] = [:]
        for g in range {
            guard g >= 2, g <= distances.count - 1 else {
                result[g] = .some(nil)
                continue
            }
            let labels = try tree.clusters(count: g)
            result[g] = (labels.max() ?? -1) + 1 == g ? try Silhouette.score(distances, labels: labels) : .some(nil)
        }
        return result
    }

    /// The G in `range` with the highest silhouette (ties → the smaller G); nil if none is defined.
    public static func best(_ distances: DistanceMatrix, linkage: Linkage, range: ClosedRange<Int>) throws -> (count: Int, silhouette: Double)? {
        let scores = try silhouettes(distances, linkage: linkage, range: range)
        var best: (count: Int, silhouette: Double)?
        for g in range {
            guard let score = scores[g] ?? nil else { continue }
            if best == nil || score > best!.silhouette { best = (g, score) }
        }
        return best
    }

    /// The outcome of a bootstrap selection.
    public struct Result: Equatable {
        /// The most frequent best G over the resamples (ties → the smaller G).
        public var count: Int
        /// How many resamples chose each G of the range (0 included).
        public var votes: [Int: Int]
        /// The mean silhouette of each G's cut over the resamples where it was defined.
        public var meanSilhouettes: [Int: Double]
        /// Resamples where no G of the range had a defined silhouette.
        public var undecided: Int
    }

    /// Bootstrap selection: for each of `resamples` draws of `sampleCount` indices with
    /// replacement (seeded by `seed`), `distances(indices)` builds the distance matrix of the
    /// points to cluster (e.g. 1 − CKA of the layers on those calibration tokens); the best G
    /// of that matrix gets a vote. Deterministic for a given seed.
    public static func bootstrap(sampleCount: Int, resamples: Int, range: ClosedRange<Int>, linkage: Linkage,
                                 seed: UInt64, distances: ([Int]) throws -> DistanceMatrix) throws -> Result {
        guard sampleCount >= 1, resamples >= 1 else {
            throw TensorError.invalidArgument(op: "ClusterCountSelection", reason: "the bootstrap needs at least one sample and one resample (got \(sampleCount) samples, \(resamples) resamples)")
        }
        var generator = SeededGenerator(seed: seed)
        var votes = Dictionary(uniqueKeysWithValues: range.map { ($0, 0) })
        var sums = Dictionary(uniqueKeysWithValues: range.map { ($0, 0.0) })
        var defined = Dictionary(uniqueKeysWithValues: range.map { ($0, 0) })
        var undecided = 0
        for _ in 0..<resamples {
            let indices = (0..<sampleCount).map { _ in Int(generator.next() % UInt64(sampleCount)) }
            let matrix = try distances(indices)
            let scores = try silhouettes(matrix, linkage: linkage, range: range)
            var best: (Int, Double)?
            for g in range {
                guard let score = scores[g] ?? nil else { continue }
                sums[g]! += score
                defined[g]! += 1
                if best == nil || score > best!.1 { best = (g, score) }
            }
            if let best { votes[best.0]! += 1 } else { undecided += 1 }
        }
        guard let chosen = range.max(by: { (votes[$0]!, -$0) < (votes[$1]!, -$1) }), votes[chosen]! > 0 else {
            throw TensorError.invalidArgument(op: "ClusterCountSelection", reason: "no cluster count in \(range.lowerBound)…\(range.upperBound) has a defined silhouette on any resample; the points may be too few for that range")
        }
        let means = Dictionary(uniqueKeysWithValues: range.compactMap { g in defined[g]! > 0 ? (g, sums[g]! / Double(defined[g]!)) : nil })
        return Result(count: chosen, votes: votes, meanSilhouettes: means, undecided: undecided)
    }
}
