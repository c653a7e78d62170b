import Compute
import XCTest

/// The tape itself: recording, accumulation, scopes and detachment, using `contiguous()` and
/// a hand-recorded op so that these tests depend on no kernel.
final class AutogradTests: XCTestCase {
    /// y = 3·x recorded by hand.
    private func triple(_ x: Tensor) -> Tensor {
        let out = Tensor(zeros: x.shape)
        for i in 0..<x.count { out.data[i] = 3 * x.data[i] }
        return out.recorded(op: "triple", inputs: [x]) { g in
            let gx = Tensor(zeros: g.shape)
            for i in 0..<g.count { gx.data[i] = 3 * g.data[i] }
            return [gx]
        }
    }

    func testBackwardAccumulatesAcrossCallsUntilZeroed() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let seed = try Tensor(shape: [2], scalars: [1, 10])
        try triple(x).backward(seed: seed)
        XCTAssertEqual(x.grad?.scalars, [3, 30])
        try triple(x).backward(seed: seed)
        XCTAssertEqual(x.grad?.scalars, [6, 60])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testSharedInputSumsBothPaths() throws {
        let x = try Tensor(shape: [1], scalars: [2], requiresGrad: true)
        let a = triple(x)
        let b = triple(a) // 9x
        // Hand-recorded sum of a and b.
        let sum = Tensor(zeros: [1])
        sum.data[0] = a.data[0] + b.data[0]
        sum.recorded(op: "add", inputs: [a, b]) { g in [g, g] }
        try sum.backward()
        XCTAssertEqual(x.grad?.scalars, [12])
    }

    func testNoGradScopeRecordsNothing() throws {
        let x = try Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let y = Autograd.noGrad { triple(x) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward())
    }

    func testDetachedStopsGradient() throws {
        let x = try Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let y = triple(x).detached()
        XCTAssertFalse(y.requiresGrad)
        XCTAssertEqual(y.scalars, [3])
    }

    func testRetainGradKeepsIntermediateGradient() throws {
        let x = try Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let a = triple(x)
        a.retainGrad()
        try triple(a).backward()
        XCTAssertEqual(a.grad?.scalars, [3])
        XCTAssertEqual(x.grad?.scalars, [9])
    }

    func testBackwardWithoutSeedNeedsScalar() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        XCTAssertThrowsError(try triple(x).backward()) { error in
            XCTAssertTrue("\(error)".contains("[2]"), "\(error)")
        }
    }

    func testSeedShapeMismatchNamesBothShapes() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        XCTAssertThrowsError(try triple(x).backward(seed: Tensor(zeros: [3]))) { error in
            XCTAssertTrue("\(error)".contains("[2]") && "\(error)".contains("[3]"), "\(error)")
        }
    }

    func testScalarCountMismatchIsAThrownError() {
        XCTAssertThrowsError(try Tensor(shape: [2, 2], scalars: [1, 2, 3]))
    }
}
