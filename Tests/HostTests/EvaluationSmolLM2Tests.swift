import Compute
import Foundation
import Host
import XCTest

/// `eval` on the real SmolLM2-135M-Instruct: the whole command on GSM8K, and batched against
/// one-by-one generation under greedy decoding.
final class EvaluationSmolLM2Tests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryDirectory("eval-smollm2")
        _ = try run("load", [.string("smollm2")])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named))
    }

    private func records(_ name: String) throws -> [[String: Any]] {
        try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Zero-shot chain of thought in the chat template, greedy, 20 items.
    func testEvalGSM8KTwentyItemsEndToEnd() throws {
        guard case let .record(result) = try run("eval", [.string("gsm8k")], [
            ("limit", .int(20)), ("max_tokens", .int(EvaluationSmolLM2Tests.maxTokens)), ("batch", .int(10)),
            ("records", .string(folder + "/gsm8k.jsonl"))]) else { return XCTFail("eval returns a record") }
        let items = try records("gsm8k.jsonl")
        XCTAssertEqual(items.count, 20)
        let correct = items.filter { $0["correct"] as? Bool == true }.count
        XCTAssertEqual(result["n"], .int(20))
        XCTAssertEqual(result["correct"], .int(correct))
        XCTAssertEqual(result["accuracy"], .double(Double(correct) / 20))
        XCTAssertEqual(result["format"], .string("chat"))
        for item in items {
            XCTAssertLessThanOrEqual(item["tokens"] as? Int ?? .max, Self.maxTokens)
            XCTAssertTrue(["eos", "length"].contains(item["finish"] as? String ?? ""), "\(item)")
            // Items come in the order of the seeded sample: the first is fixed by seed 0.
            XCTAssertTrue((item["prompt"] as? String)?.hasPrefix("<|im_start|>system\n") ?? false)
        }
        XCTAssertEqual(items.first?["id"] as? String, "gsm8k/test/848")
        // SmolLM2-135M states a number on most items even when it stops at max_tokens.
        let answered = items.filter { $0["extracted"] is String }.count
        XCTAssertGreaterThanOrEqual(answered, 10, "answers found in \(answered) of 20")
        XCTAssertTrue(written.contains("gsm8k test (zero-shot, chat, base): \(correct)/20 = "), written)
    }

    func testBatchedAndOneByOneGiveIdenticalRecords() throws {
        for batch in [3, 1] {
            _ = try run("eval", [.string("gsm8k")], [("limit", .int(3)), ("seed", .int(2)), ("max_tokens", .int(8)),
                                                    ("batch", .int(batch)), ("records", .string(folder + "/b\(batch).jsonl"))])
        }
        let batched = try String(contentsOfFile: folder + "/b3.jsonl", encoding: .utf8)
        let single = try String(contentsOfFile: folder + "/b1.jsonl", encoding: .utf8)
        XCTAssertEqual(batched.split(separator: "\n").count, 3)
        XCTAssertEqual(batched, single)
    }

    /// Short enough to finish in reasonable time in release; most SmolLM2 solutions need
    /// 100–250 tokens to reach "The answer is N.", so accuracy here is below a full run's.
    static let maxTokens = 96
}
