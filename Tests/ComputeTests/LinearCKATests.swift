import Compute
import XCTest

final class LinearCKATests: XCTestCase {
    private func tensor(_ rows: [[Double]]) throws -> Tensor {
        try Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0.map(Float.init) })
    }

    /// `[n, d]` standard normal values from a seed.
    private func random(_ n: Int, _ d: Int, seed: UInt64) -> [[Double]] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in (0..<d).map { _ in Double(g.nextNormal()) } }
    }

    private func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        a.map { row in (0..<b[0].count).map { j in zip(row, b).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }

    /// A random orthogonal matrix: Gram–Schmidt on a Gaussian one.
    private func orthogonal(_ d: Int, seed: UInt64) -> [[Double]] {
        var columns: [[Double]] = []
        for v in random(d, d, seed: seed) {
            var u = v
            for q in columns {
                let dot = zip(u, q).reduce(0) { $0 + $1.0 * $1.1 }
                u = zip(u, q).map { $0 - dot * $1 }
            }
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            columns.append(u.map { $0 / norm })
        }
        return columns   // rows orthonormal, so the matrix is orthogonal
    }

    func testMatchesTheKernelFormReference() throws {
        let fixture = try AnalysisFixtures.load("cka.json", as: AnalysisFixtures.CKA.self)
        for (index, pair) in fixture.pairs.enumerated() {
            let value = try LinearCKA.similarity(tensor(pair.x), tensor(pair.y))
            XCTAssertEqual(value, pair.cka, accuracy: 1e-5, "pair \(index)")
        }
    }

    func testMatrixMatchesReferenceAndIsSymmetricWithUnitDiagonal() throws {
        let fixture = try AnalysisFixtures.load("cka.json", as: AnalysisFixtures.CKA.self)
        let matrix = try LinearCKA.matrix(fixture.layers.map(tensor))
        XCTAssertEqual(matrix.count, fixture.matrix.count)
        for i in matrix.indices {
            XCTAssertEqual(matrix[i][i], 1, accuracy: 1e-6)
            for j in matrix.indices {
                XCTAssertEqual(matrix[i][j], fixture.matrix[i][j], accuracy: 1e-5, "(\(i), \(j))")
                XCTAssertEqual(matrix[i][j], matrix[j][i])
            }
        }
    }

    func testSelfSimilarityIsOne() throws {
        let x = try tensor(random(50, 7, seed: 1))
        XCTAssertEqual(try LinearCKA.similarity(x, x), 1, accuracy: 1e-6)
    }

    func testInvariantToOrthogonalTransformAndIsotropicScaling() throws {
        let x = random(60, 6, seed: 2)
        let y = multiply(x, random(6, 4, seed: 3)).enumerated().map { i, row in row.map { $0 + 0.7 * Double((i * 7) % 5) } }
        let base = try LinearCKA.similarity(tensor(x), tensor(y))
        let rotated = multiply(x, orthogonal(6, seed: 4))
        XCTAssertEqual(try LinearCKA.similarity(tensor(rotated), tensor(y)), base, accuracy: 1e-5)
        let scaled = y.map { $0.map { $0 * 37.5 } }
        XCTAssertEqual(try LinearCKA.similarity(tensor(x), tensor(scaled)), base, accuracy: 1e-5)
        // Not invariant to a general linear map: a sanity check that the test can fail.
        let stretched = x.map { row in row.enumerated().map { $0.offset == 0 ? $0.element * 20 : $0.element } }
        XCTAssertGreaterThan(abs(try LinearCKA.similarity(tensor(stretched), tensor(y)) - base), 1e-3)
    }

    func testManyRowsUseBlockedProductsConsistently() throws {
        // More rows than one sgemm block: the blocked Double sum must agree with the small case's exactness.
        let x = try tensor(random(5000, 3, seed: 5))
        XCTAssertEqual(try LinearCKA.similarity(x, x), 1, accuracy: 1e-9)
        let y = try tensor(random(5000, 3, seed: 6))
        XCTAssertLessThan(try LinearCKA.similarity(x, y), 0.01)   // independent: near 0
    }

    func testMatrixOfSelectedRowsEqualsMatrixOfGatheredRows() throws {
        let layers = try (0..<3).map { try tensor(random(20, 4, seed: 20 + UInt64($0))) }
        let rows = [3, 3, 0, 19, 7, 7, 7, 12, 5, 1]
        let gathered = try layers.map { layer in
            try Tensor(shape: [rows.count, 4], scalars: rows.flatMap { r in (0..<4).map { layer.scalars[r * 4 + $0] } })
        }
        let a = try LinearCKA.matrix(layers, rows: rows), b = try LinearCKA.matrix(gathered)
        for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(a[i][j], b[i][j], accuracy: 1e-12) } }
        XCTAssertNotEqual(a[0][1], try LinearCKA.matrix(layers)[0][1])
        XCTAssertThrowsError(try LinearCKA.matrix(layers, rows: [0, 20]))
    }

    func testBadInputsAreErrors() throws {
        let x = try tensor(random(10, 3, seed: 7))
        XCTAssertThrowsError(try LinearCKA.similarity(x, try tensor(random(9, 3, seed: 8)))) { error in
            XCTAssertTrue("\(error)".contains("10 and 9 rows"), "\(error)")
        }
        let constant = Tensor.full([10, 3], value: 2)
        XCTAssertThrowsError(try LinearCKA.similarity(x, constant)) { error in
            XCTAssertTrue("\(error)".contains("constant"), "\(error)")
        }
        XCTAssertThrowsError(try LinearCKA.matrix([x, Tensor(zeros: [10])]))
    }
}
