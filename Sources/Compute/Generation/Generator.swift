/// Why a sequence stopped.
public enum FinishReason: String {
    case endOfSequence = "eos"
    case stopString = "stop"
    case length
}

/// One generated continuation.
public struct GeneratedSequence: Equatable {
    public var ids: [Int]                 // generated ids only (the prompt excluded)
    public var finishReason: FinishReason
    /// The stop string that ended generation, when one did.
    public var stopString: String?
}

/// What to generate and when to stop.
public struct GenerationOptions {
    public var maxNewTokens: Int
    public var sampling: SamplingOptions
    public var stopTokenIDs: Set<Int>     // usually the tokenizer's EOS (and end-of-turn) ids
    public var stopStrings: [String]      // matched on the decoded continuation

    public init(maxNewTokens: Int, sampling: SamplingOptions = .greedy, stopTokenIDs: Set<Int> = [],
                stopStrings: [String] = []) throws {
        guard maxNewTokens >= 0 else {
            throw ModelError.invalidInput("max-tokens \(maxNewTokens) must be ≥ 0")
        }
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.stopTokenIDs = stopTokenIDs
        self.stopStrings = stopStrings
    }
}

/// Batched autoregressive generation over a KV cache.
///
/// Prompts of different lengths are left-padded to a common length; padding slots are
/// masked out of attention and real tokens keep positions 0…n−1, so each sequence sees
/// exactly what it would see alone. Sequences that finish keep a slot in the batch (their
/// output is ignored) until every sequence has finished.
public struct Generator {
    public let model: LlamaModel
    /// Decodes ids to text; needed only for stop strings.
    public let decode: (([Int]) -> String)?

    public init(model: LlamaModel, decode: (([Int]) -> String)? = nil) {
        self.model = model
        self.decode = decode
    }

    /// Generates a continuation of every prompt. `onToken(sequence, id)` is called for each
    /// new token of a still-running sequence, in order (for streaming).
    public func generate(_ prompts: [[Int]], options: GenerationOptions, hooks: ForwardHooks? = nil,
                         onToken: ((Int, Int) -> Void)? = nil) throws -> [GeneratedSequence] {
        guard !prompts.isEmpty else { return [] }
        guard prompts.allSatisfy({ !$0.isEmpty }) else {
            throw ModelError.invalidInput("every prompt needs at least one token")
        }
        if !options.stopStrings.isEmpty && decode == nil {
            throw ModelError.invalidInput("stop strings need a tokenizer to decode the continuation")
        }
        let batch = prompts.count
        let width = prompts.map(\.count).max()!
        let inserted = hooks?.insertedPositions ?? 0      // slots hooks add in the prefill
        let capacity = width + options.maxNewTokens + inserted
        guard capacity <= model.config.contextLength else {
            let slots = inserted > 0 ? " plus \(inserted) inserted slots" : ""
            throw ModelError.invalidInput("prompt (\(width) tokens)\(slots) plus max-tokens (\(options.maxNewTokens)) exceeds the model's context of \(model.config.contextLength)")
        }

        // Left padding: pads take any valid id (0), are masked, and sit at position 0.
        var ids: [[Int]] = [], positions: [[Int]] = [], isReal: [[Bool]] = []
        for prompt in prompts {
            let pad = width - prompt.count
            ids.append(Array(repeating: 0, count: pad) + prompt)
            positions.append(Array(repeating: 0, count: pad) + Array(0..<prompt.count))
            isReal.append(Array(repeating: false, count: pad) + Array(repeating: true, count: prompt.count))
        }
        var outputs = Array(repeating: GeneratedSequence(ids: [], finishReason: .length, stopString: nil), count: batch)
        guard options.maxNewTokens > 0 else { return outputs }

        let cache = try KVCache(config: model.config, batch: batch, capacity: capacity)
        var samplers = (0..<batch).map { TokenSampler(options: options.sampling, sequenceIndex: $0) }
        var running = Array(repeating: true, count: batch)
        var nextPosition = prompts.map(\.count)
        var logits = try Autograd.noGrad {
            try model.forward(ids, positions: positions, isReal: isReal, cache: cache, hooks: hooks, logits: .last)
        }
        let vocabulary = model.config.vocabularySize
        for step in 0..<options.maxNewTokens {
            try Interruption.check()   // Ctrl-C stops generation between tokens
            let rows = logits.contiguous()
            var chosen = [Int](repeating: 0, count: batch)
            for b in 0..<batch where running[b] {
                let token = samplers[b].next(rows.data + b * vocabulary, count: vocabulary)
                chosen[b] = token
                outputs[b].ids.append(token)
                onToken?(b, token)
                if options.stopTokenIDs.contains(token) {
                    outputs[b].finishReason = .endOfSequence
                    running[b] = false
                } else if let stop = matchedStopString(outputs[b].ids, options.stopStrings) {
                    outputs[b].finishReason = .stopString
                    outputs[b].stopString = stop
                    running[b] = false
                }
            }
            guard running.contains(true), step + 1 < options.maxNewTokens else { break }
            let stepPositions = nextPosition.map { [$0] }
            for b in 0..<batch { nextPosition[b] += 1 }
            logits = try Autograd.noGrad {
                try model.forward(chosen.map { [$0] }, positions: stepPositions,
                                  isReal: Array(repeating: [true], count: batch), cache: cache, hooks: hooks, logits: .last)
            }
        }
        return outputs
    }

    private func matchedStopString(_ generated: [Int], _ stops: [String]) -> String? {
        guard !stops.isEmpty, let decode else { return nil }
        let text = decode(generated)
        return stops.first { text.contains($0) }
    }
}
