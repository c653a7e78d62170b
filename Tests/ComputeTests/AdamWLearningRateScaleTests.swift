import Compute
import XCTest

/// AdamW's per-parameter learning-rate scales (a method's `learningRateScale` in `train`).
final class AdamWLearningRateScaleTests: XCTestCase {
    private func leaf(_ values: [Float], _ name: String) throws -> Tensor {
        let t = try Tensor(shape: [values.count], scalars: values, requiresGrad: true)
        t.name = name
        return t
    }

    func testEachParameterStepsAsIfAloneAtItsScaledRate() throws {
        let a = try leaf([1, -2, 0.5], "a.w"), b = try leaf([0.3, 0.7], "b.w")
        let scaled = try AdamW(parameters: [a, b], learningRate: 0.1, weightDecay: 0.01, learningRateScales: [1, 0.25])
        let a1 = try leaf([1, -2, 0.5], "a.w"), b1 = try leaf([0.3, 0.7], "b.w")
        let alone = try AdamW(parameters: [a1], learningRate: 0.1, weightDecay: 0.01)
        let aloneSlow = try AdamW(parameters: [b1], learningRate: 0.025, weightDecay: 0.01)
        let gradients: [([Float], [Float])] = [([0.5, -1, 2], [0.2, -0.1]), ([0.1, 0.2, -0.3], [-0.4, 0.3])]
        for (ga, gb) in gradients {
            a.grad = try Tensor(shape: [3], scalars: ga); a1.grad = try Tensor(shape: [3], scalars: ga)
            b.grad = try Tensor(shape: [2], scalars: gb); b1.grad = try Tensor(shape: [2], scalars: gb)
            try scaled.step(); try alone.step(); try aloneSlow.step()
        }
        XCTAssertEqual(a.scalars, a1.scalars)
        XCTAssertEqual(b.scalars, b1.scalars)
        // First step moves by ≈ lr·scale per element (m̂/√v̂ = ±1): b by 0.025, not 0.1.
        XCTAssertLessThan(abs(b.scalars[0] - 0.3), 0.06)
        XCTAssertGreaterThan(abs(a.scalars[0] - 1), 0.15)
    }

    func testScalesMustMatchTheParametersAndBeNonNegative() throws {
        let a = try leaf([1], "a.w")
        XCTAssertThrowsError(try AdamW(parameters: [a], learningRate: 0.1, learningRateScales: [1, 2])) {
            XCTAssertTrue("\($0)".contains("2 learning-rate scales for 1 parameters"), "\($0)")
        }
        XCTAssertThrowsError(try AdamW(parameters: [a], learningRate: 0.1, learningRateScales: [-1])) {
            XCTAssertTrue("\($0)".contains("learning-rate scale"), "\($0)")
        }
    }
}
