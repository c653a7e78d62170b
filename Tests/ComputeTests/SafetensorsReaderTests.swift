import Compute
import Foundation
import XCTest

final class SafetensorsReaderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A safetensors file from a header text and data bytes.
    private func safetensorsBytes(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
        return bytes + Array(header.utf8) + data
    }

    @discardableResult
    private func write(_ bytes: [UInt8], to name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    private func assertFails(_ bytes: [UInt8], mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let location = try write(bytes, to: "bad.safetensors")
        XCTAssertThrowsError(try SafetensorsFile(path: location), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(location), "error should name the file: \(message)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' should mention '\(fragment)'", file: file, line: line)
            }
        }
    }

    func testWriterRoundTrip() throws {
        let a = try Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 4, 5, 6e-8])
        let b = try Tensor(shape: [3], scalars: [7, 8, 9])
        let location = path("adapter.safetensors")
        try SafetensorsWriter.write([(name: "z.b", tensor: b), (name: "a.weight", tensor: a)],
                                    metadata: ["format": "pt", "note": "quote\" and \\"], to: location)
        let file = try SafetensorsFile(path: location)
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "quote\" and \\"])
        XCTAssertEqual(file.tensors.map(\.name), ["a.weight", "z.b"])
        XCTAssertEqual(file.contents.dataOffset % 8, 0, "data section is 8-byte aligned")
        let readA = try file.floatTensor(named: "a.weight")
        XCTAssertEqual(readA.shape, [2, 3])
        XCTAssertEqual(readA.scalars, a.scalars)
        XCTAssertEqual(try file.floatTensor(named: "z.b").scalars, [7, 8, 9])
        XCTAssertEqual(try file.tensorInfo(named: "z.b").dtype, .f32)

        // Keys are written sorted; the file is exactly header + data.
        let raw = try Data(contentsOf: URL(fileURLWithPath: location))
        let header = String(decoding: raw[8 ..< file.contents.dataOffset], as: UTF8.self)
        let positions = ["__metadata__", "a.weight", "z.b"].map { header.range(of: "\"\($0)\"")!.lowerBound }
        XCTAssertEqual(positions, positions.sorted())
        XCTAssertEqual(raw.count, file.contents.dataOffset + 9 * 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: location + ".partial-\(getpid())"))
    }

    func testWriterRefusesDuplicateNames() {
        let t = Tensor(zeros: [1])
        XCTAssertThrowsError(try SafetensorsWriter.write([("x", t), ("x", t)], to: path("dup.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("two tensors named 'x'"), "\(error)")
        }
    }

    func testReadsF16AndBF16() throws {
        // F16 1.0 = 0x3C00, -2.0 = 0xC000; BF16 1.5 = 0x3FC0, -0.5 = 0xBF00.
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[4,8]}}"#
        let location = try write(safetensorsBytes(header: header, data: [0x00, 0x3C, 0x00, 0xC0, 0xC0, 0x3F, 0x00, 0xBF]),
                                 to: "half.safetensors")
        let file = try SafetensorsFile(path: location)
        XCTAssertEqual(try file.floatTensor(named: "h").scalars, [1, -2])
        let b = try file.floatTensor(named: "b")
        XCTAssertEqual(b.shape, [1, 2])
        XCTAssertEqual(b.scalars, [1.5, -0.5])
        XCTAssertEqual(file.metadata, [:])
    }

    func testHeaderThatIsNotJSON() throws {
        try assertFails(safetensorsBytes(header: "{not json", data: []), mentioning: ["header is not valid JSON"])
    }

    func testHeaderLengthPastTheEnd() throws {
        try assertFails(safetensorsBytes(header: "{}", data: [], declaredLength: 1000), mentioning: ["header length 1000 runs past the end"])
    }

    func testHugeHeaderLength() throws {
        try assertFails(safetensorsBytes(header: "{}", data: [], declaredLength: 1 << 60), mentioning: ["exceeds the limit"])
    }

    func testTruncatedLengthField() throws {
        try assertFails([1, 2, 3], mentioning: ["truncated", "header length"])
    }

    func testOffsetsPastTheEnd() throws {
        let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        try assertFails(safetensorsBytes(header: header, data: [0, 0, 0, 0]),
                        mentioning: ["tensor 'w'", "data_offsets [0, 8] run past the end of the data section (4 bytes)"])
    }

    func testOffsetsInconsistentWithShape() throws {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        try assertFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 12)),
                        mentioning: ["tensor 'w'", "hold 8 bytes", "needs 12"])
    }

    func testUnknownDType() throws {
        let header = #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        try assertFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 8)),
                        mentioning: ["tensor 'ids' has dtype I64", "not supported"])
    }

    func testShapeOverflow() throws {
        let header = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#
        try assertFails(safetensorsBytes(header: header, data: [0, 0, 0, 0]), mentioning: ["tensor 'w'", "overflows"])
    }

    func testSingleFileCheckpointWithConfig() throws {
        try SafetensorsWriter.write([("model.norm.weight", try Tensor(shape: [2], scalars: [1, 2]))],
                                    to: path("model.safetensors"))
        try write(Array(#"{"hidden_size": 64, "rms_norm_eps": 1e-6, "architectures": ["LlamaForCausalLM"], "tie_word_embeddings": true}"#.utf8),
                  to: "config.json")
        let checkpoint = try SafetensorsCheckpoint(path: directory.path)
        XCTAssertEqual(checkpoint.tensorNames, ["model.norm.weight"])
        XCTAssertEqual(try checkpoint.floatTensor(named: "model.norm.weight").scalars, [1, 2])
        let config = try XCTUnwrap(checkpoint.config)
        XCTAssertEqual(config["hidden_size"], .int(64))
        XCTAssertEqual(config["rms_norm_eps"]?.doubleValue, 1e-6)
        XCTAssertEqual(config["architectures"], .array([.string("LlamaForCausalLM")]))
        XCTAssertEqual(config["tie_word_embeddings"]?.boolValue, true)
    }

    private func writeShardedCheckpoint() throws {
        try SafetensorsWriter.write([("a", try Tensor(shape: [1], scalars: [1]))], to: path("model-00001-of-00002.safetensors"))
        try SafetensorsWriter.write([("b", try Tensor(shape: [2], scalars: [2, 3]))], to: path("model-00002-of-00002.safetensors"))
        let index = #"{"metadata":{"total_size":12},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}"#
        try write(Array(index.utf8), to: SafetensorsCheckpoint.indexFileName)
    }

    func testShardedCheckpoint() throws {
        try writeShardedCheckpoint()
        let checkpoint = try SafetensorsCheckpoint(path: directory.path)
        XCTAssertEqual(checkpoint.files.count, 2)
        XCTAssertEqual(checkpoint.tensorNames, ["a", "b"])
        XCTAssertEqual(try checkpoint.floatTensor(named: "b").scalars, [2, 3])
        XCTAssertNil(checkpoint.config)
        XCTAssertThrowsError(try checkpoint.tensorData(named: "c")) { error in
            XCTAssertTrue("\(error)".contains("no tensor named 'c'"), "\(error)")
        }
    }

    func testShardedCheckpointWithMissingShard() throws {
        try writeShardedCheckpoint()
        try FileManager.default.removeItem(atPath: path("model-00002-of-00002.safetensors"))
        XCTAssertThrowsError(try SafetensorsCheckpoint(path: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("shard 'model-00002-of-00002.safetensors'"), "\(error)")
            XCTAssertTrue("\(error)".contains("missing"), "\(error)")
        }
    }

    func testJSONValueParsesAndSerializes() throws {
        let value = try JSONValue.parse(#"{"b": [1, -2.5e3, true, null], "a": "x\u00e9\n\ud83d\ude00", "n": 9007199254740993}"#)
        XCTAssertEqual(value["a"], .string("xé\n😀"))
        XCTAssertEqual(value["b"], .array([.int(1), .number(-2500), .bool(true), .null]))
        XCTAssertEqual(value["n"], .int(9_007_199_254_740_993), "integers stay exact beyond 2^53")
        XCTAssertEqual(value.serialized(), #"{"a":"xé\n😀","b":[1,-2500.0,true,null],"n":9007199254740993}"#)
        XCTAssertThrowsError(try JSONValue.parse(String(repeating: "[", count: 10_000))) { error in
            XCTAssertTrue("\(error)".contains("nesting deeper"), "\(error)")
        }
        XCTAssertThrowsError(try JSONValue.parse(#"{"a":1,"a":2}"#)) { error in
            XCTAssertTrue("\(error)".contains("duplicate key"), "\(error)")
        }
    }
}
