import Host
import XCTest

final class ProgressFormatTests: XCTestCase {
    func testDurations() {
        XCTAssertEqual(ProgressFormat.duration(0), "0s")
        XCTAssertEqual(ProgressFormat.duration(42.4), "42s")
        XCTAssertEqual(ProgressFormat.duration(59.6), "1m00s")
        XCTAssertEqual(ProgressFormat.duration(65), "1m05s")
        XCTAssertEqual(ProgressFormat.duration(3599), "59m59s")
        XCTAssertEqual(ProgressFormat.duration(3720), "1h02m")
        XCTAssertEqual(ProgressFormat.duration(96_000), "26h40m")
        XCTAssertEqual(ProgressFormat.duration(.infinity), "?")
        XCTAssertEqual(ProgressFormat.duration(-1), "?")
    }

    func testRates() {
        XCTAssertEqual(ProgressFormat.rate(3.1, unit: "it"), "3.10 it/s")
        XCTAssertEqual(ProgressFormat.rate(24.46, unit: "tok"), "24.5 tok/s")
        XCTAssertEqual(ProgressFormat.rate(512.4, unit: "tok"), "512 tok/s")
        XCTAssertEqual(ProgressFormat.rate(1234, unit: "tok"), "1.2k tok/s")
        XCTAssertEqual(ProgressFormat.rate(0.25, unit: "it"), "4.0 s/it")
        XCTAssertEqual(ProgressFormat.rate(0, unit: "it"), "- it/s")
    }

    func testBarFillsInEighths() {
        XCTAssertEqual(ProgressFormat.bar(0, width: 4), "    ")
        XCTAssertEqual(ProgressFormat.bar(0.5, width: 4), "██  ")
        XCTAssertEqual(ProgressFormat.bar(0.5 + 1.0 / 16, width: 4), "██▎ ")
        XCTAssertEqual(ProgressFormat.bar(0.625, width: 4), "██▌ ")
        XCTAssertEqual(ProgressFormat.bar(1, width: 4), "████")
        XCTAssertEqual(ProgressFormat.bar(2, width: 3), "███")
        XCTAssertEqual(ProgressFormat.bar(.nan, width: 2), "  ")
        for fraction in stride(from: 0.0, through: 1.0, by: 0.01) {
            XCTAssertEqual(ProgressFormat.bar(fraction, width: 7).count, 7)
        }
    }

    func testTerminalLineFitsTheWidthAndDropsTheBarWhenNarrow() {
        let snapshot = ProgressSnapshot(label: "train", completed: 50, total: 200, elapsed: 10, detail: "loss 1.23")
        let line = ProgressFormat.terminalLine(snapshot, width: 80)
        // The bar takes what the text leaves of 79 columns (28 here), a quarter of it filled.
        XCTAssertEqual(line, "train [" + ProgressFormat.bar(0.25, width: 28) + "] 50/200 25% 5.00 it/s 10s eta 30s loss 1.23")
        XCTAssertEqual(line.count, 79)
        let wide = ProgressFormat.terminalLine(snapshot, width: 200)
        XCTAssertTrue(wide.hasPrefix("train [" + ProgressFormat.bar(0.25, width: 30) + "] 50/200"), "the bar is at most 30 wide")
        let narrow = ProgressFormat.terminalLine(snapshot, width: 40)
        XCTAssertEqual(narrow, "train 50/200 25% 5.00 it/s 10s eta 30s ")
        XCTAssertLessThan(narrow.count, 40)
    }

    func testLinesWithoutATotalShowNoBarPercentOrETA() {
        let snapshot = ProgressSnapshot(label: "generate", completed: 120, total: nil, unit: "tok", elapsed: 4)
        XCTAssertEqual(ProgressFormat.terminalLine(snapshot, width: 80), "generate 120 tok 30.0 tok/s 4s")
        XCTAssertEqual(ProgressFormat.plainLine(snapshot), "generate 120 tok 30.0 tok/s elapsed 4s")
    }

    func testPlainLine() {
        let running = ProgressSnapshot(label: "eval", completed: 20, total: 100, elapsed: 65, detail: "acc 0.45")
        XCTAssertEqual(ProgressFormat.plainLine(running), "eval 20/100 (20%) 3.2 s/it elapsed 1m05s eta 4m20s acc 0.45")
        let done = ProgressSnapshot(label: "eval", completed: 100, total: 100, elapsed: 8)
        XCTAssertEqual(ProgressFormat.plainLine(done), "eval 100/100 (100%) 12.5 it/s elapsed 8s")
    }

    func testAResumedRunsRateAndETACountOnlyItsOwnWork() {
        // Resumed at step 400 of 2000; 5 steps in 10 s since: 0.5 step/s, 1595 steps left.
        let resumed = ProgressSnapshot(label: "train", completed: 405, total: 2000, unit: "step", elapsed: 10, startedAt: 400)
        XCTAssertEqual(resumed.rate, 0.5)
        XCTAssertEqual(resumed.remaining, 3190)
        XCTAssertEqual(ProgressFormat.plainLine(resumed), "train 405/2000 (20%) 2.0 s/step elapsed 10s eta 53m10s")
        let justResumed = ProgressSnapshot(label: "train", completed: 400, total: 2000, unit: "step", elapsed: 1, startedAt: 400)
        XCTAssertNil(justResumed.remaining)
        XCTAssertEqual(ProgressFormat.plainLine(justResumed), "train 400/2000 (20%) - step/s elapsed 1s eta ?")
    }
}
