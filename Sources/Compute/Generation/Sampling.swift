import Foundation

/// How the next token is chosen. `temperature == 0` is greedy decoding.
public struct SamplingOptions: Equatable {
    public var temperature: Float
    public var topK: Int          // 0 = no limit
    public var topP: Float        // 1 = no nucleus cut
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) throws {
        guard temperature >= 0, temperature.isFinite else {
            throw ModelError.invalidInput("temperature \(temperature) must be a finite number ≥ 0 (0 = greedy)")
        }
        guard topK >= 0 else { throw ModelError.invalidInput("top-k \(topK) must be ≥ 0 (0 = no limit)") }
        guard topP > 0, topP <= 1 else { throw ModelError.invalidInput("top-p \(topP) must be in (0, 1]") }
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public static let greedy = try! SamplingOptions()
}

/// Picks tokens from a logit row. Each sequence of a batch owns its generator, seeded from
/// the options' seed and the sequence's index, so batched and one-by-one sampling agree.
struct TokenSampler {
    let options: SamplingOptions
    var generator: SeededGenerator

    init(options: SamplingOptions, sequenceIndex: Int) {
        self.options = options
        generator = SeededGenerator(seed: options.seed &+ UInt64(sequenceIndex) &* 0x9E37_79B9)
    }

    /// The chosen id from `logits` (`count` entries).
    mutating func next(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        if options.temperature == 0 { return Self.argmax(logits, count: count) }
        // Candidates by descending logit, cut by top-k, softmax at the temperature, cut by top-p.
        var order = Array(0..<count)
        order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if options.topK > 0 { order = Array(order.prefix(options.topK)) }
        let top = logits[order[0]]
        var weights = order.map { exp(Double((logits[$0] - top) / options.temperature)) }
        let total = weights.reduce(0, +)
        var kept = 0, mass = 0.0
        for w in weights {
            kept += 1
            mass += w / total
            if mass >= Double(options.topP) { break }
        }
        weights = Array(weights.prefix(kept))
        let keptTotal = weights.reduce(0, +)
        var threshold = Double(generator.nextUniform()) * keptTotal
        for (i, w) in weights.enumerated() {
            threshold -= w
            if threshold < 0 { return order[i] }
        }
        return order[kept - 1]
    }

    /// Index of the largest value; the lowest index wins ties (deterministic).
    static func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for i in 1..<count where values[i] > values[best] { best = i }
        return best
    }
}
