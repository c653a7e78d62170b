import PluginAPI

/// Draws a `Figure` as a standalone SVG document: title, axes with ticks and labels, and the
/// figure's marks. The result is well-formed XML for any data — empty figures say "no data",
/// and NaN or infinite values are left out of the marks (and the axes' ranges).
public enum FigureSVG {
    public static func render(_ figure: Figure) -> String {
        switch figure {
        case let .lines(f): return lines(f)
        case let .bars(f): return bars(f)
        case let .heatmap(f): return heatmap(f)
        case let .dendrogram(f): return dendrogram(f)
        case let .barcode(f): return barcode(f)
        }
    }

    static let titleSize = 16.0
    static let labelSize = 12.0
    static let tickSize = 11.0

    /// Line chart: one `<path>` per series (gaps at unplottable points), a dot where a series
    /// has a single point, and a legend on the right when there are several series.
    static func lines(_ figure: LineFigure) -> String {
        let xs = figure.series.flatMap(\.x), ys = figure.series.flatMap(\.y)
        let xScale = AxisScale(values: xs, targetTicks: 6)
        let yScale = AxisScale(values: ys, logarithmic: figure.logY)
        let legendWidth = figure.series.count > 1
            ? 44 + min(180, figure.series.map { SVGWriter.textWidth($0.name, size: labelSize) }.max() ?? 0) : 0
        var area = PlotArea(width: 720 + legendWidth, height: 440, yScale: yScale, rightExtra: legendWidth)
        area.xScale = xScale
        var svg = SVGWriter()
        area.drawTitle(figure.title, into: &svg)
        area.drawYAxis(label: figure.yLabel, into: &svg)
        area.drawXAxis(label: figure.xLabel, into: &svg)
        var plotted = 0
        for (index, series) in figure.series.enumerated() {
            let colour = PlotPalette.series(index)
            var d = ""
            var penDown = false
            var points: [(Double, Double)] = []
            for (x, y) in zip(series.x, series.y) {
                guard let px = area.x(x), let py = area.y(y) else { penDown = false; continue }
                d += (penDown ? " L" : (d.isEmpty ? "M" : " M")) + "\(SVGWriter.number(px)) \(SVGWriter.number(py))"
                penDown = true
                points.append((px, py))
            }
            svg.element("path", [("class", "series"), ("d", d), ("fill", "none"), ("stroke", colour), ("stroke-width", "2"),
                                 ("stroke-linejoin", "round")])
            if points.count == 1 {
                svg.element("circle", [("cx", SVGWriter.number(points[0].0)), ("cy", SVGWriter.number(points[0].1)),
                                       ("r", "4"), ("fill", colour)])
            }
            plotted += points.count
        }
        if plotted == 0 { area.drawNoData(into: &svg) }
        if figure.series.count > 1 {
            let x0 = area.left + area.plotWidth + 16
            for (index, series) in figure.series.enumerated() {
                let y = area.top + 8 + Double(index) * 20
                svg.line(x0, y, x0 + 22, y, [("stroke", PlotPalette.series(index)), ("stroke-width", "3")])
                svg.text(SVGWriter.clip(series.name, 30), x: x0 + 28, y: y + 4, size: labelSize, attributes: [("class", "legend")])
            }
        }
        return svg.document(width: area.width, height: area.height, title: figure.title)
    }

    /// Bar chart: one `<rect class="bar">` per label from zero to its value, the value above
    /// it, and an error bar (`<path class="interval">`) where the figure gives an interval.
    static func bars(_ figure: BarFigure) -> String {
        let count = figure.labels.count
        let lower = figure.lower ?? [], upper = figure.upper ?? []
        let yScale = AxisScale(values: figure.values + lower + upper, includeZero: true)
        let longest = figure.labels.map { SVGWriter.textWidth(SVGWriter.clip($0, 24), size: labelSize) }.max() ?? 0
        let slot = count == 0 ? 0 : min(90, max(24, 640 / Double(count)))
        let rotateLabels = longest > slot - 6
        // Labels turned 40° reach about 0.77 of their length left of their bar.
        let area = PlotArea(width: max(480, 110 + slot * Double(count)), height: 420,
                            yScale: yScale, bottomExtra: rotateLabels ? min(140, longest * 0.72) : 0,
                            minimumLeft: rotateLabels ? longest * 0.77 - slot / 2 + 8 : 0)
        var svg = SVGWriter()
        area.drawTitle(figure.title, into: &svg)
        area.drawYAxis(label: figure.yLabel, into: &svg)
        area.drawBaseline(into: &svg)
        let slotWidth = count == 0 ? 0 : area.plotWidth / Double(count)
        let zero = area.y(0) ?? area.top + area.plotHeight
        for (index, label) in figure.labels.enumerated() {
            let centre = area.left + slotWidth * (Double(index) + 0.5)
            let barWidth = slotWidth * 0.66
            let value = index < figure.values.count ? figure.values[index] : .nan
            if let top = area.y(value) {
                svg.rect(centre - barWidth / 2, min(top, zero), barWidth, abs(zero - top),
                         [("class", "bar"), ("fill", PlotPalette.series(0))])
                let hi = index < upper.count ? area.y(upper[index]) : nil
                svg.text(AxisScale.format(value), x: centre + (hi == nil ? 0 : 5), y: min(top, zero) - 5, anchor: hi == nil ? "middle" : "start",
                         size: tickSize, attributes: [("class", "value")])
            }
            if index < lower.count, index < upper.count, let lo = area.y(lower[index]), let hi = area.y(upper[index]) {
                let cap = min(8, barWidth / 4)
                let d = "M\(SVGWriter.number(centre - cap)) \(SVGWriter.number(lo)) H\(SVGWriter.number(centre + cap))"
                    + " M\(SVGWriter.number(centre)) \(SVGWriter.number(lo)) V\(SVGWriter.number(hi))"
                    + " M\(SVGWriter.number(centre - cap)) \(SVGWriter.number(hi)) H\(SVGWriter.number(centre + cap))"
                svg.element("path", [("class", "interval"), ("d", d), ("stroke", "#222222"), ("stroke-width", "1.5"), ("fill", "none")])
            }
            let labelY = area.top + area.plotHeight + 16
            if rotateLabels {
                svg.text(SVGWriter.clip(label, 24), x: centre, y: labelY, anchor: "end", size: labelSize, rotate: -40)
            } else {
                svg.text(label, x: centre, y: labelY, anchor: "middle", size: labelSize)
            }
        }
        if count == 0 || !figure.values.contains(where: \.isFinite) { area.drawNoData(into: &svg) }
        return svg.document(width: area.width, height: area.height, title: figure.title)
    }
}
