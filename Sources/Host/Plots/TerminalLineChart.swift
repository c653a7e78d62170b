import Foundation
import PluginAPI

/// A line chart in text: one series is drawn in braille (2×4 dots per character, lines
/// joined between points); several series get one marker each (`●`, `○`, `×`, …) sampled
/// per column, so they stay apart without colour. The y range is labelled on the left, the x
/// range below, and a legend names the series.
struct TerminalLineChart {
    let figure: LineFigure
    let width: Int
    let rows = 12

    static let markers: [Character] = ["●", "○", "×", "+", "■", "□", "▲", "△"]

    func lines() -> [String] {
        let xs = figure.series.flatMap(\.x), ys = figure.series.flatMap(\.y)
        let points = figure.series.map { zip($0.x, $0.y).filter { $0.0.isFinite && $0.1.isFinite && (!figure.logY || $0.1 > 0) } }
        var out = [FigureTerminal.clip(figure.title, width)]
        guard points.contains(where: { !$0.isEmpty }) else { return out + ["(no data)"] }
        let xScale = AxisScale(values: xs.filter(\.isFinite))
        let yScale = AxisScale(values: ys, logarithmic: figure.logY)
        // Each tick labels the row it falls on (ticks are nice numbers: 14, 16, 18 …).
        var labels = [Int: String]()
        for tick in yScale.ticks {
            guard let f = yScale.fraction(yScale.logarithmic ? pow(10, tick) : tick) else { continue }
            let row = Int(((1 - min(1, max(0, f))) * Double(rows - 1)).rounded())
            if labels[row] == nil { labels[row] = yScale.label(tick) }
        }
        let labelWidth = labels.values.map(\.count).max() ?? 1
        let columns = max(10, width - labelWidth - 2)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: columns), count: rows)
        if figure.series.count == 1 {
            drawBraille(points[0], xScale: xScale, yScale: yScale, into: &grid)
        } else {
            for (index, series) in points.enumerated() {
                drawMarkers(series, marker: TerminalLineChart.markers[index % TerminalLineChart.markers.count],
                            xScale: xScale, yScale: yScale, into: &grid)
            }
        }
        for row in 0..<rows {
            let label = labels[row] ?? ""
            out.append(FigureTerminal.pad(label, labelWidth, right: true) + (label.isEmpty ? " │" : " ┤") + String(grid[row]))
        }
        out.append(String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: columns))
        let left = AxisScale.format(xScale.lower), right = AxisScale.format(xScale.upper)
        let middle = FigureTerminal.clip(figure.xLabel, max(1, columns - left.count - right.count - 2))
        let gap = columns - left.count - right.count - middle.count
        out.append(String(repeating: " ", count: labelWidth + 2) + left + String(repeating: " ", count: max(1, gap / 2)) + middle
                   + String(repeating: " ", count: max(1, gap - gap / 2)) + right)
        var legend = figure.yLabel.isEmpty ? "" : "y: \(figure.yLabel)\(figure.logY ? " (log)" : "")"
        if figure.series.count > 1 {
            let names = figure.series.enumerated().map { "\(TerminalLineChart.markers[$0.offset % TerminalLineChart.markers.count]) \($0.element.name)" }
            legend += (legend.isEmpty ? "" : "   ") + names.joined(separator: "  ")
        } else if let name = figure.series.first?.name, !name.isEmpty {
            legend += (legend.isEmpty ? "" : "   ") + "⣿ \(name)"
        }
        if !legend.isEmpty { out.append(legend) }
        return out
    }

    /// Dot coordinates: x in 0..<columns*2, y in 0..<rows*4 from the top.
    private func dot(_ x: Double, _ y: Double, _ xScale: AxisScale, _ yScale: AxisScale, columns: Int) -> (Int, Int)? {
        guard let fx = xScale.fraction(x), let fy = yScale.fraction(y), fx.isFinite, fy.isFinite else { return nil }
        let px = Int((min(1, max(0, fx)) * Double(columns * 2 - 1)).rounded())
        let py = Int(((1 - min(1, max(0, fy))) * Double(rows * 4 - 1)).rounded())
        return (px, py)
    }

    private func drawBraille(_ points: [(Double, Double)], xScale: AxisScale, yScale: AxisScale, into grid: inout [[Character]]) {
        let columns = grid[0].count
        var bits = [[UInt32]](repeating: [UInt32](repeating: 0, count: columns), count: rows)
        // Braille dot bits by (column, row) within a cell.
        let cellBits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        func set(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x / 2 < columns, y / 4 < rows else { return }
            bits[y / 4][x / 2] |= cellBits[x % 2][y % 4]
        }
        var previous: (Int, Int)?
        for (x, y) in points {
            guard let current = dot(x, y, xScale, yScale, columns: columns) else { previous = nil; continue }
            if let from = previous {
                // Join consecutive points with a straight run of dots.
                let steps = max(abs(current.0 - from.0), abs(current.1 - from.1), 1)
                for s in 0...steps {
                    let t = Double(s) / Double(steps)
                    set(Int((Double(from.0) + t * Double(current.0 - from.0)).rounded()),
                        Int((Double(from.1) + t * Double(current.1 - from.1)).rounded()))
                }
            } else {
                set(current.0, current.1)
            }
            previous = current
        }
        for r in 0..<rows {
            for c in 0..<columns where bits[r][c] != 0 {
                grid[r][c] = Character(UnicodeScalar(0x2800 + bits[r][c]) ?? " ")
            }
        }
    }

    private func drawMarkers(_ points: [(Double, Double)], marker: Character, xScale: AxisScale, yScale: AxisScale,
                             into grid: inout [[Character]]) {
        let columns = grid[0].count
        // One marker per column the series covers, at the y of its nearest point.
        var nearest: [Int: (distance: Int, row: Int)] = [:]
        for (x, y) in points {
            guard let (px, py) = dot(x, y, xScale, yScale, columns: columns) else { continue }
            let column = px / 2, row = py / 4
            let distance = abs(px - (column * 2 + 1))
            if let best = nearest[column], best.distance <= distance { continue }
            nearest[column] = (distance, row)
        }
        for (column, entry) in nearest where column < columns && entry.row < rows { grid[entry.row][column] = marker }
    }
}
