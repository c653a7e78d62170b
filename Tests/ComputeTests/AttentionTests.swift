import Compute
import Foundation
import XCTest

final class AttentionTests: XCTestCase {
    /// Probabilities by the definition, one query head at a time: `[B, Hq, Tq, Tk]`.
    private func naiveProbabilities(_ q: Tensor, _ k: Tensor, scale: Float, causal: Bool, offset: Int,
                                    mask: [[Float]]?) -> [Float] {
        let (batch, tq, hq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (tk, hkv) = (k.shape[1], k.shape[2])
        let (qs, ks) = (q.scalars, k.scalars)
        var result: [Float] = []
        for b in 0..<batch {
            for h in 0..<hq {
                let kh = h / (hq / hkv)
                for i in 0..<tq {
                    var scores = (0..<tk).map { j -> Double in
                        var dot = 0.0
                        for e in 0..<d {
                            dot += Double(qs[((b * tq + i) * hq + h) * d + e]) * Double(ks[((b * tk + j) * hkv + kh) * d + e])
                        }
                        return Double(scale) * dot + Double(mask?[b][j] ?? 0)
                    }
                    if causal { for j in 0..<tk where j > offset + i { scores[j] = -.infinity } }
                    let peak = scores.max()!
                    if peak == -.infinity {
                        result += [Float](repeating: 0, count: tk)
                    } else {
                        let e = scores.map { exp($0 - peak) }
                        let total = e.reduce(0, +)
                        result += e.map { Float($0 / total) }
                    }
                }
            }
        }
        return result
    }

    /// Output by the definition: `[B, Tq, Hq, D]`.
    private func naiveOutput(_ p: [Float], _ v: Tensor, batch: Int, hq: Int, tq: Int) -> [Float] {
        let (tk, hkv, d) = (v.shape[1], v.shape[2], v.shape[3])
        let vs = v.scalars
        var result = [Float](repeating: 0, count: batch * tq * hq * d)
        for b in 0..<batch {
            for h in 0..<hq {
                for i in 0..<tq {
                    for e in 0..<d {
                        var total = 0.0
                        for j in 0..<tk {
                            total += Double(p[((b * hq + h) * tq + i) * tk + j]) * Double(vs[((b * tk + j) * hkv + h / (hq / hkv)) * d + e])
                        }
                        result[((b * tq + i) * hq + h) * d + e] = Float(total)
                    }
                }
            }
        }
        return result
    }

    private let padding: [[Float]] = [[0, 0, 0], [-.infinity, 0, 0]]

    private func paddingMask() throws -> Tensor {
        try Tensor(shape: [2, 3], scalars: padding.flatMap { $0 })
    }

    func testGroupedQueryCausalPaddedMatchesNaive() throws {
        let q = constant([2, 3, 4, 4], seed: 1), k = constant([2, 3, 2, 4], seed: 2), v = constant([2, 3, 2, 4], seed: 3)
        let scale: Float = 0.5
        let p = try attentionProbabilities(query: q, key: k, scale: scale, causal: true, mask: paddingMask())
        XCTAssertEqual(p.shape, [2, 4, 3, 3])
        let expected = naiveProbabilities(q, k, scale: scale, causal: true, offset: 0, mask: padding)
        assertClose(p.scalars, expected, atol: 1e-5)
        // Batch 1, query 0 sees only key 0, which is padding: a row of zeros, not NaN.
        let row = try (0..<3).map { try p.value(at: [1, 2, 0, $0]) }
        XCTAssertEqual(row, [0, 0, 0])
        let out = try attentionOutput(probabilities: p, value: v)
        XCTAssertEqual(out.shape, [2, 3, 4, 4])
        assertClose(out.scalars, naiveOutput(expected, v, batch: 2, hq: 4, tq: 3), atol: 1e-5)
    }

    func testQueryOffsetSeesCachedKeys() throws {
        let q = constant([1, 2, 2, 4], seed: 4), k = constant([1, 5, 1, 4], seed: 5)
        let p = try attentionProbabilities(query: q, key: k, scale: 0.5, causal: true, queryOffset: 3)
        assertClose(p.scalars, naiveProbabilities(q, k, scale: 0.5, causal: true, offset: 3, mask: nil), atol: 1e-5)
        // Query 0 sits at position 3: key 4 is in its future.
        XCTAssertEqual(try p.value(at: [0, 0, 0, 4]), 0)
        XCTAssertGreaterThan(try p.value(at: [0, 0, 1, 4]), 0)
    }

    func testProbabilityGradientsGroupedCausalPadded() throws {
        let q = parameter([2, 3, 4, 4], seed: 6), k = parameter([2, 3, 2, 4], seed: 7)
        let mask = try paddingMask()
        try assertGradientsMatch([q, k]) { xs in
            try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.5, causal: true, mask: mask)
        }
    }

    func testProbabilityGradientsWithQueryOffset() throws {
        let q = parameter([1, 2, 2, 4], seed: 8), k = parameter([1, 5, 1, 4], seed: 9)
        try assertGradientsMatch([q, k]) { xs in
            try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.5, causal: true, queryOffset: 3)
        }
    }

    func testOutputGradients() throws {
        let p = parameter([2, 4, 3, 5], seed: 10), v = parameter([2, 5, 2, 3], seed: 11)
        try assertGradientsMatch([p, v]) { xs in try attentionOutput(probabilities: xs[0], value: xs[1]) }
    }

    func testEndToEndGradients() throws {
        let q = parameter([2, 3, 4, 4], seed: 12), k = parameter([2, 3, 2, 4], seed: 13), v = parameter([2, 3, 2, 4], seed: 14)
        let mask = try paddingMask()
        try assertGradientsMatch([q, k, v]) { xs in
            let p = try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.5, causal: true, mask: mask)
            return try attentionOutput(probabilities: p, value: xs[2])
        }
    }

    func testMultithreadedMatchesSingleThreaded() throws {
        let q = constant([2, 3, 4, 4], seed: 15), k = constant([2, 3, 2, 4], seed: 16)
        let single = try withThreads(1) { try attentionProbabilities(query: q, key: k, scale: 0.5, causal: true).scalars }
        try withThreads(2) {
            let multi = try attentionProbabilities(query: q, key: k, scale: 0.5, causal: true).scalars
            assertClose(multi, single, atol: 1e-6)
            let (pq, pk, pv) = (parameter([2, 3, 4, 4], seed: 17), parameter([2, 3, 2, 4], seed: 18), parameter([2, 3, 2, 4], seed: 19))
            try assertGradientsMatch([pq, pk, pv]) { xs in
                let p = try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.5, causal: true)
                return try attentionOutput(probabilities: p, value: xs[2])
            }
        }
    }

    /// A decode step with grouped heads (one product per key/value head) on a cache with empty
    /// slots past the filled ones and a padded sequence: probabilities, output and gradients.
    func testSingleQueryGroupedHeadsOnAPartlyFilledCache() throws {
        let q = constant([2, 1, 6, 4], seed: 30), k = constant([2, 7, 2, 4], seed: 31), v = constant([2, 7, 2, 4], seed: 32)
        let maskRows: [[Float]] = [[0, 0, 0, 0, 0, 0, 0], [-.infinity, -.infinity, 0, 0, 0, 0, 0]]
        let mask = try Tensor(shape: [2, 7], scalars: maskRows.flatMap { $0 })
        // Position 4: keys 0…4 are filled, slots 5 and 6 are not yet.
        let p = try attentionProbabilities(query: q, key: k, scale: 0.5, causal: true, queryOffset: 4, mask: mask)
        let expected = naiveProbabilities(q, k, scale: 0.5, causal: true, offset: 4, mask: maskRows)
        assertClose(p.scalars, expected, atol: 1e-5)
        XCTAssertEqual(try p.value(at: [1, 5, 0, 0]), 0, "a padded key")
        XCTAssertEqual(try p.value(at: [0, 3, 0, 5]), 0, "an empty cache slot")
        let out = try attentionOutput(probabilities: p, value: v)
        assertClose(out.scalars, naiveOutput(expected, v, batch: 2, hq: 6, tq: 1), atol: 1e-5)
        let (pq, pk, pv) = (parameter([2, 1, 6, 4], seed: 33), parameter([2, 7, 2, 4], seed: 34), parameter([2, 7, 2, 4], seed: 35))
        try assertGradientsMatch([pq, pk, pv]) { xs in
            let p = try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.5, causal: true, queryOffset: 4, mask: mask)
            return try attentionOutput(probabilities: p, value: xs[2])
        }
    }

    /// More query rows than one score block (64): whole and partial blocks, each trimmed to the
    /// keys its last row sees, after cached keys and before empty slots.
    func testLongCausalPrefillAcrossRowBlocks() throws {
        for (tq, offset, tk) in [(150, 0, 150), (100, 20, 140)] {
            let q = constant([2, tq, 2, 3], seed: 36, scale: 0.5), k = constant([2, tk, 1, 3], seed: 37, scale: 0.5)
            let v = constant([2, tk, 1, 3], seed: 38)
            var maskRows = [[Float]](repeating: [Float](repeating: 0, count: tk), count: 2)
            for j in 0..<5 { maskRows[1][j] = -.infinity }
            let mask = try Tensor(shape: [2, tk], scalars: maskRows.flatMap { $0 })
            let p = try attentionProbabilities(query: q, key: k, scale: 0.7, causal: true, queryOffset: offset, mask: mask)
            let expected = naiveProbabilities(q, k, scale: 0.7, causal: true, offset: offset, mask: maskRows)
            assertClose(p.scalars, expected, atol: 1e-5, "Tq=\(tq) offset=\(offset)")
            let out = try attentionOutput(probabilities: p, value: v)
            assertClose(out.scalars, naiveOutput(expected, v, batch: 2, hq: 2, tq: tq), atol: 1e-5, "Tq=\(tq) offset=\(offset)")
        }
        let (pq, pk, pv) = (parameter([1, 70, 2, 2], seed: 39), parameter([1, 70, 1, 2], seed: 40), parameter([1, 70, 1, 2], seed: 41))
        try assertGradientsMatch([pq, pk, pv]) { xs in
            let p = try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.5, causal: true)
            return try attentionOutput(probabilities: p, value: xs[2])
        }
    }

    /// A NaN reaches the output: products are cut only at zero probabilities, and a row whose
    /// scores are all NaN is NaN, not taken for a fully masked row.
    func testNaNPropagatesThroughTrimmedProducts() throws {
        let k = constant([1, 3, 2, 4], seed: 43), v = constant([1, 3, 2, 4], seed: 44)
        k.data[9] = .nan                                        // key 1, key head 0 (query heads 0 and 1)
        let q = constant([1, 1, 4, 4], seed: 42)
        var out = try attentionOutput(probabilities: attentionProbabilities(query: q, key: k, scale: 0.5, causal: true,
                                                                            queryOffset: 2), value: v).scalars
        XCTAssertTrue(out[0..<8].allSatisfy(\.isNaN), "query heads 0 and 1 read the NaN key")
        XCTAssertFalse(out[8..<16].contains(where: \.isNaN), "query heads 2 and 3 do not")
        let nanQuery = constant([1, 1, 4, 4], seed: 42)
        nanQuery.data[12] = .nan                                // query head 3: every score NaN
        let clean = constant([1, 3, 2, 4], seed: 43)
        out = try attentionOutput(probabilities: attentionProbabilities(query: nanQuery, key: clean, scale: 0.5,
                                                                        causal: true, queryOffset: 2), value: v).scalars
        XCTAssertTrue(out[12..<16].allSatisfy(\.isNaN), "query head 3")
        XCTAssertFalse(out[0..<12].contains(where: \.isNaN), "the other heads")
    }

    /// A decode step whose head width is a multiple of 8 takes the AVX2 products: against the
    /// definition and the sgemm path, at widths with and without a remainder past 64 columns,
    /// key counts off the four-key step, a padded sequence, empty cache slots; gradients; NaN.
    func testDecodeStepKernelsAgreeWithDefinitionAndSgemm() throws {
        try comparingKernelSets(threads: 3) {
            for (d, tk, offset) in [(8, 7, 4), (72, 13, 10), (64, 9, 8)] {
                let q = constant([2, 1, 6, d], seed: 50), k = constant([2, tk, 2, d], seed: 51)
                let v = constant([2, tk, 2, d], seed: 52)
                var maskRows = [[Float]](repeating: [Float](repeating: 0, count: tk), count: 2)
                maskRows[1][0] = -.infinity
                maskRows[1][1] = -.infinity
                let mask = try Tensor(shape: [2, tk], scalars: maskRows.flatMap { $0 })
                let expected = naiveProbabilities(q, k, scale: 0.3, causal: true, offset: offset, mask: maskRows)
                var outputs: [[Float]] = []
                for avx2 in [false, true] {
                    KernelSet.useAVX2 = avx2
                    let p = try attentionProbabilities(query: q, key: k, scale: 0.3, causal: true, queryOffset: offset, mask: mask)
                    assertClose(p.scalars, expected, atol: 1e-5, "d=\(d) avx2=\(avx2)")
                    let out = try attentionOutput(probabilities: p, value: v).scalars
                    assertClose(out, naiveOutput(expected, v, batch: 2, hq: 6, tq: 1), atol: 1e-5, "d=\(d) avx2=\(avx2)")
                    outputs.append(out)
                }
                assertClose(outputs[1], outputs[0], atol: 1e-6, "d=\(d): AVX2 against sgemm")
            }
            KernelSet.useAVX2 = true
            let (pq, pk, pv) = (parameter([1, 1, 4, 8], seed: 53), parameter([1, 6, 2, 8], seed: 54), parameter([1, 6, 2, 8], seed: 55))
            try assertGradientsMatch([pq, pk, pv]) { xs in
                let p = try attentionProbabilities(query: xs[0], key: xs[1], scale: 0.3, causal: true, queryOffset: 4)
                return try attentionOutput(probabilities: p, value: xs[2])
            }
            let k = constant([1, 5, 2, 8], seed: 56)
            k.data[2 * 16 + 3] = .nan                               // key 2, key head 0 (query heads 0 and 1)
            let out = try attentionOutput(probabilities: attentionProbabilities(query: constant([1, 1, 4, 8], seed: 57), key: k,
                                                                                scale: 0.3, causal: true, queryOffset: 4),
                                          value: constant([1, 5, 2, 8], seed: 58)).scalars
            XCTAssertTrue(out[0..<16].allSatisfy(\.isNaN), "query heads 0 and 1 read the NaN key")
            XCTAssertFalse(out[16..<32].contains(where: \.isNaN), "query heads 2 and 3 do not")
        }
    }

    func testShapeErrorsNameBothShapes() throws {
        assertKernelError(try attentionProbabilities(query: Tensor(zeros: [1, 2, 3, 4]), key: Tensor(zeros: [1, 2, 2, 4]),
                                                     scale: 1, causal: false),
                          mentions: ["attentionProbabilities", "[1, 2, 3, 4]", "[1, 2, 2, 4]"])
        assertKernelError(try attentionProbabilities(query: Tensor(zeros: [1, 2, 2, 4]), key: Tensor(zeros: [1, 2, 2, 8]),
                                                     scale: 1, causal: false),
                          mentions: ["[1, 2, 2, 4]", "[1, 2, 2, 8]"])
        assertKernelError(try attentionProbabilities(query: Tensor(zeros: [1, 2, 2, 4]), key: Tensor(zeros: [1, 3, 2, 4]),
                                                     scale: 1, causal: false, mask: Tensor(zeros: [1, 2])),
                          mentions: ["[1, 3, 2, 4]", "[1, 2]"])
        assertKernelError(try attentionOutput(probabilities: Tensor(zeros: [1, 2, 3, 4]), value: Tensor(zeros: [1, 5, 2, 4])),
                          mentions: ["attentionOutput", "[1, 2, 3, 4]", "[1, 5, 2, 4]"])
    }
}
