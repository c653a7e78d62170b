import Compute
import Foundation
import XCTest

/// Broadcasting binary ops, tensor–scalar forms and unary functions: values against plain
/// loops, gradients by finite differences, and shape errors.
final class ElementwiseTests: XCTestCase {
    /// A leaf requiring a gradient whose entries lie in ±[low, low + |N(0,1)|]: kept away from
    /// 0 so that kinks (relu, abs) and poles (log, 1/x) are out of finite-difference reach.
    private func awayFromZero(_ shape: [Int], seed: UInt64, low: Float = 0.2, positive: Bool = false) throws -> Tensor {
        let base = parameter(shape, seed: seed).scalars
        let values = base.map { v -> Float in
            let magnitude = low + Swift.abs(v)
            return positive || v >= 0 ? magnitude : -magnitude
        }
        return try Tensor(shape: shape, scalars: values, requiresGrad: true)
    }

    // MARK: - Binary values

    func testSameShapeArithmetic() throws {
        let a = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = try Tensor(shape: [2, 2], scalars: [2, 4, 6, 8])
        XCTAssertEqual(try (a + b).scalars, [3, 6, 9, 12])
        XCTAssertEqual(try (a - b).scalars, [-1, -2, -3, -4])
        XCTAssertEqual(try (a * b).scalars, [2, 8, 18, 32])
        XCTAssertEqual(try (a / b).scalars, [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(try Tensor.maximum(a, b - 3).scalars, [1, 2, 3, 5])
        XCTAssertEqual(try Tensor.minimum(a, b - 3).scalars, [-1, 1, 3, 4])
    }

    func testBroadcastingInBothDirections() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let bias = try Tensor(shape: [3], scalars: [10, 20, 30])
        XCTAssertEqual(try (x + bias).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try (bias - x).scalars, [9, 18, 27, 6, 15, 24])
        let rows = try Tensor(shape: [2, 1], scalars: [2, 10])
        XCTAssertEqual(try (x * rows).scalars, [2, 4, 6, 40, 50, 60])
        XCTAssertEqual(try (rows / x).scalars, [2, 1, 2 / 3, 2.5, 2, 10 / 6])
        // Outer product: [2, 1] ⊙ [1, 3] → [2, 3].
        let row = try Tensor(shape: [1, 3], scalars: [1, 2, 3])
        XCTAssertEqual(try (rows * row).scalars, [2, 4, 6, 10, 20, 30])
        // Rank-0 operand.
        XCTAssertEqual(try (Tensor(scalar: 2) * x).scalars, [2, 4, 6, 8, 10, 12])
    }

    func testGeneralBroadcastMatchesALoop() throws {
        let a = try Tensor(shape: [2, 1, 3], scalars: (0..<6).map(Float.init))
        let b = try Tensor(shape: [4, 1], scalars: [100, 200, 300, 400])
        let c = try a + b
        XCTAssertEqual(c.shape, [2, 4, 3])
        for i in 0..<2 {
            for j in 0..<4 {
                for k in 0..<3 {
                    XCTAssertEqual(try c.value(at: [i, j, k]), Float(3 * i + k) + Float(100 * (j + 1)))
                }
            }
        }
    }

    func testBroadcastPatternsMatchIndexArithmetic() throws {
        let pairs: [([Int], [Int])] = [
            ([3, 1, 4, 1], [2, 1, 5]), ([2, 1, 1], [1, 3, 1]), ([1, 4], [3, 1]),
            ([2, 3, 1], [3, 4]), ([4], [2, 3, 1]), ([2, 1, 3], [2, 4, 3]), ([], [2, 2]),
        ]
        for (index, (ls, rs)) in pairs.enumerated() {
            let a = parameter(ls, seed: UInt64(100 + index)).detached()
            let b = parameter(rs, seed: UInt64(200 + index)).detached()
            let c = try a * b - b
            let shape = c.shape
            XCTAssertEqual(shape.count, Swift.max(ls.count, rs.count))
            // Reference: read each operand at the output index, broadcast by hand.
            func read(_ t: Tensor, _ full: [Int]) throws -> Float {
                let lead = full.count - t.rank
                return try t.value(at: t.shape.indices.map { t.shape[$0] == 1 ? 0 : full[lead + $0] })
            }
            var expected: [Float] = []
            var full = [Int](repeating: 0, count: shape.count)
            for _ in 0..<c.count {
                let av = try read(a, full), bv = try read(b, full)
                expected.append(av * bv - bv)
                var axis = shape.count - 1
                while axis >= 0 {
                    full[axis] += 1
                    if full[axis] < shape[axis] { break }
                    full[axis] = 0
                    axis -= 1
                }
            }
            assertClose(c.scalars, expected, atol: 1e-6, rtol: 1e-6, "\(ls) with \(rs)")
        }
    }

    func testNonContiguousOperands() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let t = try x.transposed(0, 1) // [3, 2]: 1 4 2 5 3 6
        let y = try Tensor(shape: [3, 2], scalars: [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(try (t + y).scalars, [2, 5, 3, 6, 4, 7])
        XCTAssertEqual(try (t * t.slice(axis: 1, range: 0..<1)).scalars, [1, 4, 4, 10, 9, 18])
    }

    func testScalarForms() throws {
        let x = try Tensor(shape: [3], scalars: [1, 2, 4])
        XCTAssertEqual((x * 2).scalars, [2, 4, 8])
        XCTAssertEqual((2 * x).scalars, [2, 4, 8])
        XCTAssertEqual((x + 1).scalars, [2, 3, 5])
        XCTAssertEqual((1 + x).scalars, [2, 3, 5])
        XCTAssertEqual((x - 1).scalars, [0, 1, 3])
        XCTAssertEqual((1 - x).scalars, [0, -1, -3])
        XCTAssertEqual((x / 2).scalars, [0.5, 1, 2])
        XCTAssertEqual((4 / x).scalars, [4, 2, 1])
        XCTAssertEqual((-x).scalars, [-1, -2, -4])
    }

    func testMultithreadedLoopsMatchSingleThreaded() throws {
        let a = parameter([300, 257], seed: 30).detached()
        let bias = parameter([257], seed: 31).detached()
        let single = try withThreads(1) { try (a * bias + a).exp().scalars }
        try withThreads(2) { XCTAssertEqual(try (a * bias + a).exp().scalars, single) }
    }

    // MARK: - Binary gradients

    func testAddAndSubtractGradientsBroadcastBothWays() throws {
        let x = parameter([2, 3], seed: 1), bias = parameter([3], seed: 2)
        try assertGradientsMatch([x, bias]) { try $0[0] + $0[1] }
        try assertGradientsMatch([x, bias]) { try $0[1] - $0[0] }
        let a = parameter([2, 1, 3], seed: 3), b = parameter([4, 1], seed: 4)
        try assertGradientsMatch([a, b]) { try $0[0] - $0[1] }
    }

    func testMultiplyGradientsBroadcastBothWays() throws {
        let x = parameter([2, 3, 4], seed: 5), scale = parameter([2, 3, 1], seed: 6)
        try assertGradientsMatch([x, scale]) { try $0[0] * $0[1] }
        try assertGradientsMatch([x, scale]) { try $0[1] * $0[0] }
        let row = parameter([1, 4], seed: 7), column = parameter([3, 1], seed: 8)
        try assertGradientsMatch([row, column]) { try $0[0] * $0[1] }
    }

    func testDivideGradients() throws {
        let x = parameter([2, 3], seed: 9)
        let d = try awayFromZero([3], seed: 10, low: 0.5)
        try assertGradientsMatch([x, d]) { try $0[0] / $0[1] }
        let e = try awayFromZero([2, 3], seed: 11, low: 0.5)
        let small = parameter([2, 1], seed: 12)
        try assertGradientsMatch([small, e]) { try $0[0] / $0[1] }
    }

    func testMaximumMinimumGradients() throws {
        let a = parameter([2, 3], seed: 13), b = parameter([3], seed: 14)
        try assertGradientsMatch([a, b]) { try Tensor.maximum($0[0], $0[1]) }
        try assertGradientsMatch([a, b]) { try Tensor.minimum($0[1], $0[0]) }
    }

    func testScalarFormGradients() throws {
        let x = parameter([2, 3], seed: 15)
        try assertGradientsMatch([x]) { $0[0] * 3 }
        try assertGradientsMatch([x]) { -2 * $0[0] }
        try assertGradientsMatch([x]) { $0[0] + 1 }
        try assertGradientsMatch([x]) { 1 - $0[0] }
        try assertGradientsMatch([x]) { $0[0] - 0.5 }
        try assertGradientsMatch([x]) { $0[0] / 4 }
        let y = try awayFromZero([2, 3], seed: 16, low: 0.5)
        try assertGradientsMatch([y]) { 2 / $0[0] }
    }

    // MARK: - Unary

    func testUnaryValues() throws {
        let values: [Float] = [-2, -0.5, 0, 0.5, 3]
        let x = try Tensor(shape: [5], scalars: values)
        func check(_ t: Tensor, _ f: (Float) -> Float, _ name: String) {
            assertClose(t.scalars, values.map(f), atol: 1e-6, rtol: 1e-5, name)
        }
        check(x.exp(), { Foundation.exp($0) }, "exp")
        check(x.square(), { $0 * $0 }, "square")
        check(x.abs(), { Swift.abs($0) }, "abs")
        check(x.relu(), { Swift.max($0, 0) }, "relu")
        check(x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, "sigmoid")
        check(x.silu(), { $0 / (1 + Foundation.exp(-$0)) }, "silu")
        check(x.tanh(), { Foundation.tanh($0) }, "tanh")
        check(x.clamped(min: -1, max: 1), { Swift.min(Swift.max($0, -1), 1) }, "clamped")
        check(x.negated(), { -$0 }, "negated")
        let p = try Tensor(shape: [3], scalars: [0.25, 1, 4])
        XCTAssertEqual(p.log().scalars, [Foundation.log(Float(0.25)), 0, Foundation.log(Float(4))])
        XCTAssertEqual(p.sqrt().scalars, [0.5, 1, 2])
        XCTAssertEqual(p.rsqrt().scalars, [2, 1, 0.5])
        XCTAssertEqual(p.pow(3).scalars, [0.015625, 1, 64])
        XCTAssertEqual(p.pow(-0.5).scalars, [2, 1, 0.5])
    }

    func testExpIsAccurateAcrossTheFloatRange() throws {
        var inputs: [Float] = stride(from: -87, through: 88.7, by: 0.0137).map { Float($0) }
        inputs += [0, -1e-6, 1e-6, 88.72, -87.3]
        let got = try Tensor(shape: [inputs.count], scalars: inputs).exp().scalars
        for (x, y) in zip(inputs, got) {
            let reference = Foundation.exp(Double(x))
            XCTAssertLessThanOrEqual(Swift.abs(Double(y) - reference) / reference, 3e-7, "exp(\(x)) = \(y)")
        }
        let edges = try Tensor(shape: [4], scalars: [-120, 100, .infinity, -.infinity]).exp().scalars
        XCTAssertEqual(edges, [0, .infinity, .infinity, 0])
        XCTAssertTrue(try Tensor(shape: [1], scalars: [.nan]).exp().scalars[0].isNaN)
    }

    func testSigmoidIsFiniteAtExtremes() throws {
        let x = try Tensor(shape: [2], scalars: [-200, 200])
        XCTAssertEqual(x.sigmoid().scalars, [0, 1])
        XCTAssertEqual(x.silu().scalars, [-0, 200])
    }

    func testUnaryGradients() throws {
        let x = try awayFromZero([3, 4], seed: 20)
        try assertGradientsMatch([x]) { $0[0].negated() }
        try assertGradientsMatch([x]) { -$0[0] }
        try assertGradientsMatch([x]) { $0[0].exp() }
        try assertGradientsMatch([x]) { $0[0].square() }
        try assertGradientsMatch([x]) { $0[0].abs() }
        try assertGradientsMatch([x]) { $0[0].relu() }
        try assertGradientsMatch([x]) { $0[0].sigmoid() }
        try assertGradientsMatch([x]) { $0[0].silu() }
        try assertGradientsMatch([x]) { $0[0].tanh() }
        try assertGradientsMatch([x]) { $0[0].pow(3) }
        try assertGradientsMatch([x]) { $0[0].clamped(min: -0.7, max: 0.9) }
    }

    func testUnaryGradientsOnPositiveDomains() throws {
        let p = try awayFromZero([3, 4], seed: 21, low: 0.5, positive: true)
        try assertGradientsMatch([p]) { $0[0].log() }
        try assertGradientsMatch([p]) { $0[0].sqrt() }
        try assertGradientsMatch([p]) { $0[0].rsqrt() }
        try assertGradientsMatch([p]) { $0[0].pow(1.5) }
        try assertGradientsMatch([p]) { $0[0].pow(-2) }
    }

    func testUnaryOnANonContiguousView() throws {
        let x = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        XCTAssertEqual(try x.transposed(0, 1).square().scalars, [1, 9, 4, 16])
        let p = parameter([3, 4], seed: 22)
        try assertGradientsMatch([p]) { try $0[0].transposed(0, 1).tanh() }
    }

    // MARK: - Errors

    func testIncompatibleShapesNameBothShapes() throws {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4])
        for op in [{ try a + b }, { try a - b }, { try a * b }, { try a / b },
                   { try Tensor.maximum(a, b) }, { try Tensor.minimum(a, b) }] {
            XCTAssertThrowsError(try op()) { error in
                XCTAssertTrue("\(error)".contains("[2, 3]") && "\(error)".contains("[4]"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Tensor.zeros([2, 3, 4]) + Tensor.zeros([3, 1, 5])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3, 4]") && "\(error)".contains("[3, 1, 5]"), "\(error)")
        }
    }
}
