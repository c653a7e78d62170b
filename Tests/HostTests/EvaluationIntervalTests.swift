import Foundation
import Host
import PluginAPI
import XCTest

/// The Wilson interval against scipy (Tests/Fixtures/evaluation/wilson_reference.py), and
/// the run summaries built on it.
final class EvaluationIntervalTests: XCTestCase {
    private static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/evaluation/wilson.json")

    func testWilsonIntervalMatchesScipy() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any]
        let rows = try XCTUnwrap(json?["intervals"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 7)
        for row in rows {
            let k = try XCTUnwrap(row["successes"] as? Int), n = try XCTUnwrap(row["trials"] as? Int)
            let interval = WilsonInterval.interval(successes: k, trials: n)
            XCTAssertEqual(interval.lowerBound, try XCTUnwrap(row["low"] as? Double), accuracy: 1e-12, "\(k)/\(n)")
            XCTAssertEqual(interval.upperBound, try XCTUnwrap(row["high"] as? Double), accuracy: 1e-12, "\(k)/\(n)")
        }
    }

    func testSeventeenOfTwentyByHand() {
        // p̂ = 0.85, z = 1.96: centre 0.8185…, half 0.1540… → [0.640, 0.948].
        let interval = WilsonInterval.interval(successes: 17, trials: 20)
        XCTAssertEqual(interval.lowerBound, 0.640, accuracy: 5e-4)
        XCTAssertEqual(interval.upperBound, 0.948, accuracy: 5e-4)
        XCTAssertEqual(WilsonInterval.interval(successes: 0, trials: 0), 0...1)
    }

    func testRunSummaryTableAndFigure() {
        let base = EvaluationRun(dataset: "gsm8k", split: "test", shots: 0, format: "chat", methods: [], n: 20, correct: 17,
                                 recordsPath: "runs/a.jsonl", seconds: 2, tokensPerSecond: 100)
        let tuned = EvaluationRun(dataset: "gsm8k", split: "test", shots: 4, format: "plain",
                                  methods: [MethodDescription(name: "prompt", parameters: [("prompt vectors", "20")])],
                                  n: 10, correct: 3, recordsPath: "runs/b.jsonl", seconds: 1, tokensPerSecond: 50, interrupted: true)
        XCTAssertEqual(base.accuracyText, "17/20 = 85.0% (95% CI 64.0–94.8%)")
        let table = EvaluationRun.table([base, tuned]).split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 4, table.joined(separator: "\n"))
        XCTAssertTrue(table[0].hasPrefix("#  methods"), table[0])
        XCTAssertTrue(table[1].contains("base") && table[1].contains("17/20 = 85.0%") && table[1].hasSuffix("runs/a.jsonl"), table[1])
        XCTAssertTrue(table[2].contains("prompt(prompt vectors=20)") && table[2].contains("10*"), table[2])
        guard case let .bars(bars) = EvaluationRun.runsFigure([base, tuned]) else { return XCTFail("a bar figure") }
        XCTAssertEqual(bars.values, [0.85, 0.3])
        XCTAssertEqual(bars.lower?[0] ?? 0, 0.6396, accuracy: 1e-4)
        XCTAssertEqual(bars.labels, ["#1 base gsm8k", "#2 prompt(prompt vectors=20) gsm8k"])
        guard case let .record(value) = base.value else { return XCTFail("a record") }
        XCTAssertEqual(value["accuracy"], .double(0.85))
        XCTAssertEqual(value["n"], .int(20))
    }
}
