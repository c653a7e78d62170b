import XCTest
import Compute
import PluginAPI
import Host

/// Plugins/HierLoRA: LoRA on one depth block.
final class PluginHierLoRATests: XCTestCase {
    private let ids = Array("Hello there".utf8).map(Int.init)

    private func layers(_ method: Method) -> Set<Int> {
        Set(method.trainableParameters.compactMap { $0.name?.split(separator: ".").dropFirst(2).first.flatMap { Int($0) } })
    }

    func testEachBlockAdaptsItsOwnLayers() throws {
        let model = try LanguageModel.load("tiny")                 // 4 layers: local 0–1, mid 2, global 3
        let expected: [String: Set<Int>] = ["local": [0, 1], "mid": [2], "global": [3], "full": [0, 1, 2, 3]]
        for (block, layers) in expected {
            let (method, set) = try InTreePlugins.method("hierlora", [("block", .string(block))], model: model)
            XCTAssertEqual(self.layers(method), layers, block)
            XCTAssertEqual(method.trainableParameters.count, layers.count * 8, block)   // q,k,v,o × (A, B)
            XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: set), try InTreePlugins.logits(model, ids, hooks: nil),
                           "B = 0 at the start (\(block))")
        }
    }

    func testTrainingChangesOnlyTheSelectedBlocksAdapters() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("hierlora", [("block", .string("mid")), ("dropout", .double(0))], model: model)
        try InTreePlugins.trainOneStep(set, model: model)
        let bs = method.trainableParameters.filter { $0.name?.hasSuffix(".B") == true }
        XCTAssertEqual(bs.count, 4)
        XCTAssertTrue(bs.allSatisfy { $0.scalars.contains { $0 != 0 } }, "every B of the block moved")
        // Outside the block the projection hook passes the output through untouched.
        var g = SeededGenerator(seed: 1)
        let x = Tensor.randn([1, 3, 64], generator: &g), out = Tensor.randn([1, 3, 64], generator: &g)
        for layer in [0, 1, 3] {
            XCTAssertTrue(try method.projection(layer, .q, input: x, output: out) === out, "layer \(layer)")
        }
        XCTAssertFalse(try method.projection(2, .q, input: x, output: out) === out)
    }

    func testShowPrintsTheSplitAndTheSelectedBlock() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try InTreePlugins.method("hierlora", [("block", .string("local"))], model: model)
        let report = method.report().map { "\($0.0): \($0.1)" }
        XCTAssertTrue(report.contains("  local: layers 0–1  (selected)"), "\(report)")
        XCTAssertTrue(report.contains("  mid: layers 2"), "\(report)")
        XCTAssertTrue(report.contains("  global: layers 3"), "\(report)")
        XCTAssertTrue(report.contains("trainable parameters: \(2 * 16 * (128 + 96 + 96 + 128))"), "\(report)")
    }

    func testShowCommandPrintsTheSplit() throws {
        var printed: [String] = []
        let session = Session(write: { printed.append($0) })
        session.plugins = try InTreePlugins.registry()
        _ = try session.run(CommandInvocation(name: "load", positional: [.string("tiny")]))
        _ = try session.run(CommandInvocation(name: "use", positional: [.string("hierlora")], named: [("block", .string("global"))]))
        printed.removeAll()
        _ = try session.run(CommandInvocation(name: "show"))
        let text = printed.joined()
        XCTAssertTrue(text.contains("hierlora:\n  block: global\n    local: layers 0–1\n    mid: layers 2\n    global: layers 3  (selected)"), text)
    }

    func testBadParametersAreClearErrors() throws {
        let model = try LanguageModel.load("tiny")
        func message(_ parameters: [(String, ParameterValue)]) -> String {
            do { _ = try InTreePlugins.method("hierlora", parameters, model: model); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message([("block", .string("foo"))]), "hierlora block=foo is not one of local, mid, global, full")
        XCTAssertEqual(message([("block", .string("globl"))]), "hierlora block=globl is not one of local, mid, global, full; did you mean global?")
        XCTAssertEqual(message([("r", .int(0))]), "hierlora r=0 is out of range: r must be in [1, 4096]")
        XCTAssertTrue(message([("targets", .string("q,qq"))]).contains("unknown target \"qq\""), message([("targets", .string("q,qq"))]))
    }
}
