import Compute
import Foundation
import XCTest

/// Expected word splits, made with Python's `regex` module running the families' actual regex
/// strings (see `PreTokenizer`'s doc comment) by Tests/Fixtures/tokenizer/pretokenizer_splits.py.
enum PreTokenizerCases {
    /// `[text, [word, …]]` pairs per family name.
    static func splits(_ family: String) throws -> [(String, [String])] {
        let url = TokenizerFixture.directory.appendingPathComponent("pretokenizer_splits.json")
        let all = try JSONDecoder().decode([String: [[JSONPiece]]].self, from: Data(contentsOf: url))
        let cases = try XCTUnwrap(all[family], "no \(family) splits in \(url.path)")
        return try cases.map { pair in
            guard pair.count == 2, case let .text(text) = pair[0], case let .words(words) = pair[1] else {
                throw MalformedCase(description: "a case in \(url.path) is not [text, [word, …]]: \(pair)")
            }
            return (text, words)
        }
    }
    struct MalformedCase: Error, CustomStringConvertible { var description: String }
    /// One element of a `[text, [word, …]]` pair.
    enum JSONPiece: Decodable {
        case text(String), words([String])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .words(try c.decode([String].self)) }
        }
    }
}

final class TokenizerPreTokenizerTests: XCTestCase {
    private func check(_ pre: PreTokenizer, _ cases: [(String, [String])],
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(cases.isEmpty, "no cases for \(pre)", file: file, line: line)
        for (text, expected) in cases {
            let words = pre.split(text).map { String($0) }
            XCTAssertEqual(words.map { Array($0.unicodeScalars) }, expected.map { Array($0.unicodeScalars) },
                           "\(pre) split of \(text.debugDescription): got \(words)", file: file, line: line)
        }
    }

    func testGPT2Splits() throws { check(.gpt2, try PreTokenizerCases.splits("gpt2")) }
    func testSmolLMSplits() throws { check(.smollm, try PreTokenizerCases.splits("smollm")) }
    func testLlama3Splits() throws { check(.llama3, try PreTokenizerCases.splits("llama3")) }
    func testQwen2Splits() throws { check(.qwen2, try PreTokenizerCases.splits("qwen2")) }

    func testSplitsCoverTextExactly() {
        let text = "  mixed\t\t123 😀 WE'LL \r\n\n end  "
        for pre in PreTokenizer.allCases {
            XCTAssertEqual(pre.split(text).joined(), text, "\(pre)")
            XCTAssertTrue(pre.split(text).allSatisfy { !$0.isEmpty }, "\(pre)")
        }
        XCTAssertEqual(PreTokenizer.gpt2.split(""), [])
    }

    func testGGUFNames() {
        XCTAssertEqual(PreTokenizer(ggufName: "smollm"), .smollm)
        XCTAssertEqual(PreTokenizer(ggufName: "llama-bpe"), .llama3)
        XCTAssertEqual(PreTokenizer(ggufName: "qwen2"), .qwen2)
        XCTAssertEqual(PreTokenizer(ggufName: "gpt2"), .gpt2)
        XCTAssertNil(PreTokenizer(ggufName: "no-such-model"))
    }
}
