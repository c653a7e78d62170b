import Compute
import XCTest

/// `QuantizedMatrix`: validation of its bytes, borrowing from a file mapping, row access.
final class QuantMatrixTests: XCTestCase {
    private final class Mapping {
        let bytes: UnsafeMutableRawBufferPointer
        init(count: Int) {
            bytes = .allocate(byteCount: count, alignment: 32)
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
        }
        deinit { bytes.deallocate() }
    }

    private func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            XCTFail("expected an error")
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testWrongByteCountNamesBothSizes() {
        let text = message { try QuantizedMatrix(rows: 3, columns: 64, type: .q4_0, data: [UInt8](repeating: 0, count: 100)) }
        XCTAssertTrue(text.contains("[3, 64]"), text)
        XCTAssertTrue(text.contains("108"), text)       // 3 rows × 2 blocks × 18 bytes
        XCTAssertTrue(text.contains("100"), text)
    }

    func testColumnsMustBeAWholeNumberOfBlocks() {
        let text = message { try QuantizedMatrix(rows: 2, columns: 40, type: .q8_0, data: []) }
        XCTAssertTrue(text.contains("[2, 40]") && text.contains("multiple of 32"), text)
        // Plain float types have blocks of one element.
        XCTAssertNoThrow(try QuantizedMatrix(rows: 2, columns: 3, type: .f16, data: [UInt8](repeating: 0, count: 12)))
    }

    func testNegativeAndOverflowingShapesAreRejected() {
        XCTAssertThrowsError(try QuantizedMatrix(rows: -1, columns: 32, type: .q4_0, data: []))
        let text = message { try QuantizedMatrix(rows: Int.max / 2, columns: 64, type: .q8_0, data: []) }
        XCTAssertTrue(text.contains("overflows"), text)
    }

    func testUnsupportedGGMLTypeIsNamed() {
        let mapping = Mapping(count: 144)
        let text = message {
            try QuantizedMatrix(rows: 1, columns: 256, ggmlType: 12, bytes: UnsafeRawBufferPointer(mapping.bytes), owner: mapping)
        }
        XCTAssertTrue(text.contains("Q4_K") && text.contains("Q8_0"), text)
        XCTAssertEqual(try QuantType(ggmlType: 2), .q4_0)
        XCTAssertEqual(try QuantType(ggmlType: 30), .bf16)
    }

    func testBorrowedBytesKeepTheirOwnerAlive() throws {
        weak var released: Mapping?
        var matrix: QuantizedMatrix?
        do {
            let mapping = Mapping(count: 2 * 34)
            mapping.bytes.storeBytes(of: UInt16(0x3C00).littleEndian, toByteOffset: 34, as: UInt16.self)   // row 1: d = 1
            mapping.bytes[36] = 5                                                                       // q = 5
            released = mapping
            matrix = try QuantizedMatrix(rows: 2, columns: 32, type: .q8_0,
                                         bytes: UnsafeRawBufferPointer(mapping.bytes), owner: mapping)
        }
        XCTAssertNotNil(released, "the matrix must retain its owner")
        let values = matrix!.dequantized().scalars
        XCTAssertEqual(values[32], 5)
        XCTAssertEqual(values.filter { $0 != 0 }.count, 1)
        XCTAssertEqual(matrix!.memoryBytes, 68)
        matrix = nil
        XCTAssertNil(released, "the owner is released with the matrix")
    }

    func testMemoryIsTheEncodedSize() throws {
        let w = Tensor.zeros([4, 64])
        let expected: [QuantType: Int] = [.f32: 1024, .f16: 512, .bf16: 512, .q8_0: 272, .q4_1: 160, .q4_0: 144]
        for (type, bytes) in expected {
            XCTAssertEqual(try QuantizedMatrix.quantize(w, as: type).memoryBytes, bytes, "\(type)")
        }
        XCTAssertEqual(QuantType.q4_1.bitsPerWeight, 5)
        XCTAssertEqual(QuantType.q4_0.bitsPerWeight, 4.5)
        XCTAssertEqual(QuantType.q8_0.bitsPerWeight, 8.5)
    }

    func testDequantizeRowsMatchesTheWholeMatrix() throws {
        var generator = SeededGenerator(seed: 3)
        let w = Tensor.randn([9, 64], generator: &generator)
        for type in QuantType.allCases {
            let q = try QuantizedMatrix.quantize(w, as: type)
            let whole = q.dequantized().scalars
            var part = [Float](repeating: .nan, count: 4 * 64)
            part.withUnsafeMutableBufferPointer { q.dequantizeRows(3..<7, into: $0.baseAddress!) }
            XCTAssertEqual(part, Array(whole[(3 * 64)..<(7 * 64)]), "\(type)")
        }
    }

    /// The AVX2 row decode gives the portable decode's values (bit for bit but for the sign of
    /// a zero: Q4_0's (q − 8)·d is +0 there and −0 in the portable decode for a negative d), for
    /// whole matrices split over threads and for ranges that start and end mid-matrix, with
    /// subnormal, negative and zero block scales among ordinary ones.
    func testAVX2DecodeEqualsPortable() throws {
        try comparingKernelSets(threads: 3) {
            func assertSame(_ actual: [Float], _ expected: ArraySlice<Float>, _ message: String) {
                XCTAssertEqual(actual.count, expected.count, message)
                if let i = actual.indices.first(where: { i in i < expected.count && actual[i] != expected[expected.startIndex + i] }) {
                    XCTFail("\(message) element \(i): \(actual[i]) vs \(expected[expected.startIndex + i])")
                }
            }
            var generator = SeededGenerator(seed: 12)
            let dense = Tensor.randn([300, 256], std: 0.05, generator: &generator)
            for type in [QuantType.q4_0, .q4_1, .q8_0] {
                var bytes = try QuantizedMatrix.quantize(dense, as: type).withUnsafeBytes { Array($0) }
                // The first block's scale (and Q4_1's minimum) in a few rows: subnormal, negative, zero.
                let rowBytes = bytes.count / 300
                for (row, scale) in [(1, UInt16(0x0003)), (2, 0xB800), (3, 0x0000), (4, 0x8201)] {
                    bytes[row * rowBytes] = UInt8(scale & 0xFF)
                    bytes[row * rowBytes + 1] = UInt8(scale >> 8)
                    if type == .q4_1 { bytes[row * rowBytes + 2] = UInt8(scale >> 8); bytes[row * rowBytes + 3] = UInt8(scale & 0xFF) }
                }
                let q = try QuantizedMatrix(rows: 300, columns: 256, type: type, data: bytes)
                KernelSet.useAVX2 = true
                let fast = q.dequantized().scalars
                KernelSet.useAVX2 = false
                let portable = q.dequantized().scalars
                assertSame(fast, portable[...], "\(type) whole matrix")
                KernelSet.useAVX2 = true
                for range in [0..<1, 3..<7, 299..<300] {
                    var part = [Float](repeating: .nan, count: range.count * 256)
                    part.withUnsafeMutableBufferPointer { q.dequantizeRows(range, into: $0.baseAddress!) }
                    assertSame(part, portable[(range.lowerBound * 256)..<(range.upperBound * 256)], "\(type) rows \(range)")
                }
            }
        }
    }

    func testQuantizeRejectsBadInputs() throws {
        XCTAssertThrowsError(try QuantizedMatrix.quantize(Tensor.zeros([2, 3, 32]), as: .q4_0))
        let ragged = message { try QuantizedMatrix.quantize(Tensor.zeros([2, 33]), as: .q4_1) }
        XCTAssertTrue(ragged.contains("[2, 33]"), ragged)
        let w = Tensor.zeros([1, 32])
        w.data[5] = .nan
        let nonFinite = message { try QuantizedMatrix.quantize(w, as: .q8_0) }
        XCTAssertTrue(nonFinite.contains("finite"), nonFinite)
        XCTAssertTrue(try QuantizedMatrix.quantize(w, as: .f16).dequantized().scalars[5].isNaN)
    }
}
