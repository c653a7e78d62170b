import PluginAPI

/// Draws a `Figure` as Unicode text for the REPL: line charts in braille (or one marker per
/// series when there are several), horizontal bars, shaded heatmaps, a sideways dendrogram and
/// a barcode with one line per interval. Every line is at most `width` characters (at least 40
/// are used); the text ends without a newline.
public enum FigureTerminal {
    public static func render(_ figure: Figure, width: Int) -> String {
        let width = max(40, width)
        let lines: [String]
        switch figure {
        case let .lines(f): lines = TerminalLineChart(figure: f, width: width).lines()
        case let .bars(f): lines = bars(f, width: width)
        case let .heatmap(f): lines = heatmap(f, width: width)
        case let .dendrogram(f): lines = TerminalDendrogram(figure: f, width: width).lines()
        case let .barcode(f): lines = barcode(f, width: width)
        }
        return lines.map { clip($0, width) }.joined(separator: "\n")
    }

    /// `text` cut to `limit` characters with an ellipsis.
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
    }

    static func pad(_ text: String, _ count: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, count - text.count))
        return right ? fill + text : text + fill
    }

    /// Horizontal bars: label, bar in eighth blocks scaled to the largest |value|, the value and
    /// its interval. Negative values are drawn with `░`.
    static func bars(_ figure: BarFigure, width: Int) -> [String] {
        guard !figure.labels.isEmpty else { return [clip(figure.title, width), "(no data)"] }
        let labelWidth = min(width / 3, figure.labels.map(\.count).max() ?? 0)
        let texts = figure.labels.indices.map { i -> String in
            let value = i < figure.values.count ? figure.values[i] : .nan
            var text = AxisScale.format(value)
            if let lower = figure.lower, let upper = figure.upper, i < lower.count, i < upper.count {
                text += " [\(AxisScale.format(lower[i])), \(AxisScale.format(upper[i]))]"
            }
            return text
        }
        let barWidth = max(5, width - labelWidth - 3 - (texts.map(\.count).max() ?? 0))
        let largest = figure.values.filter(\.isFinite).map(abs).max() ?? 0
        var lines = [clip(figure.title, width)]
        for (i, label) in figure.labels.enumerated() {
            let value = i < figure.values.count ? figure.values[i] : .nan
            var bar = ""
            if value.isFinite, largest > 0 {
                let eighths = Int((abs(value) / largest * Double(barWidth * 8)).rounded())
                bar = value < 0 ? String(repeating: "░", count: (eighths + 4) / 8)
                    : String(repeating: "█", count: eighths / 8) + (eighths % 8 == 0 ? "" : String(partialBlocks[eighths % 8]))
            }
            lines.append(pad(clip(label, labelWidth), labelWidth) + " │" + pad(bar, barWidth) + " " + texts[i])
        }
        if !figure.yLabel.isEmpty { lines.append(pad("", labelWidth) + "  " + figure.yLabel) }
        return lines
    }

    /// `▏` … `▉`: one to seven eighths of a cell.
    private static let partialBlocks: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// Shade levels from lowest to highest.
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// Heatmap: one shade per cell (two characters wide when it fits), row labels on the left,
    /// column labels or indices above, and the value each shade starts at.
    static func heatmap(_ figure: HeatmapFigure, width: Int) -> [String] {
        let rows = figure.values.count, columns = figure.values.map(\.count).max() ?? 0
        guard rows > 0, columns > 0 else { return [clip(figure.title, width), "(no data)"] }
        let finite = figure.values.flatMap { $0 }.filter(\.isFinite)
        let low = figure.range?.lowerBound ?? finite.min() ?? 0, high = figure.range?.upperBound ?? finite.max() ?? 1
        let rowLabels = (0..<rows).map { $0 < figure.rowLabels.count ? figure.rowLabels[$0] : String($0) }
        let labelWidth = min(12, rowLabels.map(\.count).max() ?? 0)
        let room = width - labelWidth - 2
        let cellWidth = columns * 2 <= room ? 2 : 1
        let shown = min(columns, room / cellWidth)
        var lines = [clip(figure.title, width)]
        let columnLabels = (0..<columns).map { $0 < figure.columnLabels.count ? figure.columnLabels[$0] : String($0) }
        var header = ""
        if columnLabels.prefix(shown).allSatisfy({ $0.count <= cellWidth }) {
            header = columnLabels.prefix(shown).map { pad($0, cellWidth, right: true) }.joined()
        } else {
            // Column indices every five columns.
            var marks = [Character](repeating: " ", count: shown * cellWidth)
            for c in stride(from: 0, to: shown, by: 5) {
                for (k, ch) in String(c).enumerated() where c * cellWidth + k < marks.count { marks[c * cellWidth + k] = ch }
            }
            header = String(marks)
        }
        lines.append(pad("", labelWidth) + "  " + header)
        for r in 0..<rows {
            let cells = (0..<shown).map { c -> String in
                let value = c < figure.values[r].count ? figure.values[r][c] : .nan
                guard value.isFinite else { return String(repeating: "·", count: cellWidth) }
                return String(repeating: shades[shadeLevel(value, low: low, high: high)], count: cellWidth)
            }.joined()
            lines.append(pad(clip(rowLabels[r], labelWidth), labelWidth) + " │" + cells)
        }
        if shown < columns { lines.append("(columns 0–\(shown - 1) of \(columns) shown; widen the terminal for the rest)") }
        let step = (high - low) / Double(shades.count)
        let legend = shades.indices.map { "\(shades[$0] == " " ? "' '" : String(shades[$0])) \(AxisScale.format(low + Double($0) * step))" }
        lines.append("scale: " + legend.joined(separator: "  ") + " … \(AxisScale.format(high))" + (finite.count < rows * columns ? "  · missing" : ""))
        return lines
    }

    static func shadeLevel(_ value: Double, low: Double, high: Double) -> Int {
        guard high > low else { return shades.count / 2 }
        let t = min(1, max(0, (value - low) / (high - low)))
        guard t.isFinite else { return shades.count / 2 }
        return min(shades.count - 1, Int(t * Double(shades.count)))
    }

    /// Barcode: intervals grouped by dimension under an `H0`, `H1`… header, one line each, on a
    /// shared axis; an interval that never dies ends in `→` at the right edge.
    static func barcode(_ figure: BarcodeFigure, width: Int) -> [String] {
        let bars = figure.bars.filter { $0.birth.isFinite && ($0.death.map { $0.isFinite || $0 == .infinity } ?? true) }
            .sorted { ($0.dimension, $0.birth, $0.death ?? .infinity) < ($1.dimension, $1.birth, $1.death ?? .infinity) }
        guard !bars.isEmpty else { return [clip(figure.title, width), "(no data)"] }
        let ends = bars.flatMap { [$0.birth] + ($0.death.flatMap { $0.isFinite ? [$0] : nil } ?? []) }
        let low = min(0, ends.min() ?? 0), high = max(ends.max() ?? 1, low + 1e-12)
        let texts = bars.map { "\(AxisScale.format($0.birth))–\($0.death.map { AxisScale.format($0) } ?? "∞")" }
        let textWidth = texts.map(\.count).max() ?? 0
        let span = max(10, width - 4 - textWidth - 2)
        func column(_ v: Double) -> Int { Int(((v - low) / (high - low) * Double(span - 2)).rounded()) }
        var lines = [clip(figure.title, width)]
        var dimension: Int?
        for (bar, text) in zip(bars, texts) {
            if bar.dimension != dimension {
                dimension = bar.dimension
                lines.append("H\(bar.dimension) (\(bars.filter { $0.dimension == bar.dimension }.count) intervals)")
            }
            let start = column(bar.birth)
            let infinite = bar.death == nil || bar.death == .infinity
            let end = infinite ? span - 1 : max(start, column(bar.death ?? 0))
            var row = String(repeating: " ", count: start) + String(repeating: "━", count: max(1, end - start + (infinite ? 0 : 1)))
            if infinite { row = String(row.dropLast()) + "→" }
            lines.append("    " + pad(row, span) + "  " + text)
        }
        let axisLeft = AxisScale.format(low), axisRight = AxisScale.format(high)
        lines.append("    " + axisLeft + String(repeating: " ", count: max(1, span - 1 - axisLeft.count - axisRight.count)) + axisRight)
        return lines
    }
}
