import XCTest
import Compute

/// The cosine and Euclidean layer comparisons against the formulas written out in Double.
final class TokenwiseLayerSimilarityTests: XCTestCase {
    private func layers(_ count: Int, tokens: Int, width: Int, seed: UInt64) throws -> [[[Double]]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { l in (0..<tokens).map { _ in (0..<width).map { _ in Double(Float(generator.nextNormal() * Float(l + 1) + 0.3)) } } }
    }

    private func tensors(_ x: [[[Double]]]) throws -> [Tensor] {
        try x.map { try Tensor(shape: [$0.count, $0[0].count], scalars: $0.flatMap { $0 }.map(Float.init)) }
    }

    func testCosineIsTheMeanTokenCosine() throws {
        let x = try layers(4, tokens: 7, width: 5, seed: 3)
        let s = try TokenwiseLayerSimilarity.cosine(try tensors(x))
        for a in 0..<4 {
            XCTAssertEqual(s[a][a], 1)
            for b in 0..<4 where b != a {
                let expected = (0..<7).map { t -> Double in
                    let dot = zip(x[a][t], x[b][t]).reduce(0) { $0 + $1.0 * $1.1 }
                    let na = x[a][t].reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = x[b][t].reduce(0) { $0 + $1 * $1 }.squareRoot()
                    return dot / (na * nb)
                }.reduce(0, +) / 7
                XCTAssertEqual(s[a][b], expected, accuracy: 1e-9, "\(a), \(b)")
            }
        }
    }

    func testEuclideanIsTheRMSDistanceOfCentredUnitScaleTokens() throws {
        let x = try layers(3, tokens: 6, width: 4, seed: 9)
        let d = try TokenwiseLayerSimilarity.euclidean(try tensors(x))
        func normalised(_ layer: [[Double]]) -> [[Double]] {
            let mean = (0..<4).map { k in layer.reduce(0) { $0 + $1[k] } / 6 }
            let centred = layer.map { row in zip(row, mean).map { $0 - $1 } }
            let rms = (centred.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / 6).squareRoot()
            return centred.map { $0.map { $0 / rms } }
        }
        for a in 0..<3 {
            XCTAssertEqual(d[a][a], 0)
            for b in 0..<3 where b != a {
                let (u, v) = (normalised(x[a]), normalised(x[b]))
                var squares = 0.0
                for t in 0..<6 { for k in 0..<4 { squares += (u[t][k] - v[t][k]) * (u[t][k] - v[t][k]) } }
                let expected = (squares / 6).squareRoot()
                XCTAssertEqual(d[a][b], expected, accuracy: 1e-9, "\(a), \(b)")
            }
        }
        // Scaling a layer changes nothing: the normalisation removes the residual stream's growth.
        var scaled = x
        scaled[2] = x[2].map { $0.map { $0 * 10 } }
        XCTAssertEqual(try TokenwiseLayerSimilarity.euclidean(try tensors(scaled))[0][2], d[0][2], accuracy: 1e-6)
    }

    func testBadShapesAndConstantLayersAreErrors() throws {
        XCTAssertThrowsError(try TokenwiseLayerSimilarity.cosine([Tensor(zeros: [3, 2]), Tensor(zeros: [4, 2])]))
        XCTAssertThrowsError(try TokenwiseLayerSimilarity.euclidean([Tensor.ones([3, 2]), Tensor(zeros: [3, 2])])) {
            XCTAssertTrue("\($0)".contains("layer 0 is constant"), "\($0)")
        }
    }
}
