import Foundation

/// Compares recorded and replayed output: text exactly, numbers within a relative tolerance
/// (so a loss of 1.2345679 and 1.2345678 agree at 1e-6) plus an absolute one (0 unless a
/// notebook sets it, for values near zero), and renders a diff when they don't.
public enum OutputComparison {
    /// A line split into text and number pieces.
    enum Piece: Equatable {
        case text(String)
        case number(Double)
    }

    static func pieces(_ line: String) -> [Piece] {
        var result: [Piece] = []
        var text = ""
        let scalars = Array(line.unicodeScalars)
        var i = 0
        func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }
        while i < scalars.count {
            let s = scalars[i]
            let startsNumber = isDigit(s) || ((s == "-" || s == ".") && i + 1 < scalars.count && isDigit(scalars[i + 1]))
            // A digit glued to a word (`q4_1`, `blk2`) is text, not a number.
            let gluedToWord = i > 0 && (CharacterSet.letters.contains(scalars[i - 1]) || scalars[i - 1] == "_")
            if startsNumber && !gluedToWord {
                var j = i + 1
                while j < scalars.count, isDigit(scalars[j]) || scalars[j] == "." { j += 1 }
                if j < scalars.count, scalars[j] == "e" || scalars[j] == "E" {
                    var k = j + 1
                    if k < scalars.count, scalars[k] == "-" || scalars[k] == "+" { k += 1 }
                    if k < scalars.count, isDigit(scalars[k]) {
                        while k < scalars.count, isDigit(scalars[k]) { k += 1 }
                        j = k
                    }
                }
                let literal = String(String.UnicodeScalarView(scalars[i..<j]))
                if let value = Double(literal) {
                    if !text.isEmpty { result.append(.text(text)); text = "" }
                    result.append(.number(value))
                    i = j
                    continue
                }
            }
            text.unicodeScalars.append(s)
            i += 1
        }
        if !text.isEmpty { result.append(.text(text)) }
        return result
    }

    public static func linesMatch(_ expected: String, _ actual: String, tolerance: Double,
                                  absoluteTolerance: Double = 0) -> Bool {
        if expected == actual { return true }
        let a = pieces(expected), b = pieces(actual)
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case let (.text(s), .text(t)) where s == t: continue
            case let (.number(u), .number(v)):
                if u == v || abs(u - v) <= absoluteTolerance + tolerance * max(abs(u), abs(v)) { continue }
                return false
            default: return false
            }
        }
        return true
    }

    public static func outputsMatch(_ expected: [String], _ actual: [String], tolerance: Double,
                                    absoluteTolerance: Double = 0) -> Bool {
        expected.count == actual.count && zip(expected, actual).allSatisfy {
            linesMatch($0, $1, tolerance: tolerance, absoluteTolerance: absoluteTolerance)
        }
    }

    /// A unified-style diff of the two outputs, `-` recorded and `+` replayed.
    public static func diff(_ expected: [String], _ actual: [String], tolerance: Double,
                            absoluteTolerance: Double = 0) -> String {
        var lines: [String] = []
        for i in 0..<max(expected.count, actual.count) {
            let e = i < expected.count ? expected[i] : nil
            let a = i < actual.count ? actual[i] : nil
            if let e, let a, linesMatch(e, a, tolerance: tolerance, absoluteTolerance: absoluteTolerance) {
                lines.append("  " + a)
            } else {
                if let e { lines.append("- " + e) }
                if let a { lines.append("+ " + a) }
            }
        }
        return lines.joined(separator: "\n")
    }
}
