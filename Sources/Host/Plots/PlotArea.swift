/// The rectangle of an SVG chart where data is drawn, with the margins its title, tick labels
/// and axis labels need, and the drawing of those parts.
struct PlotArea {
    let width: Double
    let height: Double
    let left: Double
    let top: Double
    let plotWidth: Double
    let plotHeight: Double
    var xScale: AxisScale?
    let yScale: AxisScale?
    /// The widest y tick label, in pixels (the axis label sits just left of it).
    let tickLabelWidth: Double

    /// `rightExtra`: room for a legend or colour scale; `bottomExtra`: room for rotated labels.
    /// `minimumLeft`: a left margin at least this wide (rotated labels reaching left of the first slot).
    init(width: Double, height: Double, yScale: AxisScale?, rightExtra: Double = 0, bottomExtra: Double = 0,
         leftExtra: Double = 0, minimumLeft: Double = 0) {
        self.height = height + bottomExtra
        self.yScale = yScale
        let tickWidth = yScale.map { scale in scale.ticks.map { SVGWriter.textWidth(scale.label($0), size: FigureSVG.tickSize) }.max() ?? 0 } ?? 0
        tickLabelWidth = tickWidth
        left = max(34 + tickWidth + 8 + leftExtra, minimumLeft)
        top = 48
        self.width = width + max(0, minimumLeft - (34 + tickWidth + 8 + leftExtra))
        plotWidth = max(40, self.width - left - 24 - rightExtra)
        plotHeight = max(40, height - top - 56)
    }

    /// Pixel x of a data value (nil when it cannot be drawn).
    func x(_ value: Double) -> Double? {
        guard let f = xScale?.fraction(value) else { return nil }
        return left + f * plotWidth
    }

    func y(_ value: Double) -> Double? {
        guard let f = yScale?.fraction(value) else { return nil }
        return top + (1 - f) * plotHeight
    }

    func drawTitle(_ title: String, into svg: inout SVGWriter) {
        let limit = Int(width / (FigureSVG.titleSize * 0.6))
        svg.text(SVGWriter.clip(title, limit), x: width / 2, y: 28, anchor: "middle", size: FigureSVG.titleSize,
                 attributes: [("class", "title"), ("font-weight", "bold")])
    }

    /// The left axis: line, ticks with labels and light grid lines, and the rotated label.
    func drawYAxis(label: String, into svg: inout SVGWriter) {
        guard let scale = yScale else { return }
        let bottom = top + plotHeight
        svg.line(left, top, left, bottom, [("stroke", "#333333")])
        for tick in scale.ticks {
            let y = top + (1 - (scale.upper > scale.lower ? (tick - scale.lower) / (scale.upper - scale.lower) : 0.5)) * plotHeight
            svg.line(left, y, left + plotWidth, y, [("stroke", "#e6e6e6")])
            svg.line(left - 5, y, left, y, [("stroke", "#333333")])
            svg.text(scale.label(tick), x: left - 8, y: y + 4, anchor: "end", size: FigureSVG.tickSize, attributes: [("class", "tick")])
        }
        let x = max(16, left - tickLabelWidth - 22)
        svg.text(SVGWriter.clip(label, Int(plotHeight / 7)), x: x, y: top + plotHeight / 2, anchor: "middle",
                 size: FigureSVG.labelSize, rotate: -90, attributes: [("class", "axis-label")])
    }

    /// The bottom axis of a numeric x scale: line, ticks, labels and the axis label.
    func drawXAxis(label: String, into svg: inout SVGWriter) {
        let bottom = top + plotHeight
        svg.line(left, bottom, left + plotWidth, bottom, [("stroke", "#333333")])
        if let scale = xScale {
            for tick in scale.ticks {
                let x = left + (scale.upper > scale.lower ? (tick - scale.lower) / (scale.upper - scale.lower) : 0.5) * plotWidth
                svg.line(x, bottom, x, bottom + 5, [("stroke", "#333333")])
                svg.text(scale.label(tick), x: x, y: bottom + 18, anchor: "middle", size: FigureSVG.tickSize, attributes: [("class", "tick")])
            }
        }
        svg.text(label, x: left + plotWidth / 2, y: bottom + 40, anchor: "middle", size: FigureSVG.labelSize,
                 attributes: [("class", "axis-label")])
    }

    /// The bottom line of a chart with categorical x (bars), at zero when zero is in range.
    func drawBaseline(into svg: inout SVGWriter) {
        let y = self.y(0) ?? top + plotHeight
        svg.line(left, y, left + plotWidth, y, [("stroke", "#333333")])
    }

    func drawNoData(into svg: inout SVGWriter) {
        svg.text("no data", x: left + plotWidth / 2, y: top + plotHeight / 2, anchor: "middle", size: 14,
                 attributes: [("class", "no-data"), ("fill", "#888888")])
    }
}
