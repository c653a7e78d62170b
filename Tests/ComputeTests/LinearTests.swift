import Compute
import XCTest

final class LinearTests: XCTestCase {
    func testMatchesDefinitionWithBias() throws {
        let x = constant([2, 3, 4], seed: 1), w = constant([5, 4], seed: 2), b = constant([5], seed: 3)
        let y = try linear(x, weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 3, 5])
        var expected = naiveMatmul(x.scalars, naiveTranspose(w.scalars, rows: 5, columns: 4), m: 6, k: 4, n: 5)
        for i in 0..<expected.count { expected[i] += b.scalars[i % 5] }
        assertClose(y.scalars, expected, atol: 1e-5)
    }

    func testGradientsWithAndWithoutBias() throws {
        let x = parameter([2, 3, 4], seed: 4), w = parameter([5, 4], seed: 5), b = parameter([5], seed: 6)
        try assertGradientsMatch([x, w, b]) { xs in try linear(xs[0], weight: xs[1], bias: xs[2]) }
        try assertGradientsMatch([x, w]) { xs in try linear(xs[0], weight: xs[1]) }
    }

    func testOnlyInputsRequiringGradReceiveOne() throws {
        let x = constant([3, 4], seed: 7), w = parameter([2, 4], seed: 8), b = constant([2], seed: 9)
        try linear(x, weight: w, bias: b).backward(seed: Tensor.ones([3, 2]))
        XCTAssertNil(x.grad)
        XCTAssertNil(b.grad)
        // dW = gᵀ·x with g all ones: each row of dW is the column sums of x.
        let columnSums = (0..<4).map { j in (0..<3).reduce(Float(0)) { $0 + x.scalars[$1 * 4 + j] } }
        assertClose(try XCTUnwrap(w.grad).scalars, columnSums + columnSums, atol: 1e-5)
    }

    func testShapeErrorsNameBothShapes() {
        assertKernelError(try linear(Tensor(zeros: [2, 3]), weight: Tensor(zeros: [5, 4])),
                          mentions: ["linear", "[2, 3]", "[5, 4]"])
        assertKernelError(try linear(Tensor(zeros: [2, 4]), weight: Tensor(zeros: [5, 4]), bias: Tensor(zeros: [4])),
                          mentions: ["[5, 4]", "[4]"])
    }
}
