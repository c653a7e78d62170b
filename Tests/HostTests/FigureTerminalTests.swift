import Host
import PluginAPI
import XCTest

/// Terminal renderings: every line within the width, the expected rows, marks and labels.
final class FigureTerminalTests: XCTestCase {
    private func render(_ figure: Figure, width: Int = 60) -> [String] {
        let text = FigureTerminal.render(figure, width: width)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for line in lines { XCTAssertLessThanOrEqual(line.count, max(40, width), "too wide: \(line)") }
        return lines
    }

    func testSingleSeriesIsBrailleWithRangeLabels() {
        let lines = render(.lines(LineFigure(title: "Loss", xLabel: "step", yLabel: "loss",
                                             series: [Series(name: "train", x: [1, 2, 3, 4, 5], y: [4, 3, 2, 1.5, 1])])))
        XCTAssertEqual(lines[0], "Loss")
        XCTAssertEqual(lines.count, 1 + 12 + 2 + 1, "title, 12 chart rows, axis, x labels, legend")
        let chart = lines[1...12].joined()
        XCTAssertTrue(chart.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots")
        XCTAssertTrue(lines[1].hasPrefix("  4 ┤") || lines[1].contains("4 ┤"), lines[1])
        XCTAssertTrue(lines[12].contains("1 ┤") || lines[12].contains("0 ┤"), lines[12])
        XCTAssertTrue(lines[14].contains("step"))
        XCTAssertEqual(lines.last, "y: loss   ⣿ train")
        // A falling curve: dots from the top row down, the highest ones left of the lowest ones.
        func dotColumns(_ line: String) -> [Int] {
            line.unicodeScalars.enumerated().filter { (0x2801...0x28FF).contains($0.element.value) }.map(\.offset)
        }
        let rows = (1...12).filter { !dotColumns(lines[$0]).isEmpty }
        XCTAssertEqual(rows.first, 1)
        let highest = dotColumns(lines[rows.first ?? 1]), lowest = dotColumns(lines[rows.last ?? 12])
        XCTAssertLessThan(highest.max() ?? .max, lowest.min() ?? .min, "the top row's dots lie left of the bottom row's")
    }

    func testSeveralSeriesGetMarkersAndALegend() {
        let lines = render(.lines(LineFigure(title: "t", xLabel: "x", yLabel: "y", series: [
            Series(name: "a", x: [0, 1, 2], y: [0, 1, 2]), Series(name: "b", x: [0, 1, 2], y: [2, 1, 0]),
        ])))
        let chart = lines.dropLast().joined()
        XCTAssertTrue(chart.contains("●") && chart.contains("○"))
        XCTAssertTrue(lines.last?.contains("● a  ○ b") ?? false, lines.last ?? "")
    }

    func testBarsScaleToTheLargestValue() {
        let lines = render(.bars(BarFigure(title: "Accuracy", yLabel: "", labels: ["base", "dham"], values: [0.25, 0.5],
                                           lower: [0.2, 0.4], upper: [0.3, 0.6])), width: 50)
        XCTAssertEqual(lines.count, 3)
        let full = lines[2].filter { $0 == "█" }.count, half = lines[1].filter { $0 == "█" }.count
        XCTAssertEqual(Double(half), Double(full) / 2, accuracy: 1)
        XCTAssertTrue(lines[2].hasSuffix("0.5 [0.4, 0.6]"), lines[2])
        XCTAssertTrue(lines[1].hasPrefix("base │"), lines[1])
    }

    func testHeatmapShadesAndMissingCells() {
        let lines = render(.heatmap(HeatmapFigure(title: "CKA", rowLabels: ["a", "b"], columnLabels: ["a", "b"],
                                                  values: [[0, 1], [.nan, 0.5]])))
        XCTAssertEqual(lines.count, 1 + 1 + 2 + 1, "title, column labels, two rows, scale")
        XCTAssertEqual(lines[2], "a │  ██")
        XCTAssertEqual(lines[3], "b │··▒▒", "0.5 is the middle of five shades")
        XCTAssertTrue(lines[4].hasPrefix("scale:") && lines[4].contains("missing"))
    }

    func testWideHeatmapIsCutToTheWidth() {
        let values = (0..<100).map { i in (0..<100).map { Double(($0 + i) % 7) } }
        let lines = render(.heatmap(HeatmapFigure(title: "big", rowLabels: [], columnLabels: [], values: values)), width: 50)
        XCTAssertEqual(lines.count, 1 + 1 + 100 + 1 + 1)
        XCTAssertTrue(lines.contains { $0.contains("of 100 shown") })
    }

    func testDendrogramJoinsEveryMergeAndMarksTheCut() {
        let figure = DendrogramFigure(title: "tree", leafLabels: ["a", "b", "c"],
                                      merges: [.init(left: 0, right: 1, height: 1), .init(left: 2, right: 3, height: 2)], cut: 1.5)
        let lines = render(.dendrogram(figure), width: 40)
        XCTAssertEqual(lines.count, 1 + 5 + 1, "title, 2 rows per leaf less one, axis")
        // Leaves in the root's left-first order: the root joins c (left) with the pair (a, b).
        XCTAssertTrue(lines[1].hasPrefix("c ╶"), lines[1])
        XCTAssertTrue(lines[3].hasPrefix("a ╶"), lines[3])
        XCTAssertTrue(lines[5].hasPrefix("b ╶"), lines[5])
        let drawing = lines.joined()
        XCTAssertEqual(drawing.filter { $0 == "┐" }.count, 2, "one upper corner per merge")
        XCTAssertEqual(drawing.filter { $0 == "├" }.count, 1, "the inner merge continues to the root")
        XCTAssertTrue(lines.joined().contains("┊"))
        XCTAssertTrue(lines.last?.contains("cut 1.5") ?? false)
    }

    func testBarcodeHasOneLinePerIntervalByDimension() {
        let figure = BarcodeFigure(title: "bars", bars: [.init(dimension: 1, birth: 0.5, death: 0.75), .init(dimension: 0, birth: 0, death: nil),
                                                          .init(dimension: 0, birth: 0, death: 1)])
        let lines = render(.barcode(figure))
        XCTAssertEqual(lines.count, 1 + 2 + 3 + 1, "title, two headers, three intervals, axis")
        XCTAssertEqual(lines[1], "H0 (2 intervals)")
        XCTAssertTrue(lines[2].hasSuffix("0–1"))
        XCTAssertTrue(lines[3].contains("→") && lines[3].hasSuffix("0–∞"), lines[3])
        XCTAssertEqual(lines[4], "H1 (1 intervals)")
        // The H1 bar starts halfway along the axis.
        let start = lines[5].firstIndex(of: "━").map { lines[5].distance(from: lines[5].startIndex, to: $0) } ?? 0
        let end = lines[2].lastIndex(of: "━").map { lines[2].distance(from: lines[2].startIndex, to: $0) } ?? 0
        XCTAssertEqual(Double(start - 4), Double(end - 4) / 2, accuracy: 1)
    }

    func testEmptyAndNonFiniteFigures() {
        for figure: Figure in [.lines(LineFigure(title: "e", xLabel: "", yLabel: "", series: [Series(name: "s", x: [1], y: [.nan])])),
                               .bars(BarFigure(title: "e", yLabel: "", labels: [], values: [])),
                               .heatmap(HeatmapFigure(title: "e", rowLabels: [], columnLabels: [], values: [[]])),
                               .dendrogram(DendrogramFigure(title: "e", leafLabels: [], merges: [])),
                               .barcode(BarcodeFigure(title: "e", bars: [.init(dimension: 0, birth: .nan, death: 1)]))] {
            XCTAssertEqual(render(figure), ["e", "(no data)"])
        }
        let huge = [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 0]
        XCTAssertEqual(render(.lines(LineFigure(title: "huge", xLabel: "x", yLabel: "y", series: [Series(name: "s", x: huge, y: huge)])))[0], "huge")
        XCTAssertEqual(render(.bars(BarFigure(title: "huge", yLabel: "", labels: ["a", "b", "c"], values: huge))).count, 4)
        let one = render(.lines(LineFigure(title: "one", xLabel: "x", yLabel: "y", series: [Series(name: "s", x: [2], y: [3])])))
        XCTAssertEqual(one[1...12].joined().unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }.count, 1)
    }
}
