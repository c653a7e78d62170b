import Foundation

/// MATH-500 answers: a LaTeX expression. The extracted answer is the content of the last
/// `\boxed{…}` / `\fbox{…}` (nested braces kept whole), else what follows the last "final
/// answer is" / "the answer is" / "answer:" (a `$…$`, `\(…\)` or `\[…\]` span, else the rest of
/// the line). Equivalence (`equivalent`) compares after `LaTeXAnswerNormaliser`:
/// - equal normalised texts;
/// - simple numeric forms by value: integers, decimals, `\frac{a}{b}`, `a/b`, with a sign
///   (`0.5` = `\frac12` = `1/2` = `\frac{1}{2}`);
/// - tuples and intervals element by element, brackets included (`[1,2)` ≠ `(1,2)`);
/// - bare comma lists (`2, -3`, solution sets) element by element in any order.
/// Everything else counts as different (see `LaTeXAnswerNormaliser` for what is not attempted).
public enum MATHAnswer {
    public static func extract(_ generation: String) -> String? {
        if let boxed = BoxedExpression.last(in: generation) { return boxed.isEmpty ? nil : boxed }
        return statedAnswer(generation)
    }

    public static func equivalent(_ a: String, _ b: String) -> Bool {
        equivalentNormalised(LaTeXAnswerNormaliser.normalise(a), LaTeXAnswerNormaliser.normalise(b))
    }

    private static func equivalentNormalised(_ a: String, _ b: String) -> Bool {
        if a == b { return !a.isEmpty }
        if let x = numericValue(a), let y = numericValue(b) { return numbersAgree(x, y) }
        let left = topLevelItems(a), right = topLevelItems(b)
        guard left.items.count > 1 || right.items.count > 1 || left.brackets != nil || right.brackets != nil,
              left.items.count == right.items.count else { return false }
        if left.brackets != nil || right.brackets != nil {
            // Tuples and intervals: same brackets, elements in order.
            guard left.brackets == right.brackets else { return false }
            return zip(left.items, right.items).allSatisfy { equivalentNormalised($0, $1) }
        }
        // A bare list is a set of solutions: match each element once, in any order.
        var unmatched = right.items
        for item in left.items {
            guard let index = unmatched.firstIndex(where: { equivalentNormalised(item, $0) }) else { return false }
            unmatched.remove(at: index)
        }
        return true
    }

    /// The value of a simple numeric answer: `-3`, `0.25`, `\frac{1}{2}`, `-\frac{3}{4}`,
    /// `\frac{-3}{4}`, `3/4`; nil for anything else.
    static func numericValue(_ s: String) -> Double? {
        if let plain = plainNumber(s) { return plain }
        var body = Substring(s)
        var sign = 1.0
        if body.hasPrefix("-") { sign = -1; body = body.dropFirst() }
        if body.hasPrefix("\\frac{") {
            let chars = Array(body)
            guard let closeNumerator = BoxedExpression.matchingBrace(chars, open: 5),
                  closeNumerator + 1 < chars.count, chars[closeNumerator + 1] == "{",
                  let closeDenominator = BoxedExpression.matchingBrace(chars, open: closeNumerator + 1),
                  closeDenominator == chars.count - 1,
                  let numerator = plainNumber(String(chars[6..<closeNumerator])),
                  let denominator = plainNumber(String(chars[(closeNumerator + 2)..<closeDenominator])),
                  denominator != 0 else { return nil }
            return sign * numerator / denominator
        }
        let parts = body.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let numerator = plainNumber(String(parts[0])), let denominator = plainNumber(String(parts[1])), denominator != 0 {
            return sign * numerator / denominator
        }
        return nil
    }

    private static func plainNumber(_ s: String) -> Double? {
        guard s.range(of: #"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"#, options: .regularExpression) != nil else { return nil }
        return Double(s)
    }

    /// Splits `(1,2)` / `[a,b)` / `1,2` at commas outside any group; `brackets` is the
    /// enclosing pair when the whole answer is bracketed.
    private static func topLevelItems(_ s: String) -> (brackets: String?, items: [String]) {
        var chars = Array(s)
        var brackets: String?
        if let first = chars.first, let last = chars.last, "([".contains(first), ")]".contains(last), chars.count >= 2,
           closesAtEnd(chars) {
            brackets = String([first, last])
            chars = Array(chars.dropFirst().dropLast())
        }
        var items: [String] = []
        var depth = 0
        var current = ""
        for c in chars {
            if "({[".contains(c) { depth += 1 }
            if ")}]".contains(c) { depth -= 1 }
            if c == ",", depth == 0 { items.append(current); current = "" } else { current.append(c) }
        }
        items.append(current)
        return (brackets, items)
    }

    /// Whether the opening bracket at 0 stays open until the last character (so `(1)+(2)` is no tuple).
    private static func closesAtEnd(_ chars: [Character]) -> Bool {
        var depth = 0
        for (index, c) in chars.enumerated() {
            if "({[".contains(c) { depth += 1 }
            if ")}]".contains(c) { depth -= 1 }
            if depth == 0 { return index == chars.count - 1 }
        }
        return false
    }

    private static let answerPhrase = try! NSRegularExpression(
        pattern: #"(?:final answer|the answer)\s*(?:is|:)?\s*:?|answer\s*:"#, options: [.caseInsensitive])

    /// What follows the last answer phrase: a math span, else the rest of its line.
    private static func statedAnswer(_ text: String) -> String? {
        let ns = text as NSString
        guard let phrase = answerPhrase.matches(in: text, range: NSRange(location: 0, length: ns.length)).last else { return nil }
        let rest = ns.substring(from: phrase.range.location + phrase.range.length).trimmingCharacters(in: .whitespaces)
        for (open, close) in [("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")] where rest.hasPrefix(open) {
            let body = rest.dropFirst(open.count)
            if let end = body.range(of: close) {
                let answer = body[..<end.lowerBound].trimmingCharacters(in: .whitespaces)
                return answer.isEmpty ? nil : answer
            }
        }
        var line = rest.prefix { $0 != "\n" }.trimmingCharacters(in: .whitespaces)
        // "The answer is 5. I hope it is correct.": the sentence ends at ". ".
        if let stop = line.range(of: ". ") { line = String(line[..<stop.lowerBound]) }
        while line.hasSuffix(".") { line.removeLast() }
        return line.isEmpty ? nil : line
    }
}
