import Compute
import Foundation
import Host
import PluginAPI
import XCTest

/// A method that revises every item it sees, notes what it did, and may ask for re-runs.
private final class RevisingMethod: Method {
    let name = "reviser"
    private let reruns: Int
    private(set) var attemptsSeen: [Int] = []

    init(reruns: Int) { self.reruns = reruns }

    func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision {
        attemptsSeen.append(generation.attempt)
        if generation.attempt <= reruns { return .rerun(reason: "try again") }
        // Regenerating a prompt with unchanged state repeats the greedy output exactly.
        let again = try generation.regenerate([generation.prompts[0]])
        let logits = try generation.forward([generation.prompts[0]])
        for i in generation.texts.indices {
            generation.notes[i][name] = .object(["original": .string(generation.texts[i]),
                                                 "regenerated_equal": .bool(i > 0 || again[0] == generation.outputs[0]),
                                                 "logits_rank": .int(logits.rank)])
            generation.texts[i] = "Revised. The answer is 7."
        }
        return .accept
    }

    func report() -> [(String, String)] { [("reruns", "\(reruns)")] }
}

/// A method that presses Ctrl-C once the first batch is done.
private final class InterruptingMethod: Method {
    let name = "interrupter"

    func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision {
        Interruption.request()
        return .accept
    }
}

/// `eval` and `runs` on `tiny`, driven through `Session.run` as the interpreter does.
final class EvaluationCommandTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryDirectory("eval")
        _ = try run("load", [.string("tiny")])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = [], flags: [String] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: flags))
    }

    /// `eval gsm8k` with short generations on items whose prompts fit tiny's 512-token context.
    private func eval(_ named: [(String, Value)], records: String) throws -> Record {
        let base: [(String, Value)] = [("limit", .int(6)), ("seed", .int(5)), ("max_tokens", .int(6)),
                                       ("records", .string(folder + "/" + records))]
        guard case let .record(result) = try run("eval", [.string("gsm8k")], base + named) else {
            throw CommandError("eval returned no record")
        }
        return result
    }

    private func lines(_ records: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: folder + "/" + records, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testEvalWritesOneRecordPerItemAndReportsAccuracy() throws {
        let result = try eval([("batch", .int(4))], records: "a.jsonl")
        let items = try lines("a.jsonl")
        XCTAssertEqual(items.count, 6)
        for item in items {
            for key in ["id", "prompt", "generation", "extracted", "gold", "correct", "tokens", "methods", "notes", "finish", "attempts"] {
                XCTAssertNotNil(item[key], "record lacks \(key): \(item)")
            }
            XCTAssertTrue((item["id"] as? String)?.hasPrefix("gsm8k/test/") ?? false)
            XCTAssertLessThanOrEqual(item["tokens"] as? Int ?? 99, 6)
        }
        let correct = items.filter { $0["correct"] as? Bool == true }.count
        XCTAssertEqual(result["n"], .int(6))
        XCTAssertEqual(result["correct"], .int(correct))
        XCTAssertEqual(result["accuracy"], .double(Double(correct) / 6))
        XCTAssertEqual(result["records"], .string(folder + "/a.jsonl"))
        XCTAssertEqual(result["dataset"], .string("gsm8k"))
        XCTAssertEqual(result["split"], .string("test"))
        guard case let .array(interval)? = result["interval"], interval.count == 2 else { return XCTFail("interval") }
        XCTAssertTrue(written.contains("gsm8k test (zero-shot, chat, base): \(correct)/6 = "), written)
        XCTAssertTrue(written.contains("records: \(folder)/a.jsonl"), written)
    }

    func testBatchedAndOneByOneEvaluationGiveIdenticalRecords() throws {
        _ = try eval([("batch", .int(4))], records: "batched.jsonl")
        _ = try eval([("batch", .int(1))], records: "single.jsonl")
        let batched = try String(contentsOfFile: folder + "/batched.jsonl", encoding: .utf8)
        let single = try String(contentsOfFile: folder + "/single.jsonl", encoding: .utf8)
        XCTAssertEqual(batched, single)
        XCTAssertEqual(batched.split(separator: "\n").count, 6)
    }

    func testAMethodsRevisionsAndNotesReachTheRecords() throws {
        let method = RevisingMethod(reruns: 1)
        try session.methods.add(method, context: nil)
        let result = try eval([("batch", .int(3))], records: "revised.jsonl")
        let items = try lines("revised.jsonl")
        XCTAssertEqual(method.attemptsSeen, [1, 2, 1, 2], "one re-run per batch of 3")
        for item in items {
            XCTAssertEqual(item["generation"] as? String, "Revised. The answer is 7.")
            XCTAssertEqual(item["extracted"] as? String, "7")
            XCTAssertEqual(item["attempts"] as? Int, 2)
            let note = try XCTUnwrap((item["notes"] as? [String: Any])?["reviser"] as? [String: Any])
            XCTAssertNotNil(note["original"] as? String)
            XCTAssertEqual(note["regenerated_equal"] as? Bool, true)
            XCTAssertEqual(note["logits_rank"] as? Int, 3)
            let methods = try XCTUnwrap(item["methods"] as? [[String: Any]])
            XCTAssertEqual(methods.first?["name"] as? String, "reviser")
            XCTAssertEqual((methods.first?["parameters"] as? [String: Any])?["reruns"] as? String, "1")
        }
        XCTAssertTrue(written.contains("reviser(reruns=1)"), written)
        guard case let .array(methods)? = result["methods"] else { return XCTFail("methods in the result") }
        XCTAssertEqual(methods.count, 1)
    }

    func testReRunsAreBoundedAtThreeAttempts() throws {
        let method = RevisingMethod(reruns: 10)
        try session.methods.add(method, context: nil)
        _ = try eval([("limit", .int(2)), ("batch", .int(2))], records: "bounded.jsonl")
        XCTAssertEqual(method.attemptsSeen, [1, 2, 3])
        XCTAssertEqual(try lines("bounded.jsonl").map { $0["attempts"] as? Int }, [3, 3])
    }

    func testCtrlCKeepsTheItemsDoneSoFar() throws {
        try session.methods.add(InterruptingMethod(), context: nil)
        let result = try eval([("batch", .int(4))], records: "interrupted.jsonl")
        XCTAssertEqual(result["n"], .int(4))
        XCTAssertEqual(result["interrupted"], .bool(true))
        XCTAssertEqual(try lines("interrupted.jsonl").count, 4)
        XCTAssertTrue(written.contains("interrupted: kept the 4 items finished before Ctrl-C"), written)
        XCTAssertEqual(session.evaluations.count, 1)
    }

    func testDefaultRecordsPathIsUnderRunsWithDatasetSplitAndTime() throws {
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        let environment = ["STRATA_RUNS": folder]
        let first = EvaluationRecordsFile.defaultPath(dataset: "gsm8k", split: "test", date: date, environment: environment)
        XCTAssertTrue(first.hasPrefix(folder + "/gsm8k-test-2026"), first)
        XCTAssertTrue(first.hasSuffix(".jsonl"), first)
        _ = try EvaluationRecordsFile(path: first)
        let second = EvaluationRecordsFile.defaultPath(dataset: "gsm8k", split: "test", date: date, environment: environment)
        XCTAssertEqual(second, String(first.dropLast(".jsonl".count)) + "-2.jsonl")
        XCTAssertTrue(EvaluationRecordsFile.defaultPath(dataset: "aqua", split: "dev", environment: [:]).hasPrefix("runs/aqua-dev-"))
    }

    func testGenerateUsesTheMethodsToo() throws {
        try session.methods.add(RevisingMethod(reruns: 1), context: nil)
        guard case let .record(r) = try run("generate", [.string("Hello")], [("max", .int(4))]) else { return XCTFail("record") }
        XCTAssertEqual(r["text"], .string("Revised. The answer is 7."))
        XCTAssertEqual(r["attempts"], .int(2))
        XCTAssertTrue(written.contains("[attempt 2: try again]"), written)
        XCTAssertTrue(written.contains("[revised by the methods]: Revised. The answer is 7."), written)
    }

    func testRunsListsTheSessionsEvaluations() throws {
        guard case let .array(empty) = try run("runs") else { return XCTFail("runs returns an array") }
        XCTAssertTrue(empty.isEmpty)
        _ = try eval([], records: "one.jsonl")
        _ = try eval([("format", .string("plain")), ("limit", .int(3))], records: "two.jsonl")
        written = ""
        guard case let .array(rows) = try run("runs") else { return XCTFail("runs returns an array") }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(session.evaluations.map(\.n), [6, 3])
        XCTAssertEqual(session.evaluations.map(\.format), ["chat", "plain"])
        guard case let .record(second) = rows[1] else { return XCTFail("rows are records") }
        XCTAssertEqual(second["format"], .string("plain"))
        XCTAssertEqual(second["records"], .string(folder + "/two.jsonl"))
        let table = written.split(separator: "\n")
        XCTAssertEqual(table.count, 3, written)
        XCTAssertTrue(table[2].hasSuffix("two.jsonl"), written)
        written = ""
        _ = try run("runs", flags: ["json"])
        XCTAssertTrue(written.hasPrefix("[{\"accuracy\":"), written)

        // `plot runs` draws one bar per run with its interval.
        let svg = folder + "/runs.svg"
        _ = try run("plot", [.string("runs"), .string("to"), .string(svg)])
        let drawing = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(drawing.contains("Accuracy by run"), drawing)
        XCTAssertTrue(drawing.contains("#2"), "the second run is labelled")
    }

    func testPlotRunsBeforeAnyEvaluationSaysWhatToDo() {
        XCTAssertThrowsError(try run("plot", [.string("runs")])) {
            XCTAssertTrue("\($0)".contains("run `eval gsm8k limit=…` first"), "\($0)")
        }
    }

    func testBadInputGivesClearErrors() throws {
        let cases: [([(String, Value)], String, String)] = [
            ([], "squad", "unknown dataset 'squad'"),
            ([("split", .string("validation"))], "gsm8k", "dataset 'gsm8k' has no split 'validation'; use split=train|test"),
            ([("limit", .int(0))], "gsm8k", "limit=0 is out of range 1…"),
            ([("batch", .int(0))], "gsm8k", "batch=0 is out of range 1…"),
            ([("max_tokens", .int(0))], "gsm8k", "max_tokens=0 is out of range 1…"),
            ([("shots", .int(-1))], "gsm8k", "shots=-1 is out of range 0…"),
            ([("shots", .int(2)), ("limit", .int(499))], "math500", "shots=2 is more than the 1 examples of math500 test"),
            ([("format", .string("raw"))], "gsm8k", "format=raw is not one of chat, plain"),
            // hh-rlhf is scored as preference pairs, which have no per-item records.
            ([("limit", .int(1))], "hh-rlhf", "eval hh-rlhf: records= does not apply"),
            ([("split", .string("train"))], "aqua", "AQuA train (about 47.6 MB) is not shipped"),
            ([("limit", .int(3)), ("max_tokens", .int(500))], "gsm8k", "exceeds the 512-token context of tiny. Use fewer shots or a smaller max_tokens"),
            ([("temperature", .double(1))], "gsm8k", "unknown argument 'temperature'"),
        ]
        for (named, dataset, expected) in cases {
            let error = errorText { _ = try self.run("eval", [.string(dataset)], named + [("records", .string(self.folder + "/bad.jsonl"))]) }
            XCTAssertTrue(error.contains(expected), "\(dataset) \(named): \(error)")
        }
        XCTAssertTrue(session.evaluations.isEmpty)
        let fresh = Session(write: { _ in })
        XCTAssertTrue(errorText { _ = try fresh.run(CommandInvocation(name: "eval", positional: [.string("gsm8k")])) }.contains("no model is loaded"))
    }
}
