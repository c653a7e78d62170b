import Compute
import Foundation
import XCTest

final class TokenizerJSONTests: XCTestCase {
    private func byteLevelJSON(mergesAsPairs: Bool, preTokenizer: String) -> Data {
        var vocab: [String: Int] = [:]
        for (b, s) in ByteLevelEncoding.byteToScalar.enumerated() { vocab[String(s)] = b }
        vocab["ll"] = 256
        vocab["he"] = 257
        vocab["hell"] = 258
        vocab["hello"] = 259
        let merges: [Any] = mergesAsPairs
            ? [["l", "l"], ["h", "e"], ["he", "ll"], ["hell", "o"]]
            : ["l l", "h e", "he ll", "hell o"]
        let root: [String: Any] = [
            "added_tokens": [
                ["id": 260, "content": "<|endoftext|>", "special": true],
                ["id": 261, "content": "<extra>", "special": false],
            ],
            "pre_tokenizer": try! JSONSerialization.jsonObject(with: Data(preTokenizer.utf8)),
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [["SpecialToken": ["id": "<|endoftext|>", "type_id": 0]],
                           ["Sequence": ["id": "A", "type_id": 0]]],
            ],
            "decoder": ["type": "ByteLevel"],
            "model": ["type": "BPE", "vocab": vocab, "merges": merges],
        ]
        return try! JSONSerialization.data(withJSONObject: root)
    }

    func testByteLevelFileWithBothMergeForms() throws {
        for pairs in [false, true] {
            let t = try TokenizerJSON.load(data: byteLevelJSON(
                mergesAsPairs: pairs, preTokenizer: #"{"type": "ByteLevel", "add_prefix_space": false}"#))
            XCTAssertTrue(t is ByteLevelBPETokenizer)
            XCTAssertEqual(t.vocabularySize, 262)
            XCTAssertEqual(t.bosID, 260)
            XCTAssertEqual(t.encode("hello<extra>", addSpecial: true), [260, 259, 261])
            XCTAssertEqual(t.decode([260, 259, 261], skipSpecial: true), "hello<extra>")
        }
    }

    func testPreTokenizerDetection() throws {
        let smol = #"{"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true}, {"type": "ByteLevel", "use_regex": true}]}"#
        let llama3 = #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated"}, {"type": "ByteLevel", "use_regex": false}]}"#
        let qwen2 = llama3.replacingOccurrences(of: #"\\p{N}{1,3}"#, with: #"\\p{N}"#)
        let cases: [(String, PreTokenizer)] = [(smol, .smollm), (llama3, .llama3), (qwen2, .qwen2),
                                               (#"{"type": "ByteLevel"}"#, .gpt2)]
        for (json, expected) in cases {
            let t = try TokenizerJSON.load(data: byteLevelJSON(mergesAsPairs: true, preTokenizer: json))
            XCTAssertEqual((t as? ByteLevelBPETokenizer)?.preTokenizer, expected, json)
        }
        let odd = #"{"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated"}"#
        XCTAssertThrowsError(try TokenizerJSON.load(data: byteLevelJSON(mergesAsPairs: true, preTokenizer: odd))) {
            XCTAssertTrue("\($0)".contains("\\w+"), "\($0)")
        }
    }

    func testSentencePieceFileWithByteFallback() throws {
        var vocab: [String: Int] = ["<unk>": 0, "<s>": 1, "</s>": 2]
        for b in 0..<256 { vocab[String(format: "<0x%02X>", b)] = 3 + b }
        for (i, piece) in ["▁", "h", "i", "▁h", "▁hi"].enumerated() { vocab[piece] = 259 + i }
        let root: [String: Any] = [
            "added_tokens": [["id": 0, "content": "<unk>", "special": true],
                             ["id": 1, "content": "<s>", "special": true],
                             ["id": 2, "content": "</s>", "special": true]],
            "normalizer": ["type": "Sequence", "normalizers": [
                ["type": "Prepend", "prepend": "▁"], ["type": "Replace", "pattern": ["String": " "], "content": "▁"]]],
            "pre_tokenizer": NSNull(),
            "post_processor": ["type": "TemplateProcessing",
                               "single": [["SpecialToken": ["id": "<s>", "type_id": 0]],
                                          ["Sequence": ["id": "A", "type_id": 0]]]],
            "decoder": ["type": "Sequence", "decoders": [["type": "ByteFallback"]]],
            "model": ["type": "BPE", "byte_fallback": true, "unk_token": "<unk>",
                      "vocab": vocab, "merges": ["▁ h", "▁h i"]],
        ]
        let t = try TokenizerJSON.load(data: JSONSerialization.data(withJSONObject: root))
        XCTAssertTrue(t is SentencePieceBPETokenizer)
        XCTAssertEqual(t.encode("hi hé", addSpecial: true), [1, 263, 262, 3 + 0xC3, 3 + 0xA9])
        XCTAssertEqual(t.decode([1, 263, 262, 3 + 0xC3, 3 + 0xA9], skipSpecial: true), "hi hé")
    }

    func testMalformedFilesThrow() {
        XCTAssertThrowsError(try TokenizerJSON.load(data: Data("[1, 2]".utf8)))
        XCTAssertThrowsError(try TokenizerJSON.load(data: Data(#"{"model": {"type": "Unigram", "vocab": []}}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("Unigram"), "\($0)")
        }
        XCTAssertThrowsError(try TokenizerJSON.load(data: Data(#"{"model": {"type": "BPE", "vocab": {"a": -1}}}"#.utf8)))
    }
}
