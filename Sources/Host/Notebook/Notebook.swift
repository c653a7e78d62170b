import Foundation

/// A replayable notebook: a `.strata` script whose recorded output sits under each cell as
/// `//> ` lines. A cell is a run of source lines (comments and blank lines included) ended by
/// its output block or by the next blank line after code; cells run in order in one session.
///
/// ```
/// load tiny
/// //> loaded tiny (4 layers, d_model 64, 4 heads / 2 kv, vocab 260) from tiny (built in)
/// let r = eval gsm8k limit=2
/// print(r.accuracy)
/// //> 0.5
/// ```
///
/// A header line `// tolerance: 1e-4` sets the relative tolerance for numbers (default 1e-6),
/// `// absolute tolerance: 1e-3` an absolute one added to it (default 0): two numbers agree
/// when |a − b| ≤ absolute + relative · max(|a|, |b|).
public struct Notebook: Equatable {
    public struct Cell: Equatable {
        /// The cell's source lines, exactly as written (no output lines).
        public var source: [String]
        /// The recorded output lines, without the `//> ` marker.
        public var output: [String]
        /// 1-based line of the cell's first source line in the file.
        public var line: Int
    }

    public var cells: [Cell]
    public var tolerance: Double
    public var absoluteTolerance: Double

    static let marker = "//> "
    static let bareMarker = "//>"

    public init(cells: [Cell], tolerance: Double = 1e-6, absoluteTolerance: Double = 0) {
        self.cells = cells
        self.tolerance = tolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// Parses notebook text. Output lines before any source line are an error.
    public static func parse(_ text: String, name: String = "notebook") throws -> Notebook {
        var cells: [Cell] = []
        var current: Cell?
        var tolerance = 1e-6, absoluteTolerance = 0.0
        let lines = text.components(separatedBy: "\n")
        let lineCount = text.hasSuffix("\n") ? lines.count - 1 : lines.count
        for index in 0..<lineCount {
            let line = lines[index]
            if line.hasPrefix(bareMarker) {
                guard current != nil else {
                    throw NotebookError("\(name):\(index + 1): recorded output before any statement")
                }
                current!.output.append(line.hasPrefix(marker) ? String(line.dropFirst(marker.count)) : String(line.dropFirst(bareMarker.count)))
                continue
            }
            let place = "\(name):\(index + 1)"
            if let value = try setting("tolerance", in: line, example: "1e-4", at: place) { tolerance = value }
            if let value = try setting("absolute tolerance", in: line, example: "1e-3", at: place) { absoluteTolerance = value }
            // A source line after output, or a blank line after code, starts a new cell.
            if let cell = current, !cell.output.isEmpty
                || (line.trimmingCharacters(in: .whitespaces).isEmpty && cell.hasCode && cell.isBalanced) {
                cells.append(cell)
                current = nil
            }
            if current == nil {
                current = Cell(source: [], output: [], line: index + 1)
            }
            current!.source.append(line)
        }
        if let cell = current { cells.append(cell) }
        return Notebook(cells: cells, tolerance: tolerance, absoluteTolerance: absoluteTolerance)
    }

    /// The value of a `// LABEL: VALUE` setting line (a non-negative number), nil on other lines.
    private static func setting(_ label: String, in line: String, example: String, at place: String) throws -> Double? {
        let key = "// \(label):"
        guard line.hasPrefix(key) else { return nil }
        guard let value = Double(line.dropFirst(key.count).trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw NotebookError("\(place): \(label) must be a non-negative number, e.g. `\(key) \(example)`")
        }
        return value
    }

    /// The notebook text with each cell's output block under its source.
    public func render() -> String {
        var out = ""
        for cell in cells {
            for line in cell.source { out += line + "\n" }
            for line in cell.output { out += (line.isEmpty ? Self.bareMarker : Self.marker + line) + "\n" }
        }
        return out
    }
}

extension Notebook.Cell {
    /// Brackets and braces closed outside string literals: a blank line inside a `for { }`
    /// body does not end the cell.
    var isBalanced: Bool {
        var depth = 0
        for line in source {
            var inString = false, escaped = false
            let code = line.range(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
            for c in code {
                if inString {
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                    continue
                }
                switch c {
                case "\"": inString = true
                case "{", "[", "(": depth += 1
                case "}", "]", ")": depth -= 1
                default: break
                }
            }
        }
        return depth <= 0
    }

    /// Whether the cell has anything to run (not only comments and blank lines).
    var hasCode: Bool {
        source.contains { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return !t.isEmpty && !t.hasPrefix("//")
        }
    }
}

public struct NotebookError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
