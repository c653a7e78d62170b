import Compute
import XCTest

/// Expected word splits, produced with Python's `regex` module running the families'
/// actual regex strings (see `PreTokenizer`'s doc comment); smollm splits every \p{N} off first.
enum PreTokenizerCases {
    static let gpt2Splits: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("don't I'll WE'RE", ["don", "'t", " I", "'ll", " WE", "'", "RE"]),
        ("  two  spaces   here", [" ", " two", " ", " spaces", "  ", " here"]),
        ("a\tb\t\tc", ["a", "\t", "b", "\t", "\t", "c"]),
        ("line\n\n  next\n", ["line", "\n\n ", " next", "\n"]),
        ("x=1234567;", ["x", "=", "1234567", ";"]),
        ("Café 日本語 😀!", ["Café", " 日本語", " 😀!"]),
        ("'hello' \"q\"", ["'", "hello", "'", " \"", "q", "\""]),
        ("  \n\t end  ", ["  \n\t", " end", "  "]),
        ("\u{a0}nbsp x", ["\u{a0}", "nbsp", " x"]),
        ("He said:\"ok\"...\r\nYes", ["He", " said", ":\"", "ok", "\"...", "\r", "\n", "Yes"]),
        ("x² ½", ["x", "²", " ½"]),
    ]
    static let smollmSplits: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("don't I'll WE'RE", ["don", "'t", " I", "'ll", " WE", "'", "RE"]),
        ("  two  spaces   here", [" ", " two", " ", " spaces", "  ", " here"]),
        ("a\tb\t\tc", ["a", "\t", "b", "\t", "\t", "c"]),
        ("line\n\n  next\n", ["line", "\n\n ", " next", "\n"]),
        ("x=1234567;", ["x", "=", "1", "2", "3", "4", "5", "6", "7", ";"]),
        ("Café 日本語 😀!", ["Café", " 日本語", " 😀!"]),
        ("'hello' \"q\"", ["'", "hello", "'", " \"", "q", "\""]),
        ("  \n\t end  ", ["  \n\t", " end", "  "]),
        ("\u{a0}nbsp x", ["\u{a0}", "nbsp", " x"]),
        ("He said:\"ok\"...\r\nYes", ["He", " said", ":\"", "ok", "\"...", "\r", "\n", "Yes"]),
        ("x² ½", ["x", "²", " ", "½"]),
    ]
    static let llama3Splits: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("don't I'll WE'RE", ["don", "'t", " I", "'ll", " WE", "'RE"]),
        ("  two  spaces   here", [" ", " two", " ", " spaces", "  ", " here"]),
        ("a\tb\t\tc", ["a", "\tb", "\t", "\tc"]),
        ("line\n\n  next\n", ["line", "\n\n", " ", " next", "\n"]),
        ("x=1234567;", ["x", "=", "123", "456", "7", ";"]),
        ("Café 日本語 😀!", ["Café", " 日本語", " 😀!"]),
        ("'hello' \"q\"", ["'hello", "'", " \"", "q", "\""]),
        ("  \n\t end  ", ["  \n", "\t", " end", "  "]),
        ("\u{a0}nbsp x", ["\u{a0}nbsp", " x"]),
        ("He said:\"ok\"...\r\nYes", ["He", " said", ":\"", "ok", "\"...\r\n", "Yes"]),
        ("x² ½", ["x", "²", " ", "½"]),
    ]
    static let qwen2Splits: [(String, [String])] = [
        ("Hello world", ["Hello", " world"]),
        ("don't I'll WE'RE", ["don", "'t", " I", "'ll", " WE", "'RE"]),
        ("  two  spaces   here", [" ", " two", " ", " spaces", "  ", " here"]),
        ("a\tb\t\tc", ["a", "\tb", "\t", "\tc"]),
        ("line\n\n  next\n", ["line", "\n\n", " ", " next", "\n"]),
        ("x=1234567;", ["x", "=", "1", "2", "3", "4", "5", "6", "7", ";"]),
        ("Café 日本語 😀!", ["Café", " 日本語", " 😀!"]),
        ("'hello' \"q\"", ["'hello", "'", " \"", "q", "\""]),
        ("  \n\t end  ", ["  \n", "\t", " end", "  "]),
        ("\u{a0}nbsp x", ["\u{a0}nbsp", " x"]),
        ("He said:\"ok\"...\r\nYes", ["He", " said", ":\"", "ok", "\"...\r\n", "Yes"]),
        ("x² ½", ["x", "²", " ", "½"]),
    ]
}

final class TokenizerPreTokenizerTests: XCTestCase {
    private func check(_ pre: PreTokenizer, _ cases: [(String, [String])],
                       file: StaticString = #filePath, line: UInt = #line) {
        for (text, expected) in cases {
            let words = pre.split(text).map { String($0) }
            XCTAssertEqual(words.map { Array($0.unicodeScalars) }, expected.map { Array($0.unicodeScalars) },
                           "\(pre) split of \(text.debugDescription): got \(words)", file: file, line: line)
        }
    }

    func testGPT2Splits() { check(.gpt2, PreTokenizerCases.gpt2Splits) }
    func testSmolLMSplits() { check(.smollm, PreTokenizerCases.smollmSplits) }
    func testLlama3Splits() { check(.llama3, PreTokenizerCases.llama3Splits) }
    func testQwen2Splits() { check(.qwen2, PreTokenizerCases.qwen2Splits) }

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
