import Foundation

/// What evaluating one dataset needs beyond its examples: the chain-of-thought instruction,
/// where worked examples for k-shot prompts come from, and how a worked example ends.
///
/// Every task asks for the answer in one closing form ("The answer is N.", a letter, or
/// `\boxed{}`), and its worked examples end in that same form, so the answer checker finds
/// the answer where the prompt told the model to put it.
public struct EvaluationTask {
    /// The catalog name of the dataset (`gsm8k`, `aqua`, `math500`).
    public let dataset: String
    /// The zero-shot chain-of-thought instruction, shown before the first question.
    public let instruction: String
    /// The split k-shot examples are drawn from.
    public let shotSplit: String
    /// Why the shots come from that split, when it is not a training split (shown to the user).
    public let shotNote: String?

    /// The task of a dataset name or alias; datasets without gold answers are refused.
    public static func named(_ name: String) throws -> EvaluationTask {
        let spec = try DatasetCatalog.specification(named: name)
        switch spec.name {
        case "gsm8k":
            return EvaluationTask(
                dataset: "gsm8k",
                instruction: "Solve the problem step by step. End with 'The answer is N.' where N is the final number.",
                shotSplit: "train", shotNote: nil)
        case "aqua":
            return EvaluationTask(
                dataset: "aqua",
                instruction: "Solve the problem step by step, then choose one of the answer choices. End with 'The answer is X.' where X is the letter of the correct choice.",
                shotSplit: "dev",
                shotNote: "AQuA train is not shipped, so shots come from dev (never an evaluated item)")
        case "math500":
            return EvaluationTask(
                dataset: "math500",
                instruction: "Solve the problem step by step. Put the final answer in \\boxed{}.",
                shotSplit: "test",
                shotNote: "MATH-500 has only a test split, so shots come from test items that are not evaluated")
        default:
            let gradable = ["gsm8k", "aqua", "math500"]
            throw DatasetError.invalidRequest("\(spec.name) has no gold answers to check, so it cannot be evaluated for accuracy; evaluate one of \(gradable.joined(separator: ", "))")
        }
    }

    /// A worked example's answer, ending in the form the instruction asks for: GSM8K drops
    /// its calculator annotations (`<<48/2=24>>`) and turns `#### 72` into `The answer is 72.`;
    /// AQuA's target already ends `The answer is X.`; MATH solutions carry `\boxed{}`.
    public func workedAnswer(_ example: Example) -> String {
        var text = example.target.trimmingCharacters(in: .whitespacesAndNewlines)
        guard dataset == "gsm8k" else { return text }
        text = text.replacingOccurrences(of: "<<[^>]*>>", with: "", options: .regularExpression)
        if let marker = text.range(of: "####", options: .backwards) {
            let answer = example.answer ?? text[marker.upperBound...].trimmingCharacters(in: .whitespaces)
            text = text[..<marker.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines) + "\nThe answer is \(answer)."
        }
        return text
    }

    /// The answer choices of an AQuA item as the dataset writes them (`A)21`, `B)24`, …),
    /// which the adapter keeps in the example's metadata; empty for other datasets.
    public func options(_ example: Example) -> [String] {
        guard dataset == "aqua", let options = example.metadata["options"] else { return [] }
        return options.split(separator: "\n").map(String.init)
    }
}
