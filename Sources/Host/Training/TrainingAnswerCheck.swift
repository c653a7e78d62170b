import Compute
import PluginAPI

/// `train until=correct`: whether the model, with the active methods, answers every training
/// example correctly — the stop condition of the TSLoss protocol (METHODS.md, TSLoss: steps
/// until the trained prompt makes the model answer the training sample(s) correctly).
///
/// Each example's prompt is the one training fed the model (same format, same `max_length`
/// cut), continued greedily through the methods' hooks like `generate`, and the continuation
/// is scored with `AnswerChecker` against the example's gold answer.
public struct TrainingAnswerCheck {
    /// The outcome of one check.
    public struct Outcome: Equatable {
        public var step: Int
        public var correct: Int
        public var total: Int
        /// Per example: the answer found in its continuation (nil: none).
        public var extracted: [String?]

        public var allCorrect: Bool { correct == total }
    }

    public let dataset: String
    public let maxNewTokens: Int
    private let model: LanguageModel
    private let prompts: [[Int]]
    private let golds: [String]

    /// Throws when the dataset has no checkable answer format or an example has no gold answer.
    /// `encoded` are the examples as training encodes them (index for index);
    /// `maxNewTokens` nil: the longest training target plus 16 tokens.
    public init(model: LanguageModel, dataset: String, examples: [Example], encoded: [TrainingExample],
                maxNewTokens: Int? = nil) throws {
        _ = try AnswerChecker.extract(dataset: dataset, generation: "")   // names a dataset without answers
        guard examples.count == encoded.count, !examples.isEmpty else {
            throw CommandError("until=correct needs training examples; load some with `data gsm8k limit=1`")
        }
        var prompts: [[Int]] = [], golds: [String] = [], longestTarget = 0
        for (example, training) in zip(examples, encoded) {
            guard let gold = example.answer else {
                throw CommandError("until=correct: example \(example.id) has no gold answer to check against")
            }
            // Training's prompt is the input up to and including the position that predicts the
            // first target token.
            guard let first = training.labels.firstIndex(where: { $0 != TrainingExample.ignoreIndex }) else {
                throw CommandError("until=correct: example \(example.id) has no target tokens after encoding")
            }
            prompts.append(Array(training.inputIDs[...first]))
            golds.append(gold)
            longestTarget = max(longestTarget, training.labels.count - first)
        }
        self.model = model
        self.dataset = dataset
        self.prompts = prompts
        self.golds = golds
        self.maxNewTokens = maxNewTokens ?? longestTarget + 16
    }

    public var exampleCount: Int { prompts.count }

    /// Greedy continuations of every training prompt with `hooks`, scored.
    public func run(step: Int, hooks: ForwardHooks?) throws -> Outcome {
        let options = try GenerationOptions(maxNewTokens: maxNewTokens, sampling: .greedy,
                                            stopTokenIDs: model.stopTokenIDs)
        let tokenizer = model.tokenizer
        // One example at a time: the answer is then independent of how the examples pad together.
        var extracted: [String?] = [], correct = 0
        for (prompt, gold) in zip(prompts, golds) {
            let ids = try Generator(model: model.model).generate([prompt], options: options, hooks: hooks)[0].ids
            let check = try AnswerChecker.check(dataset: dataset, generation: tokenizer.decode(ids, skipSpecial: true), gold: gold)
            extracted.append(check.extracted)
            if check.correct { correct += 1 }
        }
        return Outcome(step: step, correct: correct, total: prompts.count, extracted: extracted)
    }
}
