import Compute
import Foundation
import XCTest

/// AdamW against the published update rule (Loshchilov & Hutter; PyTorch `torch.optim.AdamW`).
final class AdamWTests: XCTestCase {
    /// The update rule, computed independently in Double for one parameter vector.
    private struct ReferenceAdamW {
        var theta: [Double]
        var m: [Double]
        var v: [Double]
        var t = 0
        let lr, beta1, beta2, epsilon, weightDecay: Double

        init(theta: [Float], lr: Double, beta1: Double = 0.9, beta2: Double = 0.999,
             epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
            self.theta = theta.map(Double.init)
            m = Array(repeating: 0, count: theta.count)
            v = Array(repeating: 0, count: theta.count)
            self.lr = lr
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }

        mutating func step(_ g: [Float]) {
            t += 1
            for i in theta.indices {
                let gi = Double(g[i])
                theta[i] -= lr * weightDecay * theta[i]
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                let mHat = m[i] / (1 - pow(beta1, Double(t)))
                let vHat = v[i] / (1 - pow(beta2, Double(t)))
                theta[i] -= lr * mHat / (vHat.squareRoot() + epsilon)
            }
        }
    }

    private func setGrad(_ tensor: Tensor, _ values: [Float]) throws {
        tensor.grad = try Tensor(shape: tensor.shape, scalars: values)
    }

    func testThreeStepsFollowThePublishedRule() throws {
        let theta = try Tensor(shape: [3], scalars: [1.0, -2.0, 0.5], requiresGrad: true)
        let optimizer = try AdamW(parameters: [theta], learningRate: 0.1, weightDecay: 0.01)
        var reference = ReferenceAdamW(theta: [1.0, -2.0, 0.5], lr: 0.1, weightDecay: 0.01)
        let gradients: [[Float]] = [[0.5, -1.0, 2.0], [0.1, 0.2, -0.3], [-0.4, 0.0, 1.5]]

        for (index, g) in gradients.enumerated() {
            try setGrad(theta, g)
            try optimizer.step()
            reference.step(g)
            assertClose(theta.scalars, reference.theta.map { Float($0) }, atol: 2e-6, rtol: 2e-6, "after step \(index + 1)")

            if index == 0 {
                // Step 1 by hand (lr 0.1, λ 0.01, β₁ 0.9, β₂ 0.999, ε 1e-8, g = [0.5, −1, 2]):
                //   decay:  θ·(1 − 0.1·0.01) = [1, −2, 0.5]·0.999 = [0.999, −1.998, 0.4995]
                //   m = 0.1·g = [0.05, −0.1, 0.2],  m̂ = m / (1 − 0.9) = g
                //   v = 0.001·g² = [0.00025, 0.001, 0.004],  v̂ = v / (1 − 0.999) = g²
                //   m̂ / (√v̂ + ε) = g / (|g| + 1e-8) = [1, −1, 1] (to within 2e-8)
                //   θ₁ = [0.999 − 0.1, −1.998 + 0.1, 0.4995 − 0.1] = [0.899, −1.898, 0.3995]
                assertClose(theta.scalars, [0.899, -1.898, 0.3995], atol: 1e-6, rtol: 0)
            }
        }
        XCTAssertEqual(optimizer.stepCount, 3)
    }

    func testLargerEpsilonAndBetasFollowTheRule() throws {
        let start: [Float] = [0.3, -0.7]
        let theta = try Tensor(shape: [2], scalars: start, requiresGrad: true)
        let optimizer = try AdamW(parameters: [theta], learningRate: 0.05, beta1: 0.5, beta2: 0.9,
                                  epsilon: 0.1, weightDecay: 0.2)
        var reference = ReferenceAdamW(theta: start, lr: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 0.1, weightDecay: 0.2)
        for g: [Float] in [[1.0, -0.2], [0.3, 0.4], [-2.0, 0.1]] {
            try setGrad(theta, g)
            try optimizer.step()
            reference.step(g)
        }
        assertClose(theta.scalars, reference.theta.map { Float($0) }, atol: 2e-6, rtol: 2e-6)
    }

    func testZeroGradientStillDecaysByLearningRateTimesLambda() throws {
        let theta = try Tensor(shape: [3], scalars: [2.0, -4.0, 0.0], requiresGrad: true)
        let optimizer = try AdamW(parameters: [theta], learningRate: 0.5, weightDecay: 0.1)
        try setGrad(theta, [0, 0, 0])
        try optimizer.step()
        // θ − lr·λ·θ = θ·(1 − 0.05); the Adam term is 0/(0 + ε) = 0.
        assertClose(theta.scalars, [1.9, -3.8, 0.0], atol: 1e-7, rtol: 0)
    }

    func testParameterWithoutGradientIsSkippedAndLaterBiasCorrectedFromItsFirstStep() throws {
        let a = try Tensor(shape: [2], scalars: [1, 1], requiresGrad: true)
        let b = try Tensor(shape: [2], scalars: [5, -5], requiresGrad: true)
        let optimizer = try AdamW(parameters: [a, b], learningRate: 0.1, weightDecay: 0.5)
        try setGrad(a, [1, 1])
        try optimizer.step()
        XCTAssertEqual(b.scalars, [5, -5], "a parameter without a gradient must not change, decay included")

        try setGrad(b, [3, -3])
        try optimizer.step()
        // b's first update: m̂ = g, v̂ = g², so θ·(1 − 0.05) − 0.1·sign(g).
        assertClose(b.scalars, [5 * 0.95 - 0.1, -5 * 0.95 + 0.1], atol: 1e-6, rtol: 0)
    }

    func testStateRoundTripContinuesExactlyLikeAnUninterruptedRun() throws {
        func makeParameters() throws -> [Tensor] {
            let prompt = try Tensor(shape: [2, 2], scalars: [0.1, -0.2, 0.3, -0.4], requiresGrad: true)
            prompt.name = "prompt.embedding"
            let bias = try Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
            return [prompt, bias]
        }
        func setGradients(_ parameters: [Tensor], step: Int) throws {
            try setGrad(parameters[0], (0..<4).map { Float($0 + 1) * Float(step + 1) * 0.1 - 0.3 })
            // The unnamed tensor has no gradient on step 1, so its own count lags.
            parameters[1].grad = step == 1 ? nil : try Tensor(shape: [3], scalars: [Float(step), -1, 0.5])
        }

        let straight = try makeParameters()
        let uninterrupted = try AdamW(parameters: straight, learningRate: 0.01)
        for step in 0..<6 {
            try setGradients(straight, step: step)
            try uninterrupted.step()
        }

        let first = try makeParameters()
        let before = try AdamW(parameters: first, learningRate: 0.01)
        for step in 0..<3 {
            try setGradients(first, step: step)
            try before.step()
        }
        let saved = before.stateTensors()
        XCTAssertEqual(Set(saved.keys), [
            "optimizer.step",
            "prompt.embedding.adam_m", "prompt.embedding.adam_v", "prompt.embedding.adam_step",
            "parameters.1.adam_m", "parameters.1.adam_v", "parameters.1.adam_step",
        ])
        XCTAssertEqual(try saved["optimizer.step"]?.item(), 3)
        XCTAssertEqual(try saved["parameters.1.adam_step"]?.item(), 2)
        XCTAssertEqual(saved["prompt.embedding.adam_m"]?.shape, [2, 2])

        // Resume in a fresh optimiser over restored copies of the parameters.
        let resumed = first.map { original -> Tensor in
            let copy = original.copy()
            copy.requiresGrad = true
            return copy
        }
        let after = try AdamW(parameters: resumed, learningRate: 0.01)
        try after.loadState(saved)
        XCTAssertEqual(after.stepCount, 3)
        for step in 3..<6 {
            try setGradients(resumed, step: step)
            try after.step()
        }
        for (x, y) in zip(straight, resumed) {
            XCTAssertEqual(x.scalars, y.scalars, "resumed run must match bit for bit")
        }
        XCTAssertEqual(after.stepCount, 6)
    }

    func testStateSnapshotDoesNotChangeWithLaterSteps() throws {
        let theta = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let optimizer = try AdamW(parameters: [theta], learningRate: 0.1)
        try setGrad(theta, [1, 1])
        try optimizer.step()
        let saved = optimizer.stateTensors()
        let m = saved["parameters.0.adam_m"]!.scalars
        try optimizer.step()
        XCTAssertEqual(saved["parameters.0.adam_m"]!.scalars, m)
    }

    func testLoadStateRejectsMissingKeysAndWrongShapesAndChangesNothing() throws {
        let theta = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        theta.name = "lora.a"
        let optimizer = try AdamW(parameters: [theta], learningRate: 0.1)
        var state = optimizer.stateTensors()
        state["lora.a.adam_m"] = Tensor.full([2], value: 7)
        state["lora.a.adam_v"] = Tensor(zeros: [3])
        state["optimizer.step"] = Tensor(scalar: 9)
        XCTAssertThrowsError(try optimizer.loadState(state)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("lora.a.adam_v") && text.contains("[2]") && text.contains("[3]"), text)
        }
        XCTAssertEqual(optimizer.stepCount, 0, "a failed load must change nothing")
        XCTAssertEqual(optimizer.stateTensors()["lora.a.adam_m"]?.scalars, [0, 0])

        state.removeValue(forKey: "lora.a.adam_v")
        XCTAssertThrowsError(try optimizer.loadState(state)) { error in
            XCTAssertTrue(String(describing: error).contains("\"lora.a.adam_v\""), "\(error)")
        }
        state["lora.a.adam_v"] = Tensor(zeros: [2])
        state["optimizer.step"] = Tensor(scalar: 2.5)
        XCTAssertThrowsError(try optimizer.loadState(state)) { error in
            XCTAssertTrue(String(describing: error).contains("whole number"), "\(error)")
        }
    }

    func testParallelUpdateMatchesSingleThreaded() throws {
        let count = 200_003
        var generator = SeededGenerator(seed: 11)
        let start = Tensor.randn([count], generator: &generator)
        let gradient = Tensor.randn([count], generator: &generator)
        let previousThreads = Threads.count
        defer { try? Threads.set(previousThreads) }

        var results: [[Float]] = []
        for threads in [1, 4] {
            try Threads.set(threads)
            let theta = start.copy()
            theta.requiresGrad = true
            let optimizer = try AdamW(parameters: [theta], learningRate: 1e-3)
            for _ in 0..<2 {
                theta.grad = gradient.copy()
                try optimizer.step()
            }
            results.append(theta.scalars)
        }
        XCTAssertEqual(results[0], results[1])
        var reference = ReferenceAdamW(theta: Array(start.scalars[0..<5]), lr: 1e-3)
        for _ in 0..<2 { reference.step(Array(gradient.scalars[0..<5])) }
        assertClose(Array(results[0][0..<5]), reference.theta.map { Float($0) }, atol: 1e-6, rtol: 1e-5)
    }

    func testInvalidConstructionIsRefusedWithReasons() throws {
        let theta = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return String(describing: error) }
            return "no error"
        }
        XCTAssertTrue(message { _ = try AdamW(parameters: [theta], learningRate: -1) }.contains("learningRate"))
        XCTAssertTrue(message { _ = try AdamW(parameters: [theta], learningRate: 0.1, beta1: 1) }.contains("beta1 is 1.0; it must be in [0, 1)"))
        XCTAssertTrue(message { _ = try AdamW(parameters: [theta], learningRate: 0.1, beta2: -0.5) }.contains("beta2"))
        XCTAssertTrue(message { _ = try AdamW(parameters: [theta], learningRate: 0.1, weightDecay: .nan) }.contains("weightDecay"))
        XCTAssertTrue(message { _ = try AdamW(parameters: [], learningRate: 0.1) }.contains("empty"))
        XCTAssertTrue(message { _ = try AdamW(parameters: [theta, theta], learningRate: 0.1) }.contains("listed twice"))

        let a = Tensor.zeros([1], requiresGrad: true), b = Tensor.zeros([1], requiresGrad: true)
        a.name = "dham.prompt"
        b.name = "dham.prompt"
        XCTAssertTrue(message { _ = try AdamW(parameters: [a, b], learningRate: 0.1) }.contains("distinct names"))

        // A transposed view of a [2, 3] tensor.
        let owner = Tensor.zeros([2, 3], requiresGrad: true)
        let view = Tensor(shape: [3, 2], strides: [1, 3], offset: 0, storage: owner.storage)
        view.name = "lora.b"
        let text = message { _ = try AdamW(parameters: [view], learningRate: 0.1) }
        XCTAssertTrue(text.contains("lora.b") && text.contains("non-contiguous"), text)
    }

    func testBadGradientOrLearningRateThrowsWithoutChangingAnything() throws {
        let a = try Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let b = try Tensor(shape: [2], scalars: [3, 4], requiresGrad: true)
        b.name = "prefix.keys"
        let optimizer = try AdamW(parameters: [a, b], learningRate: 0.1)
        try setGrad(a, [1, 1])
        b.grad = Tensor.ones([3])
        XCTAssertThrowsError(try optimizer.step()) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("prefix.keys") && text.contains("[2]") && text.contains("[3]"), text)
        }
        XCTAssertEqual(a.scalars, [1, 2])
        XCTAssertEqual(optimizer.stepCount, 0)

        b.grad = Tensor.ones([2])
        optimizer.learningRate = .infinity
        XCTAssertThrowsError(try optimizer.step())
        optimizer.zeroGrad()
        XCTAssertNil(a.grad)
        XCTAssertNil(b.grad)
    }
}
