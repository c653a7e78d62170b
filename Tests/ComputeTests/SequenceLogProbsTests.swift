import Compute
import Foundation
import XCTest

final class SequenceLogProbsTests: XCTestCase {
    func testSumsCountedLogProbabilities() throws {
        let logits = constant([2, 3, 4], seed: 1)
        let targets = [[1, 2, 3], [0, 0, 2]]
        let mask = [[false, true, true], [true, true, false]]
        let result = try sequenceLogProbs(logits: logits, targets: targets, mask: mask)
        XCTAssertEqual(result.shape, [2])
        let values = logits.scalars
        for b in 0..<2 {
            var expected = 0.0
            for t in 0..<3 where mask[b][t] {
                let row = Array(values[((b * 3 + t) * 4)..<((b * 3 + t) * 4 + 4)]).map(Double.init)
                let lse = log(row.map(exp).reduce(0, +))
                expected += row[targets[b][t]] - lse
            }
            XCTAssertEqual(Double(result.scalars[b]), expected, accuracy: 1e-5)
        }
        let viaIgnore = try sequenceLogProbs(logits: logits, targets: [[-100, 2, 3], [0, 0, -100]])
        assertClose(viaIgnore.scalars, result.scalars, atol: 1e-6)
    }

    func testGradients() throws {
        let logits = parameter([2, 3, 4], seed: 2)
        try assertGradientsMatch([logits]) { xs in
            try sequenceLogProbs(logits: xs[0], targets: [[1, 2, 3], [0, 0, 9]], mask: [[false, true, true], [true, true, false]])
        }
    }

    func testErrors() {
        assertKernelError(try sequenceLogProbs(logits: Tensor(zeros: [2, 3, 4]), targets: [[0, 1, 2]]),
                          mentions: ["sequenceLogProbs", "[2, 3, 4]", "[1, 3]"])
        assertKernelError(try sequenceLogProbs(logits: Tensor(zeros: [1, 2, 4]), targets: [[0, 4]]),
                          mentions: ["target 4", "size 4"])
        assertKernelError(try sequenceLogProbs(logits: Tensor(zeros: [1, 2, 4]), targets: [[0, 1]], mask: [[true]]),
                          mentions: ["[1, 2, 4]", "[1, 1]"])
    }
}
