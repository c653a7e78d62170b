/// Training examples padded on the right into one rectangular batch.
///
/// Padding positions have `isReal` false (the model masks them out of attention) and label
/// `TrainingExample.ignoreIndex` (no loss). Right padding keeps every real token at its own
/// position 0, 1, …, as in the unpadded sequence.
///
/// A batch of preference pairs (`init(chosen:rejected:…)`) holds P chosen rows then the P
/// rejected rows of the same pairs: row i pairs with row P + i (`preferencePairs` = P).
public struct Batch {
    public let inputIDs: [[Int]]     // [batch][seq]
    public let labels: [[Int]]       // [batch][seq], shifted (see TrainingExample)
    public let isReal: [[Bool]]      // [batch][seq]
    /// Where each row came from in the list the batch was drawn from.
    public let exampleIndices: [Int]
    /// The number of preference pairs P in the batch, 0 when it holds single examples.
    public let preferencePairs: Int

    /// Pads `examples` to the longest with `padID`. Throws for an empty list or an example
    /// whose labels do not match its inputs.
    public init(_ examples: [TrainingExample], exampleIndices: [Int]? = nil, padID: Int) throws {
        guard !examples.isEmpty else { throw DatasetError.invalidRequest("a batch needs at least one example") }
        if let bad = examples.firstIndex(where: { $0.labels.count != $0.inputIDs.count || $0.inputIDs.isEmpty }) {
            throw DatasetError.invalidRequest("example \(bad) of the batch has \(examples[bad].inputIDs.count) inputs and \(examples[bad].labels.count) labels; they must match and not be empty")
        }
        let length = examples.map(\.length).max() ?? 0
        inputIDs = examples.map { $0.inputIDs + Array(repeating: padID, count: length - $0.length) }
        labels = examples.map { $0.labels + Array(repeating: TrainingExample.ignoreIndex, count: length - $0.length) }
        isReal = examples.map { Array(repeating: true, count: $0.length) + Array(repeating: false, count: length - $0.length) }
        self.exampleIndices = exampleIndices ?? Array(examples.indices)
        preferencePairs = 0
    }

    /// Preference pairs: the `chosen` rows, then the `rejected` rows in the same order, padded
    /// together. `exampleIndices` (one per pair) is repeated for both halves.
    public init(chosen: [TrainingExample], rejected: [TrainingExample], exampleIndices: [Int]? = nil, padID: Int) throws {
        guard chosen.count == rejected.count else {
            throw DatasetError.invalidRequest("a batch of pairs has \(chosen.count) chosen and \(rejected.count) rejected replies; they must match")
        }
        let indices = exampleIndices ?? Array(chosen.indices)
        let rows = try Batch(chosen + rejected, exampleIndices: indices + indices, padID: padID)
        inputIDs = rows.inputIDs
        labels = rows.labels
        isReal = rows.isReal
        self.exampleIndices = rows.exampleIndices
        preferencePairs = chosen.count
    }

    public var size: Int { inputIDs.count }
    public var length: Int { inputIDs.first?.count ?? 0 }
    /// RoPE positions `[batch][seq]`: 0… per row (padding continues the count; it is masked).
    public var positions: [[Int]] { Array(repeating: Array(0..<length), count: size) }
    /// Labels flattened row-major, as `crossEntropy` takes them for `[batch, seq, vocab]` logits.
    public var flatLabels: [Int] { labels.flatMap { $0 } }
    /// Tokens that are not padding.
    public var realTokenCount: Int { isReal.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 ? 1 : 0) } } }
    /// Positions that carry a loss.
    public var targetTokenCount: Int {
        labels.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 == TrainingExample.ignoreIndex ? 0 : 1) } }
    }
}

/// The order in which training visits its examples: per epoch, a seeded shuffle cut into
/// batches of `batchSize` (the last one partial when the count does not divide).
///
/// The order of epoch e depends only on the seed and e, so micro-batch number i of a run is
/// a pure function of i: a run resumed from a checkpoint sees exactly the batches an
/// uninterrupted run would, and `batchSize` b with accumulation k visits the examples in the
/// same order as batch b·k.
///
/// With `rejected` (one per example: preference pairs), each batch holds the chosen rows of its
/// pairs then their rejected rows (`Batch.init(chosen:rejected:…)`).
public final class BatchSchedule {
    public let examples: [TrainingExample]
    /// The rejected reply of each example, for preference pairs; nil for single examples.
    public let rejected: [TrainingExample]?
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    public let padID: Int
    private var cachedEpoch: (epoch: Int, order: [Int])?

    public init(examples: [TrainingExample], rejected: [TrainingExample]? = nil, batchSize: Int, seed: UInt64,
                shuffle: Bool = true, padID: Int) throws {
        guard !examples.isEmpty else { throw DatasetError.invalidRequest("there are no examples to batch") }
        guard batchSize >= 1 else { throw DatasetError.invalidRequest("batch size is \(batchSize); it must be at least 1") }
        if let rejected, rejected.count != examples.count {
            throw DatasetError.invalidRequest("\(examples.count) chosen and \(rejected.count) rejected replies; preference pairs need one of each")
        }
        self.examples = examples
        self.rejected = rejected
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.padID = padID
    }

    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }

    /// The order of the examples in `epoch` (0-based).
    public func order(epoch: Int) -> [Int] {
        if let cached = cachedEpoch, cached.epoch == epoch { return cached.order }
        let order = shuffle ? SeededPermutation.make(count: examples.count, seed: SeededPermutation.epochSeed(seed, epoch: epoch))
                            : Array(examples.indices)
        cachedEpoch = (epoch, order)
        return order
    }

    /// The `index`-th batch of the whole run (0-based, counting across epochs) and its epoch.
    public func batch(at index: Int) throws -> (epoch: Int, batch: Batch) {
        let epoch = index / batchesPerEpoch
        let start = (index % batchesPerEpoch) * batchSize
        let indices = Array(order(epoch: epoch)[start..<min(start + batchSize, examples.count)])
        if let rejected {
            return (epoch, try Batch(chosen: indices.map { examples[$0] }, rejected: indices.map { rejected[$0] },
                                     exampleIndices: indices, padID: padID))
        }
        return (epoch, try Batch(indices.map { examples[$0] }, exampleIndices: indices, padID: padID))
    }

    /// Every batch of `epoch`, in order.
    public func batches(epoch: Int) throws -> [Batch] {
        try (0..<batchesPerEpoch).map { try batch(at: epoch * batchesPerEpoch + $0).batch }
    }
}
