import Compute
import XCTest

/// Saliency on `tiny` against an independent measurement: scaling attention maps by s and
/// differentiating the loss numerically. For A → s·A at s = 1, dL/ds = Σ A ⊙ ∂L/∂A over the
/// scaled entries (all heads), which is the signed saliency summed over those entries.
final class SaliencyTests: XCTestCase {
    private let question = [5, 72, 101, 108, 108, 111, 33]
    private let rationale = [200, 14, 99, 42, 17, 230]

    /// Multiplies layer `layer`'s probabilities by `s` (every entry, or only `entry`, in every head).
    private final class ScaledAttention: ForwardHooks {
        let layer: Int, s: Float, entry: (Int, Int)?
        init(layer: Int, s: Float, entry: (Int, Int)?) { (self.layer, self.s, self.entry) = (layer, s, entry) }

        func attentionProbabilities(_ l: Int, _ p: Tensor) throws -> Tensor {
            guard l == layer else { return p }
            let (q, k) = (p.shape[2], p.shape[3])
            var factors = [Float](repeating: entry == nil ? s : 1, count: q * k)
            if case let (i, j)? = entry { factors[i * k + j] = s }
            return try p * Tensor(shape: [1, 1, q, k], scalars: factors)
        }
    }

    private var tokens: [Int] { question + rationale }

    private func targets() -> [Int] {
        (0..<tokens.count).map { p in p + 1 >= question.count && p + 1 < tokens.count ? tokens[p + 1] : -100 }
    }

    private func loss(_ model: LlamaModel, _ hooks: ForwardHooks) throws -> Double {
        try Autograd.noGrad { Double(try crossEntropy(logits: model.forward([tokens], hooks: hooks), targets: targets()).item()) }
    }

    private func derivative(_ model: LlamaModel, layer: Int, entry: (Int, Int)?, epsilon: Float) throws -> Double {
        let up = try loss(model, ScaledAttention(layer: layer, s: 1 + epsilon, entry: entry))
        let down = try loss(model, ScaledAttention(layer: layer, s: 1 - epsilon, entry: entry))
        return (up - down) / Double(2 * epsilon)
    }

    private func signedMaps(_ model: LlamaModel) throws -> [SaliencyMap] {
        let segments = try SequenceSegments(prompt: 0, question: question.count, rationale: rationale.count)
        let capture = SaliencyCapture(wrapping: nil, keep: segments.count)
        return try SaliencyRunner.run(tokens: tokens, segments: segments, layerCount: model.config.layerCount,
                                      capture: capture, absolute: false) { ids in try model.forward([ids], hooks: capture) }
    }

    func testLayerSumsEqualTheDerivativeOfScalingTheWholeMap() throws {
        let model = try TinyLlama.make()
        let maps = try signedMaps(model)
        XCTAssertEqual(maps.count, 4)
        for layer in 0..<4 {
            let total = maps[layer].values.reduce(0) { $0 + Double($1) }
            let numeric = try derivative(model, layer: layer, entry: nil, epsilon: 1e-2)
            XCTAssertEqual(total, numeric, accuracy: 2e-3 + 0.03 * abs(numeric), "layer \(layer)")
            XCTAssertGreaterThan(abs(numeric), 1e-3, "layer \(layer): the check must measure something")
        }
    }

    func testEntriesEqualTheDerivativeOfScalingOneEntryInEveryHead() throws {
        let model = try TinyLlama.make()
        let signed = try signedMaps(model)
        let n = tokens.count
        for layer in [0, 3] {
            let map = signed[layer]
            // The two largest entries, where the finite difference is well above Float32 noise.
            let largest = (0..<(n * n)).sorted { abs(map.values[$0]) > abs(map.values[$1]) }.prefix(2)
            for flat in largest {
                let (i, j) = (flat / n, flat % n)
                XCTAssertLessThanOrEqual(j, i, "causal: no flow from a later token")
                let numeric = try derivative(model, layer: layer, entry: (i, j), epsilon: 5e-2)
                XCTAssertEqual(Double(map[i, j]), numeric, accuracy: 1e-4 + 0.05 * abs(numeric), "layer \(layer) entry (\(i), \(j))")
            }
        }
        let absolute = try SaliencyMap.absolute(signed[1].values, count: n)
        XCTAssertEqual(absolute.values, signed[1].values.map { abs($0) })
        for i in 0..<n { for j in (i + 1)..<n { XCTAssertEqual(absolute[i, j], 0, "(\(i), \(j)) is in the future") } }
    }

    func testRunnerRejectsAnEmptyRationaleAndMismatchedSegments() throws {
        let model = try TinyLlama.make()
        let capture = SaliencyCapture(wrapping: nil, keep: question.count)
        let empty = try SequenceSegments(prompt: 0, question: question.count, rationale: 0)
        XCTAssertThrowsError(try SaliencyRunner.run(tokens: question, segments: empty, layerCount: 4, capture: capture) {
            try model.forward([$0], hooks: capture)
        }) { XCTAssertTrue("\($0)".contains("the rationale is empty"), "\($0)") }
        let wrong = try SequenceSegments(prompt: 2, question: question.count, rationale: 1)
        XCTAssertThrowsError(try SaliencyRunner.run(tokens: question, segments: wrong, layerCount: 4, capture: capture) {
            try model.forward([$0], hooks: capture)
        }) { XCTAssertTrue("\($0)".contains("do not match"), "\($0)") }
        XCTAssertThrowsError(try SequenceSegments(prompt: -1, question: 1, rationale: 1))
    }
}
