/// The examples of one split of a dataset, in file order until sampled.
public struct Dataset {
    public let name: String
    public let split: String
    public let examples: [Example]

    public init(name: String, split: String, examples: [Example]) {
        self.name = name
        self.split = split
        self.examples = examples
    }

    public var count: Int { examples.count }
    public var isEmpty: Bool { examples.isEmpty }

    /// `data NAME limit=N seed=S`: the examples in the order of a seeded shuffle, then the first
    /// `limit` of them (all when nil). The same seed always picks the same examples in the
    /// same order, and a smaller limit picks a prefix of a larger one's selection.
    public func sample(limit: Int?, seed: UInt64) throws -> Dataset {
        try split(validation: 0, limit: limit, seed: seed).training
    }

    /// A training selection and a disjoint validation set (for early stopping) from this split.
    ///
    /// Both come from one seeded shuffle: validation is its *last* `validation` examples and
    /// training the first `limit` of the rest. So the validation set does not depend on
    /// `limit`, the training selection does not depend on `validation`, and they never overlap.
    public func split(validation: Int, limit: Int?, seed: UInt64) throws -> (training: Dataset, validation: Dataset) {
        if let limit, limit < 1 {
            throw DatasetError.invalidRequest("limit is \(limit); it must be at least 1 (leave it out to take every example)")
        }
        guard validation >= 0, validation < count else {
            throw DatasetError.invalidRequest("cannot hold out \(validation) validation examples from the \(count) of \(name) \(split); hold out between 0 and \(max(count - 1, 0))")
        }
        let order = SeededPermutation.make(count: count, seed: seed)
        let available = count - validation
        let taken = min(limit ?? available, available)
        return (Dataset(name: name, split: split, examples: order[0..<taken].map { examples[$0] }),
                Dataset(name: name, split: "validation", examples: order[available...].map { examples[$0] }))
    }
}
