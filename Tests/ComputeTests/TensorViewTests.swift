import Compute
import XCTest

/// reshape, permute, transpose, unsqueeze, squeeze, expand, flatten: which elements a view
/// reads, when storage is shared, their gradients and their shape errors.
final class TensorViewTests: XCTestCase {
    /// 0, 1, …, n-1 in `shape`.
    private func iota(_ shape: [Int]) throws -> Tensor {
        try Tensor.arange(shape.reduce(1, *)).reshape(shape)
    }

    // MARK: - Values and storage

    func testReshapeOfContiguousIsAViewSharingStorage() throws {
        let x = try iota([2, 3, 4])
        let y = try x.reshape([6, -1])
        XCTAssertEqual(y.shape, [6, 4])
        XCTAssertTrue(y.storage === x.storage)
        XCTAssertEqual(y.scalars, x.scalars)
        XCTAssertEqual(try y.value(at: [5, 3]), 23)
    }

    func testPermutedViewReadsTheRightElements() throws {
        let x = try iota([2, 3, 4]) // x[i, j, k] = 12i + 4j + k
        let p = try x.permuted([2, 0, 1]) // p[k, i, j] = x[i, j, k]
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertTrue(p.storage === x.storage)
        XCTAssertFalse(p.isContiguous)
        for k in 0..<4 {
            for i in 0..<2 {
                for j in 0..<3 {
                    XCTAssertEqual(try p.value(at: [k, i, j]), Float(12 * i + 4 * j + k))
                }
            }
        }
        XCTAssertEqual(Array(p.scalars.prefix(6)), [0, 4, 8, 12, 16, 20])
    }

    func testNegativeAxesInPermuteAndTranspose() throws {
        let x = try iota([2, 3])
        XCTAssertEqual(try x.permuted([-1, -2]).scalars, [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try x.transposed(0, -1).scalars, [0, 3, 1, 4, 2, 5])
    }

    func testReshapeOfANonContiguousViewCopies() throws {
        let x = try iota([2, 3])
        let t = try x.transposed(0, 1) // [3, 2]: 0 3 1 4 2 5
        let r = try t.reshape([6])
        XCTAssertFalse(r.storage === x.storage)
        XCTAssertEqual(r.scalars, [0, 3, 1, 4, 2, 5])
        XCTAssertTrue(r.isContiguous)
    }

    func testTransposeOfTransposeIsTheOriginalOrder() throws {
        let x = try iota([3, 4])
        let back = try x.transposed(0, 1).transposed(1, 0)
        XCTAssertEqual(back.shape, [3, 4])
        XCTAssertEqual(back.scalars, x.scalars)
    }

    func testUnsqueezeAndSqueeze() throws {
        let x = try iota([2, 3])
        XCTAssertEqual(try x.unsqueezed(axis: 0).shape, [1, 2, 3])
        XCTAssertEqual(try x.unsqueezed(axis: 1).shape, [2, 1, 3])
        XCTAssertEqual(try x.unsqueezed(axis: -1).shape, [2, 3, 1])
        XCTAssertEqual(try x.unsqueezed(axis: 2).squeezed(axis: 2).shape, [2, 3])
        // On a non-contiguous view the inserted axis keeps reading the same elements.
        let t = try x.transposed(0, 1)
        let u = try t.unsqueezed(axis: 1)
        XCTAssertEqual(u.shape, [3, 1, 2])
        XCTAssertEqual(u.scalars, [0, 3, 1, 4, 2, 5])
        XCTAssertTrue(u.storage === x.storage)
        XCTAssertEqual(try u.squeezed(axis: 1).scalars, [0, 3, 1, 4, 2, 5])
    }

    func testExpandedIsAStrideZeroView() throws {
        let bias = try Tensor(shape: [3], scalars: [1, 2, 3])
        let e = try bias.expanded(to: [2, 3])
        XCTAssertEqual(e.strides, [0, 1])
        XCTAssertTrue(e.storage === bias.storage)
        XCTAssertEqual(e.scalars, [1, 2, 3, 1, 2, 3])
        let column = try Tensor(shape: [2, 1], scalars: [5, 7])
        XCTAssertEqual(try column.expanded(to: [2, 3]).scalars, [5, 5, 5, 7, 7, 7])
    }

    func testFlattened() throws {
        let x = try iota([2, 3]).transposed(0, 1)
        let f = x.flattened()
        XCTAssertEqual(f.shape, [6])
        XCTAssertEqual(f.scalars, [0, 3, 1, 4, 2, 5])
    }

    // MARK: - Gradients

    func testReshapeGradient() throws {
        let x = parameter([2, 3, 4], seed: 1)
        try assertGradientsMatch([x]) { try $0[0].reshape([4, -1]) }
    }

    func testPermutedGradient() throws {
        let x = parameter([2, 3, 4], seed: 2)
        try assertGradientsMatch([x]) { try $0[0].permuted([1, 2, 0]) }
    }

    func testTransposedThenReshapedGradient() throws {
        let x = parameter([3, 4], seed: 3)
        try assertGradientsMatch([x]) { try $0[0].transposed(0, 1).reshape([2, 6]) }
    }

    func testUnsqueezeSqueezeGradients() throws {
        let x = parameter([3, 4], seed: 4)
        try assertGradientsMatch([x]) { try $0[0].unsqueezed(axis: 1) }
        try assertGradientsMatch([x]) { try $0[0].transposed(0, 1).unsqueezed(axis: 0) }
        let y = parameter([3, 1, 4], seed: 5)
        try assertGradientsMatch([y]) { try $0[0].squeezed(axis: 1) }
        try assertGradientsMatch([y]) { try $0[0].permuted([2, 1, 0]).squeezed(axis: 1) }
    }

    func testExpandedGradientSumsRepeatedAxes() throws {
        let x = parameter([3, 1], seed: 6)
        try assertGradientsMatch([x]) { try $0[0].expanded(to: [2, 3, 4]) }
        // Exact: each element is read 2·4 times.
        x.zeroGrad()
        try x.expanded(to: [2, 3, 4]).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [8, 8, 8])
    }

    func testFlattenedGradient() throws {
        let x = parameter([2, 3], seed: 7)
        try assertGradientsMatch([x]) { $0[0].flattened() }
    }

    func testSumToShapeValuesAndGradient() throws {
        let x = try iota([2, 3])
        XCTAssertEqual(try x.sumToShape([3]).scalars, [3, 5, 7])
        XCTAssertEqual(try x.sumToShape([2, 1]).scalars, [3, 12])
        XCTAssertEqual(try x.sumToShape([1, 1]).scalars, [15])
        XCTAssertEqual(try x.sumToShape([]).scalars, [15])
        let y = parameter([2, 3, 4], seed: 8)
        try assertGradientsMatch([y]) { try $0[0].sumToShape([3, 1]) }
    }

    // MARK: - Errors

    func testReshapeToAWrongCountNamesBothShapes() throws {
        let x = try iota([2, 3])
        XCTAssertThrowsError(try x.reshape([4, 2])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]") && "\(error)".contains("[4, 2]"), "\(error)")
        }
        XCTAssertThrowsError(try x.reshape([-1, 4])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]") && "\(error)".contains("[-1, 4]"), "\(error)")
        }
        XCTAssertThrowsError(try x.reshape([-1, -1]))
    }

    func testBadAxesAreThrown() throws {
        let x = try iota([2, 3])
        XCTAssertThrowsError(try x.permuted([0, 0])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try x.permuted([0]))
        XCTAssertThrowsError(try x.transposed(0, 2)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try x.unsqueezed(axis: 4))
        XCTAssertThrowsError(try x.squeezed(axis: 0)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"), "\(error)")
        }
    }

    func testExpandToAnIncompatibleShapeNamesBothShapes() throws {
        let x = try iota([2, 3])
        XCTAssertThrowsError(try x.expanded(to: [4, 3])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]") && "\(error)".contains("[4, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try x.expanded(to: [3]))
        XCTAssertThrowsError(try x.sumToShape([4])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]") && "\(error)".contains("[4]"), "\(error)")
        }
    }
}
