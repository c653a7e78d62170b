import Compute
import PluginAPI

/// Generation with the session's methods: the one place `generate` and `eval` produce text.
///
/// The active methods act as forward hooks while tokens are generated; after each generation
/// they see it as a `GenerationRecord` (`MethodSet.afterGeneration`), where they may revise
/// items, attach notes, or ask for the whole batch to run again. A re-run is honoured at most
/// until `maxAttempts` generations have been made, so a method that always asks cannot loop.
public struct MethodGeneration {
    /// The most generations one call makes (the first run and at most two re-runs).
    public static let maxAttempts = 3

    public let model: LanguageModel
    public let methods: MethodSet
    public let options: GenerationOptions

    public init(model: LanguageModel, methods: MethodSet, options: GenerationOptions) {
        self.model = model
        self.methods = methods
        self.options = options
    }

    /// What a call produced, after the methods had their say.
    public struct Result {
        /// One per prompt, as the methods left them.
        public var outputs: [GeneratedSequence]
        /// The decoded outputs (special tokens and a matched stop string left out), possibly revised.
        public var texts: [String]
        /// Per prompt, each method's notes by method name.
        public var notes: [[String: JSONValue]]
        /// Per prompt, whether a method replaced its output or text in `afterGeneration`.
        public var revised: [Bool]
        /// Generations made: 1, or more after re-runs.
        public var attempts: Int
        /// Why each re-run was asked for.
        public var rerunReasons: [String]
    }

    /// Generates from `prompts`. `onToken(sequence, id)` streams every attempt's tokens;
    /// `onRerun(attempt, reason)` is called before a re-run.
    public func run(_ prompts: [[Int]], onToken: ((Int, Int) -> Void)? = nil,
                    onRerun: ((Int, String) -> Void)? = nil) throws -> Result {
        let tokenizer = model.tokenizer
        let generator = Generator(model: model.model, decode: { tokenizer.decode($0) })
        let hooks: ForwardHooks? = methods.methods.isEmpty ? nil : methods
        let options = self.options
        let methods = self.methods
        let llama = model.model
        var reasons: [String] = []
        var attempt = 1
        while true {
            let outputs = try generator.generate(prompts, options: options, hooks: hooks, onToken: onToken)
            let texts = outputs.map(text)
            var record = GenerationRecord(
                prompts: prompts, outputs: outputs, texts: texts, attempt: attempt,
                methods: methods.methods,
                regenerate: { try generator.generate($0, options: options, hooks: hooks) },
                forward: { try llama.forward($0, hooks: methods) },
                decode: { tokenizer.decode($0, skipSpecial: true) })
            let decision = try methods.afterGeneration(&record)
            if case let .rerun(reason) = decision, attempt < Self.maxAttempts {
                reasons.append(reason)
                onRerun?(attempt + 1, reason)
                attempt += 1
                continue
            }
            let revised = record.outputs.indices.map { i in
                i >= outputs.count || record.outputs[i] != outputs[i] || i >= texts.count || record.texts[i] != texts[i]
            }
            return Result(outputs: record.outputs, texts: record.texts, notes: record.notes, revised: revised,
                          attempts: attempt, rerunReasons: reasons)
        }
    }

    /// The text of one output without special tokens, cut before the stop string that ended it.
    public func text(_ output: GeneratedSequence) -> String {
        let text = model.tokenizer.decode(output.ids, skipSpecial: true)
        guard output.finishReason == .stopString, let stop = output.stopString,
              let range = text.range(of: stop) else { return text }
        return String(text[..<range.lowerBound])
    }
}
