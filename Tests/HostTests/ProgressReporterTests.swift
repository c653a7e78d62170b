import Host
import XCTest

final class ProgressReporterTests: XCTestCase {
    /// A reporter whose clock and output the test controls.
    final class Harness {
        var now = 100.0
        var output = ""
        lazy var reporter = ProgressReporter(label: "train", total: 100, style: style,
                                             write: { [unowned self] in self.output += $0 }, clock: { [unowned self] in self.now })
        let style: ProgressReporter.Style
        init(style: ProgressReporter.Style) { self.style = style }
    }

    func testPlainLinesAtEachTenthButAtMostOneASecond() {
        let harness = Harness(style: .plain)
        _ = harness.reporter
        // 100 steps in 6.25 seconds: every tenth is crossed, but a second must pass between lines.
        for step in 1...100 {
            harness.now += 1.0 / 16
            harness.reporter.update(completed: step, detail: "loss \(step)")
        }
        harness.reporter.finish()
        let lines = harness.output.split(separator: "\n")
        XCTAssertEqual(lines.map { $0.split(separator: " ")[1] }, ["16/100", "32/100", "48/100", "64/100", "80/100", "96/100", "100/100"])
        XCTAssertEqual(lines[0], "train 16/100 (16%) 16.0 it/s elapsed 1s eta 5s loss 16")
        XCTAssertEqual(lines.last, "train 100/100 (100%) 16.0 it/s elapsed 6s loss 100")
        XCTAssertFalse(harness.output.contains("\r"))
        XCTAssertFalse(harness.output.contains("\u{1B}"))
    }

    func testPlainLinesEveryIntervalWhenWorkIsSlow() {
        let harness = Harness(style: .plain)
        _ = harness.reporter
        harness.reporter.plainInterval = 10
        for step in 1...5 {  // 5% done after 50 seconds: no tenth crossed, lines by time
            harness.now += 10
            harness.reporter.update(completed: step)
        }
        XCTAssertEqual(harness.output.split(separator: "\n").count, 5)
        harness.reporter.finish()
        harness.reporter.finish()
        XCTAssertEqual(harness.output.split(separator: "\n").count, 5, "finish adds nothing when the last line is current")
    }

    func testTerminalRedrawsInPlaceThrottledAndEndsWithANewline() {
        let harness = Harness(style: .terminal(width: 60))
        _ = harness.reporter
        for step in 1...100 {
            harness.now += 1.0 / 64
            harness.reporter.update(completed: step)
        }
        harness.reporter.finish(detail: "loss 0.5")
        let redraws = harness.output.components(separatedBy: "\r").dropFirst()
        // About one redraw per 0.1 s over 1.56 s (plus the final step and finish), not one per step.
        XCTAssertGreaterThanOrEqual(redraws.count, 14)
        XCTAssertLessThanOrEqual(redraws.count, 18)
        XCTAssertTrue(harness.output.hasSuffix("100/100 100% 64.0 it/s 2s eta 0s loss 0.5\u{1B}[K\n"), harness.output)
        XCTAssertEqual(harness.output.filter { $0 == "\n" }.count, 1)
        for redraw in redraws {
            XCTAssertLessThan(redraw.replacingOccurrences(of: "\u{1B}[K", with: "").replacingOccurrences(of: "\n", with: "").count, 60)
        }
    }
}
