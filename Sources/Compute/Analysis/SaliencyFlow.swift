/// The three parts of a DPC sequence (METHODS.md, DPC): `[soft prompt | question | rationale]`,
/// as position ranges of the analysed sequence (`prompt` is empty when no soft prompt is active).
public struct SequenceSegments: Equatable {
    public let prompt: Range<Int>
    public let question: Range<Int>
    public let rationale: Range<Int>

    /// Consecutive segments of the given lengths, starting at position 0.
    public init(prompt m: Int, question q: Int, rationale r: Int) throws {
        guard m >= 0, q >= 0, r >= 0 else {
            throw TensorError.invalidArgument(op: "SequenceSegments", reason: "segment lengths must be non-negative, got \(m), \(q), \(r)")
        }
        prompt = 0..<m
        question = m..<(m + q)
        rationale = (m + q)..<(m + q + r)
    }

    /// n: the whole sequence.
    public var count: Int { rationale.upperBound }
}

/// Per-layer flow metrics (METHODS.md, DPC step 1): mean saliency from one segment (columns,
/// attended) to another (rows, attending).
public struct SaliencyFlows: Equatable {
    /// S_pq: prompt → question, mean of I_{i,j} over i ∈ question, j ∈ prompt.
    public var promptToQuestion: Double
    /// S_pr: prompt → rationale, i ∈ rationale, j ∈ prompt.
    public var promptToRationale: Double
    /// S_qr: question → rationale, i ∈ rationale, j ∈ question.
    public var questionToRationale: Double

    public init(promptToQuestion: Double, promptToRationale: Double, questionToRationale: Double) {
        self.promptToQuestion = promptToQuestion
        self.promptToRationale = promptToRationale
        self.questionToRationale = questionToRationale
    }

    /// The three flows of one layer's map; a flow with an empty segment is 0.
    public init(_ map: SaliencyMap, _ segments: SequenceSegments) {
        promptToQuestion = SaliencyFlows.mean(map, rows: segments.question, columns: segments.prompt)
        promptToRationale = SaliencyFlows.mean(map, rows: segments.rationale, columns: segments.prompt)
        questionToRationale = SaliencyFlows.mean(map, rows: segments.rationale, columns: segments.question)
    }

    /// Mean of `map[i, j]` over `rows × columns`; 0 when either is empty.
    public static func mean(_ map: SaliencyMap, rows: Range<Int>, columns: Range<Int>) -> Double {
        guard !rows.isEmpty, !columns.isEmpty else { return 0 }
        var total = 0.0
        for i in rows { for j in columns { total += Double(map[i, j]) } }
        return total / Double(rows.count * columns.count)
    }
}

/// How the shallow-layer information accumulation (METHODS.md, DPC step 2) aggregates.
public struct AccumulationOptions: Equatable {
    /// How the flow out of soft token k is combined over the attending tokens i ∈ [q_s, r_e].
    public enum Reduction: String, CaseIterable { case sum, mean }

    /// The shallow layers summed over; nil: the first quarter of the layers (at least one).
    public var layers: [Int]?
    /// Over attending tokens: `sum` (METHODS.md's C_k) or `mean`.
    public var reduction: Reduction
    /// Accumulation is present when C_{k*} exceeds `factor` × the mean of C over soft tokens (3).
    public var factor: Double

    public init(layers: [Int]? = nil, reduction: Reduction = .sum, factor: Double = 3) {
        self.layers = layers
        self.reduction = reduction
        self.factor = factor
    }

    /// The layers used for a model of `layerCount` layers.
    public func shallowLayers(of layerCount: Int) -> [Int] {
        layers ?? Array(0..<max(1, layerCount / 4))
    }
}

/// Information accumulation per soft token (METHODS.md, DPC step 2):
/// `C_k = Σ_{l shallow} Σ_{i ∈ [q_s, r_e]} I^l_{i,k}`, the key token `k* = argmax_k C_k`.
public struct InformationAccumulation: Equatable {
    /// C_k for every soft token k (index within the prompt).
    public var perToken: [Double]
    /// k*, the index of the largest C_k (the first on ties).
    public var key: Int
    /// Whether `C_{k*} > factor · mean_k C_k`.
    public var isPresent: Bool
    /// The layers summed over.
    public var layers: [Int]

    public init(maps: [SaliencyMap], segments: SequenceSegments, options: AccumulationOptions = .init()) throws {
        let layers = options.shallowLayers(of: maps.count)
        guard !segments.prompt.isEmpty else {
            throw TensorError.invalidArgument(op: "InformationAccumulation", reason: "there is no soft prompt to accumulate information in")
        }
        if let bad = layers.first(where: { $0 < 0 || $0 >= maps.count }) {
            throw TensorError.invalidArgument(op: "InformationAccumulation", reason: "shallow layer \(bad) is not a layer of this model (0…\(maps.count - 1))")
        }
        let attending = segments.question.lowerBound..<segments.rationale.upperBound
        var c = [Double](repeating: 0, count: segments.prompt.count)
        for l in layers {
            let map = maps[l]
            for (index, k) in segments.prompt.enumerated() {
                var flow = 0.0
                for i in attending { flow += Double(map[i, k]) }
                if options.reduction == .mean, !attending.isEmpty { flow /= Double(attending.count) }
                c[index] += flow
            }
        }
        perToken = c
        key = c.indices.max { c[$0] < c[$1] || (c[$0] == c[$1] && $0 > $1) } ?? 0
        let mean = c.reduce(0, +) / Double(c.count)
        isPresent = c[key] > options.factor * mean
        self.layers = layers
    }
}

/// The dynamic trigger (METHODS.md, DPC step 3), read from one layer (the final one by default).
public struct TriggerRatio: Equatable {
    /// β: mean flow from the soft prompt to the former half of the rationale.
    public var beta: Double
    /// Latter-half positions t whose mean flow from the prompt exceeds β.
    public var affected: [Int]
    /// Number of latter-half tokens.
    public var latterCount: Int
    /// R = affected / latter-half tokens; 0 when the rationale has fewer than 2 tokens or
    /// there is no prompt.
    public var ratio: Double

    /// - split: the fraction of the rationale in the former half (0.5: its midpoint; the former
    ///   half has ⌊split · r⌋ tokens, the latter the rest).
    public init(map: SaliencyMap, segments: SequenceSegments, split: Double = 0.5) {
        let r = segments.rationale
        let formerCount = min(r.count, max(0, Int((split * Double(r.count)).rounded(.down))))
        let former = r.lowerBound..<(r.lowerBound + formerCount)
        let latter = former.upperBound..<r.upperBound
        latterCount = latter.count
        guard !segments.prompt.isEmpty, !former.isEmpty, !latter.isEmpty else {
            beta = 0
            affected = []
            ratio = 0
            return
        }
        beta = SaliencyFlows.mean(map, rows: former, columns: segments.prompt)
        let threshold = beta
        affected = latter.filter { t in SaliencyFlows.mean(map, rows: t..<(t + 1), columns: segments.prompt) > threshold }
        ratio = Double(affected.count) / Double(latter.count)
    }
}
