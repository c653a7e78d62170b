import Compute
import XCTest

final class LayerRepresentationsTests: XCTestCase {
    private static let tiny = try! LanguageModel.load("tiny")

    func testOneRepresentationPerLayerOverRealTokensOnly() throws {
        let model = Self.tiny.model
        let sequences = [[5, 6, 7, 8, 9], [10, 11], [12, 13, 14]]
        let batched = try LayerRepresentations.collect(model: model, sequences: sequences, batchSize: 3)
        XCTAssertEqual(batched.count, model.config.layerCount + 1)
        for r in batched { XCTAssertEqual(r.shape, [10, model.config.hiddenSize]) }
        // Padding is skipped: one sequence at a time gives the same rows.
        let single = try LayerRepresentations.collect(model: model, sequences: sequences, batchSize: 1)
        for (a, b) in zip(batched, single) {
            for (x, y) in zip(a.scalars, b.scalars) { XCTAssertEqual(x, y, accuracy: 1e-4) }
        }
        // Representation 0 is the token embeddings.
        let embedded = try model.embed([[5, 6, 7, 8, 9]]).scalars
        XCTAssertEqual(Array(batched[0].scalars.prefix(embedded.count)), embedded)
        // Deeper representations differ from the embeddings.
        XCTAssertNotEqual(batched[1].scalars, batched[0].scalars)
    }

    func testSkippingLeadingPositionsDropsThoseRowsOnly() throws {
        let model = Self.tiny.model
        let width = model.config.hiddenSize
        let sequences = [[5, 6, 7], [8, 9], [10]]
        let all = try LayerRepresentations.collect(model: model, sequences: sequences, batchSize: 1)
        let skipped = try LayerRepresentations.collect(model: model, sequences: sequences, batchSize: 1, skipLeading: 1)
        // Rows kept: positions 1, 2 of the first sequence and 1 of the second (rows 1, 2, 4 of all).
        for (a, b) in zip(all, skipped) {
            XCTAssertEqual(b.shape, [3, width])
            let expected = [1, 2, 4].flatMap { Array(a.scalars[($0 * width)..<(($0 + 1) * width)]) }
            XCTAssertEqual(b.scalars, expected)
        }
        let limited = try LayerRepresentations.collect(model: model, sequences: sequences, maxTokens: 2, batchSize: 1, skipLeading: 1)
        XCTAssertEqual(limited[0].shape, [2, width])
        XCTAssertThrowsError(try LayerRepresentations.collect(model: model, sequences: [[1]], skipLeading: 1))
    }

    func testTokenLimitAndLayerSelection() throws {
        let model = Self.tiny.model
        let chosen = try LayerRepresentations.collect(model: model, sequences: [[1, 2, 3, 4], [5, 6, 7]],
                                                      maxTokens: 5, layers: [0, model.config.layerCount], batchSize: 1)
        XCTAssertEqual(chosen.map(\.shape), [[5, model.config.hiddenSize], [5, model.config.hiddenSize]])
        let all = try LayerRepresentations.collect(model: model, sequences: [[1, 2, 3, 4], [5, 6, 7]])
        // The same tokens, batched differently: equal up to float rounding.
        for (x, y) in zip(chosen[1].scalars, all[model.config.layerCount].scalars.prefix(5 * model.config.hiddenSize)) {
            XCTAssertEqual(x, y, accuracy: 1e-4)
        }
        XCTAssertThrowsError(try LayerRepresentations.collect(model: model, sequences: [[1]], layers: [99])) { error in
            XCTAssertTrue("\(error)".contains("99"), "\(error)")
        }
        XCTAssertThrowsError(try LayerRepresentations.collect(model: model, sequences: []))
        XCTAssertThrowsError(try LayerRepresentations.collect(model: model, sequences: [[1]], maxTokens: 0))
    }
}
