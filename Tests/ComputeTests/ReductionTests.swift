import Compute
import XCTest

/// sum, mean, max and argmax: values on every axis, precision of long sums, gradients and
/// errors.
final class ReductionTests: XCTestCase {
    private func iota(_ shape: [Int]) throws -> Tensor {
        try Tensor.arange(shape.reduce(1, *)).reshape(shape)
    }

    // MARK: - Values

    func testSumAndMeanOfEverything() throws {
        let x = try iota([2, 3, 4])
        let total = x.sum()
        XCTAssertEqual(total.shape, [])
        XCTAssertEqual(try total.item(), 276)
        XCTAssertEqual(try x.mean().item(), 11.5)
        XCTAssertEqual(try x.transposed(0, 2).sum().item(), 276)
    }

    func testSumOverEachAxis() throws {
        let x = try iota([2, 3, 4]) // x[i, j, k] = 12i + 4j + k
        let s0 = try x.sum(axis: 0)
        XCTAssertEqual(s0.shape, [3, 4])
        XCTAssertEqual(s0.scalars, (0..<12).map { Float(2 * $0 + 12) })
        let s1 = try x.sum(axis: 1, keepDims: true)
        XCTAssertEqual(s1.shape, [2, 1, 4])
        XCTAssertEqual(s1.scalars, [12, 15, 18, 21, 48, 51, 54, 57])
        let s2 = try x.sum(axis: -1)
        XCTAssertEqual(s2.shape, [2, 3])
        XCTAssertEqual(s2.scalars, [6, 22, 38, 54, 70, 86])
        XCTAssertEqual(try x.mean(axis: 2).scalars, [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
        XCTAssertEqual(try x.mean(axis: 1, keepDims: true).scalars, [4, 5, 6, 7, 16, 17, 18, 19])
    }

    func testSumOfANonContiguousView() throws {
        let x = try iota([2, 3])
        XCTAssertEqual(try x.transposed(0, 1).sum(axis: 1).scalars, [3, 5, 7])
        XCTAssertEqual(try x.slice(axis: 1, range: 1..<3).sum(axis: 0).scalars, [5, 7])
    }

    func testEmptyAxisSumsToZero() throws {
        let x = Tensor.zeros([2, 0, 3])
        XCTAssertEqual(try x.sum(axis: 1).scalars, [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try x.sum().item(), 0)
    }

    func testLongSumsKeepPrecision() throws {
        // A naive running Float sum of a million 0.1s is off by about 1%.
        let n = 1_000_000
        let flat = Tensor.full([n], value: 0.1)
        XCTAssertEqual(Double(try flat.sum().item()), 100_000, accuracy: 1)
        XCTAssertEqual(Double(try flat.sum(axis: 0).item()), 100_000, accuracy: 1)
        let columns = Tensor.full([n, 2], value: 0.1)
        for value in try columns.sum(axis: 0).scalars {
            XCTAssertEqual(Double(value), 100_000, accuracy: 1)
        }
        XCTAssertEqual(Double(try columns.mean().item()), 0.1, accuracy: 1e-6)
    }

    func testSumsDoNotDependOnTheThreadCount() throws {
        let x = parameter([70_000, 3], seed: 40).detached()
        let single = try withThreads(1) { (x.sum().scalars, try x.sum(axis: 0).scalars, try x.sum(axis: 1).scalars) }
        try withThreads(2) {
            XCTAssertEqual(x.sum().scalars, single.0)
            XCTAssertEqual(try x.sum(axis: 0).scalars, single.1)
            XCTAssertEqual(try x.sum(axis: 1).scalars, single.2)
        }
    }

    func testMaxAndArgmax() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 5, 5, 7, -2, 0])
        XCTAssertEqual(try x.max(axis: 1).scalars, [5, 7])
        XCTAssertEqual(try x.argmax(axis: 1), [1, 0]) // the first of tied maxima
        XCTAssertEqual(try x.max(axis: 0, keepDims: true).shape, [1, 3])
        XCTAssertEqual(try x.max(axis: 0).scalars, [7, 5, 5])
        XCTAssertEqual(try x.argmax(axis: 0), [1, 0, 0])
        XCTAssertEqual(try x.transposed(0, 1).argmax(axis: -1), [1, 0, 0])
    }

    func testMaxPropagatesNaN() throws {
        let x = try Tensor(shape: [3], scalars: [1, .nan, 3])
        XCTAssertTrue(try x.max(axis: 0).item().isNaN)
        XCTAssertEqual(try x.argmax(axis: 0), [1])
    }

    // MARK: - Gradients

    func testSumAndMeanGradients() throws {
        let x = parameter([2, 3, 4], seed: 1)
        try assertGradientsMatch([x]) { $0[0].sum() }
        try assertGradientsMatch([x]) { $0[0].mean() }
        for axis in [0, 1, 2] {
            try assertGradientsMatch([x]) { try $0[0].sum(axis: axis) }
            try assertGradientsMatch([x]) { try $0[0].mean(axis: axis, keepDims: true) }
        }
        try assertGradientsMatch([x]) { try $0[0].permuted([2, 0, 1]).sum(axis: 1) }
    }

    func testMaxGradient() throws {
        let x = parameter([3, 5], seed: 2)
        try assertGradientsMatch([x]) { try $0[0].max(axis: 1) }
        try assertGradientsMatch([x]) { try $0[0].max(axis: 0, keepDims: true) }
        try assertGradientsMatch([x]) { try $0[0].transposed(0, 1).max(axis: 0) }
    }

    func testMaxGradientGoesToTheFirstArgmax() throws {
        let x = try Tensor(shape: [4], scalars: [2, 9, 9, 1], requiresGrad: true)
        try x.max(axis: 0).backward()
        XCTAssertEqual(x.grad?.scalars, [0, 1, 0, 0])
    }

    // MARK: - Errors

    func testBadAxesAreThrownNamingTheShape() throws {
        let x = Tensor.zeros([2, 3])
        for op in [{ try x.sum(axis: 2) }, { try x.mean(axis: -3) }, { try x.max(axis: 5) }] {
            XCTAssertThrowsError(try op()) { error in
                XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
            }
        }
        XCTAssertThrowsError(try x.argmax(axis: 2))
        XCTAssertThrowsError(try Tensor(scalar: 1).sum(axis: 0))
        XCTAssertThrowsError(try Tensor.zeros([2, 0]).max(axis: 1)) { error in
            XCTAssertTrue("\(error)".contains("[2, 0]"), "\(error)")
        }
    }
}
