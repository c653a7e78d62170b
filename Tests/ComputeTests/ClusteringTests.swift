import Compute
import XCTest

final class ClusteringTests: XCTestCase {
    func testLinkageMatchesScipyMergeForMerge() throws {
        let fixture = try AnalysisFixtures.load("linkage.json", as: AnalysisFixtures.Linkage.self)
        var checked = 0
        for c in fixture.cases {
            let distances = try DistanceMatrix(condensed: c.condensed)
            for (name, reference) in c.methods {
                let linkage = try XCTUnwrap(Linkage(rawValue: name))
                let tree = AgglomerativeClustering.cluster(distances, linkage: linkage)
                XCTAssertEqual(tree.merges.count, c.n - 1)
                for (k, (merge, row)) in zip(tree.merges, reference.merges).enumerated() {
                    let context = "n=\(c.n) \(name) merge \(k)"
                    XCTAssertEqual(merge.left, Int(row[0]), context)
                    XCTAssertEqual(merge.right, Int(row[1]), context)
                    XCTAssertEqual(merge.distance, row[2], accuracy: 1e-12 * max(1, row[2]), context)
                    XCTAssertEqual(merge.size, Int(row[3]), context)
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 32)
    }

    func testCutsMatchScipyFcluster() throws {
        let fixture = try AnalysisFixtures.load("linkage.json", as: AnalysisFixtures.Linkage.self)
        for c in fixture.cases {
            let distances = try DistanceMatrix(condensed: c.condensed)
            for (name, reference) in c.methods {
                let tree = AgglomerativeClustering.cluster(distances, linkage: Linkage(rawValue: name)!)
                for cut in reference.cuts {
                    let labels = tree.clusters(threshold: cut.threshold)
                    XCTAssertEqual(labels, AnalysisFixtures.firstAppearance(cut.labels), "n=\(c.n) \(name) t=\(cut.threshold)")
                    XCTAssertEqual(tree.clusterCount(threshold: cut.threshold), Set(cut.labels).count)
                }
                for cut in reference.maxclust {
                    let labels = try tree.clusters(count: cut.count)
                    XCTAssertEqual(labels, AnalysisFixtures.firstAppearance(cut.labels), "n=\(c.n) \(name) k=\(cut.count)")
                }
            }
        }
    }

    func testLabelsAreNumberedByFirstAppearance() throws {
        // Two tight groups {1, 3} and {0, 2}: leaf 0's group is cluster 0.
        let d = try DistanceMatrix(square: [[0, 5, 1, 5], [5, 0, 5, 1], [1, 5, 0, 5], [5, 1, 5, 0]])
        let tree = AgglomerativeClustering.cluster(d, linkage: .average)
        XCTAssertEqual(try tree.clusters(count: 2), [0, 1, 0, 1])
        XCTAssertEqual(try tree.clusters(count: 1), [0, 0, 0, 0])
        XCTAssertEqual(try tree.clusters(count: 9), [0, 1, 2, 3])
        XCTAssertEqual(tree.threshold(forCount: 2), 1)
        XCTAssertThrowsError(try tree.clusters(count: 0))
    }

    func testDistanceMatrixValidationNamesRowAndColumn() {
        XCTAssertThrowsError(try DistanceMatrix(square: [[0, 1], [2, 0]])) { error in
            XCTAssertTrue("\(error)".contains("row 0, column 1 is 1.0 but row 1, column 0 is 2.0"), "\(error)")
        }
        XCTAssertThrowsError(try DistanceMatrix(square: [[0, -1], [-1, 0]])) { error in
            XCTAssertTrue("\(error)".contains("row 0, column 1") && "\(error)".contains("negative"), "\(error)")
        }
        XCTAssertThrowsError(try DistanceMatrix(square: [[0, 1, 2], [1, 0]])) { error in
            XCTAssertTrue("\(error)".contains("not square"), "\(error)")
        }
        XCTAssertThrowsError(try DistanceMatrix(square: [[0, .nan], [.nan, 0]])) { error in
            XCTAssertTrue("\(error)".contains("finite"), "\(error)")
        }
        XCTAssertThrowsError(try DistanceMatrix(square: [[1, 1], [1, 0]])) { error in
            XCTAssertTrue("\(error)".contains("diagonal"), "\(error)")
        }
        XCTAssertThrowsError(try DistanceMatrix(condensed: [1, 2]))
        XCTAssertThrowsError(try DistanceMatrix.fromSimilarity([[1, 1.5], [1.5, 1]])) { error in
            XCTAssertTrue("\(error)".contains("at most 1"), "\(error)")
        }
    }

    func testDistanceMatrixAccessorsAgree() throws {
        let square: [[Double]] = [[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]]
        let d = try DistanceMatrix(square: square)
        XCTAssertEqual(d.condensed, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(d.square, square)
        XCTAssertEqual(try d.selecting([3, 0, 0]).square, [[0, 3, 3], [3, 0, 0], [3, 0, 0]])
        let similar = try DistanceMatrix.fromSimilarity([[1, 0.25], [0.25, 1]])
        XCTAssertEqual(similar.condensed, [0.75])
        XCTAssertEqual(try DistanceMatrix(euclidean: [[0, 0], [3, 4]]).condensed, [5])
    }
}
