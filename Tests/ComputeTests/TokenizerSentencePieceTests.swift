import Compute
import Foundation
import XCTest

final class TokenizerSentencePieceTests: XCTestCase {
    /// ids: 0 <unk>, 1 <s>, 2 </s>, 3..<259 <0x00>…<0xFF>, then the pieces below.
    static func tinyTokenizer(byteFallback: Bool = true) throws -> SentencePieceBPETokenizer {
        var tokens = ["<unk>", "<s>", "</s>"]
        var scores: [Float] = [0, 0, 0]
        var types: [Int32] = [2, 3, 3]
        if byteFallback {
            for b in 0..<256 {
                tokens.append(String(format: "<0x%02X>", b))
                scores.append(0)
                types.append(6)
            }
        }
        let pieces: [(String, Float)] = [
            ("▁", -1), ("a", -2), ("b", -3), ("c", -4), ("d", -5),
            ("▁a", -1.5), ("ab", -3), ("bc", -0.5), ("▁ab", -0.1), ("cd", -0.5), ("abcd", -0.2),
        ]
        for (piece, score) in pieces {
            tokens.append(piece)
            scores.append(score)
            types.append(1)
        }
        return try SentencePieceBPETokenizer(tokens: tokens, scores: scores, tokenTypes: types,
                                             bosID: 1, eosID: 2, unknownID: 0)
    }

    private func ids(_ t: SentencePieceBPETokenizer, _ pieces: [String]) -> [Int] {
        pieces.map { t.tokenID($0)! }
    }

    func testScoreDrivenMerges() throws {
        let t = try Self.tinyTokenizer()
        // "▁abc": pairs ▁a(-1.5) ab(-3) bc(-0.5) → bc first; then ▁a(-1.5), "abc" absent → ▁a | bc.
        XCTAssertEqual(t.encode("abc", addSpecial: false), ids(t, ["▁a", "bc"]))
        // "▁abcd": bc and cd tie at -0.5, leftmost (bc) wins → ▁ a bc d; ▁a merges → ▁a bc d.
        XCTAssertEqual(t.encode("abcd", addSpecial: false), ids(t, ["▁a", "bc", "d"]))
        // "▁ab": ▁a(-1.5) vs ab(-3) → ▁a, then "▁ab" (-0.1).
        XCTAssertEqual(t.encode("ab", addSpecial: false), ids(t, ["▁ab"]))
        // Spaces become ▁ and each word keeps its marker.
        XCTAssertEqual(t.encode("ab ab", addSpecial: true), [1] + ids(t, ["▁ab", "▁ab"]))
    }

    func testByteFallbackAndUnknown() throws {
        let t = try Self.tinyTokenizer()
        // é is U+00E9, UTF-8 C3 A9 → <0xC3> <0xA9> (ids 3 + byte).
        XCTAssertEqual(t.encode("é", addSpecial: false), [t.tokenID("▁")!, 3 + 0xC3, 3 + 0xA9])
        XCTAssertEqual(t.decode(t.encode("é ab", addSpecial: true)), "<s> é ab")
        XCTAssertEqual(t.decode(t.encode("é ab", addSpecial: true), skipSpecial: true), "é ab")
        let noBytes = try Self.tinyTokenizer(byteFallback: false)
        XCTAssertEqual(noBytes.encode("aé", addSpecial: false), [noBytes.tokenID("▁a")!, 0])
    }

    func testSpecialTokensAndSpacePrefix() throws {
        let t = try Self.tinyTokenizer()
        // A "▁" is prepended after a special token too (llama.cpp's rule).
        XCTAssertEqual(t.encode("ab</s>ab", addSpecial: false), ids(t, ["▁ab"]) + [2] + ids(t, ["▁ab"]))
        XCTAssertEqual(t.encode("", addSpecial: true), [1])
        XCTAssertEqual(t.decode(ids(t, ["▁ab", "▁a", "bc"])), "ab abc")
    }

    func testStreamingDecoderWithByteTokens() throws {
        let t = try Self.tinyTokenizer()
        let ids = t.encode("a日", addSpecial: false)  // ▁a, then three byte tokens
        XCTAssertEqual(ids.count, 4)
        var decoder = StreamingDecoder(tokenizer: t)
        XCTAssertEqual(ids.map { decoder.push($0) }, ["a", "", "", "日"])
        XCTAssertEqual(decoder.finish(), "")
    }

    func testMismatchedScoresThrow() {
        XCTAssertThrowsError(try SentencePieceBPETokenizer(tokens: ["a", "b"], scores: [0], bosID: nil,
                                                           eosID: nil, unknownID: nil)) { error in
            XCTAssertTrue("\(error)".contains("1 scores for 2 tokens"), "\(error)")
        }
    }
}

/// A 300-piece SentencePiece BPE model trained by make_sentencepiece_fixture.py and the ids
/// the `sentencepiece` library gives for its test strings.
final class TokenizerSentencePieceReferenceTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int]
            var decoded: String
        }
        var tokens: [String]
        var scores: [Float]
        var token_types: [Int32]
        var bos_id: Int
        var eos_id: Int
        var unk_id: Int
        var cases: [Case]
    }

    func testMatchesSentencePieceLibrary() throws {
        let url = TokenizerFixture.directory.appendingPathComponent("sentencepiece_tiny.json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let t = try SentencePieceBPETokenizer(tokens: f.tokens, scores: f.scores, tokenTypes: f.token_types,
                                              bosID: f.bos_id, eosID: f.eos_id, unknownID: f.unk_id)
        XCTAssertGreaterThan(f.cases.count, 5)
        for c in f.cases {
            XCTAssertEqual(t.encode(c.text, addSpecial: false), c.ids, c.text.debugDescription)
            XCTAssertEqual(t.encode(c.text, addSpecial: true), [f.bos_id] + c.ids, c.text.debugDescription)
            XCTAssertEqual(t.decode(c.ids), c.decoded, c.text.debugDescription)
            XCTAssertEqual(t.decode([f.bos_id] + c.ids, skipSpecial: true), c.decoded, c.text.debugDescription)
        }
    }
}
