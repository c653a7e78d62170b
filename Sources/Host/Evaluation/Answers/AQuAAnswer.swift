import Foundation

/// AQuA-RAT answers: an option letter. Where the letter is looked for, first match wins:
/// 1. after the last phrase stating an answer: "The answer is (C)", "Answer: C",
///    "the correct answer is option C", "**Answer:** (c)";
/// 2. the last option mention: "(C)", "option C", "choice C", "C)";
/// 3. a lone letter ending the text ("… so C.");
/// 4. with the options known, the option whose text the model wrote instead of a letter
///    ("The answer is 42" where C is "42"): the answer phrase's text, else the last number,
///    when exactly one option matches it.
/// A capital letter counts anywhere; a lower-case one only in parentheses, since "a" is a word.
public enum AQuAAnswer {
    /// The option letter in `generation`; nil when it names none. `options` are the choices as
    /// the dataset writes them (`A)21`); empty when unknown.
    public static func extract(_ generation: String, options: [String] = []) -> String? {
        let choices = parseOptions(options)
        let letters = choices.isEmpty ? Set("ABCDE") : Set(choices.map(\.letter))
        if let letter = lastLetter(answerLetter, in: generation, letters: letters) { return letter }
        if let letter = lastLetter(optionMention, in: generation, letters: letters) { return letter }
        if let letter = trailingLetter(generation, letters: letters) { return letter }
        return optionByText(generation, choices: choices)
    }

    /// One answer choice: `A)21` → letter A, text "21".
    public struct Choice: Equatable {
        public let letter: Character
        public let text: String
    }

    /// Options as the dataset writes them (`["A)21", "B)22"]`), or one text holding them all
    /// (`"A)21 B)22"`, one per line, as `metadata["options"]` keeps them).
    public static func parseOptions(_ options: [String]) -> [Choice] {
        let text = options.joined(separator: "\n")
        let ns = text as NSString
        let markers = optionMarker.matches(in: text, range: NSRange(location: 0, length: ns.length))
        return markers.enumerated().map { index, marker in
            let letter = Character(ns.substring(with: marker.range(at: 1)))
            let from = marker.range.location + marker.range.length
            let to = index + 1 < markers.count ? markers[index + 1].range.location : ns.length
            let body = ns.substring(with: NSRange(location: from, length: to - from))
            return Choice(letter: letter, text: body.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// `A)` at the start or after white space: the start of one option.
    private static let optionMarker = try! NSRegularExpression(pattern: #"(?:^|(?<=\s))([A-Z])\)"#)

    /// "answer is (C)", "answer: C", "answer is option C", "answer would be C".
    private static let answerLetter = try! NSRegularExpression(
        pattern: #"answer\*{0,2}(?:\s+(?:is|would be|will be|should be))?[\s:=*]*(?:option|choice)?\s*(\(?)([A-Za-z])(\)?)"#,
        options: [.caseInsensitive])

    /// "(C)", "option C", "choice (C)", "C)".
    private static let optionMention = try! NSRegularExpression(
        pattern: #"(?:(?:option|choice)\s*(\(?)([A-Za-z])(\)?)|(\()([A-Za-z])(\))|(?<![A-Za-z])()([A-Z])(\)))"#,
        options: [.caseInsensitive])

    /// The letter of the last match of `pattern` that is a valid option: a capital, or a
    /// lower-case letter in parentheses, not followed by more letters ("Answer: Cats").
    private static func lastLetter(_ pattern: NSRegularExpression, in text: String, letters: Set<Character>) -> String? {
        let ns = text as NSString
        for match in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).reversed() {
            // Groups come in threes: opening paren, letter, closing paren.
            for group in stride(from: 1, to: match.numberOfRanges, by: 3) where match.range(at: group + 1).location != NSNotFound {
                let letterRange = match.range(at: group + 1)
                let letter = Character(ns.substring(with: letterRange))
                let parenthesised = match.range(at: group).length > 0 && match.range(at: group + 2).length > 0
                let end = letterRange.location + letterRange.length
                let followedByLetter = end < ns.length && CharacterSet.letters.contains(UnicodeScalar(ns.character(at: end)) ?? " ")
                guard letter.isUppercase || parenthesised, parenthesised || !followedByLetter else { continue }
                let upper = Character(letter.uppercased())
                if letters.contains(upper) { return String(upper) }
            }
        }
        return nil
    }

    /// A lone option letter ending the text: "… so the choice is\nC." or "(B)".
    private static func trailingLetter(_ text: String, letters: Set<Character>) -> String? {
        var chars = Array(text.trimmingCharacters(in: .whitespacesAndNewlines))
        while let last = chars.last, ".):*".contains(last) { chars.removeLast() }
        guard let letter = chars.last, letter.isUppercase, letters.contains(letter) else { return nil }
        let before = chars.count >= 2 ? chars[chars.count - 2] : " "
        return before.isLetter || before.isNumber ? nil : String(letter)
    }

    /// The option whose text the model wrote: the answer phrase's line, else the last number.
    private static func optionByText(_ text: String, choices: [Choice]) -> String? {
        guard !choices.isEmpty else { return nil }
        let ns = text as NSString
        var stated: String?
        if let phrase = GSM8KAnswer.answerPhrase.matches(in: text, range: NSRange(location: 0, length: ns.length)).last {
            let rest = ns.substring(from: phrase.range.location + phrase.range.length)
            stated = rest.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
        }
        if let stated {
            let said = comparable(stated)
            let hits = choices.filter { !comparable($0.text).isEmpty && comparable($0.text) == said }
            if hits.count == 1 { return String(hits[0].letter) }
            if let number = NumberToken.scan(stated).first, let letter = optionWithNumber(number, choices) { return letter }
        }
        guard let last = NumberToken.scan(text).last else { return nil }
        return optionWithNumber(last, choices)
    }

    /// The one option whose text is exactly one number equal to `number`.
    private static func optionWithNumber(_ number: NumberToken, _ choices: [Choice]) -> String? {
        let hits = choices.filter { choice in
            let numbers = NumberToken.scan(choice.text)
            return numbers.count == 1 && numbersAgree(numbers[0].value, number.value)
        }
        return hits.count == 1 ? String(hits[0].letter) : nil
    }

    /// Lower case without spaces, `$` or a final full stop, for comparing option texts.
    private static func comparable(_ text: String) -> String {
        var t = text.lowercased().filter { !$0.isWhitespace && $0 != "$" }
        while t.hasSuffix(".") { t.removeLast() }
        return t
    }
}
