import Foundation

/// GSM8K answers: a number. The extracted answer is the number's canonical text (`1,000.50`
/// → `1000.5`); gold and extracted are compared as numbers.
///
/// Where the answer is looked for, first match wins:
/// 1. the number after the last `####` (the dataset's own format, lm-evaluation-harness'
///    "strict-match");
/// 2. the number in the last `\boxed{…}`;
/// 3. the first number after the last phrase that states an answer ("the answer is",
///    "answer:", "final answer =") on its line or the next — so "The answer is 18. Let me
///    double check: 9*2=18" gives 18 even when more numbers follow;
/// 4. the last number in the text ("flexible-extract").
/// Currency (`$`), thousands separators, units (`15 dollars`, `12 cm`), percent signs and a
/// sentence's full stop are not part of the number.
public enum GSM8KAnswer {
    /// The final numeric answer in `generation`, canonical; nil when it has no number.
    public static func extract(_ generation: String) -> String? {
        if let marker = generation.range(of: "####", options: .backwards),
           let number = NumberToken.scan(String(generation[marker.upperBound...])).first {
            return number.canonical
        }
        if let boxed = BoxedExpression.last(in: generation), let number = NumberToken.scan(boxed).first {
            return number.canonical
        }
        if let number = numberAfterAnswerPhrase(generation) { return number.canonical }
        return NumberToken.scan(generation).last?.canonical
    }

    /// The gold number of a GSM8K answer: the text after `####` when present (a whole worked
    /// solution), else the text itself; canonical when it holds a number.
    public static func gold(_ text: String) -> String {
        let final = GSM8KAdapter.finalAnswer(in: text) ?? text.trimmingCharacters(in: .whitespacesAndNewlines)
        return NumberToken.scan(final).first?.canonical ?? final
    }

    /// Whether two answers are the same number (`42` = `42.0` = `42.00`); texts that are not
    /// numbers must match exactly.
    public static func equivalent(_ extracted: String, _ gold: String) -> Bool {
        let a = NumberToken.scan(extracted), b = NumberToken.scan(gold)
        guard a.count == 1, b.count == 1 else { return extracted == gold }
        return a[0].canonical == b[0].canonical || numbersAgree(a[0].value, b[0].value)
    }

    /// Phrases that state an answer, matched case-insensitively.
    static let answerPhrase = try! NSRegularExpression(
        pattern: #"answer\s*(?:is|was|would be|will be|should be|equals|[:=])"#, options: [.caseInsensitive])

    /// The first number after the last answer phrase that has one on its line or the next.
    private static func numberAfterAnswerPhrase(_ text: String) -> NumberToken? {
        let ns = text as NSString
        let matches = answerPhrase.matches(in: text, range: NSRange(location: 0, length: ns.length))
        for match in matches.reversed() {
            let after = ns.substring(from: match.range.location + match.range.length)
            let lines = after.split(separator: "\n", omittingEmptySubsequences: false)
            // The rest of the phrase's line, else the next non-empty line ("The answer is:\n\n18").
            let next = lines.dropFirst().first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            let candidates = Array(lines.prefix(1)) + (next.map { [$0] } ?? [])
            for line in candidates {
                if let number = NumberToken.scan(String(line)).first { return number }
            }
        }
        return nil
    }
}
