import PluginAPI

extension FigureSVG {
    /// Heatmap: one `<rect class="cell">` per matrix entry (grey where missing or NaN), row
    /// labels on the left, column labels below, and a colour scale on the right.
    static func heatmap(_ figure: HeatmapFigure) -> String {
        let rows = figure.values.count
        let columns = figure.values.map(\.count).max() ?? 0
        let finite = figure.values.flatMap { $0 }.filter(\.isFinite)
        let low = figure.range?.lowerBound ?? finite.min() ?? 0
        let high = figure.range?.upperBound ?? finite.max() ?? 1
        func fraction(_ v: Double) -> Double? {
            guard v.isFinite else { return nil }
            return high > low ? (v - low) / (high - low) : 0.5
        }
        let cell = max(4, min(36, min(560 / Double(max(1, columns)), 480 / Double(max(1, rows)))))
        let rowLabels = (0..<rows).map { $0 < figure.rowLabels.count ? SVGWriter.clip(figure.rowLabels[$0], 20) : String($0) }
        let columnLabels = (0..<columns).map { $0 < figure.columnLabels.count ? SVGWriter.clip(figure.columnLabels[$0], 20) : String($0) }
        let rowLabelWidth = rowLabels.map { SVGWriter.textWidth($0, size: tickSize) }.max() ?? 0
        let columnLabelWidth = columnLabels.map { SVGWriter.textWidth($0, size: tickSize) }.max() ?? 0
        let rotate = columnLabelWidth > cell - 2
        // Show every k-th label when cells are smaller than a line of text.
        let every = max(1, Int((14 / cell).rounded(.up)))
        let left = 16 + rowLabelWidth + 8, top = 52.0
        let gridWidth = cell * Double(columns), gridHeight = cell * Double(rows)
        let labelsBelow = rotate ? columnLabelWidth * 0.75 + 14 : 20
        let scaleX = left + gridWidth + 24
        let width = max(360, scaleX + 70)
        let height = top + max(gridHeight, 120) + labelsBelow + 20
        var svg = SVGWriter()
        svg.text(SVGWriter.clip(figure.title, Int(width / 9.6)), x: width / 2, y: 28, anchor: "middle", size: titleSize,
                 attributes: [("class", "title"), ("font-weight", "bold")])
        let showValues = cell >= 30 && columns <= 14
        for r in 0..<rows {
            for c in 0..<columns {
                let value = c < figure.values[r].count ? figure.values[r][c] : .nan
                let t = fraction(value)
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                svg.raw("<rect class=\"cell\" x=\"\(SVGWriter.number(x))\" y=\"\(SVGWriter.number(y))\" width=\"\(SVGWriter.number(cell))\" "
                        + "height=\"\(SVGWriter.number(cell))\" shape-rendering=\"crispEdges\" fill=\"\(PlotPalette.scale(t))\"><title>"
                        + SVGWriter.escape("\(rowLabels[r]) × \(columnLabels[c]): \(AxisScale.format(value))") + "</title></rect>")
                if showValues, value.isFinite {
                    svg.text(AxisScale.format(value), x: x + cell / 2, y: y + cell / 2 + 3.5, anchor: "middle", size: 9.5,
                             attributes: [("fill", PlotPalette.textOnScale(t))])
                }
            }
        }
        for r in stride(from: 0, to: rows, by: every) {
            svg.text(rowLabels[r], x: left - 6, y: top + (Double(r) + 0.5) * cell + 4, anchor: "end", size: tickSize,
                     attributes: [("class", "row-label")])
        }
        for c in stride(from: 0, to: columns, by: every) {
            let x = left + (Double(c) + 0.5) * cell, y = top + gridHeight + 14
            svg.text(columnLabels[c], x: x, y: y, anchor: rotate ? "end" : "middle", size: tickSize,
                     rotate: rotate ? -45 : nil, attributes: [("class", "column-label")])
        }
        if rows == 0 || columns == 0 {
            svg.text("no data", x: width / 2, y: top + 60, anchor: "middle", size: 14, attributes: [("class", "no-data"), ("fill", "#888888")])
        }
        // The colour scale: a vertical gradient from the range's top (high) to its bottom (low).
        let scaleHeight = max(gridHeight, 120)
        svg.rect(scaleX, top, 14, scaleHeight, [("class", "colour-scale"), ("fill", "url(#scale)"), ("stroke", "#666666")])
        // Nice ticks inside the range, and the range's ends where no tick is near them.
        let nice = AxisScale(values: [low, high], targetTicks: 4).ticks.filter { $0 >= min(low, high) && $0 <= max(low, high) }
        let span = abs(high - low)
        var ticks = nice.map { ($0, AxisScale.format($0, step: nice.count > 1 ? nice[1] - nice[0] : nil)) }
        for end in [low, high] where low.isFinite && high.isFinite && !nice.contains(where: { abs($0 - end) <= 0.12 * span }) {
            ticks.append((end, AxisScale.format(end)))
        }
        for (tick, label) in ticks {
            let f = high > low ? (tick - low) / (high - low) : 0.5
            let y = top + (1 - f) * scaleHeight
            svg.line(scaleX + 14, y, scaleX + 18, y, [("stroke", "#333333")])
            svg.text(label, x: scaleX + 21, y: y + 4, size: tickSize, attributes: [("class", "tick")])
        }
        let stops = (0...8).map { i -> String in
            let t = Double(i) / 8
            return "<stop offset=\"\(SVGWriter.number(1 - t))\" stop-color=\"\(PlotPalette.scale(t))\"/>"
        }.reversed().joined()
        let gradient = "<linearGradient id=\"scale\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">\(stops)</linearGradient>"
        return svg.document(width: width, height: height, title: figure.title, definitions: gradient)
    }
}
