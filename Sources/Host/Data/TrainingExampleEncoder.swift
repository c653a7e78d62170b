import Compute
import Foundation

/// Tokenises examples for training with a model's tokenizer and chat template.
///
/// The prompt and the target are tokenised separately so the boundary between "no loss" and
/// "loss" falls exactly between them (a joint encoding could merge across it). EOS is
/// appended to the target so the model learns to stop; with the chat format the template's
/// end-of-turn token plays that part when it is a stop token of the model.
///
/// `maxLength` bounds `inputIDs`. A longer example loses tokens from the *left* of its prompt
/// (after a leading BOS), since the end of the prompt is what the answer depends on; one
/// prompt token always stays, so the first target token is still predicted. If the target
/// alone is too long, its end is cut (EOS included).
public struct TrainingExampleEncoder {
    public let format: PromptFormat
    public let maxLength: Int?
    private let model: LanguageModel

    /// Throws for the chat format on a model without a chat template, and for `maxLength` < 2.
    public init(model: LanguageModel, format: PromptFormat = .plain, maxLength: Int? = nil) throws {
        if format == .chat && model.chatTemplate == nil {
            throw DatasetError.invalidRequest("\(model.name) has no chat template; use format=plain")
        }
        if let maxLength, maxLength < 2 {
            throw DatasetError.invalidRequest("maxLength is \(maxLength); it must be at least 2 (one prompt and one target token)")
        }
        self.model = model
        self.format = format
        self.maxLength = maxLength
    }

    /// The example's prompt and its (preferred) target.
    public func encode(_ example: Example) throws -> TrainingExample {
        try encode(prompt: example.prompt, target: example.target, id: example.id)
    }

    /// Both sides of a preference pair over the same prompt; nil `rejected` is an error.
    public func encodePair(_ example: Example) throws -> (chosen: TrainingExample, rejected: TrainingExample) {
        guard let rejected = example.rejected else {
            throw DatasetError.invalidRequest("example \(example.id) is not a preference pair (it has no rejected reply)")
        }
        return (try encode(prompt: example.prompt, target: example.target, id: example.id),
                try encode(prompt: example.prompt, target: rejected, id: example.id))
    }

    /// The prompt as the model sees it before the answer (what evaluation generates from).
    public func promptIDs(_ prompt: String) throws -> [Int] {
        try parts(prompt: prompt, target: "").prompt
    }

    public func encode(prompt: String, target: String, id: String = "example") throws -> TrainingExample {
        var (promptIDs, targetIDs) = try parts(prompt: prompt, target: target)
        guard !promptIDs.isEmpty else {
            throw DatasetError.invalidRequest("example \(id) has an empty prompt after tokenisation")
        }
        guard !targetIDs.isEmpty else {
            throw DatasetError.invalidRequest("example \(id) has nothing to learn: its target is empty and the tokenizer has no EOS")
        }
        if let maxLength {
            // inputIDs holds all tokens but the last, so the sequence may hold maxLength + 1.
            let excess = promptIDs.count + targetIDs.count - 1 - maxLength
            if excess > 0 {
                let keepsBOS = promptIDs.first != nil && promptIDs.first == model.tokenizer.bosID && promptIDs.count > 1
                let removable = promptIDs.count - 1 - (keepsBOS ? 1 : 0)
                let cut = min(excess, removable)
                let from = keepsBOS ? 1 : 0
                promptIDs.removeSubrange(from..<(from + cut))
                if excess > cut { targetIDs.removeLast(excess - cut) }
            }
        }
        let sequence = promptIDs + targetIDs
        let labels = (0..<(sequence.count - 1)).map { t in
            t + 1 >= promptIDs.count ? sequence[t + 1] : TrainingExample.ignoreIndex
        }
        return TrainingExample(inputIDs: Array(sequence.dropLast()), labels: labels)
    }

    /// Token ids of the formatted prompt and of the target with its end marker.
    private func parts(prompt: String, target: String) throws -> (prompt: [Int], target: [Int]) {
        let tokenizer = model.tokenizer
        let eos = tokenizer.eosID.map { [$0] } ?? []
        switch format {
        case .plain:
            let promptText = "Question: " + trimmed(prompt) + "\nAnswer:"
            let targetText = " " + trimmed(target)
            return (bosPrefix() + tokenizer.encode(promptText, addSpecial: false, parseSpecial: false),
                    tokenizer.encode(targetText, addSpecial: false, parseSpecial: false) + eos)
        case .raw:
            return (bosPrefix() + tokenizer.encode(prompt, addSpecial: false, parseSpecial: false),
                    tokenizer.encode(target, addSpecial: false, parseSpecial: false) + eos)
        case .chat:
            return try chatParts(prompt: prompt, target: target)
        }
    }

    /// The user turn with the generation prompt, then the rest of the rendered conversation,
    /// cut after its last stop token (ChatML's trailing newline is not worth learning).
    private func chatParts(prompt: String, target: String) throws -> (prompt: [Int], target: [Int]) {
        guard let template = model.chatTemplate else {
            throw DatasetError.invalidRequest("\(model.name) has no chat template; use format=plain")
        }
        let tokenizer = model.tokenizer
        let bos = tokenizer.bosID.flatMap(tokenizer.tokenText), eos = tokenizer.eosID.flatMap(tokenizer.tokenText)
        let user = ChatMessage(role: "user", content: trimmed(prompt))
        let promptText = template.render(messages: [user], addGenerationPrompt: true, bosToken: bos, eosToken: eos)
        let fullText = template.render(messages: [user, ChatMessage(role: "assistant", content: trimmed(target))],
                                       addGenerationPrompt: false, bosToken: bos, eosToken: eos)
        guard fullText.hasPrefix(promptText) else {
            throw DatasetError.invalidRequest("the chat template of \(model.name) does not extend the prompt with the answer; use format=plain")
        }
        let promptIDs = tokenizer.encode(promptText, addSpecial: false, parseSpecial: true)
        var targetIDs = tokenizer.encode(String(fullText.dropFirst(promptText.count)), addSpecial: false, parseSpecial: true)
        let stops = model.stopTokenIDs
        if let last = targetIDs.lastIndex(where: { stops.contains($0) }) {
            targetIDs.removeSubrange((last + 1)...)
        } else if let eosID = tokenizer.eosID {
            targetIDs.append(eosID)
        }
        return (promptIDs, targetIDs)
    }

    /// BOS when the tokenizer adds one to encoded text (asked of the empty string, so an
    /// EOS the tokenizer may also add is not copied into the middle of the sequence).
    private func bosPrefix() -> [Int] {
        guard let bos = model.tokenizer.bosID else { return [] }
        return model.tokenizer.encode("", addSpecial: true, parseSpecial: false).first == bos ? [bos] : []
    }

    private func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
