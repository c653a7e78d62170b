import Compute
import Foundation
import Host
import PluginAPI
import XCTest

/// `eval hh-rlhf`: `prefeval` on the held-out pairs, recorded in the session's runs.
final class EvalPreferenceTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })

    @discardableResult
    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: []))
    }

    func testEvalHHRLHFGivesWhatPrefevalGivesAndJoinsTheRuns() throws {
        try run("load", [.string("tiny")])
        try run("data", [.string("hh-rlhf")], [("limit", .int(4)), ("validation", .int(3))])
        let arguments: [(String, Value)] = [("max_length", .int(32)), ("format", .string("raw")), ("beta", .double(0.2))]
        let expected = try run("prefeval", [], arguments)
        written = ""
        let result = try run("eval", [.string("hh-rlhf")], arguments)
        XCTAssertEqual(result, expected)
        XCTAssertTrue(written.hasPrefix("eval hh-rlhf (no methods vs the frozen model, beta 0.2) on 3 held-out pairs: accuracy 0.0000"), written)
        XCTAssertEqual(session.evaluations.count, 1)
        let recorded = try XCTUnwrap(session.evaluations.first)
        XCTAssertEqual(recorded.dataset, "hh-rlhf")
        XCTAssertEqual(recorded.split, "held-out")
        XCTAssertEqual(recorded.n, 3)
        XCTAssertEqual(recorded.correct, 0, "no methods: every margin is 0, no pair is won")
        XCTAssertEqual(recorded.format, "raw")
        written = ""
        try run("runs")
        XCTAssertTrue(written.contains("hh-rlhf") && written.contains("held-out") && written.contains("0/3 = 0.0%"), written)
    }

    func testEvalHHRLHFRefusesWhatDoesNotApply() throws {
        try run("load", [.string("tiny")])
        XCTAssertThrowsError(try run("eval", [.string("hh-rlhf")])) {
            XCTAssertTrue("\($0)".contains("eval hh-rlhf: no held-out preference pairs; choose some with `data hh-rlhf validation=100`"), "\($0)")
        }
        try run("data", [.string("hh-rlhf")], [("limit", .int(4)), ("validation", .int(2))])
        XCTAssertThrowsError(try run("eval", [.string("hh-rlhf")], [("shots", .int(2))])) {
            XCTAssertTrue("\($0)".hasPrefix("eval hh-rlhf: shots= does not apply"), "\($0)")
        }
        XCTAssertThrowsError(try run("eval", [.string("hh-rlhf")], [("beta", .double(-1))])) {
            XCTAssertTrue("\($0)".contains("beta"), "\($0)")
        }
        XCTAssertThrowsError(try run("eval", [.string("gsm8k")], [("beta", .double(0.1))])) {
            XCTAssertEqual("\($0)", "eval: beta= applies to `eval hh-rlhf` (preference pairs) only")
        }
        XCTAssertTrue(session.evaluations.isEmpty)
    }
}
