import Compute
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Host
import PluginAPI
import XCTest

/// A trainable bias on the logits, added to the session directly (no plugin build), with an
/// inspection subject carrying two figures.
private final class LogitBias: Method, Inspectable {
    let name = "logit_bias"
    let bias: Tensor                                                              // [vocab]

    init(vocabulary: Int) {
        var generator = SeededGenerator(seed: 3)
        bias = Tensor.randn([vocabulary], std: 0.01, generator: &generator, requiresGrad: true)
        bias.name = "logit_bias.bias"
    }

    var trainableParameters: [Tensor] { [bias] }

    func logits(_ logits: Tensor) throws -> Tensor {                             // [batch, seq, vocab]
        try logits + bias.expanded(to: logits.shape)
    }

    var inspectionSubjects: [String] { ["spread"] }

    func inspect(_ subject: String) throws -> Inspection {
        let values = bias.scalars.prefix(4).map(Double.init)
        return Inspection(lines: ["spread"], json: .object(["n": .int(values.count)]), figures: [
            .bars(BarFigure(title: "First biases", yLabel: "bias", labels: ["0", "1", "2", "3"], values: values)),
            .heatmap(HeatmapFigure(title: "Outer", rowLabels: ["a", "b"], columnLabels: ["a", "b"],
                                   values: [[values[0] * values[0], values[0] * values[1]], [values[1] * values[0], values[1] * values[1]]])),
        ])
    }
}

/// `plot SUBJECT [to PATH.svg]` through a session: the loss curve after `train`, inspect
/// subjects passed through, and its errors.
final class PlotCommandTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryDirectory("plot")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    @discardableResult
    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = [], flags: [String] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: flags))
    }

    private func addLogitBias() throws {
        try run("load", [.string("tiny")])
        let model = try XCTUnwrap(session.model)
        try session.methods.add(LogitBias(vocabulary: model.model.config.vocabularySize), context: nil)
    }

    func testPlotLossAfterTrainingDrawsAndWritesSVG() throws {
        try addLogitBias()
        try run("data", [.string("gsm8k")], [("limit", .int(4))])
        try run("train", [], [("steps", .int(3)), ("batch", .int(2)), ("max_length", .int(32))])
        written = ""
        let path = folder + "/loss.svg"
        let result = try run("plot", [.string("loss"), .string("to"), .string(path)], flags: ["json"])
        XCTAssertEqual(written, "{\"figures\":1,\"files\":[\"\(path)\"],\"subject\":\"loss\"}\n")
        guard case let .record(record) = result else { return XCTFail("plot returns a record") }
        XCTAssertEqual(record["figures"], .int(1))
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: path), options: [])
        let paths = try document.nodes(forXPath: "//*[local-name()='path']").compactMap { $0 as? XMLElement }
            .filter { $0.attributes?.first { $0.name == "class" }?.stringValue == "series" }
        XCTAssertEqual(paths.count, 1)
        let d = paths.first?.attributes?.first { $0.name == "d" }?.stringValue ?? ""
        XCTAssertEqual(d.filter { $0 == "L" }.count, 2, "three steps, two segments: \(d)")

        written = ""
        try run("plot", [.string("loss")])
        XCTAssertTrue(written.hasPrefix("Training loss\n"), written)
        XCTAssertTrue(written.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, written)
        XCTAssertTrue(written.contains("step"))
    }

    func testPlotLossBeforeTrainingSaysWhatToDo() {
        XCTAssertThrowsError(try run("plot", [.string("loss")])) { error in
            XCTAssertTrue("\(error)".contains("run `train"), "\(error)")
        }
    }

    func testInspectSubjectsPassThroughAndSeveralFiguresAreNumbered() throws {
        try addLogitBias()
        written = ""
        let path = folder + "/spread.svg"
        try run("plot", [.string("spread"), .string("to"), .string(path)], flags: ["json"])
        let files = [folder + "/spread-1.svg", folder + "/spread-2.svg"]
        XCTAssertEqual(written, "{\"figures\":2,\"files\":[\"\(files[0])\",\"\(files[1])\"],\"subject\":\"spread\"}\n")
        for file in files {
            XCTAssertNoThrow(try XMLDocument(contentsOf: URL(fileURLWithPath: file), options: []), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        written = ""
        try run("plot", [.string("spread")])
        XCTAssertTrue(written.contains("First biases") && written.contains("Outer"), written)
        XCTAssertThrowsError(try run("plot", [.string("spread")], [("layers", .int(3))])) { error in
            XCTAssertTrue("\(error)".contains("unknown argument 'layers'"), "\(error)")
        }
    }

    func testUnknownSubjectListsWhatIsAvailable() throws {
        try addLogitBias()
        XCTAssertThrowsError(try run("plot", [.string("sprad")])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("unknown subject 'sprad'") && text.contains("did you mean 'spread'"), text)
            XCTAssertTrue(text.contains("available now: loss, runs, ") && text.hasSuffix(", spread)"), text)
        }
    }

    func testBadArgumentsAndUnwritablePaths() throws {
        XCTAssertThrowsError(try run("plot", [.string("loss"), .string("into"), .string("x.svg")])) { error in
            XCTAssertTrue("\(error)".contains("plot SUBJECT to PATH.svg"), "\(error)")
        }
        XCTAssertThrowsError(try run("plot", [.string("loss")], [("steps", .int(2))])) { error in
            XCTAssertTrue("\(error)".contains("plot loss: unknown argument 'steps'"), "\(error)")
        }
        XCTAssertThrowsError(try run("plot")) { error in
            XCTAssertTrue("\(error)".contains("missing subject"), "\(error)")
        }
        try addLogitBias()
        XCTAssertThrowsError(try run("plot", [.string("spread"), .string("to"), .string(folder + "/no/such/dir/x.svg")])) { error in
            XCTAssertTrue("\(error)".contains("cannot write"), "\(error)")
        }
    }
}
