import Compute
import XCTest

final class PersistenceTests: XCTestCase {
    /// Bars as a sorted multiset of (birth, death) with infinite deaths as +∞. Bars shorter than
    /// 1e-6 are left out on both sides: ripser works in float32, where two distinct distances
    /// can round to one value and a tiny interval vanishes.
    private func multiset(_ bars: [(Double, Double?)]) -> [(Double, Double)] {
        bars.map { ($0.0, $0.1 ?? .infinity) }.filter { $0.1 - $0.0 >= 1e-6 }.sorted { $0 < $1 }
    }

    private func assertSameBars(_ actual: [PersistenceBar], _ expected: [[Double?]], _ context: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        let a = multiset(actual.map { ($0.birth, $0.death) })
        let e = multiset(expected.map { ($0[0] ?? 0, $0[1]) })
        XCTAssertEqual(a.count, e.count, "\(context): bar counts", file: file, line: line)
        for (x, y) in zip(a, e) {
            XCTAssertEqual(x.0, y.0, accuracy: 1e-5 * max(1, abs(y.0)), "\(context): birth", file: file, line: line)
            if y.1.isInfinite {
                XCTAssertTrue(x.1.isInfinite, "\(context): \(x) should be infinite", file: file, line: line)
            } else {
                XCTAssertEqual(x.1, y.1, accuracy: 1e-5 * max(1, abs(y.1)), "\(context): death", file: file, line: line)
            }
        }
    }

    private func barcode(_ cloud: AnalysisFixtures.Persistence.Cloud) throws -> PersistenceBarcode {
        if let points = cloud.points { return try VietorisRips.barcode(points: points, maxRadius: cloud.max_radius) }
        return try VietorisRips.barcode(DistanceMatrix(square: cloud.distances ?? []), maxRadius: cloud.max_radius)
    }

    func testMatchesRipser() throws {
        let fixture = try AnalysisFixtures.load("persistence.json", as: AnalysisFixtures.Persistence.self)
        XCTAssertGreaterThanOrEqual(fixture.clouds.count, 20)
        for cloud in fixture.clouds {
            let result = try barcode(cloud)
            assertSameBars(result.h0, cloud.h0, "\(cloud.name) H0")
            assertSameBars(result.h1, cloud.h1, "\(cloud.name) H1")
        }
    }

    func testCircleHasOneLongCycle() throws {
        let points = (0..<30).map { k -> [Double] in
            let angle = 2 * Double.pi * Double(k) / 30
            return [cos(angle), sin(angle)]
        }
        let result = try VietorisRips.barcode(points: points)
        let long = result.h1.filter { ($0.lifespan ?? .infinity) > 0.5 }
        XCTAssertEqual(long.count, 1)
        XCTAssertEqual(long[0].birth, 2 * sin(Double.pi / 30), accuracy: 1e-9)   // neighbour spacing
        XCTAssertEqual(result.h0.filter { $0.death == nil }.count, 1)
    }

    func testTwoFarClustersHaveOneLongComponentBar() throws {
        var g = SeededGenerator(seed: 9)
        let points: [[Double]] = (0..<24).map { k in
            let shift = k < 12 ? 0.0 : 50.0
            return (0..<3).map { _ in shift + 0.3 * Double(g.nextNormal()) }
        }
        let result = try VietorisRips.barcode(points: points)
        let finite = result.h0.compactMap(\.death).sorted()
        XCTAssertEqual(result.h0.count, 24)
        XCTAssertGreaterThan(finite.last!, 40)
        XCTAssertLessThan(finite.dropLast().max()!, 5)
        XCTAssertEqual(result.summary(dimension: 0).infiniteCount, 1)
    }

    func testMaxRadiusLeavesComponentsAndCyclesAlive() throws {
        // A unit square: with radius 1.2 the 4-cycle never fills (diagonals are √2).
        let square: [[Double]] = [[0, 0], [1, 0], [1, 1], [0, 1]]
        let cut = try VietorisRips.barcode(points: square, maxRadius: 1.2)
        XCTAssertEqual(cut.h1, [PersistenceBar(dimension: 1, birth: 1, death: nil)])
        let full = try VietorisRips.barcode(points: square)
        XCTAssertEqual(full.h1.count, 1)
        XCTAssertEqual(full.h1[0].death!, 2.0.squareRoot(), accuracy: 1e-12)
        let tiny = try VietorisRips.barcode(points: square, maxRadius: 0.5)
        XCTAssertEqual(tiny.h0.count, 4)
        XCTAssertTrue(tiny.h0.allSatisfy { $0.death == nil })
        XCTAssertThrowsError(try VietorisRips.barcode(points: square, maxRadius: -1))
    }

    func testSummaries() {
        let bars = [PersistenceBar(dimension: 0, birth: 0, death: 1), PersistenceBar(dimension: 0, birth: 0, death: 3),
                    PersistenceBar(dimension: 0, birth: 0, death: nil)]
        let s = BarcodeSummary(bars)
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.finiteCount, 2)
        XCTAssertEqual(s.infiniteCount, 1)
        XCTAssertEqual(s.averageLifespan, 2)
        XCTAssertEqual(s.maxLifespan, 3)
        XCTAssertEqual(s.entropy, -(0.25 * log(0.25) + 0.75 * log(0.75)), accuracy: 1e-15)
        XCTAssertEqual(BarcodeSummary([]).entropy, 0)
        // Equal lifespans: ln(count).
        XCTAssertEqual(BarcodeSummary.persistenceEntropy([2, 2, 2, 2]), log(4), accuracy: 1e-15)
    }

    func testPointsFromTensorEqualPointsFromArrays() throws {
        var g = SeededGenerator(seed: 2)
        let t = Tensor.randn([15, 4], generator: &g)
        let rows = (0..<15).map { r in (0..<4).map { Double(t.scalars[r * 4 + $0]) } }
        XCTAssertEqual(try VietorisRips.barcode(points: t), try VietorisRips.barcode(points: rows))
        XCTAssertThrowsError(try VietorisRips.barcode(points: Tensor(zeros: [3])))
    }
}
