import Foundation

/// `\boxed{…}` and `\fbox{…}` in a generation, read with brace matching so nested groups
/// (`\boxed{\frac{1}{2}}`) stay whole.
public enum BoxedExpression {
    /// The content of the last `\boxed{…}` / `\fbox{…}` (or `\boxed 5`, up to the next space
    /// or `$`); nil when there is none or its braces never close.
    public static func last(in text: String) -> String? {
        let chars = Array(text)
        var best: Int?
        for command in ["\\boxed", "\\fbox"] {
            let pattern = Array(command)
            var i = chars.count - pattern.count
            while i >= 0 {
                if Array(chars[i..<(i + pattern.count)]) == pattern {
                    if (best ?? -1) < i { best = i }
                    break
                }
                i -= 1
            }
        }
        guard let start = best else { return nil }
        var i = start + 1
        while i < chars.count, chars[i].isLetter { i += 1 }
        if i < chars.count, chars[i] == "{" {
            guard let close = matchingBrace(chars, open: i) else { return nil }
            return String(chars[(i + 1)..<close]).trimmingCharacters(in: .whitespaces)
        }
        // `\boxed 5`: the command's argument is the next word.
        while i < chars.count, chars[i] == " " { i += 1 }
        let word = chars[i...].prefix { $0 != " " && $0 != "$" && $0 != "\n" }
        return word.isEmpty ? nil : String(word)
    }

    /// The index of the `}` closing the `{` at `open` (escaped `\{` `\}` do not count).
    static func matchingBrace(_ chars: [Character], open: Int) -> Int? {
        var depth = 0
        var i = open
        while i < chars.count {
            if chars[i] == "\\" { i += 2; continue }
            if chars[i] == "{" { depth += 1 }
            if chars[i] == "}" {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }
}
