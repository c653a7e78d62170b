import Foundation
import Host
import XCTest

/// Replays every notebook of the repository (DESIGN §7) and checks the replayer itself on a
/// notebook written here: a matching recording passes, a changed one fails with a diff, and
/// `record` rewrites it.
final class NotebookReplayTests: XCTestCase {
    static let repositoryNotebooks = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("notebooks").path

    func testRepositoryNotebooksReplay() throws {
        let notebooks = try NotebookReplayer.notebooks(at: Self.repositoryNotebooks)
        XCTAssertTrue(notebooks.contains { $0.hasSuffix("quickstart.strata") })
        for path in notebooks {
            let outcome = try NotebookReplayer().replay(path, record: false)
            XCTAssertTrue(outcome.passed, "\(path):\n" + outcome.mismatches.map { "cell at line \($0.line):\n\($0.diff)" }.joined(separator: "\n"))
        }
    }

    func testMismatchRecordAndReplay() throws {
        let path = NSTemporaryDirectory() + "strata-replay-\(UUID().uuidString).strata"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "load tiny\n//> loaded something else\nprint(1 + 1)\n//> 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let first = try NotebookReplayer().replay(path, record: false)
        XCTAssertEqual(first.mismatches.count, 1)
        XCTAssertTrue(first.mismatches[0].diff.contains("- loaded something else"), first.mismatches[0].diff)
        XCTAssertTrue(first.mismatches[0].diff.contains("+ loaded tiny (4 layers"), first.mismatches[0].diff)
        _ = try NotebookReplayer().replay(path, record: true)
        XCTAssertTrue(try NotebookReplayer().replay(path, record: false).passed)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("load tiny\n//> loaded tiny (4 layers"), text)
    }
}
