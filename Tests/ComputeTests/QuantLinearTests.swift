import COpenBLAS
import Compute
import XCTest

/// `linear(x, weight: QuantizedMatrix)` against dequantize-then-sgemm, forward and backward,
/// on both of its paths (direct for few rows of x, tiled for many).
final class QuantLinearTests: XCTestCase {
    /// 4096 columns make a tile 64 rows, so 150 rows are two whole tiles and a partial one.
    private let rows = 150, columns = 4096

    private func randomWeight(seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randn([rows, columns], std: 0.05, generator: &generator)
    }

    /// C [m, n] = A [m, k] · B (B is [n, k] when `transposeB`, else [k, n]).
    private func sgemm(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeB: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, transposeB ? Int32(k) : Int32(n), 0, &c, Int32(n))
        return c
    }

    /// |actual − expected| ≤ 1e-5 · Σ|terms| per element, the scale that rounding in a dot
    /// product of that length is measured against (a plain relative test fails near zero sums).
    private func assertAgrees(_ actual: [Float], _ expected: [Float], magnitude: [Float], _ message: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for i in 0..<min(actual.count, expected.count) {
            let tolerance = 1e-5 * magnitude[i] + 1e-30
            if !(abs(actual[i] - expected[i]) <= tolerance) {
                XCTFail("\(message) element \(i): \(actual[i]) vs \(expected[i])", file: file, line: line)
                return
            }
        }
    }

    func testMatchesDequantizeThenSgemmForwardAndBackward() throws {
        let dense = randomWeight(seed: 1)
        var generator = SeededGenerator(seed: 2)
        for type in QuantType.allCases {
            let weight = try QuantizedMatrix.quantize(dense, as: type)
            let w = weight.dequantized().scalars                        // [rows, columns]
            let absW = w.map(abs)
            for leading in [[1], [3], [2, 32]] {                        // M = 1, 3, 64
                let m = leading.reduce(1, *)
                let x = Tensor.randn(leading + [columns], generator: &generator, requiresGrad: true)
                let y = try linear(x, weight: weight)
                XCTAssertEqual(y.shape, leading + [rows])
                let xs = x.scalars
                let expected = sgemm(xs, w, m: m, n: rows, k: columns, transposeB: true)
                let magnitude = sgemm(xs.map(abs), absW, m: m, n: rows, k: columns, transposeB: true)
                assertAgrees(y.scalars, expected, magnitude: magnitude, "\(type) forward M=\(m)")

                let dy = Tensor.randn(y.shape, generator: &generator)
                try y.backward(seed: dy)
                let dys = dy.scalars
                let expectedDx = sgemm(dys, w, m: m, n: columns, k: rows, transposeB: false)
                let dxMagnitude = sgemm(dys.map(abs), absW, m: m, n: columns, k: rows, transposeB: false)
                let dx = try XCTUnwrap(x.grad)
                XCTAssertEqual(dx.shape, x.shape)
                assertAgrees(dx.scalars, expectedDx, magnitude: dxMagnitude, "\(type) backward M=\(m)")
            }
        }
    }

    func testDirectAndTiledPathsAgreeAcrossTheThreshold() throws {
        let weight = try QuantizedMatrix.quantize(randomWeight(seed: 4), as: .q4_1)
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.randn([12, columns], generator: &generator)
        let all = try linear(x, weight: weight).scalars             // tiled
        for m in 1...12 {
            // The first m rows alone: direct for small m, tiled for larger.
            let head = try Tensor(shape: [m, columns], scalars: Array(x.scalars[0..<(m * columns)]))
            let part = try linear(head, weight: weight).scalars
            assertClose(part, Array(all[0..<(m * rows)]), atol: 1e-4, rtol: 1e-4, "M=\(m)")
        }
    }

    func testThreadedResultsEqualSingleThreaded() throws {
        let dense = randomWeight(seed: 10)
        var generator = SeededGenerator(seed: 11)
        let previous = Threads.count
        defer { try? Threads.set(previous) }
        for type in [QuantType.q4_0, .f16] {
            let weight = try QuantizedMatrix.quantize(dense, as: type)
            for m in [1, 64] {
                let x = Tensor.randn([m, columns], generator: &generator)
                try Threads.set(1)
                let single = try linear(x, weight: weight).scalars
                let singleDense = weight.dequantized().scalars
                try Threads.set(3)
                let threaded = try linear(x, weight: weight).scalars
                if m == 1 {
                    XCTAssertEqual(threaded, single, "\(type): the direct path splits output rows only")
                } else {
                    // Threaded OpenBLAS may use a different kernel; rounding differs slightly.
                    assertClose(threaded, single, atol: 2e-5, rtol: 1e-5, "\(type) M=\(m)")
                }
                XCTAssertEqual(weight.dequantized().scalars, singleDense, "\(type)")
                XCTAssertEqual(try QuantizedMatrix.quantize(dense, as: type).withUnsafeBytes { Array($0) },
                               weight.withUnsafeBytes { Array($0) }, "\(type)")
            }
        }
    }

    /// The tiled backward decodes a column slice of every weight row per thread; the AVX2 and
    /// portable decodes give the same tile values, so the same input gradient.
    func testThreadedBackwardSlicesDecodeAlikeOnBothKernelSets() throws {
        try comparingKernelSets(threads: 3) {
            let dense = randomWeight(seed: 12)
            var generator = SeededGenerator(seed: 13)
            for type in [QuantType.q4_0, .q4_1, .q8_0] {
                let weight = try QuantizedMatrix.quantize(dense, as: type)
                let x = Tensor.randn([80, columns], generator: &generator)
                let dy = Tensor.randn([80, rows], generator: &generator)
                var gradients: [[Float]] = []
                for avx2 in [true, false] {
                    KernelSet.useAVX2 = avx2
                    let input = try Tensor(shape: x.shape, scalars: x.scalars, requiresGrad: true)
                    try linear(input, weight: weight).backward(seed: dy)
                    gradients.append(try XCTUnwrap(input.grad).scalars)
                }
                XCTAssertTrue(gradients[0] == gradients[1], "\(type): the two kernel sets' gradients differ")
            }
        }
    }

    func testNonContiguousInputIsAccepted() throws {
        var generator = SeededGenerator(seed: 6)
        let weight = try QuantizedMatrix.quantize(Tensor.randn([5, 64], generator: &generator), as: .q8_0)
        let x = Tensor.randn([64, 3], generator: &generator)
        // A transposed [3, 64] view of x, built from strides.
        let view = Tensor(shape: [3, 64], strides: [1, 3], offset: 0, storage: x.storage)
        let expected = try linear(view.copy(), weight: weight).scalars
        assertClose(try linear(view, weight: weight).scalars, expected)
    }

    func testGradientMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 8)
        for (type, leading) in [(QuantType.q4_0, [1]), (.q8_0, [2, 6]), (.bf16, [3])] {
            let weight = try QuantizedMatrix.quantize(Tensor.randn([7, 64], std: 0.3, generator: &generator), as: type)
            let x = parameter(leading + [64], seed: 9)
            try assertGradientsMatch([x]) { xs in try linear(xs[0], weight: weight) }
        }
    }

    func testWrongLastDimensionNamesBothShapes() throws {
        let weight = try QuantizedMatrix.quantize(Tensor.zeros([5, 64]), as: .q4_0)
        for shape in [[2, 3, 32], [63]] {
            XCTAssertThrowsError(try linear(Tensor.zeros(shape), weight: weight)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(Tensor.describe(shape)) && text.contains("[5, 64]"), text)
            }
        }
        XCTAssertThrowsError(try linear(Tensor(scalar: 1), weight: weight))
    }

    func testEmptyBatchGivesEmptyOutput() throws {
        let weight = try QuantizedMatrix.quantize(Tensor.ones([5, 64]), as: .q8_0)
        XCTAssertEqual(try linear(Tensor.zeros([0, 64]), weight: weight).shape, [0, 5])
        let none = try QuantizedMatrix(rows: 0, columns: 64, type: .q4_0, data: [])
        XCTAssertEqual(try linear(Tensor.ones([2, 64]), weight: none).shape, [2, 0])
    }

    func testNoGradientIsRecordedForInputsThatNeedNone() throws {
        let weight = try QuantizedMatrix.quantize(Tensor.ones([5, 64]), as: .f32)
        let y = try linear(Tensor.ones([1, 64]), weight: weight)
        XCTAssertFalse(y.requiresGrad)
        XCTAssertEqual(y.scalars, [Float](repeating: 64, count: 5))
    }
}
