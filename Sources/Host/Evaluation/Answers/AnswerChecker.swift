import Foundation

/// The answer found in a generation and whether it matches the gold answer.
public struct AnswerCheck: Equatable {
    public let extracted: String?
    public let correct: Bool
    public init(extracted: String?, correct: Bool) {
        self.extracted = extracted
        self.correct = correct
    }
}

/// Provisional: the last number of a generation, compared numerically with the gold answer.
public enum AnswerChecker {
    public static func extract(dataset: String, generation: String) throws -> String? {
        let pattern = try NSRegularExpression(pattern: "-?[0-9][0-9,]*(\\.[0-9]+)?")
        let range = NSRange(generation.startIndex..., in: generation)
        guard let last = pattern.matches(in: generation, range: range).last,
              let match = Range(last.range, in: generation) else { return nil }
        return generation[match].replacingOccurrences(of: ",", with: "")
    }

    public static func check(dataset: String, generation: String, gold: String) throws -> AnswerCheck {
        let extracted = try extract(dataset: dataset, generation: generation)
        let correct = extracted.flatMap(Double.init).map { $0 == Double(gold) } ?? false
        return AnswerCheck(extracted: extracted, correct: correct)
    }

    public static func check(dataset: String, generation: String, gold: String, options: [String]) throws -> AnswerCheck {
        try check(dataset: dataset, generation: generation, gold: gold)
    }
}
