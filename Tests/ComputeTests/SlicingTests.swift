import Compute
import XCTest

/// slice, select, split, concat and indexSelect: values, shared storage, gradients (including
/// the sequence axis of `[batch, seq, d]`) and shape errors.
final class SlicingTests: XCTestCase {
    private func iota(_ shape: [Int]) throws -> Tensor {
        try Tensor.arange(shape.reduce(1, *)).reshape(shape)
    }

    // MARK: - Values and storage

    func testSliceIsAViewSharingStorage() throws {
        let x = try iota([2, 3, 4]) // x[i, j, k] = 12i + 4j + k
        let s = try x.slice(axis: 1, range: 1..<3)
        XCTAssertEqual(s.shape, [2, 2, 4])
        XCTAssertTrue(s.storage === x.storage)
        XCTAssertEqual(s.scalars, [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        // A write through the storage shows through the view.
        x.data[4] = 100
        XCTAssertEqual(try s.value(at: [0, 0, 0]), 100)
    }

    func testSliceOfALastAxisAndOfAView() throws {
        let x = try iota([2, 3])
        XCTAssertEqual(try x.slice(axis: -1, range: 1..<2).scalars, [1, 4])
        XCTAssertEqual(try x.transposed(0, 1).slice(axis: 0, range: 2..<3).scalars, [2, 5])
        XCTAssertEqual(try x.slice(axis: 0, range: 1..<1).shape, [0, 3])
    }

    func testSelectDropsTheAxis() throws {
        let x = try iota([2, 3, 4])
        let last = try x.select(axis: 1, index: -1)
        XCTAssertEqual(last.shape, [2, 4])
        XCTAssertTrue(last.storage === x.storage)
        XCTAssertEqual(last.scalars, [8, 9, 10, 11, 20, 21, 22, 23])
        XCTAssertEqual(try x.select(axis: 0, index: 1).select(axis: 1, index: 2).scalars, [14, 18, 22])
    }

    func testSplitGivesConsecutiveViews() throws {
        let x = try iota([2, 5])
        let parts = try x.split(axis: 1, sizes: [2, 0, 3])
        XCTAssertEqual(parts.map(\.shape), [[2, 2], [2, 0], [2, 3]])
        XCTAssertEqual(parts[0].scalars, [0, 1, 5, 6])
        XCTAssertEqual(parts[2].scalars, [2, 3, 4, 7, 8, 9])
        XCTAssertTrue(parts[2].storage === x.storage)
    }

    func testConcatAlongEachAxis() throws {
        let a = try iota([2, 2])          // 0 1 / 2 3
        let b = try iota([2, 2]) + 10     // 10 11 / 12 13
        XCTAssertEqual(try Tensor.concat([a, b], axis: 0).scalars, [0, 1, 2, 3, 10, 11, 12, 13])
        XCTAssertEqual(try Tensor.concat([a, b], axis: 1).scalars, [0, 1, 10, 11, 2, 3, 12, 13])
        let c = try Tensor(shape: [2, 1], scalars: [-1, -2])
        let joined = try Tensor.concat([a, c, b.transposed(0, 1)], axis: -1)
        XCTAssertEqual(joined.shape, [2, 5])
        XCTAssertEqual(joined.scalars, [0, 1, -1, 10, 12, 2, 3, -2, 11, 13])
    }

    func testConcatOfSplitRoundTrips() throws {
        let x = try iota([2, 6, 3])
        let parts = try x.split(axis: 1, sizes: [1, 2, 3])
        XCTAssertEqual(try Tensor.concat(parts, axis: 1).scalars, x.scalars)
    }

    func testIndexSelectGathersRowsWithRepeats() throws {
        let table = try iota([4, 2])
        let rows = try table.indexSelect(axis: 0, indices: [3, 0, 3])
        XCTAssertEqual(rows.shape, [3, 2])
        XCTAssertEqual(rows.scalars, [6, 7, 0, 1, 6, 7])
        let columns = try table.indexSelect(axis: 1, indices: [1])
        XCTAssertEqual(columns.scalars, [1, 3, 5, 7])
    }

    func testIndexSelectGradientAccumulatesRepeats() throws {
        let table = try Tensor(shape: [3, 2], scalars: [0, 0, 0, 0, 0, 0], requiresGrad: true)
        try table.indexSelect(axis: 0, indices: [2, 0, 2]).sum().backward()
        XCTAssertEqual(table.grad?.scalars, [1, 1, 0, 0, 2, 2])
    }

    // MARK: - Gradients

    func testSliceAlongTheSequenceAxisGradient() throws {
        let x = parameter([2, 5, 3], seed: 11)
        try assertGradientsMatch([x]) { try $0[0].slice(axis: 1, range: 1..<4) }
    }

    func testSliceOfAViewGradient() throws {
        let x = parameter([4, 3], seed: 12)
        try assertGradientsMatch([x]) { try $0[0].transposed(0, 1).slice(axis: 1, range: 1..<3).slice(axis: 0, range: 0..<2) }
    }

    func testSelectGradient() throws {
        let x = parameter([2, 4, 3], seed: 13)
        try assertGradientsMatch([x]) { try $0[0].select(axis: 1, index: 2) }
        try assertGradientsMatch([x]) { try $0[0].select(axis: -1, index: 0) }
    }

    func testSplitGradient() throws {
        let x = parameter([2, 5, 3], seed: 14)
        try assertGradientsMatch([x]) { xs in
            let parts = try xs[0].split(axis: 1, sizes: [2, 3])
            return try Tensor.concat([parts[1], parts[0] * 3], axis: 1)
        }
    }

    func testConcatAlongTheSequenceAxisGradient() throws {
        let prompt = parameter([2, 2, 3], seed: 15)
        let x = parameter([2, 4, 3], seed: 16)
        try assertGradientsMatch([prompt, x]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
    }

    func testConcatGradientsOnOtherAxes() throws {
        let a = parameter([2, 3], seed: 17)
        let b = parameter([1, 3], seed: 18)
        try assertGradientsMatch([a, b]) { try Tensor.concat([$0[0], $0[1], $0[0]], axis: 0) }
        let c = parameter([2, 2], seed: 19)
        let frozen = try Tensor(shape: [2, 1], scalars: [1, 2])
        try assertGradientsMatch([a, c]) { try Tensor.concat([$0[0], frozen, $0[1]], axis: 1) }
    }

    func testIndexSelectGradient() throws {
        let table = parameter([5, 3], seed: 20)
        try assertGradientsMatch([table]) { try $0[0].indexSelect(axis: 0, indices: [4, 1, 1, 0]) }
        let x = parameter([2, 4, 3], seed: 21)
        try assertGradientsMatch([x]) { try $0[0].indexSelect(axis: 1, indices: [3, 3, 0]) }
    }

    // MARK: - Errors

    func testConcatOfMismatchedShapesNamesBothShapes() throws {
        let a = Tensor.zeros([2, 3, 4]), b = Tensor.zeros([2, 5, 3])
        XCTAssertThrowsError(try Tensor.concat([a, b], axis: 1)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3, 4]") && "\(error)".contains("[2, 5, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try Tensor.concat([a, Tensor.zeros([2, 3])], axis: 0)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3, 4]") && "\(error)".contains("[2, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try Tensor.concat([], axis: 0))
        XCTAssertThrowsError(try Tensor.concat([a, a], axis: 3)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3, 4]"), "\(error)")
        }
    }

    func testOutOfRangeSlicesAndIndicesAreThrown() throws {
        let x = Tensor.zeros([2, 3])
        XCTAssertThrowsError(try x.slice(axis: 1, range: 2..<4)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try x.slice(axis: 2, range: 0..<1))
        XCTAssertThrowsError(try x.select(axis: 0, index: 2))
        XCTAssertThrowsError(try x.select(axis: 0, index: -3))
        XCTAssertThrowsError(try x.split(axis: 1, sizes: [1, 1])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try x.indexSelect(axis: 0, indices: [0, 2])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try x.indexSelect(axis: 0, indices: [-1]))
    }
}
