import Compute
import XCTest

final class MatmulTests: XCTestCase {
    func testTwoDimensionalMatchesTripleLoopForEveryTransposition() throws {
        let (m, k, n) = (3, 4, 5)
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = constant(transposeA ? [k, m] : [m, k], seed: 1)
            let b = constant(transposeB ? [n, k] : [k, n], seed: 2)
            let plainA = transposeA ? naiveTranspose(a.scalars, rows: k, columns: m) : a.scalars
            let plainB = transposeB ? naiveTranspose(b.scalars, rows: n, columns: k) : b.scalars
            let c = try matmul(a, b, transposeA: transposeA, transposeB: transposeB)
            XCTAssertEqual(c.shape, [m, n])
            assertClose(c.scalars, naiveMatmul(plainA, plainB, m: m, k: k, n: n), atol: 1e-5,
                        "transposeA \(transposeA) transposeB \(transposeB)")
        }
    }

    func testBatchedMatchesPerMatrixProducts() throws {
        let a = constant([2, 3, 4], seed: 3), b = constant([2, 4, 2], seed: 4)
        let c = try matmul(a, b)
        XCTAssertEqual(c.shape, [2, 3, 2])
        for item in 0..<2 {
            let expected = naiveMatmul(Array(a.scalars[(item * 12)..<(item * 12 + 12)]),
                                       Array(b.scalars[(item * 8)..<(item * 8 + 8)]), m: 3, k: 4, n: 2)
            assertClose(Array(c.scalars[(item * 6)..<(item * 6 + 6)]), expected, atol: 1e-5)
        }
    }

    func testSharedRightOperandMatchesFlattenedProduct() throws {
        let a = constant([2, 3, 4], seed: 5), b = constant([4, 2], seed: 6)
        let c = try matmul(a, b)
        XCTAssertEqual(c.shape, [2, 3, 2])
        assertClose(c.scalars, naiveMatmul(a.scalars, b.scalars, m: 6, k: 4, n: 2), atol: 1e-5)
    }

    func testNonContiguousInputIsRead() throws {
        // A transposed view of [[1, 2], [3, 4]] is [[1, 3], [2, 4]].
        let base = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let view = Tensor(shape: [2, 2], strides: [1, 2], offset: 0, storage: base.storage)
        let identity = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        XCTAssertEqual(try matmul(view, identity).scalars, [1, 3, 2, 4])
    }

    func testGradientsTwoDimensionalEveryTransposition() throws {
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = parameter(transposeA ? [4, 3] : [3, 4], seed: 10)
            let b = parameter(transposeB ? [2, 4] : [4, 2], seed: 11)
            try assertGradientsMatch([a, b]) { xs in
                try matmul(xs[0], xs[1], transposeA: transposeA, transposeB: transposeB)
            }
        }
    }

    func testGradientsBatched() throws {
        let a = parameter([2, 3, 4], seed: 12), b = parameter([2, 4, 2], seed: 13)
        try assertGradientsMatch([a, b]) { xs in try matmul(xs[0], xs[1]) }
        let at = parameter([2, 4, 3], seed: 14), bt = parameter([2, 2, 4], seed: 15)
        try assertGradientsMatch([at, bt]) { xs in try matmul(xs[0], xs[1], transposeA: true, transposeB: true) }
    }

    func testGradientsSharedRightOperand() throws {
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = parameter(transposeA ? [2, 4, 3] : [2, 3, 4], seed: 16)
            let b = parameter(transposeB ? [2, 4] : [4, 2], seed: 17)
            try assertGradientsMatch([a, b]) { xs in
                try matmul(xs[0], xs[1], transposeA: transposeA, transposeB: transposeB)
            }
        }
    }

    func testShapeErrorsNameBothShapes() {
        assertKernelError(try matmul(Tensor(zeros: [2, 3]), Tensor(zeros: [4, 5])), mentions: ["matmul", "[2, 3]", "[4, 5]"])
        assertKernelError(try matmul(Tensor(zeros: [2, 2, 3]), Tensor(zeros: [3, 3, 5])),
                          mentions: ["[2, 2, 3]", "[3, 3, 5]"])
        assertKernelError(try matmul(Tensor(zeros: [3]), Tensor(zeros: [3, 5])), mentions: ["[3]", "[3, 5]"])
    }
}
