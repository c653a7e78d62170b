import Compute
import XCTest

/// Block layouts against hand-written bytes, and ggml's reference quantizers' rounding rules.
final class QuantFormatTests: XCTestCase {
    private func decode(_ type: QuantType, columns: Int, _ bytes: [UInt8], rows: Int = 1) throws -> [Float] {
        try QuantizedMatrix(rows: rows, columns: columns, type: type, data: bytes).dequantized().scalars
    }

    private func halfBytes(_ h: UInt16) -> [UInt8] { [UInt8(h & 0xFF), UInt8(h >> 8)] }

    // MARK: - Decoding hand-built blocks

    /// Nibble bytes with low nibbles 0…15 and high nibbles 15…0.
    private var risingAndFallingNibbles: [UInt8] {
        (0..<16).map { (j: Int) -> UInt8 in UInt8(j) | (UInt8(15 - j) << 4) }
    }

    /// Q4_0 with d = 0.5 (f16 0x3800): low nibbles 0…15, high nibbles 15…0.
    private var q4_0Block: [UInt8] {
        halfBytes(0x3800) + risingAndFallingNibbles
    }

    func testQ4_0DecodesLowNibblesFirstThenHighNibbles() throws {
        // Second block: d = −2 (0xC000), every byte 0x9F → low q = 15, high q = 9.
        let second = halfBytes(0xC000) + [UInt8](repeating: 0x9F, count: 16)
        let values = try decode(.q4_0, columns: 64, q4_0Block + second)
        let low: [Float] = (0..<16).map { Float($0 - 8) * 0.5 }
        let expectedFirst = low + (0..<16).map { Float(7 - $0) * 0.5 }
        let expectedSecond = [Float](repeating: 7 * -2, count: 16) + [Float](repeating: 1 * -2, count: 16)
        XCTAssertEqual(values, expectedFirst + expectedSecond)
    }

    /// Q4_1 with d = 0.25 (0x3400), m = −1 (0xBC00): low nibbles 0…15, high 15…0.
    private var q4_1Block: [UInt8] {
        halfBytes(0x3400) + halfBytes(0xBC00) + risingAndFallingNibbles
    }

    func testQ4_1DecodesScaleAndMinimum() throws {
        let values = try decode(.q4_1, columns: 32, q4_1Block)
        let low: [Float] = (0..<16).map { Float($0) * 0.25 - 1 }
        let expected = low + (0..<16).map { Float(15 - $0) * 0.25 - 1 }
        XCTAssertEqual(values, expected)
    }

    /// Q8_0 with d = 0.5: q = 8j − 127 for j = 0…31.
    private var q8_0Block: [UInt8] {
        halfBytes(0x3800) + (0..<32).map { (j: Int) -> UInt8 in UInt8(bitPattern: Int8(j * 8 - 127)) }
    }

    func testQ8_0DecodesSignedBytesIncludingMinus128() throws {
        let second = halfBytes(0x3400) + [UInt8](repeating: 0x80, count: 32)    // q = −128, d = 0.25
        let values = try decode(.q8_0, columns: 32, q8_0Block + second, rows: 2)
        let first: [Float] = (0..<32).map { Float($0 * 8 - 127) * 0.5 }
        let expected = first + [Float](repeating: -32, count: 32)
        XCTAssertEqual(values, expected)
    }

    func testF16DecodesSpecialValues() throws {
        let patterns: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0400, 0x03FF, 0x0001, 0x8000, 0x7C00, 0xFC00, 0x3555]
        let values = try decode(.f16, columns: patterns.count, patterns.flatMap(halfBytes))
        let expected: [Float] = [1, -2, 65504, 0x1p-14, 1023 * 0x1p-24, 0x1p-24, -0.0, .infinity, -.infinity, 0.333251953125]
        XCTAssertEqual(values, expected)
        XCTAssertEqual(values[6].sign, .minus, "−0 keeps its sign")
        let nan = try decode(.f16, columns: 1, halfBytes(0x7E00))
        XCTAssertTrue(nan[0].isNaN)
    }

    func testF16DecodingMatchesTheStandardLibraryForEveryPattern() throws {
        let all = (0..<65536).map { UInt16($0) }
        let values = try decode(.f16, columns: all.count, all.flatMap(halfBytes))
        for (pattern, value) in zip(all, values) {
            let reference = Float(Float16(bitPattern: pattern))
            if reference.isNaN {
                XCTAssertTrue(value.isNaN, "pattern \(pattern)")
            } else {
                XCTAssertEqual(value.bitPattern, reference.bitPattern, "pattern \(String(pattern, radix: 16))")
            }
        }
    }

    func testBF16IsTheUpperHalfOfAFloat() throws {
        let values = try decode(.bf16, columns: 3, [0x3F80, 0xC040, 0x4049].flatMap(halfBytes))
        XCTAssertEqual(values, [1, -3, 3.140625])
    }

    func testF32BytesAreLittleEndianFloats() throws {
        let floats: [Float] = [1.5, -0.25, 1e-30, 3e38]
        let bytes = floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }
        XCTAssertEqual(try decode(.f32, columns: 4, bytes), floats)
    }

    // MARK: - Reference quantizers

    private func encode(_ values: [Float], rows: Int = 1, as type: QuantType) throws -> [UInt8] {
        let w = try Tensor(shape: [rows, values.count / rows], scalars: values)
        return try QuantizedMatrix.quantize(w, as: type).withUnsafeBytes { Array($0) }
    }

    func testQuantizersReproduceHandBuiltBlocks() throws {
        for (type, block) in [(QuantType.q4_0, q4_0Block), (.q4_1, q4_1Block), (.q8_0, q8_0Block)] {
            let values = try decode(type, columns: 32, block)
            XCTAssertEqual(try encode(values, as: type), block, "\(type)")
        }
    }

    /// Bytes produced by ggml's reference quantizers (through gguf-py's `quants.quantize`) for
    /// x[i] = (((37·i + 11) mod 97) − 48) / 7, i < 64, computed in Float32; printed by
    /// Tests/Fixtures/quant/reference_bytes.py.
    func testQuantizersMatchGGMLReferenceBytes() throws {
        let x: [Float] = (0..<64).map { Float((($0 * 37 + 11) % 97) - 48) / 7 }
        let golden: [QuantType: String] = [
            .q4_0: "b7bade6802ac46ef8a23cd57f19b35df7912dbba9b35df7912bc56f08a24ce68f2ac45ef",
            .q4_1: "163b92c63197fd54ba2086ec42a80e65ca2187ed503bdbc665cb3197ed53b91f76db42980e64ca21",
            .q8_0: "c42a9c0064c22684e84caa0e71cf3391f559b71b7fdd419f0367c52986ea4eac1074e92ad33596f85abb1d7fe042a30567"
                + "c82a8ced4fb11374d63899fb5dbe2081e345a6",
            .bf16: "a9c00000a94052c00040d2c0a5bf804092c0373fc04025c02e40bbc012bf974077c0b73fd740eebf5b40a5c0123eae40"
                + "49c00940cec092bf85408ec05b3fc5401bc03740b7c0dbbe9b406ec0c93fdb40dbbf6540a0c0923eb24040c01240c9c0"
                + "80bf894089c0803fc94012c04040b2c092bea04065c0db3fdbc0c9bf6e409bc0",
            .f16: "49c50000494592c2004092c625bd004492c4b739004625c16e41dbc592b8b744b7c3b73db7466ebfdb4225c592306e45"
                + "49c249406ec692bc25446ec4db3a2546dbc0b741b7c5dbb6db446ec3493edb46dbbe254300c59234924500c2924049c6"
                + "00bc494449c4003c494692c0004292c592b4004525c3db3edbc649be6e43dbc4",
        ]
        for (type, hex) in golden {
            let bytes = try encode(x, as: type)
            XCTAssertEqual(bytes.map { String(format: "%02x", $0) }.joined(), hex, "\(type)")
        }
    }

    func testQ4_0ClampsTheSideOppositeTheExtreme() throws {
        // Extreme −8 gives d = 1; +8 would need q = 16 and is clamped to 15 (value 7).
        var values = [Float](repeating: 0, count: 32)
        values[0] = -8
        values[1] = 8
        values[2] = 2.4
        let decoded = try decode(.q4_0, columns: 32, try encode(values, as: .q4_0))
        XCTAssertEqual(Array(decoded[0..<3]), [-8, 7, 2])
    }

    func testQ8_0RoundsHalvesAwayFromZero() throws {
        var values = [Float](repeating: 0, count: 32)
        values[0] = 127                                 // d = 1
        values[1...4] = [2.5, -2.5, 0.5, -0.5]
        let bytes = try encode(values, as: .q8_0)
        XCTAssertEqual(Array(bytes[0..<2]), halfBytes(0x3C00))
        XCTAssertEqual(bytes[2...6].map { Int8(bitPattern: $0) }, [127, 3, -3, 1, -1])
    }

    func testAllZeroBlocksStayZero() throws {
        for type in [QuantType.q4_0, .q4_1, .q8_0] {
            let zeros = [Float](repeating: 0, count: 64)
            XCTAssertEqual(try decode(type, columns: 64, try encode(zeros, as: type)), zeros, "\(type)")
        }
    }

    func testBF16RoundsToNearestEven() throws {
        // 1 + 2⁻⁸ lies halfway between two bf16 values: rounds to the even one (1.0);
        // 1 + 3·2⁻⁸ rounds up to 1 + 2⁻⁶.
        let bytes = try encode([1 + 0x1p-8, 1 + 3 * 0x1p-8], as: .bf16)
        XCTAssertEqual(bytes, halfBytes(0x3F80) + halfBytes(0x3F82))
    }

    /// |x − dequantize(quantize(x))| within half a quantization step (plus the f16 rounding of
    /// the stored scale and minimum); a full step where ggml's quantizer clamps.
    func testRoundTripErrorIsWithinHalfAStep() throws {
        var generator = SeededGenerator(seed: 11)
        let rows = 6, columns = 96
        var values = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            let scale = Float(r + 1) * 0.3, shift = Float(r) - 2.5      // varied ranges and offsets
            for c in 0..<columns { values[r * columns + c] = shift + scale * generator.nextNormal() }
        }
        let w = try Tensor(shape: [rows, columns], scalars: values)
        for type in QuantType.allCases {
            let back = try QuantizedMatrix.quantize(w, as: type).dequantized().scalars
            for block in 0..<(values.count / 32) {
                let x = Array(values[block * 32 ..< block * 32 + 32])
                let y = Array(back[block * 32 ..< block * 32 + 32])
                let amax = x.map(abs).max()!
                let low = x.min()!, high = x.max()!
                let extreme = x.first { abs($0) == amax }!
                for j in 0..<32 {
                    let bound: Float
                    switch type {
                    case .q4_0:
                        let step = amax / 8
                        let clamped = x[j] / (extreme / -8) > 7.5
                        bound = (clamped ? step : step / 2) + 8 * step * 0x1p-11 + 1e-6
                    case .q4_1:
                        let step = (high - low) / 15
                        bound = step / 2 + 15 * step * 0x1p-11 + abs(low) * 0x1p-11 + 1e-6
                    case .q8_0:
                        let step = amax / 127
                        bound = step / 2 + 127 * step * 0x1p-11 + 1e-6
                    case .f16: bound = abs(x[j]) * 0x1p-11
                    case .bf16: bound = abs(x[j]) * 0x1p-8
                    case .f32: bound = 0
                    }
                    XCTAssertLessThanOrEqual(abs(x[j] - y[j]), bound, "\(type) block \(block) element \(j): \(x[j]) → \(y[j])")
                }
            }
        }
    }
}
