import Compute
import XCTest

/// The few-rows path of `linear(x, weight: QuantizedMatrix)` (dot products read off the blocks)
/// against the dequantized matrix, for every row count it serves and for block scales that
/// are subnormal, negative or zero.
final class QuantDirectPathTests: XCTestCase {
    /// y[i][r] = Σ_j W[r][j]·x[i][j] in Float64, and Σ |W[r][j]·x[i][j]| for the tolerance.
    private func reference(_ w: [Float], _ x: [Float], m: Int, n: Int, k: Int) -> (values: [Double], magnitude: [Double]) {
        var values = [Double](repeating: 0, count: m * n), magnitude = values
        for i in 0..<m {
            for r in 0..<n {
                var sum = 0.0, size = 0.0
                for j in 0..<k {
                    let term = Double(w[r * k + j]) * Double(x[i * k + j])
                    sum += term
                    size += abs(term)
                }
                values[i * n + r] = sum
                magnitude[i * n + r] = size
            }
        }
        return (values, magnitude)
    }

    private func assertMatchesDequantized(_ weight: QuantizedMatrix, rows m: Int, seed: UInt64,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        var generator = SeededGenerator(seed: seed)
        let x = Tensor.randn([m, weight.columns], generator: &generator)
        let y = try linear(x, weight: weight)
        XCTAssertEqual(y.shape, [m, weight.rows], file: file, line: line)
        let (expected, magnitude) = reference(weight.dequantized().scalars, x.scalars,
                                              m: m, n: weight.rows, k: weight.columns)
        let actual = y.scalars
        for i in 0..<actual.count {
            let tolerance = 1e-6 * magnitude[i] + 1e-30
            if !(abs(Double(actual[i]) - expected[i]) <= tolerance) {
                XCTFail("\(weight.type) M=\(m) element \(i): \(actual[i]) vs \(expected[i])", file: file, line: line)
                return
            }
        }
    }

    /// Runs `body` once with the portable kernels and, where the CPU has them, once with AVX2.
    private func forEachKernelSet(_ body: (String) throws -> Void) rethrows {
        let previous = KernelSet.useAVX2
        defer { KernelSet.useAVX2 = previous }
        for avx2 in KernelSet.avx2Available ? [false, true] : [false] {
            KernelSet.useAVX2 = avx2
            XCTAssertEqual(KernelSet.description, avx2 ? "avx2" : "portable")
            try body(KernelSet.description)
        }
    }

    func testEveryDirectRowCountMatchesTheDequantizedMatrix() throws {
        var generator = SeededGenerator(seed: 21)
        // 37 and 39 weight rows: the AVX2 tile kernel's last tile of four holds one or three.
        let matrices = [Tensor.randn([37, 96], std: 0.05, generator: &generator),
                        Tensor.randn([39, 96], std: 0.05, generator: &generator)]
        try forEachKernelSet { _ in
            for (dense, type) in matrices.flatMap({ d in [QuantType.q4_0, .q4_1, .q8_0, .f16].map { (d, $0) } }) {
                let weight = try QuantizedMatrix.quantize(dense, as: type)
                // The AVX2 block kernel (1–3 rows), its tile kernel (4–64: groups of three rows
                // of x, a last four as two and two), and past the direct path's limit.
                for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65] {
                    try assertMatchesDequantized(weight, rows: m, seed: UInt64(100 + m))
                }
            }
        }
    }

    func testAVX2AndPortableKernelsAgreeOnAWideMatrixWithThreads() throws {
        try XCTSkipUnless(KernelSet.avx2Available, "this CPU has no AVX2/FMA/F16C")
        var generator = SeededGenerator(seed: 22)
        let dense = Tensor.randn([130, 1536], std: 0.05, generator: &generator)
        let previous = (KernelSet.useAVX2, Threads.count)
        defer { KernelSet.useAVX2 = previous.0; try? Threads.set(previous.1) }
        try Threads.set(3)
        for type in [QuantType.q4_0, .q4_1, .q8_0] {
            let weight = try QuantizedMatrix.quantize(dense, as: type)
            for m in [1, 6, 16, 40] {
                let x = Tensor.randn([m, 1536], generator: &generator)
                KernelSet.useAVX2 = true
                let fast = try linear(x, weight: weight).scalars
                KernelSet.useAVX2 = false
                let portable = try linear(x, weight: weight).scalars
                assertClose(fast, portable, atol: 1e-4, rtol: 1e-4, "\(type) M=\(m)")
                try assertMatchesDequantized(weight, rows: m, seed: UInt64(400 + m))
            }
        }
    }

    func testSubnormalNegativeAndZeroScalesDecodeExactly() throws {
        // Scales (f16 bit patterns): subnormal, negative normal, zero, negative subnormal.
        let scales: [UInt16] = [0x0003, 0xB800, 0x0000, 0x8201]
        let rows = scales.count, columns = 64
        var q8: [UInt8] = [], q4: [UInt8] = []
        for (r, scale) in scales.enumerated() {
            for block in 0..<(columns / 32) {
                q8 += [UInt8(scale & 0xFF), UInt8(scale >> 8)]
                q8 += (0..<32).map { UInt8(bitPattern: Int8(truncatingIfNeeded: ($0 * 37 + r * 11 + block) % 255 - 127)) }
                let minimum = scales[(r + 1) % rows]
                q4 += [UInt8(scale & 0xFF), UInt8(scale >> 8), UInt8(minimum & 0xFF), UInt8(minimum >> 8)]
                q4 += (0..<16).map { UInt8(truncatingIfNeeded: $0 * 29 + r * 7 + block) }
            }
        }
        let q8Weight = try QuantizedMatrix(rows: rows, columns: columns, type: .q8_0, data: q8)
        let q41Weight = try QuantizedMatrix(rows: rows, columns: columns, type: .q4_1, data: q4)
        // The dequantized matrix holds the exact products; the direct path must agree with it.
        let w8 = q8Weight.dequantized().scalars
        XCTAssertEqual(w8[1], Float(Int8(bitPattern: q8[3])) * Float(Float16(bitPattern: 0x0003)))
        try forEachKernelSet { _ in
            for m in 1...9 {
                try assertMatchesDequantized(q8Weight, rows: m, seed: UInt64(200 + m))
                try assertMatchesDequantized(q41Weight, rows: m, seed: UInt64(300 + m))
            }
        }
    }
}
