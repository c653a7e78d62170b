import PluginAPI

extension FigureSVG {
    /// Dendrogram: one U-shaped `<path class="link">` per merge (n − 1 for a full tree) over
    /// leaves labelled below, heights on the left axis, and the cut as a dashed line.
    static func dendrogram(_ figure: DendrogramFigure) -> String {
        let layout = DendrogramLayout(leafCount: figure.leafLabels.count, merges: figure.merges)
        let heights = layout.height + [0] + (figure.cut.map { [$0] } ?? [])
        let yScale = AxisScale(values: heights, includeZero: true)
        let labels = layout.leafOrder.map { SVGWriter.clip(figure.leafLabels[$0], 20) }
        let slot = labels.isEmpty ? 0 : max(8, min(48, 640 / Double(labels.count)))
        let longest = labels.map { SVGWriter.textWidth($0, size: tickSize) }.max() ?? 0
        let rotate = longest > slot - 4
        // Labels turned 45° reach about 0.71 of their length left of their leaf; the cut's
        // label sits right of the plot.
        let area = PlotArea(width: max(480, 110 + slot * Double(labels.count)) + (figure.cut == nil ? 0 : 60), height: 440,
                            yScale: yScale, rightExtra: figure.cut == nil ? 0 : 60, bottomExtra: rotate ? longest * 0.72 : 0,
                            minimumLeft: rotate ? longest * 0.71 - slot / 2 + 8 : 0)
        var svg = SVGWriter()
        area.drawTitle(figure.title + (layout.valid ? "" : " (merges do not form a tree)"), into: &svg)
        area.drawYAxis(label: "height", into: &svg)
        let slotWidth = labels.isEmpty ? 0 : area.plotWidth / Double(labels.count)
        func x(_ node: Int) -> Double { area.left + (layout.position[node] + 0.5) * slotWidth }
        let floor = area.top + area.plotHeight
        for link in layout.links {
            let y = area.y(layout.height[link.node]) ?? floor
            let yl = area.y(layout.height[link.left]) ?? floor, yr = area.y(layout.height[link.right]) ?? floor
            let d = "M\(SVGWriter.number(x(link.left))) \(SVGWriter.number(yl)) V\(SVGWriter.number(y))"
                + " H\(SVGWriter.number(x(link.right))) V\(SVGWriter.number(yr))"
            svg.element("path", [("class", "link"), ("d", d), ("fill", "none"), ("stroke", "#4e79a7"), ("stroke-width", "1.6")])
        }
        // Every k-th leaf label when the leaves are denser than a line of text.
        let every = max(1, Int((13 / max(1, slotWidth)).rounded(.up)))
        for (slot, leaf) in layout.leafOrder.enumerated() where slot % every == 0 {
            let lx = x(leaf), ly = floor + 14
            svg.text(labels[slot], x: lx, y: ly, anchor: rotate ? "end" : "middle", size: tickSize,
                     rotate: rotate ? -45 : nil, attributes: [("class", "leaf-label")])
        }
        if let cut = figure.cut, let y = area.y(cut) {
            svg.line(area.left, y, area.left + area.plotWidth, y,
                     [("class", "cut"), ("stroke", "#e15759"), ("stroke-width", "1.5"), ("stroke-dasharray", "6 4")])
            svg.text("cut \(AxisScale.format(cut))", x: area.left + area.plotWidth + 6, y: y + 4, anchor: "start",
                     size: tickSize, attributes: [("fill", "#e15759")])
        }
        if labels.isEmpty { area.drawNoData(into: &svg) }
        return svg.document(width: area.width, height: area.height, title: figure.title)
    }

    /// Barcode: one horizontal `<line class="bar">` per persistence interval, grouped by
    /// homology dimension (H0, H1, …); an interval that never dies runs to the right edge and
    /// ends in an arrow.
    static func barcode(_ figure: BarcodeFigure) -> String {
        let bars = figure.bars.filter { $0.birth.isFinite && ($0.death.map { $0.isFinite || $0 == .infinity } ?? true) }
            .sorted { ($0.dimension, $0.birth, $0.death ?? .infinity) < ($1.dimension, $1.birth, $1.death ?? .infinity) }
        let ends = bars.flatMap { [$0.birth] + ($0.death.map { [$0] } ?? []) }
        let hasInfinite = bars.contains { $0.death == nil || $0.death == .infinity }
        var xScale = AxisScale(values: ends + [0], targetTicks: 6)
        let row = bars.isEmpty ? 14 : max(3, min(14, 560 / Double(bars.count)))
        var area = PlotArea(width: 720, height: 140 + row * Double(max(1, bars.count)), yScale: nil,
                            rightExtra: hasInfinite ? 36 : 0, leftExtra: 0)
        if xScale.upper <= xScale.lower { xScale = AxisScale(values: [0, 1]) }
        area.xScale = xScale
        var svg = SVGWriter()
        area.drawTitle(figure.title, into: &svg)
        area.drawXAxis(label: "filtration value", into: &svg)
        let right = area.left + area.plotWidth + (hasInfinite ? 24 : 0)
        let dimensions = Array(Set(bars.map(\.dimension))).sorted()
        for (index, bar) in bars.enumerated() {
            let y = area.top + (Double(index) + 0.5) * area.plotHeight / Double(bars.count)
            let colour = PlotPalette.series(dimensions.firstIndex(of: bar.dimension) ?? 0)
            let x0 = area.x(bar.birth) ?? area.left
            let infinite = bar.death == nil || bar.death == .infinity
            let x1 = infinite ? right : (area.x(bar.death ?? 0) ?? area.left)
            var attributes = [("class", "bar"), ("stroke", colour), ("stroke-width", SVGWriter.number(max(1.5, row * 0.6)))]
            if infinite { attributes.append(("marker-end", "url(#arrow)")) }
            svg.line(x0, y, max(x0, x1), y, attributes)
        }
        // Group labels and separators between dimensions.
        for dimension in dimensions {
            guard let first = bars.firstIndex(where: { $0.dimension == dimension }),
                  let last = bars.lastIndex(where: { $0.dimension == dimension }) else { continue }
            let step = area.plotHeight / Double(bars.count)
            let mid = area.top + (Double(first + last) / 2 + 0.5) * step
            svg.text("H\(dimension)", x: area.left - 10, y: mid + 4, anchor: "end", size: labelSize,
                     attributes: [("class", "group-label"), ("font-weight", "bold")])
            if first > 0 {
                let y = area.top + Double(first) * step
                svg.line(area.left - 30, y, right, y, [("stroke", "#bbbbbb"), ("stroke-dasharray", "3 3")])
            }
        }
        if hasInfinite {
            svg.text("→ never dies", x: right, y: area.top - 8, anchor: "end", size: tickSize, attributes: [("fill", "#555555")])
        }
        if bars.isEmpty { area.drawNoData(into: &svg) }
        let arrow = "<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\" "
            + "markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#333333\"/></marker>"
        return svg.document(width: area.width, height: area.height, title: figure.title, definitions: arrow)
    }
}
