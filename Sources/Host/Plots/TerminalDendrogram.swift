import PluginAPI

/// A dendrogram drawn sideways in box-drawing characters: one row per leaf (two when there
/// are few), leaf labels on the left, merge height growing to the right, each merge a `┤`
/// joining its children, and the cut as a dotted column `┊`.
struct TerminalDendrogram {
    let figure: DendrogramFigure
    let width: Int

    // Which sides of a character cell a line leaves from.
    private static let up: UInt8 = 1, down: UInt8 = 2, left: UInt8 = 4, right: UInt8 = 8

    private static let glyphs: [UInt8: Character] = [
        left | right: "─", up | down: "│", down | left: "┐", up | left: "┘", down | right: "┌", up | right: "└",
        up | down | left: "┤", up | down | right: "├", left | right | down: "┬", left | right | up: "┴",
        up | down | left | right: "┼", left: "╴", right: "╶", up: "╵", down: "╷",
    ]

    func lines() -> [String] {
        let layout = DendrogramLayout(leafCount: figure.leafLabels.count, merges: figure.merges)
        var out = [FigureTerminal.clip(figure.title, width)]
        guard layout.leafCount > 0 else { return out + ["(no data)"] }
        if !layout.valid { out.append("(the merges do not form a tree in scipy's linkage convention; leaves only)") }
        let spacing = layout.leafCount <= 16 ? 2 : 1
        let labelWidth = min(16, figure.leafLabels.map(\.count).max() ?? 1)
        let columns = max(10, width - labelWidth - 1)
        let maxHeight = max(layout.height.filter(\.isFinite).max() ?? 0, figure.cut.flatMap { $0.isFinite ? $0 : nil } ?? 0)
        func column(_ h: Double) -> Int {
            guard maxHeight > 0, h.isFinite else { return 0 }
            return min(columns - 1, max(0, Int((h / maxHeight * Double(columns - 1)).rounded())))
        }
        let rows = (layout.leafCount - 1) * spacing + 1
        var masks = [[UInt8]](repeating: [UInt8](repeating: 0, count: columns), count: rows)
        var row = [Int](repeating: 0, count: layout.position.count)
        for (slot, leaf) in layout.leafOrder.enumerated() { row[leaf] = slot * spacing }
        func horizontal(_ r: Int, from c0: Int, to c1: Int) {
            guard c1 > c0 else { return }
            for c in c0..<c1 {
                masks[r][c] |= TerminalDendrogram.right
                masks[r][c + 1] |= TerminalDendrogram.left
            }
        }
        func vertical(_ c: Int, from r0: Int, to r1: Int) {
            guard r1 > r0 else { return }
            for r in r0..<r1 {
                masks[r][c] |= TerminalDendrogram.down
                masks[r + 1][c] |= TerminalDendrogram.up
            }
        }
        // Links in merge order: children are placed before their parent.
        for link in layout.links {
            let c = column(layout.height[link.node])
            let (a, b) = (row[link.left], row[link.right])
            row[link.node] = (a + b) / 2
            horizontal(a, from: column(layout.height[link.left]), to: c)
            horizontal(b, from: column(layout.height[link.right]), to: c)
            vertical(c, from: min(a, b), to: max(a, b))
        }
        let cutColumn = figure.cut.flatMap { $0.isFinite && maxHeight > 0 ? column($0) : nil }
        for r in 0..<rows {
            var text = masks[r].map { TerminalDendrogram.glyphs[$0] ?? " " }
            if let cut = cutColumn, masks[r][cut] == 0 { text[cut] = "┊" }
            let label = r % spacing == 0 ? figure.leafLabels[layout.leafOrder[r / spacing]] : ""
            out.append(FigureTerminal.pad(FigureTerminal.clip(label, labelWidth), labelWidth, right: true) + " " + String(text))
        }
        // The height axis under the tree: 0 at the leaves, the largest height at the right edge.
        let right = AxisScale.format(maxHeight)
        var axis = "0" + String(repeating: " ", count: max(1, columns - 1 - right.count)) + right
        if cutColumn != nil, let cut = figure.cut { axis = "height 0…\(right)   ┊ cut \(AxisScale.format(cut))" }
        out.append(String(repeating: " ", count: labelWidth + 1) + axis)
        return out
    }
}
