/// A partition of a model's layers into stages, each fed its own soft prompt at its
/// representative layer (DHAM, METHODS.md "DHAM" steps 3–4).
///
/// Stages are ordered by their shallowest layer. A stage's representative r(i) is its
/// shallowest layer, so the first stage's is layer 0 (the embeddings' output). Stages come
/// from a uniform split, a single stage, or cluster labels; clusters need not be contiguous
/// in depth, and `nonContiguousStages` says which are not (their span is then the stage).
public struct StagePartition: Equatable {
    /// One stage: its layers (sorted) and where its prompt enters.
    public struct Stage: Equatable {
        /// The layers of the stage, ascending.
        public var layers: [Int]

        public init(layers: [Int]) {
            self.layers = layers.sorted()
        }

        /// r(i): the shallowest layer of the stage.
        public var representative: Int { layers.first ?? 0 }
        /// The span from the shallowest to the deepest layer.
        public var span: ClosedRange<Int> { (layers.first ?? 0)...(layers.last ?? 0) }
        /// Whether the layers are consecutive.
        public var isContiguous: Bool { layers.count == span.count }
    }

    /// L, the number of transformer layers.
    public let layerCount: Int
    /// The stages by shallowest layer; together they hold every layer exactly once.
    public let stages: [Stage]

    /// Checks that `stages` cover 0..<layerCount exactly once, and orders them by depth.
    public init(layerCount: Int, stages: [Stage]) throws {
        guard layerCount > 0 else { throw StagePartitionError("a partition needs at least one layer (got \(layerCount))") }
        let all = stages.flatMap(\.layers).sorted()
        guard !stages.contains(where: { $0.layers.isEmpty }) else { throw StagePartitionError("every stage needs at least one layer") }
        guard all == Array(0..<layerCount) else {
            throw StagePartitionError("the stages must hold each of the layers 0–\(layerCount - 1) exactly once (they hold \(all))")
        }
        self.layerCount = layerCount
        self.stages = stages.sorted { $0.representative < $1.representative }
    }

    /// One stage holding every layer (G = 1: plain prompt tuning at layer 0).
    public static func single(layerCount: Int) throws -> StagePartition {
        try StagePartition(layerCount: layerCount, stages: [Stage(layers: Array(0..<max(layerCount, 0)))])
    }

    /// G contiguous stages of equal size; when G does not divide L, the first L mod G stages
    /// (the shallowest) hold one layer more (L = 30, G = 4 → 8, 8, 7, 7).
    public static func uniform(layerCount: Int, stages count: Int) throws -> StagePartition {
        guard count >= 1, count <= layerCount else {
            throw StagePartitionError("\(count) stages cannot split \(layerCount) layers: G must be in [1, \(layerCount)]")
        }
        var stages: [Stage] = [], start = 0
        for size in evenSplit(layerCount, into: count) {
            stages.append(Stage(layers: Array(start..<(start + size))))
            start += size
        }
        return try StagePartition(layerCount: layerCount, stages: stages)
    }

    /// The stages of a clustering: `labels[l]` is the cluster of layer l (any integers).
    public static func clusters(_ labels: [Int]) throws -> StagePartition {
        var byLabel: [Int: [Int]] = [:]
        for (layer, label) in labels.enumerated() { byLabel[label, default: []].append(layer) }
        return try StagePartition(layerCount: labels.count, stages: byLabel.values.map { Stage(layers: $0) })
    }

    /// G, the number of stages.
    public var count: Int { stages.count }
    /// r(i) of every stage, ascending.
    public var representatives: [Int] { stages.map(\.representative) }
    /// Indices of the stages whose layers are not consecutive (a clustering may give them).
    public var nonContiguousStages: [Int] { stages.indices.filter { !stages[$0].isContiguous } }

    /// The stage holding `layer`, nil outside 0..<L.
    public func stage(of layer: Int) -> Int? {
        stages.firstIndex { $0.layers.contains(layer) }
    }

    /// `total` split into `parts` near-equal counts, the first `total mod parts` one larger:
    /// the uniform partition's stage sizes and a prompt budget's per-stage lengths.
    public static func evenSplit(_ total: Int, into parts: Int) -> [Int] {
        guard parts > 0 else { return [] }
        let base = total / parts, extra = total % parts
        return (0..<parts).map { base + ($0 < extra ? 1 : 0) }
    }
}

/// A partition that cannot be made; the message says why and what is allowed.
public struct StagePartitionError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
