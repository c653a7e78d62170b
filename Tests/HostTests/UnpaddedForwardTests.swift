import Compute
import Host
import XCTest

/// Training's forward without padding: row groups, and logits and gradients equal to the
/// padded batch's at every real position.
final class UnpaddedForwardTests: XCTestCase {
    func testEqualLengthsStayOneGroup() {
        XCTAssertEqual(UnpaddedForward.groups(lengths: [7, 7, 7]), [[0, 1, 2]])
    }

    func testRowsOfVeryDifferentLengthRunApart() {
        XCTAssertEqual(UnpaddedForward.groups(lengths: [10, 100]), [[1], [0]])
        XCTAssertEqual(UnpaddedForward.groups(lengths: [12, 50, 11, 48]), [[1, 3], [0, 2]])
    }

    func testEveryRowLandsInOneGroupWithinTheSlack() {
        var generator = SeededGenerator(seed: 3)
        let lengths = (0..<40).map { _ in Int.random(in: 1...300, using: &generator) }
        let groups = UnpaddedForward.groups(lengths: lengths, slack: 0.1)
        XCTAssertEqual(groups.flatMap { $0 }.sorted(), Array(lengths.indices))
        for group in groups where group.count > 1 {
            let longest = group.map { lengths[$0] }.max()!, real = group.map { lengths[$0] }.reduce(0, +)
            XCTAssertLessThanOrEqual(Double(group.count * longest), 1.1 * Double(real), "group \(group)")
        }
    }

    /// Adds a trainable vector to the hidden states entering layer 1.
    private final class ShiftHook: ForwardHooks {
        let shift: Tensor
        init(width: Int) {
            var generator = SeededGenerator(seed: 5)
            shift = Tensor.randn([width], std: 0.3, generator: &generator, requiresGrad: true)
        }
        func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
            guard layer == 1 else { return state }
            var shifted = state
            shifted.hidden = try state.hidden + shift
            return shifted
        }
    }

    func testLogitsAndGradientsEqualThePaddedBatchs() throws {
        let model = try TinyLlama.make(seed: 1)
        let rows = [[5, 9, 20, 31, 7, 66, 12, 40, 3], [8, 14, 2, 70], [90, 91, 92, 93, 94, 95, 96, 97], [1, 2]]
        let examples = rows.map { ids in
            TrainingExample(inputIDs: ids, labels: ids.indices.map { $0 < 1 ? TrainingExample.ignoreIndex : ids[($0 + 1) % ids.count] })
        }
        let batch = try Batch(examples, padID: 0)
        XCTAssertGreaterThan(UnpaddedForward.groups(lengths: rows.map(\.count)).count, 1, "the test needs several groups")

        func lossAndGradient(_ logits: (ShiftHook) throws -> Tensor) throws -> (logits: Tensor, loss: Float, grad: [Float]) {
            let hook = ShiftHook(width: model.config.hiddenSize)
            let l = try logits(hook)
            let loss = try crossEntropy(logits: l, targets: batch.flatLabels)
            try loss.backward()
            return (l, try loss.item(), try XCTUnwrap(hook.shift.grad).scalars)
        }
        let padded = try lossAndGradient {
            try model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal, hooks: $0)
        }
        let unpadded = try lossAndGradient { try UnpaddedForward.logits(batch, model: model, hooks: $0) }

        XCTAssertEqual(unpadded.logits.shape, padded.logits.shape)
        let vocabulary = model.config.vocabularySize, p = padded.logits.scalars, u = unpadded.logits.scalars
        for (row, ids) in rows.enumerated() {
            // Padding carries no loss and its logits mean nothing, in either layout.
            for position in 0..<ids.count {
                let start = (row * batch.length + position) * vocabulary
                let gap = zip(u[start..<(start + vocabulary)], p[start..<(start + vocabulary)]).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(gap, 1e-4, "row \(row) position \(position)")
            }
        }
        XCTAssertEqual(unpadded.loss, padded.loss, accuracy: 1e-5)
        let gradientGap = zip(unpadded.grad, padded.grad).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(gradientGap, 1e-4)
        XCTAssertGreaterThan(padded.grad.map(abs).max()!, 1e-3, "the gradient must reach the hook")
    }
}
