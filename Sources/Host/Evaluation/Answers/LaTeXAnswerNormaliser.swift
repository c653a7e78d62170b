import Foundation

/// Rewrites a MATH answer into a canonical text so that notational variants compare equal.
/// The steps follow the MATH paper's `is_equiv` normaliser and PRM800K's grader, written anew:
///
/// - dropped: spaces, `\left`/`\right`, `\!` `\,` `\;` `\:` `\quad`, `\displaystyle`, `$` and
///   `\$`, `%` and `\%`, degrees (`^\circ`, `^{\circ}`, `\degree`), a final full stop;
/// - `\dfrac`/`\tfrac` → `\frac`; `\frac12` → `\frac{1}{2}`, `\sqrt2` → `\sqrt{2}` (LaTeX reads
///   one character as the argument); `x^{2}` → `x^2` for one-character exponents;
/// - `\text{…}`, `\mbox{…}`, `\mathrm{…}`, `\textbf{…}` keep only their content; unit words
///   after a value (`5 cm`, `10 degrees`, `3 square units`) are dropped;
/// - `x = 5` and `x \in [1,2]` keep the right side when the left is one variable;
/// - `.5` → `0.5`; `10,000` → `10000` when the whole answer is one number with proper thousands
///   groups; `(C)` → `C`; `\leq`/`\geq`/`\neq` → `\le`/`\ge`/`\ne`; braces around the whole answer dropped.
///
/// Not attempted: algebraic equivalence (`2x+2` vs `2(x+1)`), reordering of sums, decimal
/// approximations of irrationals, `\frac{1}{\sqrt2}` vs `\frac{\sqrt2}{2}` — these need a
/// computer-algebra system and are counted wrong.
public enum LaTeXAnswerNormaliser {
    public static func normalise(_ answer: String) -> String {
        var s = answer.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        // `\left(` → `(`, but `\leftarrow` stays.
        s = s.replacingOccurrences(of: #"\\(left|right)(?![A-Za-z])"#, with: "", options: .regularExpression)
        for (from, to) in literalRewrites { s = s.replacingOccurrences(of: from, with: to) }
        s = unwrapTextCommands(s)
        s = dropUnitWords(s)
        s = dropVariableAssignment(s)
        s = s.filter { !$0.isWhitespace }
        while s.hasSuffix(".") { s.removeLast() }
        s = normaliseCommandArguments(s, command: "\\frac", arity: 2)
        s = normaliseCommandArguments(s, command: "\\sqrt", arity: 1)
        s = unwrapSingleCharacterScripts(s)
        s = s.replacingOccurrences(of: #"(?<![0-9])\.([0-9])"#, with: "0.$1", options: .regularExpression)
        if s.range(of: #"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"#, options: .regularExpression) != nil {
            s = s.replacingOccurrences(of: ",", with: "")
        }
        s = stripEnclosingBraces(s)
        if s.count == 3, s.first == "(", s.last == ")", s.dropFirst().first?.isLetter == true { s = String(s.dropFirst().dropLast()) }
        return s
    }

    /// Plain substitutions, applied in order (longer forms first).
    private static let literalRewrites: [(String, String)] = [
        ("\\displaystyle", ""),
        ("\\!", ""), ("\\,", ""), ("\\;", ""), ("\\:", ""), ("\\qquad", " "), ("\\quad", " "), ("\\ ", " "), ("~", " "),
        ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"),
        ("^{\\circ}", ""), ("^\\circ", ""), ("\\circ", ""), ("\\degree", ""), ("°", ""),
        ("\\$", ""), ("$", ""), ("\\%", ""), ("%", ""),
        ("\\leq", "\\le"), ("\\geq", "\\ge"), ("\\neq", "\\ne"),
        ("\\mbox{", "\\text{"), ("\\textbf{", "\\text{"), ("\\mathrm{", "\\text{"), ("\\textrm{", "\\text{"), ("\\mathbf{", "\\text{"),
    ]

    /// `\text{ cm}` → ` cm` (content kept, braces matched).
    private static func unwrapTextCommands(_ s: String) -> String {
        var chars = Array(s)
        let command = Array("\\text{")
        var i = 0
        while i + command.count <= chars.count {
            guard Array(chars[i..<(i + command.count)]) == command,
                  let close = BoxedExpression.matchingBrace(chars, open: i + command.count - 1) else { i += 1; continue }
            let content = Array(chars[(i + command.count)..<close])
            chars.replaceSubrange(i...close, with: [" "] + content + [" "])
        }
        return String(chars).trimmingCharacters(in: .whitespaces)
    }

    /// Words naming units, dropped when they follow a value.
    private static let unitWords: Set<String> = [
        "unit", "units", "square", "sq", "cubic", "degree", "degrees", "radian", "radians",
        "cm", "mm", "m", "km", "meter", "meters", "metre", "metres", "centimeter", "centimeters",
        "inch", "inches", "in", "foot", "feet", "ft", "yard", "yards", "mile", "miles", "mph",
        "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "year", "years",
        "dollar", "dollars", "cent", "cents", "pound", "pounds", "gram", "grams", "kg", "liter", "liters",
        "percent", "people", "ways", "students", "cups",
    ]

    private static func dropUnitWords(_ s: String) -> String {
        let words = s.split(separator: " ").map(String.init)
        var kept = words.count
        while kept > 1 {
            // `cm^2`, `units.`: compare the word without its exponent and full stop.
            let bare = words[kept - 1].lowercased()
                .replacingOccurrences(of: #"(\^\{?[0-9]\}?)?\.?$"#, with: "", options: .regularExpression)
            guard unitWords.contains(bare) else { break }
            kept -= 1
        }
        // Only after a value (`5 m`, `\frac{1}{2} cm`, `3 square units`), so `x + m` keeps its `m`.
        guard kept < words.count, let end = words[kept - 1].last, end.isNumber || end == "}" || end == ")" else { return s }
        return words[..<kept].joined(separator: " ")
    }

    /// `x = 5` → `5`, `k \in (0, 1)` → `(0, 1)`: the left side is a single variable.
    private static func dropVariableAssignment(_ s: String) -> String {
        for separator in ["=", "\\in"] {
            let parts = s.components(separatedBy: separator)
            guard parts.count == 2 else { continue }
            let left = parts[0].trimmingCharacters(in: .whitespaces)
            if left.range(of: #"^([A-Za-z]|\\[A-Za-z]+)(_\{?[A-Za-z0-9]+\}?)?$"#, options: .regularExpression) != nil {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return s
    }

    /// `\frac12` → `\frac{1}{2}`, `\frac1{x}` → `\frac{1}{x}`, `\sqrt2` → `\sqrt{2}`: every
    /// argument of `command` in braces. `\sqrt[3]{x}` keeps its optional argument.
    private static func normaliseCommandArguments(_ s: String, command: String, arity: Int) -> String {
        let chars = Array(s)
        let name = Array(command)
        var out: [Character] = []
        var i = 0
        while i < chars.count {
            guard i + name.count <= chars.count, Array(chars[i..<(i + name.count)]) == name,
                  i + name.count == chars.count || !chars[i + name.count].isLetter else {
                out.append(chars[i]); i += 1; continue
            }
            out += name
            i += name.count
            if i < chars.count, chars[i] == "[", let close = chars[i...].firstIndex(of: "]") {
                out += chars[i...close]
                i = close + 1
            }
            for _ in 0..<arity where i < chars.count {
                if chars[i] == "{", let close = BoxedExpression.matchingBrace(chars, open: i) {
                    out += chars[i...close]
                    i = close + 1
                } else if chars[i] == "\\" {
                    // `\frac\pi2`: a command name is one argument.
                    var j = i + 1
                    while j < chars.count, chars[j].isLetter { j += 1 }
                    out += ["{"] + chars[i..<j] + ["}"]
                    i = j
                } else {
                    out += ["{", chars[i], "}"]
                    i += 1
                }
            }
        }
        return String(out)
    }

    /// `x^{2}` → `x^2`, `a_{1}` → `a_1`.
    private static func unwrapSingleCharacterScripts(_ s: String) -> String {
        s.replacingOccurrences(of: #"([\^_])\{([A-Za-z0-9])\}"#, with: "$1$2", options: .regularExpression)
    }

    /// `{5}` → `5`, when the outer braces enclose everything.
    private static func stripEnclosingBraces(_ s: String) -> String {
        var chars = Array(s)
        while chars.first == "{", BoxedExpression.matchingBrace(chars, open: 0) == chars.count - 1 {
            chars = Array(chars.dropFirst().dropLast())
        }
        return String(chars)
    }
}
