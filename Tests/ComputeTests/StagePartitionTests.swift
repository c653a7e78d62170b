import XCTest
import Compute

final class StagePartitionTests: XCTestCase {
    func testUniformStagesAreContiguousWithTheRemainderInTheShallowest() throws {
        let sizes = { (l: Int, g: Int) in try StagePartition.uniform(layerCount: l, stages: g).stages.map(\.layers.count) }
        XCTAssertEqual(try sizes(30, 4), [8, 8, 7, 7])
        XCTAssertEqual(try sizes(30, 3), [10, 10, 10])
        XCTAssertEqual(try sizes(4, 4), [1, 1, 1, 1])
        let p = try StagePartition.uniform(layerCount: 28, stages: 3)
        XCTAssertEqual(p.stages.map(\.span), [0...9, 10...18, 19...27])
        XCTAssertEqual(p.representatives, [0, 10, 19])
        XCTAssertEqual(p.stage(of: 18), 1)
        XCTAssertNil(p.stage(of: 28))
        XCTAssertTrue(p.nonContiguousStages.isEmpty)
        XCTAssertEqual(try StagePartition.single(layerCount: 5).stages.map(\.layers), [[0, 1, 2, 3, 4]])
        XCTAssertThrowsError(try StagePartition.uniform(layerCount: 4, stages: 5)) {
            XCTAssertEqual("\($0)", "5 stages cannot split 4 layers: G must be in [1, 4]")
        }
        XCTAssertThrowsError(try StagePartition.uniform(layerCount: 4, stages: 0))
    }

    func testClusterLabelsBecomeStagesOrderedByDepth() throws {
        let p = try StagePartition.clusters([7, 7, 2, 2, 2, 9])
        XCTAssertEqual(p.stages.map(\.layers), [[0, 1], [2, 3, 4], [5]])
        XCTAssertEqual(p.representatives, [0, 2, 5])
        let broken = try StagePartition.clusters([1, 1, 0, 1, 0])
        XCTAssertEqual(broken.stages.map(\.layers), [[0, 1, 3], [2, 4]])
        XCTAssertEqual(broken.nonContiguousStages, [0, 1])
        XCTAssertEqual(broken.stages[0].span, 0...3)
        XCTAssertThrowsError(try StagePartition(layerCount: 3, stages: [.init(layers: [0, 1]), .init(layers: [1, 2])]))
        XCTAssertThrowsError(try StagePartition(layerCount: 3, stages: [.init(layers: [0, 1])]))
    }

    func testEvenSplitGivesTheRemainderToTheFirstParts() {
        XCTAssertEqual(StagePartition.evenSplit(64, into: 3), [22, 21, 21])
        XCTAssertEqual(StagePartition.evenSplit(64, into: 5), [13, 13, 13, 13, 12])
        XCTAssertEqual(StagePartition.evenSplit(6, into: 3), [2, 2, 2])
        XCTAssertEqual(StagePartition.evenSplit(5, into: 0), [])
    }
}
