import Compute
import XCTest

/// SGD against PyTorch's `torch.optim.SGD` rule, worked by hand.
final class SGDTests: XCTestCase {
    private func setGrad(_ tensor: Tensor, _ values: [Float]) throws {
        tensor.grad = try Tensor(shape: tensor.shape, scalars: values)
    }

    func testPlainStepIsThetaMinusLearningRateTimesGradient() throws {
        let theta = try Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
        let optimizer = try SGD(parameters: [theta], learningRate: 0.5)
        try setGrad(theta, [2, -2, 0.5])
        try optimizer.step()
        XCTAssertEqual(theta.scalars, [0, 3, 2.75])
        XCTAssertEqual(Set(optimizer.stateTensors().keys), ["optimizer.step"], "no momentum, no buffers")
    }

    func testMomentumWithWeightDecayMatchesPyTorchByHand() throws {
        // lr 0.1, μ 0.9, λ 0.1, θ₀ = [1, −2], g = [0.5, 1] every step.
        //   step 1: d = g + λθ = [0.6, 0.8];  b = d (first step);  θ = θ − 0.1·b = [0.94, −2.08]
        //   step 2: d = [0.594, 0.792];  b = 0.9·[0.6, 0.8] + d = [1.134, 1.512];  θ = [0.8266, −2.2312]
        //   step 3: d = [0.58266, 0.77688];  b = [1.60326, 2.13768];  θ = [0.666274, −2.444968]
        let theta = try Tensor(shape: [2], scalars: [1, -2], requiresGrad: true)
        let optimizer = try SGD(parameters: [theta], learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
        let expected: [[Float]] = [[0.94, -2.08], [0.8266, -2.2312], [0.666274, -2.444968]]
        for (step, values) in expected.enumerated() {
            try setGrad(theta, [0.5, 1])
            try optimizer.step()
            assertClose(theta.scalars, values, atol: 1e-6, rtol: 0, "after step \(step + 1)")
        }
        assertClose(optimizer.stateTensors()["parameters.0.momentum_buffer"]!.scalars, [1.60326, 2.13768], atol: 1e-6, rtol: 0)
    }

    func testNesterovMatchesPyTorchByHand() throws {
        // Same setup with nesterov: the step uses d + μ·b.
        //   step 1: d = [0.6, 0.8], b = d, step = d + 0.9·b = [1.14, 1.52], θ = [0.886, −2.152]
        //   step 2: d = [0.5886, 0.7848], b = [1.1286, 1.5048], step = [1.60434, 2.13912],
        //           θ = [0.725566, −2.365912]
        let theta = try Tensor(shape: [2], scalars: [1, -2], requiresGrad: true)
        let optimizer = try SGD(parameters: [theta], learningRate: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true)
        let expected: [[Float]] = [[0.886, -2.152], [0.725566, -2.365912]]
        for (step, values) in expected.enumerated() {
            try setGrad(theta, [0.5, 1])
            try optimizer.step()
            assertClose(theta.scalars, values, atol: 1e-6, rtol: 0, "after step \(step + 1)")
        }
    }

    func testDampeningSparesTheFirstStepLikePyTorch() throws {
        // The buffer starts at the first gradient undamped: b₁ = 1, θ₁ = −0.1;
        // then b₂ = 0.9·1 + 0.5·1 = 1.4, θ₂ = −0.1 − 0.14 = −0.24.
        let theta = try Tensor(shape: [1], scalars: [0], requiresGrad: true)
        let optimizer = try SGD(parameters: [theta], learningRate: 0.1, momentum: 0.9, dampening: 0.5)
        try setGrad(theta, [1])
        try optimizer.step()
        assertClose(theta.scalars, [-0.1], atol: 1e-7, rtol: 0)
        try setGrad(theta, [1])
        try optimizer.step()
        assertClose(theta.scalars, [-0.24], atol: 1e-7, rtol: 0)
    }

    func testParameterWithoutGradientIsSkipped() throws {
        let a = try Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let b = try Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let optimizer = try SGD(parameters: [a, b], learningRate: 0.1, momentum: 0.9, weightDecay: 1)
        try setGrad(a, [1])
        try optimizer.step()
        XCTAssertEqual(b.scalars, [1])
        assertClose(a.scalars, [0.8], atol: 1e-7, rtol: 0)
    }

    func testStateRoundTripContinuesExactlyLikeAnUninterruptedRun() throws {
        func makeParameters() throws -> [Tensor] {
            let w = try Tensor(shape: [2, 2], scalars: [0.5, -0.5, 1, -1], requiresGrad: true)
            w.name = "lora.blocks.0.a"
            return [w]
        }
        func setGradients(_ parameters: [Tensor], step: Int) throws {
            try setGrad(parameters[0], [Float(step), 1, -0.5, Float(step) * 0.1])
        }
        func makeOptimizer(_ parameters: [Tensor]) throws -> SGD {
            try SGD(parameters: parameters, learningRate: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01)
        }

        let straight = try makeParameters()
        let uninterrupted = try makeOptimizer(straight)
        for step in 0..<5 {
            try setGradients(straight, step: step)
            try uninterrupted.step()
        }

        let first = try makeParameters()
        let before = try makeOptimizer(first)
        for step in 0..<2 {
            try setGradients(first, step: step)
            try before.step()
        }
        let saved = before.stateTensors()
        XCTAssertEqual(Set(saved.keys), ["optimizer.step", "lora.blocks.0.a.momentum_buffer", "lora.blocks.0.a.sgd_step"])

        let resumed = first.map { original -> Tensor in
            let copy = original.copy()
            copy.requiresGrad = true
            return copy
        }
        let after = try makeOptimizer(resumed)
        try after.loadState(saved)
        for step in 2..<5 {
            try setGradients(resumed, step: step)
            try after.step()
        }
        XCTAssertEqual(straight[0].scalars, resumed[0].scalars)
        XCTAssertEqual(after.stepCount, 5)
    }

    func testInvalidConstructionIsRefusedWithReasons() throws {
        let theta = Tensor.zeros([2], requiresGrad: true)
        XCTAssertThrowsError(try SGD(parameters: [theta], learningRate: 0.1, nesterov: true)) { error in
            XCTAssertTrue(String(describing: error).contains("nesterov needs momentum > 0"), "\(error)")
        }
        XCTAssertThrowsError(try SGD(parameters: [theta], learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true))
        XCTAssertThrowsError(try SGD(parameters: [theta], learningRate: 0.1, momentum: -0.1)) { error in
            XCTAssertTrue(String(describing: error).contains("momentum is -0.1; it must be in [0, 1]"), "\(error)")
        }
        XCTAssertThrowsError(try SGD(parameters: [theta], learningRate: -0.1)) { error in
            XCTAssertTrue(String(describing: error).contains("learningRate"), "\(error)")
        }
        XCTAssertThrowsError(try SGD(parameters: [theta], learningRate: 0.1, weightDecay: -1)) { error in
            XCTAssertTrue(String(describing: error).contains("weightDecay"), "\(error)")
        }
    }
}
