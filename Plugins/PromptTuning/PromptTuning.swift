// Prompt tuning — Lester, Al-Rfou & Constant, "The Power of Scale for Parameter-Efficient
// Prompt Tuning", EMNLP 2021. https://arxiv.org/abs/2104.08691
//
// Method. A soft prompt P ∈ R^{m×d} is prepended to the token embeddings before the first
// transformer block: the model reads [P | E(x)]. Only P is trained (teacher-forced cross-entropy
// on the answer tokens); the backbone is frozen.
//
// Positions. The prompt takes positions 0…m−1 and the tokens shift by m, as if the prompt were
// m real tokens in front of the text. With a KV cache the prompt is inserted when a sequence
// starts (the prefill: its first token has position 0) and is then in the cache; decoding
// steps only shift their positions by m. So generating with a KV cache gives what a full
// forward over [P | text] gives.
//
// Initialisation. `init=random`: P ~ N(0, 0.02²) from the session seed. `init=text:"…"`: the
// embedding rows of the text's tokens, repeated or truncated to m (the DPC paper initialises
// from one training question with its rationale, m = 100).

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("m", .int(.closed(1...4096)), default: .int(20),
                  help: "number of prompt vectors (the paper uses 20–100)"),
    ParameterSpec("init", .string, default: .string("random"),
                  help: "random: N(0, 0.02²); text:\"…\": the embeddings of the text's tokens, repeated or truncated to m"),
    ParameterSpec("lr-scale", .double(.greaterThan(0)), default: .double(1),
                  help: "multiplies the training learning rate for the prompt"),
])

/// How P starts.
enum PromptInitialisation: Equatable {
    case random
    case text(String)

    init(_ word: String) throws {
        if word == "random" { self = .random; return }
        guard word.hasPrefix("text:") else {
            throw ParameterError.invalid(method: "prompt", parameter: "init", value: .string(word),
                                         expected: "random or text:\"…\" (e.g. init=\"text:Let's think step by step.\")")
        }
        var text = Substring(word.dropFirst("text:".count))
        if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
        guard !text.isEmpty else {
            throw ParameterError.invalid(method: "prompt", parameter: "init", value: .string(word), expected: "a non-empty text after text:")
        }
        self = .text(String(text))
    }
}

// MARK: - Method

final class PromptTuning: SoftPromptProvider {
    let name = "prompt"
    let m: Int
    let initialisation: PromptInitialisation
    let learningRateScale: Double
    /// P: `[m, d_model]`, created at `attach` (d comes from the model).
    private(set) var embedding: Tensor?

    init(_ parameters: ParsedParameters) throws {
        m = try parameters.int("m")
        initialisation = try PromptInitialisation(parameters.string("init"))
        learningRateScale = try parameters.double("lr-scale")
    }

    func attach(to context: MethodContext) throws {
        let model = context.model.model
        let d = model.config.hiddenSize
        let p: Tensor
        switch initialisation {
        case .random:
            var generator = context.generator(for: name)
            p = Tensor.randn([m, d], std: 0.02, generator: &generator)
        case let .text(text):
            let ids = context.model.tokenizer.encode(text, addSpecial: false)
            guard !ids.isEmpty else {
                throw ParameterError.invalid(method: name, parameter: "init", value: .string("text:" + text), expected: "a text with at least one token")
            }
            let repeated = (0..<m).map { ids[$0 % ids.count] }              // repeat or truncate to m
            p = try model.tokenEmbedding.gatherRows(repeated).contiguous().copy()
        }
        p.requiresGrad = true
        p.name = "prompt.embedding"
        embedding = p
    }

    var trainableParameters: [Tensor] { embedding.map { [$0] } ?? [] }

    var softPrompts: [SoftPrompt] {
        embedding.map { [SoftPrompt(name: "prompt.embedding", matrix: $0, layer: 0)] } ?? []
    }

    /// The prefill inserts m slots; the generator reserves cache room for them.
    var insertedPositions: Int { m }

    // blocks.0.input: [batch, seq, d] → [batch, m + seq, d] when a sequence starts;
    // a decoding step keeps its length and shifts its positions by m.
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        guard layer == 0, let embedding else { return state }
        return try state.startsSequence() ? state.prependingSlots(embedding) : state.shiftingPositions(by: m)
    }

    func report() -> [(String, String)] {
        var lines = [("prompt vectors", "\(m)"), ("init", initialisation == .random ? "random N(0, 0.02²)" : "text")]
        if let embedding {
            let norm = embedding.scalars.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            lines.append(("‖P‖", "\((norm * 1e4).rounded() / 1e4)"))
        }
        if learningRateScale != 1 { lines.append(("lr scale", "\(learningRateScale)")) }
        return lines
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "prompt", version: "1.0",
        summary: "prompt tuning: a trainable soft prompt prepended to the input, backbone frozen",
        citation: "Lester, Al-Rfou & Constant, The Power of Scale for Parameter-Efficient Prompt Tuning, EMNLP 2021, arXiv:2104.08691",
        schema: schema,
        factory: { parameters, _ in try PromptTuning(parameters) }
    ).retainedPointer()
}
