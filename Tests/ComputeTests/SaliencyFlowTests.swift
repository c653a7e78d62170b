import Compute
import XCTest

/// Flow metrics, accumulation, trigger ratio, corruption and the calibration sweep of DPC
/// (METHODS.md, DPC steps 1–4) on hand-made inputs with known answers.
final class SaliencyFlowTests: XCTestCase {
    /// `I[i][j] = 10 i + j` on n positions.
    private func ramp(_ n: Int) throws -> SaliencyMap {
        try SaliencyMap(count: n, values: (0..<(n * n)).map { Float(10 * ($0 / n) + $0 % n) })
    }

    private func map(_ n: Int, _ entries: [(Int, Int, Float)]) throws -> SaliencyMap {
        var values = [Float](repeating: 0, count: n * n)
        for (i, j, v) in entries { values[i * n + j] = v }
        return try SaliencyMap(count: n, values: values)
    }

    func testFlowsAreMeansOverTheSegmentPairs() throws {
        let segments = try SequenceSegments(prompt: 2, question: 2, rationale: 2)   // 0–1 | 2–3 | 4–5
        let flows = SaliencyFlows(try ramp(6), segments)
        XCTAssertEqual(flows.promptToQuestion, (20 + 21 + 30 + 31) / 4)
        XCTAssertEqual(flows.promptToRationale, (40 + 41 + 50 + 51) / 4)
        XCTAssertEqual(flows.questionToRationale, (42 + 43 + 52 + 53) / 4)
        let noPrompt = SaliencyFlows(try ramp(4), try SequenceSegments(prompt: 0, question: 2, rationale: 2))
        XCTAssertEqual(noPrompt.promptToRationale, 0)
        XCTAssertEqual(noPrompt.questionToRationale, (20 + 21 + 30 + 31) / 4)
        XCTAssertThrowsError(try SaliencyMap(count: 3, values: [1, 2]))
    }

    func testAccumulationSumsShallowLayersOverQuestionAndRationaleRows() throws {
        let segments = try SequenceSegments(prompt: 2, question: 2, rationale: 2)
        let zero = try map(6, [])
        let layer1 = try map(6, (2..<6).map { ($0, 0, 100) })
        let maps = [try ramp(6), layer1, zero, zero]
        // Default: the first quarter of 4 layers = layer 0; C_0 = 20+30+40+50, C_1 = 21+31+41+51.
        let first = try InformationAccumulation(maps: maps, segments: segments)
        XCTAssertEqual(first.layers, [0])
        XCTAssertEqual(first.perToken, [140, 144])
        XCTAssertEqual(first.key, 1)
        XCTAssertFalse(first.isPresent)                                     // 144 < 3 × 142
        XCTAssertTrue(try InformationAccumulation(maps: maps, segments: segments, options: .init(factor: 1)).isPresent)
        let two = try InformationAccumulation(maps: maps, segments: segments, options: .init(layers: [0, 1], factor: 1.5))
        XCTAssertEqual(two.perToken, [540, 144])
        XCTAssertEqual(two.key, 0)
        XCTAssertTrue(two.isPresent)                                        // 540 > 1.5 × 342
        let mean = try InformationAccumulation(maps: maps, segments: segments, options: .init(layers: [0], reduction: .mean))
        XCTAssertEqual(mean.perToken, [35, 36])
        XCTAssertThrowsError(try InformationAccumulation(maps: maps, segments: segments, options: .init(layers: [4]))) {
            XCTAssertTrue("\($0)".contains("shallow layer 4 is not a layer"), "\($0)")
        }
        XCTAssertThrowsError(try InformationAccumulation(maps: maps, segments: try SequenceSegments(prompt: 0, question: 3, rationale: 3)))
    }

    func testTriggerRatioCountsLatterHalfTokensAboveTheFormerHalfMean() throws {
        // prompt 0–1 | question 2 | rationale 3–7: former half 3–4 (⌊5/2⌋ tokens), latter 5–7.
        let segments = try SequenceSegments(prompt: 2, question: 1, rationale: 5)
        let I = try map(8, [(3, 0, 1), (3, 1, 1), (4, 0, 3), (4, 1, 3),   // β = 2
                            (5, 0, 2), (5, 1, 2),                          // mean 2: not above β
                            (6, 0, 4), (6, 1, 0),                          // mean 2: not above β
                            (7, 0, 5), (7, 1, 1),                          // mean 3: affected
                            (7, 2, 100)])                                  // question columns do not count
        let trigger = TriggerRatio(map: I, segments: segments)
        XCTAssertEqual(trigger.beta, 2)
        XCTAssertEqual(trigger.affected, [7])
        XCTAssertEqual(trigger.latterCount, 3)
        XCTAssertEqual(trigger.ratio, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(TriggerRatio(map: I, segments: try SequenceSegments(prompt: 2, question: 5, rationale: 1)).ratio, 0)
        XCTAssertEqual(TriggerRatio(map: I, segments: try SequenceSegments(prompt: 0, question: 3, rationale: 5)).ratio, 0)
    }

    private let prompt: [Float] = [0.5, -0.1, 0.3, 0.05, -0.7,
                                   1, 2, 3, 4, 5,
                                   -0.2, 0.01, 0.4, -0.02, 0.9]

    func testVectorScopeZeroesTheKeyAndTheSmallestEntriesOfEachOtherVector() throws {
        let p = try Tensor(shape: [3, 5], scalars: prompt)
        let corrupted = try PromptCorruption(fraction: 0.2, scope: .vector).corrupt(p, key: 1).scalars
        XCTAssertEqual(corrupted, [0.5, -0.1, 0.3, 0, -0.7,
                                   0, 0, 0, 0, 0,
                                   -0.2, 0, 0.4, -0.02, 0.9])
        XCTAssertEqual(p.scalars, prompt, "the input is not changed")
        XCTAssertEqual(try PromptCorruption(fraction: 0, scope: .vector).corrupt(p, key: 0).scalars,
                       [0, 0, 0, 0, 0] + Array(prompt[5...]))
    }

    func testGlobalScopeZeroesTheSmallestEntriesAmongAllOtherVectors() throws {
        let p = try Tensor(shape: [3, 5], scalars: prompt)
        let corrupted = try PromptCorruption(fraction: 0.2, scope: .global).corrupt(p, key: 1).scalars
        XCTAssertEqual(corrupted, [0.5, -0.1, 0.3, 0.05, -0.7,      // its smallest (0.05) survives globally
                                   0, 0, 0, 0, 0,
                                   -0.2, 0, 0.4, 0, 0.9])
        XCTAssertThrowsError(try PromptCorruption(fraction: 0.1).corrupt(p, key: 3)) {
            XCTAssertTrue("\($0)".contains("key token 3 is not one of the prompt's 3 vectors"), "\($0)")
        }
        XCTAssertThrowsError(try PromptCorruption(fraction: 1.5))
    }

    func testRandomKeyIsSeeded() throws {
        func keys(_ seed: UInt64) throws -> [Int] {
            var generator = SeededGenerator(seed: seed)
            return try (0..<40).map { _ in try PromptCorruption.randomKey(count: 4, generator: &generator) }
        }
        XCTAssertEqual(try keys(9), try keys(9))
        XCTAssertNotEqual(try keys(9), try keys(10))
        XCTAssertEqual(Set(try keys(9)), [0, 1, 2, 3])
    }

    func testCalibrationSweepGivesAccuracyAndTriggerRatePerThreshold() {
        let items = [TriggerCalibration.Item(ratio: 0.1, correctBefore: true, correctAfter: false),
                     .init(ratio: 0.5, correctBefore: false, correctAfter: true),
                     .init(ratio: 0.9, correctBefore: false, correctAfter: true),
                     .init(ratio: 0.7, correctBefore: true, correctAfter: true)]
        let points = TriggerCalibration.sweep(items, thresholds: [0, 0.3, 0.5, 1])
        XCTAssertEqual(points.map(\.accuracy), [0.75, 1, 0.75, 0.5])
        XCTAssertEqual(points.map(\.triggerRate), [1, 0.75, 0.5, 0])        // R > t strictly: 0.5 does not fire at 0.5
        XCTAssertEqual(TriggerCalibration.best(points)?.threshold, 0.3)
        XCTAssertEqual(TriggerCalibration.sweep([], thresholds: [0.2]).first?.accuracy, 0)
        XCTAssertNil(TriggerCalibration.best([]))
    }
}
