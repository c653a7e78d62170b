import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Host
import PluginAPI
import XCTest

/// Every kind of figure as SVG: well-formed XML (parsed with `XMLDocument`), the expected marks,
/// and edge cases (empty, NaN and infinite values, a single point, hostile text).
final class FigureSVGTests: XCTestCase {
    /// The parsed document, failing the test when the SVG is not well-formed XML.
    private func parse(_ figure: Figure, file: StaticString = #filePath, line: UInt = #line) throws -> XMLDocument {
        let svg = FigureSVG.render(figure)
        do {
            return try XMLDocument(xmlString: svg, options: [])
        } catch {
            XCTFail("not well-formed XML: \(error)\n\(svg.prefix(2000))", file: file, line: line)
            throw error
        }
    }

    /// Elements named `name` (any depth), optionally with `class="…"`.
    private func elements(_ document: XMLDocument, _ name: String, class className: String? = nil) throws -> [XMLElement] {
        let all = try document.nodes(forXPath: "//*[local-name()='\(name)']").compactMap { $0 as? XMLElement }
        guard let className else { return all }
        return all.filter { attribute($0, "class") == className }
    }

    /// An attribute's value (read from the attribute list: on Linux `attribute(forName:)` misses
    /// some attributes of namespaced elements).
    private func attribute(_ element: XMLElement, _ name: String) -> String? {
        element.attributes?.first { $0.name == name }?.stringValue
    }

    private func texts(_ document: XMLDocument) throws -> [String] {
        try elements(document, "text").compactMap(\.stringValue)
    }

    private let loss = LineFigure(title: "Loss", xLabel: "step", yLabel: "loss", series: [
        Series(name: "train", x: [1, 2, 3, 4], y: [2.0, 1.5, 1.2, 1.0]),
        Series(name: "validation", x: [2, 4], y: [1.8, 1.3]),
    ])

    func testLinesHaveOnePathPerSeriesAxesAndLegend() throws {
        let document = try parse(.lines(loss))
        let root = try XCTUnwrap(document.rootElement())
        XCTAssertEqual(root.name, "svg")
        XCTAssertNotNil(attribute(root, "viewBox"))
        XCTAssertEqual(try elements(document, "path", class: "series").count, 2)
        XCTAssertEqual(try elements(document, "text", class: "title").first?.stringValue, "Loss")
        XCTAssertEqual(try elements(document, "text", class: "legend").compactMap(\.stringValue), ["train", "validation"])
        let labels = try elements(document, "text", class: "axis-label").compactMap(\.stringValue)
        XCTAssertEqual(Set(labels), ["step", "loss"])
        XCTAssertGreaterThanOrEqual(try elements(document, "text", class: "tick").count, 6)
        // The first series starts with a move and draws three segments.
        let d = try XCTUnwrap(attribute(try elements(document, "path", class: "series")[0], "d"))
        XCTAssertTrue(d.hasPrefix("M"))
        XCTAssertEqual(d.filter { $0 == "L" }.count, 3)
    }

    func testNaNBreaksALineAndInfinityIsSkipped() throws {
        let figure = LineFigure(title: "gaps", xLabel: "x", yLabel: "y",
                                series: [Series(name: "s", x: [0, 1, 2, 3, 4], y: [1, .nan, 2, .infinity, 3])])
        let document = try parse(.lines(figure))
        let d = try XCTUnwrap(try elements(document, "path", class: "series").first.flatMap { attribute($0, "d") })
        XCTAssertEqual(d.filter { $0 == "M" }.count, 3, d)
        XCTAssertFalse(FigureSVG.render(.lines(figure)).lowercased().contains("nan"))
    }

    func testSinglePointGetsADotAndEmptyFiguresSayNoData() throws {
        let one = try parse(.lines(LineFigure(title: "one", xLabel: "x", yLabel: "y", series: [Series(name: "s", x: [3], y: [7])])))
        XCTAssertEqual(try elements(one, "circle").count, 1)
        for figure: Figure in [.lines(LineFigure(title: "e", xLabel: "x", yLabel: "y", series: [])),
                               .bars(BarFigure(title: "e", yLabel: "y", labels: [], values: [])),
                               .heatmap(HeatmapFigure(title: "e", rowLabels: [], columnLabels: [], values: [])),
                               .dendrogram(DendrogramFigure(title: "e", leafLabels: [], merges: [])),
                               .barcode(BarcodeFigure(title: "e", bars: []))] {
            let document = try parse(figure)
            XCTAssertEqual(try elements(document, "text", class: "no-data").count, 1, "\(figure)")
        }
    }

    func testTextIsEscaped() throws {
        let title = "a < b & \"c\" > 'd'\u{1}"
        let document = try parse(.bars(BarFigure(title: title, yLabel: "<y>", labels: ["x&y"], values: [1])))
        XCTAssertEqual(try elements(document, "text", class: "title").first?.stringValue, "a < b & \"c\" > 'd'")
        XCTAssertTrue(try texts(document).contains("x&y"))
    }

    func testBarsWithIntervals() throws {
        let figure = BarFigure(title: "Accuracy", yLabel: "accuracy", labels: ["base", "dham", "lora"], values: [0.2, 0.4, .nan],
                               lower: [0.1, 0.3, 0.2], upper: [0.3, 0.5, 0.4])
        let document = try parse(.bars(figure))
        XCTAssertEqual(try elements(document, "rect", class: "bar").count, 2, "the NaN bar is not drawn")
        XCTAssertEqual(try elements(document, "path", class: "interval").count, 3)
        XCTAssertTrue(try texts(document).contains("dham"))
        XCTAssertTrue(try texts(document).contains("0.4"))
        // Taller value, taller bar.
        let heights = try elements(document, "rect", class: "bar").compactMap { attribute($0, "height") }.compactMap(Double.init)
        XCTAssertLessThan(heights[0], heights[1])
    }

    func testHeatmapHasOneCellPerEntryLabelsAndScale() throws {
        let figure = HeatmapFigure(title: "CKA", rowLabels: ["L0", "L1", "L2"], columnLabels: ["L0", "L1", "L2"],
                                   values: [[1, 0.5, 0.2], [0.5, 1, .nan], [0.2, 0.7]])
        let document = try parse(.heatmap(figure))
        let cells = try elements(document, "rect", class: "cell")
        XCTAssertEqual(cells.count, 9, "ragged rows are padded with missing cells")
        XCTAssertEqual(try elements(document, "text", class: "row-label").compactMap(\.stringValue), ["L0", "L1", "L2"])
        XCTAssertEqual(try elements(document, "text", class: "column-label").count, 3)
        XCTAssertEqual(try elements(document, "rect", class: "colour-scale").count, 1)
        XCTAssertEqual(try elements(document, "linearGradient").count, 1)
        let fills = cells.compactMap { attribute($0, "fill") }
        XCTAssertEqual(fills[0], fills[4], "equal values, equal colours")
        XCTAssertNotEqual(fills[0], fills[2])
        XCTAssertEqual(fills[5], "#d9d9d9", "NaN is grey")
    }

    private let tree = DendrogramFigure(title: "Layers", leafLabels: ["a", "b", "c", "d"],
                                        merges: [.init(left: 0, right: 1, height: 0.2), .init(left: 2, right: 3, height: 0.3),
                                                 .init(left: 4, right: 5, height: 0.9)], cut: 0.5)

    func testDendrogramHasNMinusOneLinksLeafLabelsAndCut() throws {
        let document = try parse(.dendrogram(tree))
        XCTAssertEqual(try elements(document, "path", class: "link").count, 3)
        XCTAssertEqual(try elements(document, "text", class: "leaf-label").compactMap(\.stringValue), ["a", "b", "c", "d"])
        XCTAssertEqual(try elements(document, "line", class: "cut").count, 1)
        // Each link is a U: down, across, down.
        let d = try XCTUnwrap(attribute(try elements(document, "path", class: "link")[0], "d"))
        XCTAssertEqual(d.filter { "MVH".contains($0) }, "MVHV")
    }

    func testMalformedDendrogramStillDrawsLeaves() throws {
        let bad = DendrogramFigure(title: "bad", leafLabels: ["a", "b"], merges: [.init(left: 0, right: 7, height: 1)])
        let document = try parse(.dendrogram(bad))
        XCTAssertEqual(try elements(document, "path", class: "link").count, 0)
        XCTAssertEqual(try elements(document, "text", class: "leaf-label").count, 2)
        XCTAssertTrue(try elements(document, "text", class: "title").first?.stringValue?.contains("do not form a tree") ?? false)
    }

    func testBarcodeHasOneBarPerIntervalGroupedWithArrowsForInfinite() throws {
        let figure = BarcodeFigure(title: "Persistence", bars: [
            .init(dimension: 1, birth: 0.4, death: 0.6), .init(dimension: 0, birth: 0, death: nil),
            .init(dimension: 0, birth: 0, death: 0.3), .init(dimension: 0, birth: 0, death: .nan),
        ])
        let document = try parse(.barcode(figure))
        let bars = try elements(document, "line", class: "bar")
        XCTAssertEqual(bars.count, 3, "the NaN death is left out")
        XCTAssertEqual(bars.filter { attribute($0, "marker-end") != nil }.count, 1)
        XCTAssertEqual(try elements(document, "text", class: "group-label").compactMap(\.stringValue), ["H0", "H1"])
        XCTAssertEqual(try elements(document, "marker").count, 1)
    }

    func testExtremeValuesStayWellFormed() throws {
        let huge = [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 0]
        _ = try parse(.lines(LineFigure(title: "huge", xLabel: "x", yLabel: "y", series: [Series(name: "s", x: huge, y: huge)])))
        _ = try parse(.bars(BarFigure(title: "huge", yLabel: "y", labels: ["a", "b", "c"], values: huge)))
        _ = try parse(.lines(LineFigure(title: "log of negatives", xLabel: "x", yLabel: "y",
                                        series: [Series(name: "s", x: [1, 2], y: [-1, 0])], logY: true)))
        _ = try parse(.heatmap(HeatmapFigure(title: "flat", rowLabels: ["a"], columnLabels: ["a"], values: [[.infinity]])))
    }
}
