/// A script or REPL input as characters, with the line starts needed to turn an offset
/// into a 1-based line:column and to quote a line under an error.
final class SourceText {
    let characters: [Character]
    let fileName: String?
    /// Offsets of the first character of each line.
    private let lineStarts: [Int]

    init(_ text: String, fileName: String? = nil) {
        characters = Array(text)
        self.fileName = fileName
        var starts = [0]
        for (offset, character) in characters.enumerated() where character.isNewline {
            starts.append(offset + 1)
        }
        lineStarts = starts
    }

    var count: Int { characters.count }

    subscript(offset: Int) -> Character? {
        offset >= 0 && offset < characters.count ? characters[offset] : nil
    }

    func text(_ range: Range<Int>) -> String {
        String(characters[max(0, range.lowerBound)..<min(characters.count, range.upperBound)])
    }

    func location(of offset: Int) -> SourceLocation {
        // The last line start at or before the offset (binary search).
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    /// The text of a 1-based line, without its newline.
    func line(_ number: Int) -> String? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] : characters.count
        if end > start, characters[end - 1].isNewline { end -= 1 }
        return String(characters[start..<end])
    }
}
