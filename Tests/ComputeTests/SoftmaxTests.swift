import Compute
import Foundation
import XCTest

final class SoftmaxTests: XCTestCase {
    func testMatchesDefinition() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1000])
        let y = try softmax(x)
        let e = [exp(-2.0), exp(-1.0), 1.0]
        let s = e.reduce(0, +)
        assertClose(Array(y.scalars[0..<3]), e.map { Float($0 / s) }, atol: 1e-6)
        assertClose(Array(y.scalars[3..<6]), [0, 0, 1], atol: 1e-6)
        let logY = try logSoftmax(x)
        assertClose(Array(logY.scalars[0..<3]), e.map { Float(log($0 / s)) }, atol: 1e-5)
        XCTAssertEqual(logY.scalars[3], -1001, accuracy: 1e-3)
    }

    func testNegativeInfinityEntriesAndFullyMaskedRows() throws {
        let x = try Tensor(shape: [2, 3], scalars: [0, -.infinity, 0, -.infinity, -.infinity, -.infinity])
        XCTAssertEqual(try softmax(x).scalars, [0.5, 0, 0.5, 0, 0, 0])
        let logY = try logSoftmax(x).scalars
        XCTAssertEqual(logY[0], -log(2), accuracy: 1e-6)
        XCTAssertEqual(logY[1], -.infinity)
        XCTAssertTrue(logY[3...].allSatisfy { $0 == -.infinity })
    }

    /// A NaN anywhere in a row makes the row NaN, also when every entry is NaN (an all-NaN row
    /// must not pass for a fully masked one and come out as zeros).
    func testNaNRowsStayNaN() throws {
        let x = try Tensor(shape: [3, 2], scalars: [.nan, .nan, 1, .nan, .nan, -.infinity])
        XCTAssertTrue(try softmax(x).scalars.allSatisfy(\.isNaN))
        XCTAssertTrue(try logSoftmax(x).scalars.allSatisfy(\.isNaN))
        XCTAssertTrue(try crossEntropy(logits: x, targets: [0, 1, 0]).item().isNaN)
    }

    func testOtherAxisEqualsLastAxisOfTranspose() throws {
        let x = constant([3, 4], seed: 1)
        let alongRows = try softmax(x, axis: 0).scalars
        let transposed = try Tensor(shape: [4, 3], scalars: naiveTranspose(x.scalars, rows: 3, columns: 4))
        let reference = naiveTranspose(try softmax(transposed).scalars, rows: 4, columns: 3)
        assertClose(alongRows, reference, atol: 1e-6)
        let logReference = naiveTranspose(try logSoftmax(transposed).scalars, rows: 4, columns: 3)
        assertClose(try logSoftmax(x, axis: 0).scalars, logReference, atol: 1e-6)
    }

    func testGradients() throws {
        let x = parameter([2, 3, 5], seed: 2)
        for axis in [-1, 1, 0] {
            try assertGradientsMatch([x]) { xs in try softmax(xs[0], axis: axis) }
            try assertGradientsMatch([x]) { xs in try logSoftmax(xs[0], axis: axis) }
        }
    }

    func testMaskedEntriesGetNoGradient() throws {
        let x = try Tensor(shape: [1, 3], scalars: [0.5, -.infinity, 1], requiresGrad: true)
        try softmax(x).backward(seed: Tensor(shape: [1, 3], scalars: [1, 2, 3]))
        XCTAssertEqual(try XCTUnwrap(x.grad).scalars[1], 0)
        let allMasked = try Tensor(shape: [1, 2], scalars: [-.infinity, -.infinity], requiresGrad: true)
        try logSoftmax(allMasked).backward(seed: Tensor.ones([1, 2]))
        XCTAssertEqual(try XCTUnwrap(allMasked.grad).scalars, [0, 0])
    }

    func testBadAxisIsAnError() {
        assertKernelError(try softmax(Tensor(zeros: [2, 3]), axis: 2), mentions: ["axis 2", "[2, 3]"])
    }
}
