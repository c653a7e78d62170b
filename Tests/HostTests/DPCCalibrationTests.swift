import Compute
import Foundation
import Host
import PluginAPI
import XCTest

/// A method that, on every other item, replaces the answer with "The answer is 7." and notes
/// the one it replaced, as DPC does (`triggered`, `first`).
private final class ReplacingMethod: Method {
    let name = "replacer"

    func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision {
        for i in generation.texts.indices {
            let fires = i % 2 == 0
            var note: [String: JSONValue] = ["triggered": .bool(fires)]
            if fires {
                note["first"] = .string(generation.texts[i])
                generation.texts[i] = "The answer is 7."
            }
            generation.notes[i][name] = .object(note)
        }
        return .accept
    }
}

/// The DPC summary of `eval` (from the notes) and `calibrate` on `tiny`.
final class DPCCalibrationTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryDirectory("calibrate")
        session.plugins = try InTreePlugins.registry()
        _ = try run("load", [.string("tiny")])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    @discardableResult
    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = [], flags: [String] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: flags))
    }

    private func item(_ id: String, correct: Bool, note: [String: JSONValue]?, firstCorrect: Bool? = nil) -> EvaluationItem {
        EvaluationItem(id: id, prompt: "", generation: "", extracted: nil, gold: "1", correct: correct, tokens: 1,
                       finish: "eos", attempts: 1, notes: note.map { ["dpc": .object($0)] } ?? [:],
                       firstCorrect: firstCorrect.map { ["dpc": $0] } ?? [:])
    }

    func testRevisionSummaryCountsTriggersAndFlipsFromTheNotes() {
        let items = [
            item("a", correct: true, note: ["triggered": .bool(true), "first": .string("x")], firstCorrect: false),
            item("b", correct: false, note: ["triggered": .bool(true), "first": .string("y")], firstCorrect: true),
            item("c", correct: false, note: ["triggered": .bool(true), "first": .string("z")], firstCorrect: false),
            item("d", correct: true, note: ["triggered": .bool(true)]),
            item("e", correct: true, note: ["triggered": .bool(false)]),
            item("f", correct: false, note: nil),
        ]
        let summaries = RevisionSummary.summaries(items, methods: ["prompt", "dpc"])
        XCTAssertEqual(summaries, [RevisionSummary(method: "dpc", noted: 5, triggered: 4, changed: 3, wrongToRight: 1, rightToWrong: 1)])
        XCTAssertEqual(summaries[0].triggerRate, 0.8, accuracy: 1e-12)
        XCTAssertEqual(summaries[0].text, "dpc: triggered 4/5 = 80.0%, changed 3, wrong→right 1, right→wrong 1")
        XCTAssertTrue(RevisionSummary.summaries(items, methods: ["prompt"]).isEmpty, "no notes: no summary")
    }

    func testEvalGradesTheReplacedAnswersAndSummarisesThem() throws {
        try session.methods.add(ReplacingMethod(), context: nil)
        guard case let .record(result) = try run("eval", [.string("gsm8k")], [("limit", .int(6)), ("seed", .int(5)), ("max_tokens", .int(6)),
                                                                             ("records", .string(folder + "/r.jsonl"))]),
              case let .array(revisions)? = result["revisions"], case let .record(summary)? = revisions.first else {
            return XCTFail("eval returns a revisions summary")
        }
        let text = try String(contentsOfFile: folder + "/r.jsonl", encoding: .utf8)
        let lines = try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        var wrongToRight = 0, rightToWrong = 0, changed = 0
        for line in lines {
            guard let first = (line["first_correct"] as? [String: Bool])?["replacer"] else { continue }
            changed += 1
            let correct = try XCTUnwrap(line["correct"] as? Bool)
            // The first answer is graded as the final one would be.
            let note = try XCTUnwrap((line["notes"] as? [String: Any])?["replacer"] as? [String: Any])
            let gold = try XCTUnwrap(line["gold"] as? String)
            XCTAssertEqual(first, try AnswerChecker.check(dataset: "gsm8k", generation: try XCTUnwrap(note["first"] as? String), gold: gold).correct)
            XCTAssertEqual(correct, gold == "7")
            if !first && correct { wrongToRight += 1 }
            if first && !correct { rightToWrong += 1 }
        }
        XCTAssertEqual(changed, 3)
        XCTAssertEqual(summary["method"], .string("replacer"))
        XCTAssertEqual(summary["noted"], .int(6))
        XCTAssertEqual(summary["triggered"], .int(3))
        XCTAssertEqual(summary["changed"], .int(3))
        XCTAssertEqual(summary["wrong_to_right"], .int(wrongToRight))
        XCTAssertEqual(summary["right_to_wrong"], .int(rightToWrong))
        XCTAssertTrue(written.contains("replacer: triggered 3/6 = 50.0%, changed 3, wrong→right \(wrongToRight), right→wrong \(rightToWrong)"), written)
    }

    func testReportSweepsTheItemsAndChoosesTheBestThreshold() {
        let items = [TriggerCalibration.Item(ratio: 0.2, correctBefore: false, correctAfter: true),
                     TriggerCalibration.Item(ratio: 0.6, correctBefore: true, correctAfter: false),
                     TriggerCalibration.Item(ratio: 0.6, correctBefore: false, correctAfter: false)]
        XCTAssertEqual(TriggerCalibrationReport.seenRatios(items), [0, 0.2, 0.6])
        XCTAssertEqual(TriggerCalibrationReport.grid(steps: 4), [0, 0.25, 0.5, 0.75, 1])
        let report = TriggerCalibrationReport(method: "dpc", dataset: "gsm8k", split: "train", items: items,
                                              thresholds: TriggerCalibrationReport.seenRatios(items))
        // t=0: all trigger, 1 right; t=0.2: the two 0.6 items trigger, 0 right; t=0.6: none, 1 right.
        XCTAssertEqual(report.points.map(\.accuracy), [1.0 / 3, 0, 1.0 / 3])
        XCTAssertEqual(report.points.map(\.triggerRate), [1, 2.0 / 3, 0])
        XCTAssertEqual(report.best?.threshold, 0, "the lowest threshold on ties")
        XCTAssertEqual(report.wrongToRight, 1)
        XCTAssertEqual(report.rightToWrong, 1)
        XCTAssertTrue(report.text.contains("best: threshold=0.000 (accuracy 33.3%, trigger rate 100.0%)"), report.text)
        guard case let .lines(figure) = report.figure else { return XCTFail("a line figure") }
        XCTAssertEqual(figure.series.map(\.name), ["accuracy", "trigger rate"])
        XCTAssertEqual(figure.series[1].y, [1, 2.0 / 3, 0])
    }

    func testCalibrateEvaluatesTheHeldOutItemsWithDPCAlwaysAndLeavesTheSessionAsItWas() throws {
        try run("data", [.string("gsm8k")], [("limit", .int(4)), ("validation", .int(3)), ("seed", .int(1))])
        try run("use", [.string("prompt")], [("m", .int(4))])
        try run("use", [.string("dpc")], [("threshold", .double(0.9))])
        guard case let .record(result) = try run("calibrate", [.string("gsm8k")],
                                                 [("max_tokens", .int(5)), ("thresholds", .array([.double(0), .double(0.5), .int(1)])),
                                                  ("records", .string(folder + "/c.jsonl"))]),
              case let .array(points)? = result["points"], case let .array(ratios)? = result["ratios"] else {
            return XCTFail("calibrate returns points and ratios")
        }
        XCTAssertEqual(result["n"], .int(3))
        XCTAssertEqual(ratios.count, 3)
        XCTAssertEqual(points.count, 3)
        let rs = ratios.compactMap { if case let .double(r) = $0 { return r } else { return nil } }
        for (point, t) in zip(points, [0.0, 0.5, 1.0]) {
            guard case let .record(p) = point else { return XCTFail("a point record") }
            XCTAssertEqual(p["threshold"], .double(t))
            XCTAssertEqual(p["trigger_rate"], .double(Double(rs.filter { $0 > t }.count) / 3))
        }
        // Every item was corrupted: each record's DPC note says so.
        let records = try String(contentsOfFile: folder + "/c.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(records.count, 3)
        for line in records {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let note = try XCTUnwrap((object["notes"] as? [String: Any])?["dpc"] as? [String: Any])
            XCTAssertEqual(note["triggered"] as? Bool, object["tokens"] as? Int == 0 ? false : true)
            XCTAssertTrue((object["id"] as? String)?.hasPrefix("gsm8k/train/") ?? false)
        }
        XCTAssertTrue(written.contains("threshold  accuracy  trigger rate"), written)
        // The session's DPC is the dynamic one, with no decisions from the calibration.
        XCTAssertEqual(session.methods.names, ["prompt", "dpc"])
        XCTAssertTrue(session.methods.method(named: "dpc")?.report().first?.1.contains("R > 0.9") ?? false)
        guard case let .record(inspection) = try run("inspect", [.string("dpc")], flags: ["json"]) else { return XCTFail("inspect dpc") }
        XCTAssertEqual(inspection["analysed"], .int(0))
        guard case let .record(plot) = try run("plot", [.string("calibration")]) else { return XCTFail("plot") }
        XCTAssertEqual(plot["figures"], .int(1))
    }

    func testCalibrateBadInputGivesClearErrors() throws {
        let noDPC = errorText { try self.run("calibrate", [.string("gsm8k")]) }
        XCTAssertTrue(noDPC.contains("DPC is not in use"), noDPC)
        XCTAssertTrue(errorText { try self.run("plot", [.string("calibration")]) }.contains("no calibration yet"))
        try run("data", [.string("gsm8k")], [("limit", .int(4))])
        try run("use", [.string("prompt")], [("m", .int(2))])
        try run("use", [.string("dpc")])
        let cases: [([(String, Value)], String)] = [
            ([], "split=validation needs held-out examples; run `data gsm8k validation=50` first"),
            ([("split", .string("test")), ("thresholds", .array([.double(2)]))], "must be a non-empty array of numbers in [0, 1]"),
            ([("split", .string("test")), ("thresholds", .array([]))], "must be a non-empty array of numbers in [0, 1]"),
            ([("split", .string("test")), ("thresholds", .string("all"))], "or `seen`"),
            ([("split", .string("test")), ("thresholds", .string("seen")), ("steps", .int(4))], "give thresholds= or steps=, not both"),
            ([("split", .string("test")), ("steps", .int(0))], "steps=0 is out of range 1…"),
            ([("split", .string("test")), ("limit", .int(0))], "limit=0 is out of range 1…"),
            ([("split", .string("dev"))], "dataset 'gsm8k' has no split 'dev'"),
            ([("split", .string("test")), ("shots", .int(2))], "unknown argument 'shots'"),
        ]
        for (named, expected) in cases {
            let error = errorText { try self.run("calibrate", [.string("gsm8k")], named + [("records", .string(self.folder + "/bad.jsonl"))]) }
            XCTAssertTrue(error.contains(expected), "\(named): \(error)")
        }
        XCTAssertNil(session.lastCalibration)
    }
}
