/// A number written in free text, as answer extraction reads it: `1,000`, `$1,000.50`, `-3`,
/// `.5`, `42.0`, `25%`. Thousands separators count only in proper groups of three
/// (`1,2,3` is three numbers), and a `-` counts as a sign only where it cannot be a subtraction
/// (`10-5` is 10 and 5, `x = -5` is -5).
public struct NumberToken: Equatable {
    /// The number without separators, currency or trailing fraction zeros: `1000.5`, `-3`, `0.5`.
    public let canonical: String
    public let value: Double
    /// Character offsets of the token in the scanned text (sign and `$` included).
    public let range: Range<Int>

    /// Every number in `text`, in order.
    public static func scan(_ text: String) -> [NumberToken] {
        let chars = Array(text)
        var tokens: [NumberToken] = []
        var i = 0
        while i < chars.count {
            let startsNumber = chars[i].isASCIIDigit
                || (chars[i] == "." && i + 1 < chars.count && chars[i + 1].isASCIIDigit && (i == 0 || !chars[i - 1].isASCIIDigit))
            // A digit glued to a letter is part of a name (`x2`, `CO2`), not a number.
            guard startsNumber, i == 0 || !chars[i - 1].isLetter else {
                i += 1
                continue
            }
            let (digits, end) = readDigits(chars, from: i)
            var start = i
            var negative = false
            var back = i - 1
            if back >= 0, chars[back] == "$" { start = back; back -= 1 }
            if back >= 0, chars[back] == "-" || chars[back] == "−" {
                let before = back - 1
                // `10-5` and `(a)-5` are subtractions; a sign follows a space, `=`, `(`, or the start.
                if before < 0 || !(chars[before].isLetter || chars[before].isASCIIDigit || chars[before] == ")") {
                    negative = true
                    start = back
                }
            }
            let canonical = canonicalNumber(digits, negative: negative)
            if let value = Double(canonical) {
                tokens.append(NumberToken(canonical: canonical, value: value, range: start..<end))
            }
            i = end
        }
        return tokens
    }

    /// `digits` (no separators, optional `.fraction`) with trailing fraction zeros and the
    /// sign of zero dropped: `42.0` → `42`, `.50` → `0.5`, `-0` → `0`.
    static func canonicalNumber(_ digits: String, negative: Bool) -> String {
        var text = digits
        if text.hasPrefix(".") { text = "0" + text }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        var integer = text.prefix { $0 != "." }
        let rest = text.dropFirst(integer.count)
        while integer.count > 1, integer.hasPrefix("0") { integer.removeFirst() }
        text = String(integer) + rest
        let isZero = text.allSatisfy { $0 == "0" || $0 == "." }
        return negative && !isZero ? "-" + text : text
    }

    /// Reads `123`, `1,234,567`, `12.5` or `.5` from `start`; returns the digits without
    /// separators and the index after the number (a trailing `.` is left as punctuation).
    private static func readDigits(_ chars: [Character], from start: Int) -> (String, Int) {
        var i = start
        var out = ""
        while i < chars.count, chars[i].isASCIIDigit { out.append(chars[i]); i += 1 }
        // Thousands groups: only after a first group of 1–3 digits, exactly three digits each.
        if !out.isEmpty, out.count <= 3 {
            while i + 3 < chars.count, chars[i] == ",",
                  (1...3).allSatisfy({ chars[i + $0].isASCIIDigit }),
                  i + 4 == chars.count || !chars[i + 4].isASCIIDigit {
                out += String(chars[(i + 1)...(i + 3)])
                i += 4
            }
        }
        if i + 1 < chars.count, chars[i] == ".", chars[i + 1].isASCIIDigit {
            out.append(".")
            i += 1
            while i < chars.count, chars[i].isASCIIDigit { out.append(chars[i]); i += 1 }
        }
        return (out, i)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Numeric equality for answers: exact on the canonical text, else within a relative
/// tolerance of 1e-9 (so `0.1 + 0.2`-style float noise in a parse does not fail a match).
func numbersAgree(_ a: Double, _ b: Double) -> Bool {
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
}
