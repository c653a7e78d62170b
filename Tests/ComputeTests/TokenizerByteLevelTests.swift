import Compute
import Foundation
import XCTest

final class TokenizerByteLevelTests: XCTestCase {
    func testByteMapIsABijectionOfAllBytes() {
        let scalars = ByteLevelEncoding.byteToScalar
        XCTAssertEqual(scalars.count, 256)
        XCTAssertEqual(Set(scalars).count, 256)
        for b in 0..<256 {
            XCTAssertEqual(ByteLevelEncoding.byte(for: scalars[b]), UInt8(b))
            XCTAssertFalse(scalars[b].properties.isWhitespace, "byte \(b) maps to whitespace")
        }
        XCTAssertEqual(scalars[0x20], "\u{0120}")  // Ġ
        XCTAssertEqual(scalars[0x0A], "\u{010A}")  // Ċ
        XCTAssertEqual(scalars[0x41], "A")
        let bytes: [UInt8] = Array(0...255)
        XCTAssertEqual(ByteLevelEncoding.decode(ByteLevelEncoding.encode(bytes)), bytes)
    }

    /// All 256 byte tokens (ids 0..<256), merged tokens after them, specials at the end.
    static func tinyTokenizer(addBOS: Bool = false, addEOS: Bool = false) throws -> ByteLevelBPETokenizer {
        var tokens = ByteLevelEncoding.byteToScalar.map { String($0) }
        let merges = [("l", "l"), ("e", "l"), ("h", "e"), ("he", "ll"), ("hell", "o"), ("Ġ", "w")]
        for (l, r) in merges { tokens.append(l + r) }
        // 256 ll, 257 el, 258 he, 259 hell, 260 hello, 261 Ġw
        tokens += ["<s>", "</s>", "<|im_start|>", "<|im"]  // 262, 263, 264, 265
        let types = tokens.indices.map { $0 >= 262 ? Int32(3) : Int32(1) }
        return try ByteLevelBPETokenizer(tokens: tokens, merges: merges.map { "\($0.0) \($0.1)" },
                                         tokenTypes: types, preTokenizer: .gpt2,
                                         bosID: 262, eosID: 263, addBOS: addBOS, addEOS: addEOS)
    }

    func testMergesApplyByRankNotPosition() throws {
        let t = try Self.tinyTokenizer()
        // "hello": l+l (rank 0) first, then h+e, he+ll, hell+o.
        XCTAssertEqual(t.encode("hello", addSpecial: false), [260])
        // "hel": e+l (rank 1) beats h+e (rank 2), leaving h | el.
        XCTAssertEqual(t.encode("hel", addSpecial: false), [Int(UInt8(ascii: "h")), 257])
        // Words are merged separately: " w" is one word, "Ġw" merges; "o w" has no cross-word merge.
        XCTAssertEqual(t.encode("hello world", addSpecial: false),
                       [260, 261] + "orld".utf8.map { Int($0) })
        XCTAssertEqual(t.decode(t.encode("hello world", addSpecial: false)), "hello world")
    }

    func testSpecialTokensSplitLongestFirstAndFlags() throws {
        let t = try Self.tinyTokenizer(addBOS: true, addEOS: true)
        let ids = t.encode("<|im_start|>hello<|im</s>", addSpecial: false)
        XCTAssertEqual(ids, [264, 260, 265, 263])
        XCTAssertEqual(t.encode("hello", addSpecial: true), [262, 260, 263])
        XCTAssertEqual(t.encode("", addSpecial: true), [262, 263])
        XCTAssertEqual(t.encode("", addSpecial: false), [])
        // Not parsed: the marker is ordinary text, tokenized byte by byte ("<", "|", ...).
        let literal = t.encode("<s>", addSpecial: false, parseSpecial: false)
        XCTAssertEqual(literal, "<s>".utf8.map { Int($0) })
        XCTAssertEqual(t.decode([262, 260, 263]), "<s>hello</s>")
        XCTAssertEqual(t.decode([262, 260, 263], skipSpecial: true), "hello")
        XCTAssertTrue(t.isSpecial(262))
        XCTAssertFalse(t.isSpecial(260))
    }

    func testDecodeReplacesInvalidUTF8() throws {
        let t = try Self.tinyTokenizer()
        // 0xE6 0x97 starts a three-byte character that never completes.
        XCTAssertEqual(t.decode([0x61, 0xE6, 0x97, 0x62]), "a\u{FFFD}b")
        XCTAssertEqual(t.decode([0xFF]), "\u{FFFD}")
        XCTAssertEqual(t.decode([99_999]), "")
    }

    func testStreamingDecoderHoldsBackSplitCharacters() throws {
        let t = try Self.tinyTokenizer()
        let text = "a😀日本👨‍👩‍👧 é"
        let ids = t.encode(text, addSpecial: false)
        XCTAssertEqual(ids.count, text.utf8.count, "tiny vocabulary: one token per byte here")
        var decoder = StreamingDecoder(tokenizer: t)
        var pieces: [String] = []
        for id in ids { pieces.append(decoder.push(id)) }
        pieces.append(decoder.finish())
        XCTAssertEqual(pieces.joined(), text)
        // The emoji's four bytes yield nothing until the fourth.
        XCTAssertEqual(Array(pieces[1...4]), ["", "", "", "😀"])
        XCTAssertEqual(Array(pieces[5...7]), ["", "", "日"])
        XCTAssertFalse(pieces.contains { $0.unicodeScalars.contains("\u{FFFD}") })

        // An incomplete tail is flushed as U+FFFD by finish().
        var cut = StreamingDecoder(tokenizer: t)
        XCTAssertEqual(cut.push(0xF0), "")
        XCTAssertEqual(cut.push(0x9F), "")
        XCTAssertEqual(cut.pendingByteCount, 2)
        XCTAssertEqual(cut.finish(), "\u{FFFD}")
        // A stray continuation byte is not held back.
        XCTAssertEqual(cut.push(0x80), "\u{FFFD}")
    }

    func testInvalidConstructionThrows() {
        XCTAssertThrowsError(try ByteLevelBPETokenizer(tokens: [], merges: [String](), preTokenizer: .gpt2,
                                                       bosID: nil, eosID: nil))
        XCTAssertThrowsError(try ByteLevelBPETokenizer(tokens: ["a"], merges: [String](), preTokenizer: .gpt2,
                                                       bosID: 5, eosID: nil)) { error in
            XCTAssertTrue("\(error)".contains("BOS id 5"), "\(error)")
        }
        XCTAssertThrowsError(try ByteLevelBPETokenizer(tokens: ["a", "b"], merges: ["ab"], preTokenizer: .gpt2,
                                                       bosID: nil, eosID: nil))
        XCTAssertThrowsError(try ByteLevelBPETokenizer(tokens: ["a"], merges: [String](), tokenTypes: [1, 1],
                                                       preTokenizer: .gpt2, bosID: nil, eosID: nil))
    }

    /// A megabyte in one call (speed is measured in bench/, not here): every byte comes back,
    /// and the pieces the paragraph splits into are the same in every repetition.
    func testEncodesAMegabyteAndDecodesItBack() throws {
        let t = try Self.tinyTokenizer()
        let paragraph = "Hello world, hello again! Numbers 12345 and émojis 😀 in text.\n"
        let text = String(repeating: paragraph, count: 16_000)  // ~1 MB
        let ids = t.encode(text, addSpecial: false)
        XCTAssertEqual(t.decode(ids), text)
        let once = t.encode(paragraph, addSpecial: false)
        XCTAssertEqual(ids.count, once.count * 16_000)
    }
}
