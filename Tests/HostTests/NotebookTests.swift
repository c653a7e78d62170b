import Host
import XCTest

final class NotebookTests: XCTestCase {
    private let text = """
    // tolerance: 1e-4
    load tiny
    //> loaded tiny
    let x = 1
    print(x)
    //> 1

    for i in [1, 2] {

        print(i)
    }
    //> 1
    //> 2
    print("")
    //>
    """ + "\n"

    func testParseSplitsCellsAtOutputBlocksAndKeepsBracesTogether() throws {
        let notebook = try Notebook.parse(text)
        XCTAssertEqual(notebook.tolerance, 1e-4)
        XCTAssertEqual(notebook.cells.count, 4)
        XCTAssertEqual(notebook.cells[0].source, ["// tolerance: 1e-4", "load tiny"])
        XCTAssertEqual(notebook.cells[1].output, ["1"])
        XCTAssertEqual(notebook.cells[2].source.first, "")
        XCTAssertEqual(notebook.cells[2].source.count, 5, "the blank line inside the loop body stays in the cell")
        XCTAssertEqual(notebook.cells[2].output, ["1", "2"])
        XCTAssertEqual(notebook.cells[3].output, [""])
        XCTAssertEqual(notebook.cells[2].line, 7)
    }

    func testRenderRoundTrips() throws {
        XCTAssertEqual(try Notebook.parse(text).render(), text)
    }

    func testAbsoluteToleranceIsReadAndABadValueNamesTheLine() throws {
        let notebook = try Notebook.parse("// tolerance: 1e-2\n// absolute tolerance: 1e-3\nload tiny\n")
        XCTAssertEqual(notebook.tolerance, 1e-2)
        XCTAssertEqual(notebook.absoluteTolerance, 1e-3)
        XCTAssertEqual(try Notebook.parse(text).absoluteTolerance, 0, "none unless set")
        XCTAssertThrowsError(try Notebook.parse("load tiny\n// absolute tolerance: -1\n", name: "bad.strata")) { error in
            XCTAssertTrue("\(error)".contains("bad.strata:2"), "\(error)")
            XCTAssertTrue("\(error)".contains("absolute tolerance must be a non-negative number"), "\(error)")
        }
    }

    func testOutputBeforeAnyStatementIsAnError() {
        XCTAssertThrowsError(try Notebook.parse("//> stray\nload tiny\n", name: "bad.strata")) { error in
            XCTAssertTrue("\(error)".contains("bad.strata:1"), "\(error)")
        }
    }
}

final class OutputComparisonTests: XCTestCase {
    func testNumbersWithinRelativeToleranceMatch() {
        XCTAssertTrue(OutputComparison.linesMatch("loss 1.2345678 at step 3", "loss 1.2345679 at step 3", tolerance: 1e-6))
        XCTAssertFalse(OutputComparison.linesMatch("loss 1.2345 at step 3", "loss 1.2346 at step 3", tolerance: 1e-6))
        XCTAssertTrue(OutputComparison.linesMatch("lr 2e-3", "lr 0.002", tolerance: 0))
        XCTAssertFalse(OutputComparison.linesMatch("step 3", "step 4", tolerance: 0.1))
    }

    func testAbsoluteToleranceCoversValuesNearZero() {
        // 0.0019 against 0.0022 is 14% apart: only an absolute tolerance lets them agree.
        XCTAssertFalse(OutputComparison.linesMatch("h0 0.0019", "h0 0.0022", tolerance: 1e-2))
        XCTAssertTrue(OutputComparison.linesMatch("h0 0.0019", "h0 0.0022", tolerance: 1e-2, absoluteTolerance: 1e-3))
        XCTAssertFalse(OutputComparison.linesMatch("h0 0.0019", "h0 0.0032", tolerance: 1e-2, absoluteTolerance: 1e-3))
        XCTAssertTrue(OutputComparison.outputsMatch(["loss 1.3210"], ["loss 1.3165"], tolerance: 1e-2, absoluteTolerance: 1e-3))
        XCTAssertEqual(OutputComparison.diff(["h0 0.0019"], ["h0 0.0022"], tolerance: 0, absoluteTolerance: 1e-3), "  h0 0.0022")
    }

    func testTextMustMatchExactly() {
        XCTAssertFalse(OutputComparison.linesMatch("accuracy 0.5", "Accuracy 0.5", tolerance: 1))
        XCTAssertFalse(OutputComparison.linesMatch("q4_1 weights", "q4_0 weights", tolerance: 1), "digits glued to words are text")
    }

    func testDiffMarksOnlyMismatchedLines() {
        let diff = OutputComparison.diff(["a 1", "b 2", "c"], ["a 1", "b 3"], tolerance: 0)
        XCTAssertEqual(diff, "  a 1\n- b 2\n+ b 3\n- c")
    }
}
