import XCTest
import Compute

final class LowRankAdapterTests: XCTestCase {
    private func adapter(rank: Int = 4, dropout: Float = 0, randomB: Bool = false, seed: UInt64 = 3) throws -> LowRankAdapter {
        try LowRankAdapter(inFeatures: 16, outFeatures: 8, rank: rank, alpha: 8, dropout: dropout, seed: seed,
                           randomB: randomB, name: "lora.blocks.0.q")
    }

    func testInitialisationIsKaimingUniformAAndZeroB() throws {
        let lora = try adapter()
        XCTAssertEqual(lora.a.shape, [4, 16])
        XCTAssertEqual(lora.b.shape, [8, 4])
        XCTAssertEqual(lora.a.name, "lora.blocks.0.q.A")
        XCTAssertEqual(lora.b.name, "lora.blocks.0.q.B")
        XCTAssertTrue(lora.b.scalars.allSatisfy { $0 == 0 })
        let bound: Float = 1 / 4                                   // 1/√in, PEFT's kaiming_uniform_(a=√5)
        XCTAssertTrue(lora.a.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(lora.a.scalars.map(abs).max()!, bound * 0.8)
        XCTAssertEqual(lora.scale, 2)
        XCTAssertEqual(try adapter().a.scalars, lora.a.scalars, "seeded")
        XCTAssertNotEqual(try adapter(seed: 4).a.scalars, lora.a.scalars)
    }

    func testDeltaIsScaledBAx() throws {
        let lora = try adapter(randomB: true)
        var g = SeededGenerator(seed: 1)
        let x = Tensor.randn([2, 3, 16], generator: &g)
        let delta = try Autograd.noGrad { try lora.delta(x, training: false) }
        XCTAssertEqual(delta.shape, [2, 3, 8])
        // By hand: (α/r) Σ_j B[o, j] Σ_i A[j, i] x[i]
        let a = lora.a.scalars, b = lora.b.scalars, xs = x.scalars
        for row in 0..<6 {
            for o in 0..<8 {
                var sum: Float = 0
                for j in 0..<4 {
                    var ax: Float = 0
                    for i in 0..<16 { ax += a[j * 16 + i] * xs[row * 16 + i] }
                    sum += b[o * 4 + j] * ax
                }
                XCTAssertEqual(delta.scalars[row * 8 + o], 2 * sum, accuracy: 1e-5)
            }
        }
        XCTAssertTrue(try adapter().delta(x, training: false).scalars.allSatisfy { $0 == 0 }, "B = 0: no change")
    }

    func testMergedWeightGivesTheSameOutputAsTheAdapter() throws {
        let lora = try adapter(randomB: true)
        var g = SeededGenerator(seed: 2)
        let w = Tensor.randn([8, 16], generator: &g), x = Tensor.randn([5, 16], generator: &g)
        let unmerged = try Autograd.noGrad { try linear(x, weight: w) + lora.delta(x, training: false) }
        let merged = try linear(x, weight: try lora.merged(into: w))
        XCTAssertLessThan(zip(merged.scalars, unmerged.scalars).map { abs($0 - $1) }.max()!, 1e-5)
        XCTAssertThrowsError(try lora.merged(into: Tensor(zeros: [16, 8])))
    }

    func testBGetsTheFirstGradientAndAsIsZeroWhileBIsZero() throws {
        let lora = try adapter()
        var g = SeededGenerator(seed: 5)
        let x = Tensor.randn([3, 16], generator: &g)
        try (lora.delta(x, training: true) * Tensor.randn([3, 8], generator: &g)).sum().backward()
        let gb = try XCTUnwrap(lora.b.grad).scalars, ga = try XCTUnwrap(lora.a.grad).scalars
        XCTAssertGreaterThan(gb.map(abs).max()!, 1e-3)
        XCTAssertTrue(ga.allSatisfy { $0 == 0 }, "dL/dA = (α/r) Bᵀ … = 0 while B = 0")
    }

    func testDropoutOnlyInTrainingAndSeeded() throws {
        let x = Tensor.ones([4, 16])
        let lora = try adapter(dropout: 0.5, randomB: true)
        let plain = try adapter(dropout: 0, randomB: true)
        XCTAssertEqual(try lora.delta(x, training: false).scalars, try plain.delta(x, training: false).scalars)
        let trained = try lora.delta(x, training: true).scalars
        XCTAssertNotEqual(trained, try plain.delta(x, training: false).scalars)
        XCTAssertEqual(trained, try adapter(dropout: 0.5, randomB: true).delta(x, training: true).scalars, "seeded mask")
    }

    func testBadConfigurationsAreErrors() {
        XCTAssertThrowsError(try adapter(rank: 0)) { XCTAssertTrue("\($0)".contains("rank r must be at least 1"), "\($0)") }
        XCTAssertThrowsError(try adapter(dropout: 1)) { XCTAssertTrue("\($0)".contains("dropout must be in [0, 1)"), "\($0)") }
    }

    func testHierarchicalBlocksFollowThePublishedSplit() throws {
        let tables: [Int: [Range<Int>]] = [28: [0..<10, 10..<19, 19..<28], 30: [0..<10, 10..<20, 20..<30],
                                           32: [0..<11, 11..<22, 22..<32], 36: [0..<12, 12..<24, 24..<36],
                                           4: [0..<2, 2..<3, 3..<4]]
        for (n, expected) in tables {
            let split = try HierarchicalBlocks.split(layerCount: n)
            XCTAssertEqual([split.local, split.mid, split.global], expected, "N = \(n)")
            XCTAssertEqual(HierarchicalBlocks.Block.allCases.map { split[$0] }, expected)
        }
        XCTAssertEqual(HierarchicalBlocks.describe(0..<10), "0–9")
        XCTAssertThrowsError(try HierarchicalBlocks.split(layerCount: 2)) { XCTAssertTrue("\($0)".contains("at least 3 layers"), "\($0)") }
    }

    func testLayerSelectionParsesRangesAndLists() throws {
        XCTAssertEqual(try LayerSelection(parsing: "all"), .all)
        XCTAssertEqual(try LayerSelection(parsing: "2...4"), .layers([2, 3, 4]))
        XCTAssertEqual(try LayerSelection(parsing: "2..<4"), .layers([2, 3]))
        XCTAssertEqual(try LayerSelection(parsing: "5, 1,3"), .layers([1, 3, 5]))
        XCTAssertEqual(try LayerSelection(parsing: "7"), .layers([7]))
        XCTAssertEqual(try LayerSelection(parsing: "1,2,3").description, "1...3")
        XCTAssertEqual(try LayerSelection(parsing: "all").resolve(layerCount: 3), [0, 1, 2])
        XCTAssertThrowsError(try LayerSelection(parsing: "4").resolve(layerCount: 4)) {
            XCTAssertEqual("\($0)", "layer 4 is out of range: the model has 4 layers (0…3)")
        }
        for bad in ["foo", "3...1", "1,,2", "1,1", ""] {
            XCTAssertThrowsError(try LayerSelection(parsing: bad), bad)
        }
    }

    func testAdapterSetCoversTheChosenSitesAndNamesItsTensors() throws {
        let config = try TinyLlama.config()
        let set = try LowRankAdapterSet(prefix: "lora", config: config, layers: [2, 1], targets: [.v, .q], rank: 2,
                                        alpha: 4, dropout: 0, seed: 1)
        XCTAssertEqual(set.targets, [.q, .v])
        XCTAssertEqual(set.parameters.compactMap(\.name), ["lora.blocks.1.q.A", "lora.blocks.1.q.B", "lora.blocks.1.v.A",
                                                            "lora.blocks.1.v.B", "lora.blocks.2.q.A", "lora.blocks.2.q.B",
                                                            "lora.blocks.2.v.A", "lora.blocks.2.v.B"])
        XCTAssertEqual(set.parameterCount, 2 * (2 * (64 + 64) + 2 * (64 + 32)))
        XCTAssertEqual(try LowRankAdapterSet.parseTargets("q, k,o"), [.q, .k, .o])
        XCTAssertThrowsError(try LowRankAdapterSet.parseTargets("q,x")) { XCTAssertTrue("\($0)".contains("unknown target \"x\""), "\($0)") }
        XCTAssertThrowsError(try LowRankAdapterSet(prefix: "lora", config: config, layers: [4], targets: [.q], rank: 2,
                                                   alpha: 4, dropout: 0, seed: 1)) {
            XCTAssertTrue("\($0)".contains("layer 4 is out of range"), "\($0)")
        }
    }
}
