import Foundation
import Host
import XCTest

final class LineEditorHistoryTests: XCTestCase {
    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)/strata/history")
    }

    func testDefaultFileFollowsXDGStateHome() {
        XCTAssertEqual(CommandHistory.defaultFile(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"])?.path, "/s/strata/history")
        XCTAssertEqual(CommandHistory.defaultFile(environment: ["HOME": "/h"])?.path, "/h/.local/state/strata/history")
        XCTAssertEqual(CommandHistory.defaultFile(environment: ["XDG_STATE_HOME": "relative", "HOME": "/h"])?.path,
                       "/h/.local/state/strata/history")
        XCTAssertNil(CommandHistory.defaultFile(environment: [:]))
    }

    func testDuplicatesCollapseToTheNewestAndTheOldestGoBeyondTheLimit() {
        var history = CommandHistory(file: nil, limit: 3)
        for entry in ["load tiny", "train", "eval gsm8k", "train ", "  ", "show"] { history.add(entry) }
        XCTAssertEqual(history.entries, ["eval gsm8k", "train", "show"])
    }

    func testSavedFileIsCreatedAndReloadsMultiLineEntries() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent().deletingLastPathComponent()) }
        var history = CommandHistory(file: file, limit: 10)
        history.add("for g in 2...6 {\n  use dham G=\\(g)\n}")
        history.add("print(\"a\\nb\")")
        try history.save()
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 2, text)
        let reloaded = CommandHistory(file: file, limit: 10)
        XCTAssertEqual(reloaded.entries, history.entries)
        // A smaller limit on reload keeps the newest.
        XCTAssertEqual(CommandHistory(file: file, limit: 1).entries, ["print(\"a\\nb\")"])
    }

    func testMissingFileStartsEmpty() {
        XCTAssertEqual(CommandHistory(file: temporaryFile()).entries, [])
    }
}
