/// Dynamic corruption of a soft prompt (METHODS.md, DPC step 4): the key token's vector is
/// multiplied by 0, and in the other vectors the Γ% smallest-magnitude entries are zeroed.
public struct PromptCorruption: Equatable {
    /// Where the Γ% smallest entries are chosen.
    public enum Scope: String, CaseIterable {
        /// Within each non-key vector: ⌊Γ·d⌉ entries of each (the publication's reading).
        case vector
        /// Among all entries of the non-key vectors together: ⌊Γ·(m−1)·d⌉ entries.
        case global
    }

    /// Γ as a fraction in [0, 1] (0.1 = 10%).
    public var fraction: Double
    public var scope: Scope

    public init(fraction: Double = 0.1, scope: Scope = .vector) throws {
        guard fraction.isFinite, (0...1).contains(fraction) else {
            throw TensorError.invalidArgument(op: "PromptCorruption", reason: "the fraction of entries to zero must be in [0, 1], got \(fraction)")
        }
        self.fraction = fraction
        self.scope = scope
    }

    /// How many of `count` entries are zeroed: Γ·count rounded to the nearest integer.
    public func zeroedCount(of count: Int) -> Int {
        min(count, Int((fraction * Double(count)).rounded()))
    }

    /// A corrupted copy of `prompt` `[m, d]`, off the graph; `key` is the vector zeroed whole.
    /// Among entries of equal magnitude the earlier one (row-major) is zeroed first.
    public func corrupt(_ prompt: Tensor, key: Int) throws -> Tensor {
        guard prompt.rank == 2 else {
            throw TensorError.invalidShape(op: "PromptCorruption", shape: prompt.shape, reason: "a soft prompt is [m, d]")
        }
        let (m, d) = (prompt.shape[0], prompt.shape[1])
        guard (0..<m).contains(key) else {
            throw TensorError.invalidArgument(op: "PromptCorruption", reason: "key token \(key) is not one of the prompt's \(m) vectors")
        }
        var values = prompt.contiguous().scalars
        for j in 0..<d { values[key * d + j] = 0 }
        switch scope {
        case .vector:
            let k = zeroedCount(of: d)
            for row in 0..<m where row != key {
                let indices = (row * d)..<(row * d + d)
                for index in Self.smallest(k, of: indices, in: values) { values[index] = 0 }
            }
        case .global:
            let others = (0..<m).filter { $0 != key }.flatMap { ($0 * d)..<($0 * d + d) }
            for index in Self.smallest(zeroedCount(of: others.count), of: others, in: values) { values[index] = 0 }
        }
        return try Tensor(shape: [m, d], scalars: values)
    }

    /// The `k` indices of smallest `|values[i]|`, earlier indices first on ties.
    static func smallest<C: Collection>(_ k: Int, of indices: C, in values: [Float]) -> [Int] where C.Element == Int {
        guard k > 0 else { return [] }
        return Array(indices.sorted { (Swift.abs(values[$0]), $0) < (Swift.abs(values[$1]), $1) }.prefix(k))
    }

    /// A key token drawn uniformly from the m vectors (the random-key ablation).
    public static func randomKey(count m: Int, generator: inout SeededGenerator) throws -> Int {
        guard m > 0 else {
            throw TensorError.invalidArgument(op: "PromptCorruption", reason: "the prompt has no vectors")
        }
        return Int(generator.next() % UInt64(m))
    }
}

/// Calibrating the trigger threshold (METHODS.md, DPC step 3: the publication tunes it per
/// model and dataset): for each item the trigger ratio R and whether its answer was correct
/// before and after corruption; DPC keeps the corrected answer iff R > t.
public enum TriggerCalibration {
    public struct Item: Equatable {
        public var ratio: Double
        public var correctBefore: Bool
        public var correctAfter: Bool

        public init(ratio: Double, correctBefore: Bool, correctAfter: Bool) {
            self.ratio = ratio
            self.correctBefore = correctBefore
            self.correctAfter = correctAfter
        }
    }

    public struct Point: Equatable {
        public var threshold: Double
        /// Fraction of items answered correctly when DPC triggers iff R > threshold.
        public var accuracy: Double
        /// Fraction of items that trigger.
        public var triggerRate: Double
    }

    /// Accuracy and trigger rate at each threshold, in the order given. With no items both are 0.
    public static func sweep(_ items: [Item], thresholds: [Double]) -> [Point] {
        thresholds.map { t in
            guard !items.isEmpty else { return Point(threshold: t, accuracy: 0, triggerRate: 0) }
            var correct = 0, triggered = 0
            for item in items {
                let fires = item.ratio > t
                if fires { triggered += 1 }
                if fires ? item.correctAfter : item.correctBefore { correct += 1 }
            }
            let n = Double(items.count)
            return Point(threshold: t, accuracy: Double(correct) / n, triggerRate: Double(triggered) / n)
        }
    }

    /// The threshold of highest accuracy (the lowest such threshold on ties); nil with no thresholds.
    public static func best(_ points: [Point]) -> Point? {
        points.min { ($0.accuracy, -$0.threshold) > ($1.accuracy, -$1.threshold) }
    }
}
