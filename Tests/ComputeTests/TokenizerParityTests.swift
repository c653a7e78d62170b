import Compute
import Foundation
import XCTest

/// Compares encoding with Hugging Face's tokenizer for SmolLM2 on the fixture strings.
/// The tokenizer is built from the default model's GGUF metadata (installed by
/// scripts/setup.sh); STRATA_TOKENIZER_JSON may name a tokenizer.json to check instead
/// (make_fixtures.py --export DIR writes one).
final class TokenizerParityTests: XCTestCase {
    private func loadTokenizer() throws -> any Tokenizer {
        if let path = ProcessInfo.processInfo.environment["STRATA_TOKENIZER_JSON"], !path.isEmpty {
            return try TokenizerJSON.load(contentsOf: URL(fileURLWithPath: path))
        }
        let path = ModelLocator().defaultModelPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("the default model is not installed at \(path); run scripts/setup.sh")
        }
        return try GGUFTokenizerLoader.load(GGUFFile(path: path))
    }

    func testEncodingMatchesReferenceIDs() throws {
        let tokenizer = try loadTokenizer()
        let fixture = try TokenizerFixture.loadSmolLM2()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 35)
        XCTAssertEqual(tokenizer.vocabularySize, 49152)
        for c in fixture.cases {
            XCTAssertEqual(tokenizer.encode(c.text, addSpecial: false), c.ids_no_special, c.text.debugDescription)
            XCTAssertEqual(tokenizer.encode(c.text, addSpecial: true), c.ids, c.text.debugDescription)
            XCTAssertEqual(tokenizer.encode(c.text, addSpecial: false, parseSpecial: false), c.ids_special_as_text,
                           "special tokens as text: \(c.text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(c.ids_no_special), c.text, c.text.debugDescription)
            XCTAssertEqual(tokenizer.decode(c.ids_no_special), c.decoded)
        }
    }

    func testChatTemplateIDs() throws {
        let tokenizer = try loadTokenizer()
        let fixture = try TokenizerFixture.loadSmolLM2()
        let template = try XCTUnwrap(ChatTemplate.detect(from: TokenizerFixture.smolLM2Template))
        for chat in fixture.chat {
            let text = template.render(messages: chat.messages.map { ChatMessage(role: $0.role, content: $0.content) },
                                       addGenerationPrompt: chat.add_generation_prompt)
            XCTAssertEqual(tokenizer.encode(text, addSpecial: false), chat.ids)
        }
    }

    func testStreamingDecodeOfFixtureIDs() throws {
        let tokenizer = try loadTokenizer()
        let fixture = try TokenizerFixture.loadSmolLM2()
        for c in fixture.cases {
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var text = ""
            for id in c.ids_no_special {
                let piece = decoder.push(id)
                XCTAssertFalse(piece.unicodeScalars.contains("\u{FFFD}"), c.text.debugDescription)
                text += piece
            }
            text += decoder.finish()
            XCTAssertEqual(text, c.text)
        }
    }

    func testEncodeThroughput() throws {
        let tokenizer = try loadTokenizer()
        let fixture = try TokenizerFixture.loadSmolLM2()
        let corpus = fixture.cases.map(\.text).joined(separator: " ")
        let text = String(repeating: corpus, count: max(1, 2_000_000 / max(1, corpus.utf8.count)))
        let start = Date()
        let ids = tokenizer.encode(text, addSpecial: false)
        let seconds = Date().timeIntervalSince(start)
        let rate = Double(text.utf8.count) / seconds / 1e6
        print("SmolLM2 encode: \(text.utf8.count) bytes → \(ids.count) tokens, \(rate) MB/s")
        XCTAssertGreaterThan(rate, 0.2, "encoding far slower than expected")
    }
}
