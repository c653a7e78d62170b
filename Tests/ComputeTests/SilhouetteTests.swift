import Compute
import XCTest

final class SilhouetteTests: XCTestCase {
    func testMatchesScikitLearnOnScipyCuts() throws {
        let fixture = try AnalysisFixtures.load("linkage.json", as: AnalysisFixtures.Linkage.self)
        var checked = 0
        for c in fixture.cases {
            let distances = try DistanceMatrix(condensed: c.condensed)
            for (name, reference) in c.methods {
                for cut in reference.maxclust {
                    guard let expected = cut.silhouette else { continue }
                    XCTAssertEqual(try Silhouette.score(distances, labels: cut.labels), expected, accuracy: 1e-12,
                                   "n=\(c.n) \(name) k=\(cut.count)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testSingletonScoresZeroAndHandComputedValue() throws {
        // Points 0, 1 at distance 1; point 2 alone, at 4 and 5 from them.
        let d = try DistanceMatrix(square: [[0, 1, 4], [1, 0, 5], [4, 5, 0]])
        let s = try Silhouette.samples(d, labels: [0, 0, 1])
        XCTAssertEqual(s[0], (4 - 1) / 4.0, accuracy: 1e-15)
        XCTAssertEqual(s[1], (5 - 1) / 5.0, accuracy: 1e-15)
        XCTAssertEqual(s[2], 0)
    }

    func testTooFewOrTooManyClustersIsAnError() throws {
        let d = try DistanceMatrix(square: [[0, 1, 4], [1, 0, 5], [4, 5, 0]])
        XCTAssertThrowsError(try Silhouette.score(d, labels: [0, 0, 0]))
        XCTAssertThrowsError(try Silhouette.score(d, labels: [0, 1, 2]))
        XCTAssertThrowsError(try Silhouette.score(d, labels: [0, 1]))
    }

    func testBestCountPicksTheObviousGroups() throws {
        // Three tight groups of 4 points on a line.
        let points: [[Double]] = (0..<12).map { i in
            let group = Double(i / 4), offset = Double(i % 4)
            return [group * 10 + offset * 0.1]
        }
        let d = try DistanceMatrix(euclidean: points)
        let best = try XCTUnwrap(try ClusterCountSelection.best(d, linkage: .average, range: 2...5))
        XCTAssertEqual(best.count, 3)
        XCTAssertGreaterThan(best.silhouette, 0.9)
    }

    func testBootstrapIsDeterministicFromTheSeed() throws {
        var g = SeededGenerator(seed: 11)
        // 9 "layers" in 3 groups, each described by 40 noisy samples; a resample picks samples.
        let samples: [[Double]] = (0..<40).map { _ in
            (0..<9).map { layer -> Double in Double(layer / 3) * 3 + Double(g.nextNormal()) }
        }
        let build: ([Int]) throws -> DistanceMatrix = { indices in
            let columns = (0..<9).map { layer in indices.map { samples[$0][layer] } }
            return try DistanceMatrix(euclidean: columns)
        }
        let a = try ClusterCountSelection.bootstrap(sampleCount: 40, resamples: 6, range: 2...5, linkage: .average, seed: 3, distances: build)
        let b = try ClusterCountSelection.bootstrap(sampleCount: 40, resamples: 6, range: 2...5, linkage: .average, seed: 3, distances: build)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a.votes.values.reduce(0, +) + a.undecided, 6)
        var seen: [[Int]] = []
        _ = try ClusterCountSelection.bootstrap(sampleCount: 40, resamples: 2, range: 2...3, linkage: .single, seed: 3) { indices in
            seen.append(indices)
            return try build(indices)
        }
        var other: [[Int]] = []
        _ = try ClusterCountSelection.bootstrap(sampleCount: 40, resamples: 2, range: 2...3, linkage: .single, seed: 4) { indices in
            other.append(indices)
            return try build(indices)
        }
        XCTAssertNotEqual(seen, other)
        XCTAssertTrue(seen.allSatisfy { $0.count == 40 && $0.allSatisfy { (0..<40).contains($0) } })
    }
}
