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

    private let rows = [[5, 9, 20, 31, 7, 66, 12, 40, 3], [8, 14, 2, 70], [90, 91, 92, 93, 94, 95, 96, 97], [1, 2]]
    /// Targets from position `prompt[row]` of each row on (the response), ignored before.
    private let prompt = [3, 1, 5, 0]

    private func batch() throws -> Batch {
        let examples = zip(rows, prompt).map { ids, first in
            TrainingExample(inputIDs: ids, labels: ids.indices.map { $0 < first ? TrainingExample.ignoreIndex : ids[($0 + 1) % ids.count] })
        }
        return try Batch(examples, padID: 0)
    }

    /// Logits, loss and the hook's gradient for `logits`, with a fresh hook of the same values.
    private func lossAndGradient(_ batch: Batch, _ model: LlamaModel, _ logits: (ShiftHook) throws -> Tensor) throws -> (logits: [Float], loss: Float, grad: [Float]) {
        let hook = ShiftHook(width: model.config.hiddenSize)
        let l = try logits(hook)
        XCTAssertEqual(l.shape, [batch.size, batch.length, model.config.vocabularySize])
        let loss = try crossEntropy(logits: l, targets: batch.flatLabels)
        try loss.backward()
        return (l.scalars, try loss.item(), try XCTUnwrap(hook.shift.grad).scalars)
    }

    /// Compares the logits at `positions(row)` and the loss and gradient; the other rows must be NaN.
    private func assertMatchesPaddedBatch(everyPosition: Bool) throws {
        let model = try TinyLlama.make(seed: 1)
        let batch = try batch()
        XCTAssertGreaterThan(UnpaddedForward.groups(lengths: rows.map(\.count)).count, 1, "the test needs several groups")
        let padded = try lossAndGradient(batch, model) {
            try model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal, hooks: $0)
        }
        let unpadded = try lossAndGradient(batch, model) {
            try UnpaddedForward.logits(batch, model: model, hooks: $0, everyPosition: everyPosition)
        }
        let vocabulary = model.config.vocabularySize
        for (row, ids) in rows.enumerated() {
            for position in 0..<batch.length {
                let start = (row * batch.length + position) * vocabulary
                let ours = unpadded.logits[start..<(start + vocabulary)], theirs = padded.logits[start..<(start + vocabulary)]
                let computed = position < ids.count && (everyPosition || position >= prompt[row])
                if computed {
                    let gap = zip(ours, theirs).map { abs($0 - $1) }.max()!
                    XCTAssertLessThan(gap, 1e-4, "row \(row) position \(position)")
                } else {
                    XCTAssertTrue(ours.allSatisfy(\.isNaN), "row \(row) position \(position) is not computed and must be NaN")
                }
            }
        }
        XCTAssertEqual(unpadded.loss, padded.loss, accuracy: 1e-5)
        let gradientGap = zip(unpadded.grad, padded.grad).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(gradientGap, 1e-4)
        XCTAssertGreaterThan(padded.grad.map(abs).max()!, 1e-3, "the gradient must reach the hook")
    }

    func testScoredLogitsLossAndGradientsEqualThePaddedBatchs() throws {
        try assertMatchesPaddedBatch(everyPosition: false)
    }

    func testEveryRealPositionOnRequestEqualsThePaddedBatch() throws {
        try assertMatchesPaddedBatch(everyPosition: true)
    }
}
