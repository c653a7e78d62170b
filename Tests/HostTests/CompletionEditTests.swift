import Host
import XCTest

final class CompletionEditTests: XCTestCase {
    func testSingleCandidateIsInsertedWithItsTerminator() {
        let line = "use pro"
        XCTAssertEqual(CompletionEdit(Completion(candidates: ["prompt"], replacement: 4..<7), line: line),
                       .replace(deleting: 3, insert: "prompt "))
        XCTAssertEqual(CompletionEdit(Completion(candidates: ["~/models/"], replacement: 5..<9), line: "load ~/mo"),
                       .replace(deleting: 4, insert: "~/models/"))
        XCTAssertEqual(CompletionEdit(Completion(candidates: ["metric="], replacement: 9..<10, terminator: ""),
                                      line: "use dham m"),
                       .replace(deleting: 1, insert: "metric="))
    }

    func testSeveralCandidatesExtendToTheirCommonPrefixOrAreListed() {
        XCTAssertEqual(CompletionEdit(Completion(candidates: ["accuracy", "acc_list"], replacement: 0..<1), line: "a"),
                       .replace(deleting: 1, insert: "acc"))
        XCTAssertEqual(CompletionEdit(Completion(candidates: ["accuracy", "acc_list"], replacement: 0..<3), line: "acc"),
                       .list(["accuracy", "acc_list"]))
        XCTAssertEqual(CompletionEdit(Completion(candidates: [], replacement: 0..<1), line: "z"), .none)
    }

    func testDeletionCountsScalarsNotBytes() {
        let line = "load é"
        XCTAssertEqual(CompletionEdit(Completion(candidates: ["été/"], replacement: 5..<7), line: line),
                       .replace(deleting: 1, insert: "été/"))
    }

    func testCommonPrefix() {
        XCTAssertEqual(CompletionEdit.commonPrefix(["prefix", "prompt", "pr"]), "pr")
        XCTAssertEqual(CompletionEdit.commonPrefix(["abc"]), "abc")
        XCTAssertEqual(CompletionEdit.commonPrefix(["x", "y"]), "")
        XCTAssertEqual(CompletionEdit.commonPrefix([]), "")
    }

    func testListingFillsColumnsDownwards() {
        let words = ["a1", "b2", "c3", "d4", "e5"]
        // Columns are 4 wide (longest word + 2): 10 columns of width fit 2 columns, 3 rows.
        XCTAssertEqual(CompletionEdit.listing(words, width: 10), ["a1  d4", "b2  e5", "c3"])
        XCTAssertEqual(CompletionEdit.listing(words, width: 3), ["a1", "b2", "c3", "d4", "e5"])
        XCTAssertEqual(CompletionEdit.listing([], width: 80), [])
    }
}
