import Foundation

/// The outcome of checking one generation against a gold answer.
public struct AnswerCheck: Equatable {
    /// The answer found in the generation (canonical for GSM8K numbers and AQuA letters, the
    /// raw expression for MATH); nil when the generation states none.
    public let extracted: String?
    public let correct: Bool

    public init(extracted: String?, correct: Bool) {
        self.extracted = extracted
        self.correct = correct
    }
}

/// Answer extraction and scoring for the datasets with a final answer: GSM8K (a number),
/// AQuA-RAT (an option letter) and MATH-500 (a LaTeX expression). `GSM8KAnswer`, `AQuAAnswer`
/// and `MATHAnswer` say what each accepts.
public enum AnswerChecker {
    /// The catalog names of the datasets whose answers can be checked.
    public static let datasets = ["gsm8k", "aqua", "math500"]

    /// Datasets with an answer format: "gsm8k", "aqua", "math500" (catalog names; aliases
    /// resolved via `DatasetCatalog.specification(named:)`). Throws an error naming the dataset
    /// otherwise (hh-rlhf has none).
    public static func extract(dataset: String, generation: String) throws -> String? {
        try extract(format: format(of: dataset), generation: generation, options: [])
    }

    public static func check(dataset: String, generation: String, gold: String) throws -> AnswerCheck {
        try check(dataset: dataset, generation: generation, gold: gold, options: [])
    }

    /// As `check(dataset:generation:gold:)`; for AQuA, `options` (`["A)21", "B)22", …]`, or one
    /// string holding them all) let an answer written as an option's text count as its letter.
    /// Other datasets ignore them.
    public static func check(dataset: String, generation: String, gold: String, options: [String]) throws -> AnswerCheck {
        let format = try format(of: dataset)
        let extracted = try extract(format: format, generation: generation, options: options)
        guard let extracted else { return AnswerCheck(extracted: nil, correct: false) }
        let correct: Bool
        switch format {
        case .gsm8k: correct = GSM8KAnswer.equivalent(extracted, GSM8KAnswer.gold(gold))
        case .aqua: correct = extracted == gold.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        case .math500: correct = MATHAnswer.equivalent(extracted, gold)
        }
        return AnswerCheck(extracted: extracted, correct: correct)
    }

    private enum Format: String { case gsm8k, aqua, math500 }

    private static func extract(format: Format, generation: String, options: [String]) throws -> String? {
        switch format {
        case .gsm8k: return GSM8KAnswer.extract(generation)
        case .aqua: return AQuAAnswer.extract(generation, options: options)
        case .math500: return MATHAnswer.extract(generation)
        }
    }

    private static func format(of dataset: String) throws -> Format {
        let list = datasets.joined(separator: ", ")
        let name: String
        do {
            name = try DatasetCatalog.specification(named: dataset).name
        } catch {
            throw CommandError("unknown dataset '\(dataset)'; answers can be checked for \(list)")
        }
        guard let format = Format(rawValue: name) else {
            throw CommandError("dataset '\(name)' has no final answer to check; answers can be checked for \(list)")
        }
        return format
    }
}
