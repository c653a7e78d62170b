/// One tokenised example for teacher-forced training.
///
/// The labels are already shifted: `labels[t]` is the token the model should predict *after*
/// reading `inputIDs[0...t]`, i.e. the token at position t+1 of the full sequence, or
/// `ignoreIndex` where nothing is learned (the prompt). So the loss is a plain cross-entropy
/// of `logits[t]` against `labels[t]`, with no further shift. The full sequence is
/// `prompt + target + EOS`; `inputIDs` is it without its last token, which is only predicted.
public struct TrainingExample: Equatable {
    /// Label of positions that carry no loss (prompt, padding); `crossEntropy`'s ignore index.
    public static let ignoreIndex = -100

    public let inputIDs: [Int]
    public let labels: [Int]

    public init(inputIDs: [Int], labels: [Int]) {
        self.inputIDs = inputIDs
        self.labels = labels
    }

    public var length: Int { inputIDs.count }
    /// Positions that carry a loss.
    public var targetTokenCount: Int { labels.reduce(0) { $0 + ($1 == TrainingExample.ignoreIndex ? 0 : 1) } }
}

/// How an example's prompt and target become text.
public enum PromptFormat: String, CaseIterable {
    /// `Question: <prompt>\nAnswer: <target>` (prompt and target trimmed).
    case plain
    /// The model's chat template: one user turn (the prompt), one assistant turn (the target).
    case chat
    /// `<prompt><target>` exactly as the dataset gives them (HH-RLHF dialogues are already a transcript).
    case raw
}
