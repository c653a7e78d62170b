import Compute
import Foundation
import XCTest

/// Builds GGUF files byte by byte so each test controls exactly what the reader sees.
private struct GGUFBuilder {
    struct TensorSpec {
        var name: String
        var dims: [UInt64]
        var type: UInt32
        var data: [UInt8]
        var offset: UInt64? = nil   // nil: next aligned position
    }

    var magic = Array("GGUF".utf8)
    var version: UInt32 = 3
    var metadata: [(String, GGUFValue)] = []
    var tensors: [TensorSpec] = []
    var alignment = 32
    var tensorCountOverride: UInt64?
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }

    mutating func payload(_ value: GGUFValue) {
        switch value {
        case let .uint8(v): bytes.append(v)
        case let .int8(v): bytes.append(UInt8(bitPattern: v))
        case let .uint16(v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case let .int16(v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case let .uint32(v): u32(v)
        case let .int32(v): u32(UInt32(bitPattern: v))
        case let .uint64(v): u64(v)
        case let .int64(v): u64(UInt64(bitPattern: v))
        case let .float32(v): u32(v.bitPattern)
        case let .float64(v): u64(v.bitPattern)
        case let .bool(v): bytes.append(v ? 1 : 0)
        case let .string(s): string(s)
        case let .array(element, values):
            u32(element.rawValue)
            u64(UInt64(values.count))
            values.forEach { payload($0) }
        }
    }

    mutating func build() -> [UInt8] {
        bytes = magic
        u32(version)
        u64(tensorCountOverride ?? UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            u32(value.type.rawValue)
            payload(value)
        }
        var next: UInt64 = 0
        var offsets: [UInt64] = []
        for tensor in tensors {
            let offset = tensor.offset ?? next
            offsets.append(offset)
            next = (offset + UInt64(tensor.data.count) + UInt64(alignment) - 1) / UInt64(alignment) * UInt64(alignment)
            string(tensor.name)
            u32(UInt32(tensor.dims.count))
            tensor.dims.forEach { u64($0) }
            u32(tensor.type)
            u64(offset)
        }
        guard !tensors.isEmpty else { return bytes }
        while bytes.count % alignment != 0 { bytes.append(0) }
        let dataStart = bytes.count
        for (tensor, offset) in zip(tensors, offsets) {
            let end = dataStart + Int(offset) + tensor.data.count
            if bytes.count < end { bytes += [UInt8](repeating: 0, count: end - bytes.count) }
            bytes.replaceSubrange(dataStart + Int(offset) ..< end, with: tensor.data)
        }
        return bytes
    }
}

final class GGUFReaderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func write(_ bytes: [UInt8], name: String = "model.gguf") throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    fileprivate func open(_ builder: GGUFBuilder) throws -> GGUFFile {
        var builder = builder
        return try GGUFFile(path: write(builder.build()))
    }

    /// Asserts that opening `bytes` fails with a message containing every fragment.
    private func assertFails(_ bytes: [UInt8], mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(bytes, name: "bad.gguf")
        do {
            _ = try GGUFFile(path: path)
            XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
        } catch let error as ModelFileError {
            let message = error.description
            XCTAssertTrue(message.contains(path), "error should name the file: \(message)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' should mention '\(fragment)'", file: file, line: line)
            }
        }
    }

    private func assertFails(_ builder: GGUFBuilder, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        var builder = builder
        try assertFails(builder.build(), mentioning: fragments, file: file, line: line)
    }

    private static let f32Data: [UInt8] = [Float]([1, 2, 3, -4, 5.5, 6]).withUnsafeBytes { Array($0) }
    private static let q8Data: [UInt8] = (0 ..< 34).map { UInt8($0 * 7 % 256) }

    /// A valid file with metadata of every type and two tensors separated by alignment padding.
    private func richBuilder() -> GGUFBuilder {
        var builder = GGUFBuilder()
        builder.alignment = 64
        builder.metadata = [
            ("general.architecture", .string("llama")),
            ("general.alignment", .uint32(64)),
            ("test.u8", .uint8(200)), ("test.i8", .int8(-100)),
            ("test.u16", .uint16(60000)), ("test.i16", .int16(-30000)),
            ("test.u32", .uint32(4_000_000_000)), ("test.i32", .int32(-2_000_000_000)),
            ("test.u64", .uint64(1 << 40)), ("test.i64", .int64(-(1 << 40))),
            ("test.f32", .float32(1.5)), ("test.f64", .float64(-2.25)),
            ("test.bool", .bool(true)), ("test.string", .string("héllo")),
            ("test.ints", .array(.int32, [.int32(1), .int32(-2), .int32(3)])),
            ("test.floats", .array(.float32, [.float32(0.5), .float32(-1)])),
            ("test.strings", .array(.string, [.string("a"), .string(""), .string("ccc")])),
            ("test.nested", .array(.array, [.array(.int16, [.int16(1), .int16(2)]), .array(.int16, [])])),
            ("test.empty", .array(.float64, [])),
        ]
        builder.tensors = [
            .init(name: "a.weight", dims: [3, 2], type: QuantType.f32.rawValue, data: Self.f32Data),
            .init(name: "b.weight", dims: [32, 1], type: QuantType.q8_0.rawValue, data: Self.q8Data),
        ]
        return builder
    }

    func testReadsV3FileWithEveryMetadataTypeAndTwoTensors() throws {
        let file = try open(richBuilder())
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.metadata.count, 19)
        XCTAssertEqual(file.metadata.keys.first, "general.architecture")
        let m = file.metadata
        XCTAssertEqual(m["test.u8"], .uint8(200))
        XCTAssertEqual(m["test.i8"], .int8(-100))
        XCTAssertEqual(m["test.u16"], .uint16(60000))
        XCTAssertEqual(m["test.i16"], .int16(-30000))
        XCTAssertEqual(m["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.u64"], .uint64(1 << 40))
        XCTAssertEqual(m["test.i64"], .int64(-(1 << 40)))
        XCTAssertEqual(m["test.f32"], .float32(1.5))
        XCTAssertEqual(m["test.f64"], .float64(-2.25))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"], .string("héllo"))
        XCTAssertEqual(m["test.nested"], .array(.array, [.array(.int16, [.int16(1), .int16(2)]), .array(.int16, [])]))
        XCTAssertEqual(m["test.empty"], .array(.float64, []))
        XCTAssertEqual(try m.int("test.u32"), 4_000_000_000)
        XCTAssertEqual(try m.int("test.i8"), -100)
        XCTAssertEqual(try m.float("test.f64"), -2.25)
        XCTAssertEqual(try m.bool("test.bool"), true)
        XCTAssertEqual(try m.string("general.architecture"), "llama")
        XCTAssertEqual(try m.intArray("test.ints"), [1, -2, 3])
        XCTAssertEqual(try m.floatArray("test.floats"), [0.5, -1])
        XCTAssertEqual(try m.stringArray("test.strings"), ["a", "", "ccc"])
        XCTAssertEqual(try m.int("absent", default: 7), 7)
        XCTAssertEqual(GGUFValue.uint64(.max).description, "18446744073709551615")
        XCTAssertEqual(m["test.ints"]?.description, "[int32 × 3: 1, -2, 3]")

        XCTAssertEqual(file.tensors.map(\.name), ["a.weight", "b.weight"])
        let a = try file.tensorInfo(named: "a.weight")
        XCTAssertEqual(a.type, .f32)
        XCTAssertEqual(a.ggmlDims, [3, 2])
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.byteCount, 24)
        let b = try file.tensorInfo(named: "b.weight")
        XCTAssertEqual(b.type, .q8_0)
        XCTAssertEqual(b.shape, [1, 32])
        XCTAssertEqual(b.offset, 64, "24 bytes of a.weight padded to the 64-byte alignment")
        XCTAssertEqual(file.dataOffset % 64, 0)
        XCTAssertEqual(Array(try file.tensorData(named: "a.weight")), Self.f32Data)
        XCTAssertEqual(Array(try file.tensorData(named: "b.weight")), Self.q8Data)
        let values = try file.tensorData(named: "a.weight").withMemoryRebound(to: Float.self) { Array($0) }
        XCTAssertEqual(values, [1, 2, 3, -4, 5.5, 6])
    }

    func testTypedAccessorsNameMissingKeysAndWrongTypes() throws {
        let m = try open(richBuilder()).metadata
        XCTAssertThrowsError(try m.int("llama.block_count")) { error in
            XCTAssertTrue("\(error)".contains("missing key 'llama.block_count'"), "\(error)")
        }
        XCTAssertThrowsError(try m.int("test.string")) { error in
            XCTAssertTrue("\(error)".contains("key 'test.string' is a string, expected an integer"), "\(error)")
        }
        XCTAssertThrowsError(try m.stringArray("test.ints")) { error in
            XCTAssertTrue("\(error)".contains("is a array of int32, expected an array of string"), "\(error)")
        }
        XCTAssertThrowsError(try m.string("test.bool", default: "x")) { error in
            XCTAssertTrue("\(error)".contains("key 'test.bool' is a bool, expected a string"), "\(error)")
        }
    }

    func testReadsV2FileWithDefaultAlignment() throws {
        var builder = GGUFBuilder()
        builder.version = 2
        builder.metadata = [("general.name", .string("v2"))]
        builder.tensors = [.init(name: "t", dims: [4], type: QuantType.f32.rawValue, data: Array(repeating: 9, count: 16))]
        let file = try open(builder)
        XCTAssertEqual(file.version, 2)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.dataOffset % 32, 0)
        XCTAssertEqual(try file.metadata.string("general.name"), "v2")
        XCTAssertEqual(Array(try file.tensorData(named: "t")), Array(repeating: 9, count: 16))
    }

    func testMissingTensorIsNamed() throws {
        let file = try open(richBuilder())
        XCTAssertThrowsError(try file.tensorData(named: "nope")) { error in
            XCTAssertTrue("\(error)".contains("no tensor named 'nope'"), "\(error)")
        }
    }

    func testWrongMagic() throws {
        var builder = richBuilder()
        builder.magic = Array("GGML".utf8)
        try assertFails(builder, mentioning: ["not a GGUF file", "GGML"])
    }

    func testVersionOneIsRejected() throws {
        var builder = richBuilder()
        builder.version = 1
        try assertFails(builder, mentioning: ["GGUF version 1 is not supported"])
    }

    func testUnknownVersionIsRejected() throws {
        var builder = richBuilder()
        builder.version = 7
        try assertFails(builder, mentioning: ["unsupported GGUF version 7"])
    }

    func testBigEndianFileIsRejected() throws {
        var builder = richBuilder()
        builder.version = UInt32(3).byteSwapped
        try assertFails(builder, mentioning: ["big-endian"])
    }

    func testTruncatedHeader() throws {
        var builder = richBuilder()
        try assertFails(Array(builder.build().prefix(12)), mentioning: ["truncated", "tensor count", "offset 8"])
    }

    func testEmptyFile() throws {
        try assertFails([], mentioning: ["empty"])
    }

    func testTruncatedMetadataString() throws {
        var builder = GGUFBuilder()
        builder.metadata = [("general.name", .string(String(repeating: "x", count: 100)))]
        let bytes = builder.build()
        try assertFails(Array(bytes.prefix(bytes.count - 10)), mentioning: ["truncated", "metadata key 'general.name'", "needs 100 bytes"])
    }

    func testStringLengthOverflowing() throws {
        var builder = GGUFBuilder()
        builder.metadata = [("k", .string("abc"))]
        var bytes = builder.build()
        // Length field of the value: after magic, version, counts (24), key (8 + 1) and type (4).
        let lengthAt = 24 + 9 + 4
        bytes.replaceSubrange(lengthAt ..< lengthAt + 8, with: [UInt8](repeating: 0xFF, count: 8))
        try assertFails(bytes, mentioning: ["truncated", "metadata key 'k'", "at offset \(lengthAt + 8)"])
    }

    func testTooManyDimensions() throws {
        var builder = richBuilder()
        builder.tensors[1] = .init(name: "deep", dims: [32, 1, 1, 1, 1], type: QuantType.q8_0.rawValue, data: Self.q8Data)
        try assertFails(builder, mentioning: ["tensor 'deep' has 5 dimensions", "at most 4"])
    }

    func testDimensionProductOverflow() throws {
        var builder = richBuilder()
        builder.tensors[0].dims = [1 << 40, 1 << 40]
        try assertFails(builder, mentioning: ["tensor 'a.weight' dims", "overflow"])
    }

    func testUnknownGGMLType() throws {
        var builder = richBuilder()
        builder.tensors[1].type = 99
        try assertFails(builder, mentioning: ["tensor 'b.weight' has ggml type 99", "not supported"])
        builder.tensors[1].type = 12
        try assertFails(builder, mentioning: ["ggml type 12 (Q4_K)"])
    }

    func testTensorDataPastTheEnd() throws {
        var builder = richBuilder()
        let bytes = builder.build()
        try assertFails(Array(bytes.prefix(bytes.count - 1)), mentioning: ["tensor 'b.weight' data", "past the end"])
    }

    func testMisalignedTensorOffset() throws {
        var builder = richBuilder()
        builder.tensors[1].offset = 40
        try assertFails(builder, mentioning: ["tensor 'b.weight' data offset 40 is not a multiple of the alignment 64"])
    }

    func testNonPowerOfTwoAlignment() throws {
        var builder = richBuilder()
        builder.metadata[1] = ("general.alignment", .uint32(48))
        try assertFails(builder, mentioning: ["general.alignment 48 is not a power of two"])
    }

    func testHugeTensorCount() throws {
        var builder = richBuilder()
        builder.tensorCountOverride = 1 << 50
        try assertFails(builder, mentioning: ["tensor count \(1 << 50) cannot fit"])
    }

    func testHugeArrayCountIsRefusedBeforeAllocating() throws {
        var builder = GGUFBuilder()
        builder.metadata = [("big", .array(.uint64, [.uint64(1)]))]
        var bytes = builder.build()
        let countAt = 24 + 11 + 4 + 4
        bytes.replaceSubrange(countAt ..< countAt + 8, with: [0, 0, 0, 0, 0, 0, 0, 0x10])
        try assertFails(bytes, mentioning: ["metadata key 'big'", "cannot fit"])
    }

    func testDeeplyNestedArrayIsRefused() throws {
        var value = GGUFValue.array(.uint8, [.uint8(1)])
        for _ in 0 ..< 20 { value = .array(.array, [value]) }
        var builder = GGUFBuilder()
        builder.metadata = [("deep", value)]
        try assertFails(builder, mentioning: ["metadata key 'deep' nests arrays deeper than"])
    }

    func testDuplicateKey() throws {
        var builder = richBuilder()
        builder.metadata.append(("test.u8", .uint8(1)))
        try assertFails(builder, mentioning: ["duplicate metadata key 'test.u8'"])
    }

    func testParsesFromBytesWithoutAFile() throws {
        var builder = richBuilder()
        let bytes = builder.build()
        let contents = try bytes.withUnsafeBytes { try GGUFReader.parse($0) }
        XCTAssertEqual(contents.tensors.count, 2)
        let mapped = try GGUFFile(mapping: MemoryMappedFile(copying: bytes, name: "in-memory"))
        XCTAssertEqual(Array(try mapped.tensorData(named: "b.weight")), Self.q8Data)
    }

    func testMissingFileIsNamed() {
        let path = directory.appendingPathComponent("absent.gguf").path
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            XCTAssertTrue("\(error)".contains("cannot open \(path)"), "\(error)")
        }
    }

    // MARK: - The real default model

    private static var defaultModelPath: String {
        let env = ProcessInfo.processInfo.environment
        let cache = env["STRATA_CACHE"]
            ?? (env["XDG_CACHE_HOME"] ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache") + "/strata"
        return cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    /// What gguf.GGUFReader reads in the same file (Tests/Fixtures/smollm2/gguf_facts.py wrote
    /// gguf_facts.json with it).
    struct GGUFFacts: Decodable {
        struct TensorFacts: Decodable {
            var type: String
            var ggml_dims: [Int]
            var file_offset: Int
            var byte_count: Int
            var leading_bytes: [UInt8]
        }
        var version: Int
        var metadata_count: Int
        var metadata: [String: TypedValue]
        var token_count: Int
        var first_tokens: [String]
        var merge_count: Int
        var token_type_count: Int
        var tensor_count: Int
        var data_offset: Int
        var tensors: [String: TensorFacts]
        var attn_norm_leading_values: [Float]
    }
    /// A metadata value with its GGUF type name (STRING, UINT32, FLOAT32, …).
    struct TypedValue: Decodable {
        enum Value: Decodable {
            case string(String), number(Double)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self) { self = .string(s) } else { self = .number(try c.decode(Double.self)) }
            }
        }
        var type: String
        var value: Value
    }

    func testReadsDefaultModel() throws {
        let path = Self.defaultModelPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("default model not installed at \(path); run scripts/setup.sh")
        }
        let factsFile = SmolLM2ParityTests.directory.appendingPathComponent("gguf_facts.json")
        let facts = try JSONDecoder().decode(GGUFFacts.self, from: Data(contentsOf: factsFile))
        let file = try GGUFFile(path: path)
        let m = file.metadata
        XCTAssertEqual(file.version, facts.version)
        XCTAssertEqual(m.count, facts.metadata_count)
        for (key, expected) in facts.metadata {
            switch (expected.type, expected.value) {
            case let ("STRING", .string(s)): XCTAssertEqual(try m.string(key), s, key)
            case let ("FLOAT32", .number(x)): XCTAssertEqual(try m.float(key), Float(x), key)
            case let (_, .number(x)): XCTAssertEqual(try m.int(key), Int(x), key)
            default: XCTFail("\(key): a \(expected.type) the test does not read")
            }
        }
        XCTAssertEqual(facts.metadata.count, 9, "the facts cover architecture, shape, RoPE, norm and tokenizer keys")
        let tokens = try m.stringArray("tokenizer.ggml.tokens")
        XCTAssertEqual(tokens.count, facts.token_count)
        XCTAssertEqual(Array(tokens.prefix(3)), facts.first_tokens)
        XCTAssertEqual(try m.stringArray("tokenizer.ggml.merges").count, facts.merge_count)
        XCTAssertEqual(try m.intArray("tokenizer.ggml.token_type").count, facts.token_type_count)

        XCTAssertEqual(file.tensors.count, facts.tensor_count)
        XCTAssertEqual(file.dataOffset, facts.data_offset)
        XCTAssertEqual(facts.tensors.count, 3)
        for (name, expected) in facts.tensors {
            let info = try file.tensorInfo(named: name)
            XCTAssertEqual("\(info.type)".lowercased(), expected.type, name)
            XCTAssertEqual(info.ggmlDims, expected.ggml_dims, name)
            XCTAssertEqual(info.shape, expected.ggml_dims.reversed(), name)
            XCTAssertEqual(info.fileOffset, expected.file_offset, name)
            XCTAssertEqual(info.byteCount, expected.byte_count, name)
            XCTAssertEqual(Array(try file.tensorData(info).prefix(expected.leading_bytes.count)), expected.leading_bytes, name)
        }
        let norm = try file.tensorInfo(named: "blk.0.attn_norm.weight")
        let values = try file.tensorData(norm).withMemoryRebound(to: Float.self) { Array($0.prefix(4)) }
        XCTAssertEqual(values, facts.attn_norm_leading_values)
    }
}

/// The model and tokenizer loaders on hand-built files: metadata they need but cannot find
/// is named in the error.
extension GGUFReaderTests {
    func testMissingTokenizerMetadataIsNamed() throws {
        var builder = GGUFBuilder()
        builder.metadata = [("general.architecture", .string("llama"))]
        let bare = try open(builder)
        XCTAssertThrowsError(try GGUFTokenizerLoader.load(bare)) { error in
            XCTAssertTrue("\(error)".contains("no tokenizer metadata (tokenizer.ggml.model is missing)"), "\(error)")
        }
        builder.metadata.append(("tokenizer.ggml.model", .string("gpt2")))
        let noTokens = try open(builder)
        XCTAssertThrowsError(try GGUFTokenizerLoader.load(noTokens)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.ggml.tokens"), "\(error)")
        }
        builder.metadata[1] = ("tokenizer.ggml.model", .string("wordpiece"))
        XCTAssertThrowsError(try GGUFTokenizerLoader.load(try open(builder))) { error in
            XCTAssertTrue("\(error)".contains("tokenizer model 'wordpiece'"), "\(error)")
        }
    }

    func testModelConfigNamesMissingKeysAndUnsupportedArchitectures() throws {
        var builder = GGUFBuilder()
        builder.metadata = [("general.architecture", .string("llama")), ("llama.attention.head_count", .uint32(4))]
        XCTAssertThrowsError(try LlamaGGUFLoader.config(from: try open(builder))) { error in
            XCTAssertTrue("\(error)".contains("llama.embedding_length"), "\(error)")
        }
        builder.metadata = [("general.architecture", .string("bert"))]
        XCTAssertThrowsError(try LlamaGGUFLoader.config(from: try open(builder))) { error in
            XCTAssertTrue("\(error)".contains("architecture 'bert'"), "\(error)")
        }
    }
}
