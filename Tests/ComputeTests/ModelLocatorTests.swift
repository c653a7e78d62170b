import Compute
import Foundation
import XCTest

final class ModelLocatorTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "strata-locator-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/models/hf-model", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/models/hf-model/config.json", contents: Data("{}".utf8))
        _ = FileManager.default.createFile(atPath: root + "/models/mistral.gguf", contents: Data("GGUF".utf8))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    private func locator(_ extra: [String: String] = [:]) -> ModelLocator {
        var env = ["STRATA_CACHE": root + "/cache", "XDG_CONFIG_HOME": root + "/config"]
        env.merge(extra) { $1 }
        return ModelLocator(environment: env, homeDirectory: root)
    }

    func testTinyIsBuiltIn() throws {
        XCTAssertEqual(try locator().resolve("tiny"), .tiny)
    }

    func testDefaultModelMissingSaysToRunSetup() {
        XCTAssertThrowsError(try locator().resolve("smollm2")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(self.root + "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"), text)
            XCTAssertTrue(text.contains("scripts/setup.sh"), text)
        }
    }

    func testDefaultModelFoundInCache() throws {
        try FileManager.default.createDirectory(atPath: root + "/cache/models", withIntermediateDirectories: true)
        let path = root + "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        XCTAssertEqual(try locator().resolve("smollm2"), .gguf(path))
    }

    func testPathsResolveToFileOrDirectory() throws {
        XCTAssertEqual(try locator().resolve(root + "/models/mistral.gguf"), .gguf(root + "/models/mistral.gguf"))
        XCTAssertEqual(try locator().resolve(root + "/models/hf-model"), .huggingFaceDirectory(root + "/models/hf-model"))
    }

    func testSearchDirectoriesFindNameDotGGUF() throws {
        let found = try locator(["STRATA_MODELS": "/nonexistent:" + root + "/models"]).resolve("mistral")
        XCTAssertEqual(found, .gguf(root + "/models/mistral.gguf"))
    }

    func testRegistryAlias() throws {
        try FileManager.default.createDirectory(atPath: root + "/config/strata", withIntermediateDirectories: true)
        let registry = #"{"llama3": "\#(root!)/models/hf-model"}"#
        _ = FileManager.default.createFile(atPath: root + "/config/strata/models.json", contents: Data(registry.utf8))
        XCTAssertEqual(try locator().resolve("llama3"), .huggingFaceDirectory(root + "/models/hf-model"))
    }

    func testUnknownNameListsWhereItLookedAndHowToAdd() {
        XCTAssertThrowsError(try locator(["STRATA_MODELS": root + "/models"]).resolve("llama3")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("model 'llama3' not found"), text)
            XCTAssertTrue(text.contains(self.root + "/config/strata/models.json"), text)
            XCTAssertTrue(text.contains(self.root + "/models/llama3.gguf"), text)
            XCTAssertTrue(text.contains("STRATA_MODELS"), text)
        }
    }

    func testMalformedRegistryIsReported() throws {
        try FileManager.default.createDirectory(atPath: root + "/config/strata", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/config/strata/models.json", contents: Data("[1,2".utf8))
        XCTAssertThrowsError(try locator().resolve("llama3")) { error in
            XCTAssertTrue("\(error)".contains("not a JSON object"), "\(error)")
        }
    }
}
