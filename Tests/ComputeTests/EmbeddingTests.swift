import Compute
import XCTest

final class EmbeddingTests: XCTestCase {
    func testGathersRows() throws {
        let table = try Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
        let batched = try embedding([[2, 0], [1, 1]], table: table)
        XCTAssertEqual(batched.shape, [2, 2, 2])
        XCTAssertEqual(batched.scalars, [20, 21, 0, 1, 10, 11, 10, 11])
        let flat = try embedding([1, 2], table: table)
        XCTAssertEqual(flat.shape, [2, 2])
        XCTAssertEqual(flat.scalars, [10, 11, 20, 21])
    }

    func testGradientScatterAddsRepeatedIds() throws {
        let table = parameter([4, 3], seed: 1)
        try assertGradientsMatch([table]) { xs in try embedding([[1, 3, 1], [0, 1, 2]], table: xs[0]) }
        table.zeroGrad()
        try embedding([1, 1, 2], table: table).backward(seed: Tensor.ones([3, 3]))
        XCTAssertEqual(try XCTUnwrap(table.grad).scalars, [0, 0, 0, 2, 2, 2, 1, 1, 1, 0, 0, 0])
    }

    func testOutOfRangeIdNamesIdAndVocabulary() {
        assertKernelError(try embedding([[0, 7]], table: Tensor(zeros: [5, 2])), mentions: ["7", "size 5"])
        assertKernelError(try embedding([-1], table: Tensor(zeros: [5, 2])), mentions: ["-1", "size 5"])
        assertKernelError(try embedding([[0], [1, 2]], table: Tensor(zeros: [5, 2])), mentions: ["same length"])
    }
}
