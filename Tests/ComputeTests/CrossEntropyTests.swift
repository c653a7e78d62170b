import Compute
import Foundation
import XCTest

final class CrossEntropyTests: XCTestCase {
    /// −log softmax(row)[target] by hand: log Σ exp − logit.
    private func handLoss(_ row: [Float], _ target: Int) -> Double {
        let peak = Double(row.max()!)
        let lse = peak + log(row.map { exp(Double($0) - peak) }.reduce(0, +))
        return lse - Double(row[target])
    }

    func testMeanOverCountedPositions() throws {
        let logits = constant([2, 3, 4], seed: 1)
        let targets = [3, -100, 0, 1, 2, -100]
        let loss = try crossEntropy(logits: logits, targets: targets)
        XCTAssertEqual(loss.shape, [])
        let values = logits.scalars
        var total = 0.0
        for (row, target) in targets.enumerated() where target != -100 {
            total += handLoss(Array(values[(row * 4)..<(row * 4 + 4)]), target)
        }
        XCTAssertEqual(Double(try loss.item()), total / 4, accuracy: 1e-5)
    }

    func testGradients() throws {
        let logits = parameter([5, 4], seed: 2)
        try assertGradientsMatch([logits]) { xs in try crossEntropy(logits: xs[0], targets: [1, 0, 7, 3, 2], ignoreIndex: 7) }
        let batched = parameter([2, 2, 3], seed: 3)
        try assertGradientsMatch([batched]) { xs in try crossEntropy(logits: xs[0], targets: [2, 0, -100, 1]) }
    }

    func testAllIgnoredGivesZeroLossAndZeroGradient() throws {
        let logits = parameter([2, 3], seed: 4)
        let loss = try crossEntropy(logits: logits, targets: [-100, -100])
        XCTAssertEqual(try loss.item(), 0)
        try loss.backward()
        XCTAssertEqual(try XCTUnwrap(logits.grad).scalars, [Float](repeating: 0, count: 6))
    }

    func testErrors() {
        assertKernelError(try crossEntropy(logits: Tensor(zeros: [2, 3]), targets: [0, 3]), mentions: ["target 3", "size 3"])
        assertKernelError(try crossEntropy(logits: Tensor(zeros: [2, 3]), targets: [0]),
                          mentions: ["crossEntropy", "[2, 3]", "[1]"])
    }
}
