import Compute
import Foundation
import XCTest

/// Warm-up and decay values at the points that define the curve.
final class LearningRateScheduleTests: XCTestCase {
    /// Peak 1, floor 0.1, 10 warm-up steps, 110 in all: decay runs over steps 10…110.
    private func schedule(_ decay: LearningRateSchedule.Decay, startFactor: Float = 0) throws -> LearningRateSchedule {
        try LearningRateSchedule(peakLearningRate: 1, totalSteps: 110, warmupSteps: 10,
                                 warmupStartFactor: startFactor, decay: decay, minimumLearningRate: 0.1)
    }

    func testCosineAtStartWarmupMidpointAndEnd() throws {
        let s = try schedule(.cosine)
        XCTAssertEqual(s.learningRate(at: 0), 0, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 5), 0.5, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 10), 1, accuracy: 1e-7)
        // Quarter of the decay: 0.1 + 0.9·½(1 + cos(π/4)) = 0.868198.
        XCTAssertEqual(s.learningRate(at: 35), 0.868198, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 60), 0.55, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 110), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 500), 0.1, accuracy: 1e-7, "held at the floor after the end")
        XCTAssertEqual(s.learningRate(at: -3), 0, accuracy: 1e-7)
    }

    func testLinearAtStartWarmupMidpointAndEnd() throws {
        let s = try schedule(.linear)
        XCTAssertEqual(s.learningRate(at: 0), 0, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 10), 1, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 35), 0.775, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 60), 0.55, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 110), 0.1, accuracy: 1e-7)
    }

    func testConstantHoldsPeakAfterWarmup() throws {
        let s = try schedule(.constant)
        XCTAssertEqual(s.learningRate(at: 2), 0.2, accuracy: 1e-7)
        for step in [10, 60, 110, 1000] { XCTAssertEqual(s.learningRate(at: step), 1) }
    }

    func testWarmupFromAStartFactor() throws {
        let s = try schedule(.cosine, startFactor: 0.1)
        XCTAssertEqual(s.learningRate(at: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 5), 0.55, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 10), 1, accuracy: 1e-7)
    }

    func testWithoutWarmupStartsAtPeakAndMatchesTransformersCosine() throws {
        let s = try LearningRateSchedule(peakLearningRate: 2e-3, totalSteps: 200)
        XCTAssertEqual(s.learningRate(at: 0), 2e-3)
        for step in [0, 37, 100, 163, 200] {
            let expected = 2e-3 * 0.5 * (1 + cos(Double.pi * Double(step) / 200))
            XCTAssertEqual(Double(s.learningRate(at: step)), expected, accuracy: 1e-9)
        }
    }

    func testApplySetsTheRateForTheOptimizersNextStep() throws {
        let theta = Tensor.zeros([1], requiresGrad: true)
        let optimizer = try SGD(parameters: [theta], learningRate: 123)
        let s = try LearningRateSchedule(peakLearningRate: 1, totalSteps: 4, warmupSteps: 2, decay: .linear)
        var used: [Float] = []
        for _ in 0..<5 {
            s.apply(to: optimizer)
            used.append(optimizer.learningRate)
            theta.grad = Tensor.ones([1])
            try optimizer.step()
        }
        XCTAssertEqual(used, [0, 0.5, 1, 0.5, 0])
    }

    func testInvalidParametersAreNamedWithTheirRange() {
        func message(_ body: () throws -> LearningRateSchedule) -> String {
            do { _ = try body() } catch { return String(describing: error) }
            return "no error"
        }
        let warmup = message { try LearningRateSchedule(peakLearningRate: 1, totalSteps: 10, warmupSteps: 20) }
        XCTAssertTrue(warmup.contains("warmupSteps is 20") && warmup.contains("[0, 10]"), warmup)
        let negativeWarmup = message { try LearningRateSchedule(peakLearningRate: 1, totalSteps: 10, warmupSteps: -1) }
        XCTAssertTrue(negativeWarmup.contains("warmupSteps is -1"), negativeWarmup)
        let peak = message { try LearningRateSchedule(peakLearningRate: -1e-3, totalSteps: 10) }
        XCTAssertTrue(peak.contains("peakLearningRate") && peak.contains("> 0"), peak)
        let total = message { try LearningRateSchedule(peakLearningRate: 1, totalSteps: 0) }
        XCTAssertTrue(total.contains("totalSteps is 0") && total.contains("≥ 1"), total)
        let factor = message { try LearningRateSchedule(peakLearningRate: 1, totalSteps: 10, warmupStartFactor: 1.5) }
        XCTAssertTrue(factor.contains("warmupStartFactor") && factor.contains("[0, 1]"), factor)
        let floor = message { try LearningRateSchedule(peakLearningRate: 1, totalSteps: 10, minimumLearningRate: 2) }
        XCTAssertTrue(floor.contains("minimumLearningRate") && floor.contains("[0, peakLearningRate]"), floor)
        let negativeFloor = message { try LearningRateSchedule(peakLearningRate: 1, totalSteps: 10, minimumLearningRate: -0.1) }
        XCTAssertTrue(negativeFloor.contains("minimumLearningRate"), negativeFloor)
    }
}
