import Compute
import Foundation
import Host
import PluginAPI
import XCTest

/// A method with one trainable tensor, to shelve.
private final class Scale: Method {
    let name = "scale"
    let weight: Tensor

    init(_ value: Float) {
        weight = try! Tensor(shape: [2], scalars: [value, -value], requiresGrad: true)
        weight.name = "scale.weight"
    }

    var trainableParameters: [Tensor] { [weight] }
}

/// `unuse` shelves a trained method's state in a new file; two shelves in the same second
/// must not overwrite each other (nothing a user trained is lost).
final class MethodShelfTests: XCTestCase {
    func testShelvesInTheSameSecondGetDistinctFilesWithTheirOwnTensors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shelf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let moment = Date(timeIntervalSince1970: 1_795_400_000)   // 2026-11-23 02:13:20 UTC
        let first = try MethodStateFile.shelve(Scale(1), model: "tiny", folder: folder, date: moment)
        let second = try MethodStateFile.shelve(Scale(2), model: "tiny", folder: folder, date: moment)
        let third = try MethodStateFile.shelve(Scale(3), model: "tiny", folder: folder, date: moment)
        XCTAssertEqual(first, folder + "/scale-20261123-021320.safetensors")
        XCTAssertEqual(second, folder + "/scale-20261123-021320-2.safetensors")
        XCTAssertEqual(third, folder + "/scale-20261123-021320-3.safetensors")
        for (path, value) in [(first, Float(1)), (second, 2), (third, 3)] {
            let saved = try SafetensorsFile(path: path).floatTensor(named: "scale.weight")
            XCTAssertEqual([saved.data[0], saved.data[1]], [value, -value], path)
        }
    }

    func testUnuseShelvesATrainedMethodAndRestoreBringsItBack() throws {
        let session = Session(write: { _ in })
        if case let .success(registry) = RepositoryPlugins.registry { session.plugins = registry }
        func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = []) throws -> Value {
            try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: []))
        }
        _ = try run("load", [.string("tiny")])
        _ = try run("data", [.string("gsm8k")], [("limit", .int(2))])
        _ = try run("use", [.string("prompt")], [("m", .int(2))])
        _ = try run("train", [], [("steps", .int(1)), ("max_length", .int(32))])
        let trained = try XCTUnwrap(session.methods.method(named: "prompt")?.trainableParameters.first).copy()
        guard case let .record(record) = try run("unuse", [.string("prompt")]), case let .string(path)? = record["saved"] else {
            return XCTFail("unuse of a trained method names the file its tensors went to")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(path.hasSuffix(".safetensors") && path.contains("/shelved/prompt-"), path)
        _ = try run("use", [.string("prompt")], [("m", .int(2))])
        _ = try run("restore", [.string(path)])
        let restored = try XCTUnwrap(session.methods.method(named: "prompt")?.trainableParameters.first)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: restored.data, count: restored.count)),
                       Array(UnsafeBufferPointer(start: trained.data, count: trained.count)))
    }

    func testAnUnwritableShelfSaysToSaveFirst() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("shelf-file-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        XCTAssertThrowsError(try MethodStateFile.shelve(Scale(1), model: nil, folder: file + "/inside")) {
            XCTAssertTrue("\($0)".contains("save"), "\($0)")
        }
    }
}
