import Foundation

/// What pressing Tab does to the edit buffer, decided without a terminal.
public enum CompletionEdit: Equatable {
    /// Nothing matches: ring the bell.
    case none
    /// Replace `deleting` characters (Unicode scalars) before the cursor with `insert`.
    case replace(deleting: Int, insert: String)
    /// Several candidates share no longer prefix than what is typed: show them.
    case list([String])

    /// The edit for `completion` applied to `line`: a single candidate is inserted with the
    /// completion's terminator; several are narrowed to their longest common prefix, or
    /// listed when that adds nothing.
    public init(_ completion: Completion, line: String) {
        let candidates = completion.candidates
        guard let first = candidates.first else { self = .none; return }
        let utf8 = Array(line.utf8)
        let lower = max(0, min(completion.replacement.lowerBound, utf8.count))
        let upper = max(lower, min(completion.replacement.upperBound, utf8.count))
        let typed = String(decoding: utf8[lower..<upper], as: UTF8.self)

        var replacement: String
        if candidates.count == 1 {
            let ends = first.hasSuffix("/") || first.hasSuffix("=")
            replacement = first + (ends ? "" : completion.terminator)
        } else {
            replacement = Self.commonPrefix(candidates)
            if replacement.unicodeScalars.count <= typed.unicodeScalars.count || !replacement.hasPrefix(typed) {
                self = .list(candidates)
                return
            }
        }
        if replacement == typed { self = .none; return }
        self = .replace(deleting: typed.unicodeScalars.count, insert: replacement)
    }

    /// The longest prefix shared by all `words`, cut on a Unicode scalar boundary.
    public static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first.map({ Array($0.unicodeScalars) }) else { return "" }
        for word in words.dropFirst() {
            let scalars = Array(word.unicodeScalars)
            var count = 0
            while count < prefix.count, count < scalars.count, prefix[count] == scalars[count] { count += 1 }
            prefix.removeSubrange(count...)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: prefix)
        return String(result)
    }

    /// Candidates laid out in columns filling `width`, ordered down each column (like `ls`).
    public static func listing(_ words: [String], width: Int) -> [String] {
        guard !words.isEmpty else { return [] }
        let column = (words.map { $0.count }.max() ?? 0) + 2
        let columns = max(1, min(words.count, max(1, width) / column))
        let rows = (words.count + columns - 1) / columns
        return (0..<rows).map { row in
            var line = ""
            for col in 0..<columns {
                let index = col * rows + row
                guard index < words.count else { break }
                let word = words[index]
                let isLast = col == columns - 1 || index + rows >= words.count
                line += isLast ? word : word.padding(toLength: column, withPad: " ", startingAt: 0)
            }
            return line
        }
    }
}
