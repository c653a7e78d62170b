import Compute
import Foundation

/// The prompts of an evaluation: the task's instruction, k worked examples, then the item.
///
/// `chat` renders a conversation in the model's template: the instruction and the first
/// question in the first user turn, each worked answer as an assistant turn, the item as the
/// last user turn followed by the generation prompt. `plain` writes
///
///     <instruction>
///
///     Question: <q1>
///     Answer: <worked answer 1>
///
///     Question: <item>
///     Answer:
///
/// and stops generation at the next `Question:` the model starts by itself.
public struct EvaluationPrompts {
    public let task: EvaluationTask
    public let format: PromptFormat
    /// The worked examples every prompt shows, in order.
    public let shots: [Example]
    private let model: LanguageModel
    private let encoder: TrainingExampleEncoder

    /// Throws for a format other than `chat` or `plain`, and for `chat` on a model without a template.
    public init(task: EvaluationTask, model: LanguageModel, format: PromptFormat, shots: [Example] = []) throws {
        guard format == .chat || format == .plain else {
            throw DatasetError.invalidRequest("eval: format=\(format.rawValue) is not supported; use format=chat or format=plain")
        }
        self.task = task
        self.format = format
        self.shots = shots
        self.model = model
        // The chat encoder checks the template; plain prompts are laid out here and encoded raw.
        encoder = try TrainingExampleEncoder(model: model, format: format == .chat ? .chat : .raw)
    }

    /// `chat` when the model has a chat template, `plain` otherwise.
    public static func defaultFormat(for model: LanguageModel) -> PromptFormat {
        model.chatTemplate == nil ? .plain : .chat
    }

    /// Stop strings the format implies: in `plain`, the model beginning another question.
    public var stopStrings: [String] { format == .plain ? ["\nQuestion:"] : [] }

    /// `k` worked examples from `pool`, chosen by a shuffle seeded with `seed`, never one whose
    /// id is in `excluded` (the evaluated items). The same seed gives the same shots.
    public static func chooseShots(_ k: Int, from pool: Dataset, excluding excluded: Set<String>, seed: UInt64) throws -> [Example] {
        guard k > 0 else { return [] }
        let candidates = pool.examples.filter { !excluded.contains($0.id) }
        guard k <= candidates.count else {
            throw DatasetError.invalidRequest("shots=\(k) is more than the \(candidates.count) examples of \(pool.name) \(pool.split) that are not evaluated; use shots=\(candidates.count) or fewer (or a smaller limit)")
        }
        // A seed of its own, so the shots do not follow the order the items were sampled in.
        let order = SeededPermutation.make(count: candidates.count, seed: seed ^ 0x5348_4F54_5345_4544)
        return order.prefix(k).map { candidates[$0] }
    }

    /// The token ids the model is given for `example`.
    public func ids(for example: Example) throws -> [Int] {
        switch format {
        case .chat where !shots.isEmpty:
            return try conversationIDs(for: example)
        case .chat:
            return try encoder.promptIDs(task.instruction + "\n\n" + question(example))
        default:
            var text = task.instruction + "\n\n"
            for shot in shots {
                text += "Question: " + question(shot) + "\nAnswer: " + task.workedAnswer(shot) + "\n\n"
            }
            return try encoder.promptIDs(text + "Question: " + question(example) + "\nAnswer:")
        }
    }

    /// The prompt as text, special tokens included (what the records show).
    public func text(of ids: [Int]) -> String {
        model.tokenizer.decode(ids, skipSpecial: false)
    }

    private func question(_ example: Example) -> String {
        example.prompt.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Shots as earlier turns of the conversation, rendered by the model's own template.
    private func conversationIDs(for example: Example) throws -> [Int] {
        guard let template = model.chatTemplate else {
            throw DatasetError.invalidRequest("\(model.name) has no chat template; use format=plain")
        }
        var messages: [ChatMessage] = []
        for (index, shot) in shots.enumerated() {
            let lead = index == 0 ? task.instruction + "\n\n" : ""
            messages.append(ChatMessage(role: "user", content: lead + question(shot)))
            messages.append(ChatMessage(role: "assistant", content: task.workedAnswer(shot)))
        }
        messages.append(ChatMessage(role: "user", content: question(example)))
        let tokenizer = model.tokenizer
        let text = template.render(messages: messages, addGenerationPrompt: true,
                                   bosToken: tokenizer.bosID.flatMap(tokenizer.tokenText),
                                   eosToken: tokenizer.eosID.flatMap(tokenizer.tokenText))
        return tokenizer.encode(text, addSpecial: false, parseSpecial: true)
    }
}
