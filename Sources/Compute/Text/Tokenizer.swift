/// A text tokenizer: text ↔ token ids.
///
/// Two implementations share this interface: `ByteLevelBPETokenizer` (GPT-2 / Llama 3 /
/// SmolLM / Qwen2 vocabularies) and `SentencePieceBPETokenizer` (Llama 2 style). Both are
/// built from plain values, so a file reader (GGUF, `tokenizer.json`) only has to collect
/// arrays and ids and call an initialiser.
public protocol Tokenizer: AnyObject {
    /// Number of token ids (ids run 0..<vocabularySize).
    var vocabularySize: Int { get }
    var bosID: Int? { get }
    var eosID: Int? { get }

    /// Encodes `text`.
    /// - addSpecial: add BOS/EOS where the tokenizer's flags ask for them.
    /// - parseSpecial: recognise special/added token texts (e.g. `<|im_end|>`) inside `text`
    ///   and emit their ids; when false they are tokenized as ordinary text.
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int]

    /// The raw bytes token `id` stands for in decoded text. `isFirst` marks the first token of
    /// a sequence, skipped special tokens aside (SentencePiece then drops the space it prepended). Special tokens give
    /// their text, or nothing when `skipSpecial`. Unknown ids give no bytes.
    func decodedBytes(_ id: Int, isFirst: Bool, skipSpecial: Bool) -> [UInt8]

    /// The vocabulary entry of `id` as stored (e.g. "Ġthe", "▁the", "<0x0A>"), nil when out of range.
    func tokenText(_ id: Int) -> String?

    /// The id of a vocabulary entry given as stored, nil when absent.
    func tokenID(_ text: String) -> Int?

    /// True for control/added tokens (BOS, EOS, `<|im_end|>`, …).
    func isSpecial(_ id: Int) -> Bool
}

extension Tokenizer {
    /// Encodes `text`, recognising special token texts in it.
    public func encode(_ text: String, addSpecial: Bool = true) -> [Int] {
        encode(text, addSpecial: addSpecial, parseSpecial: true)
    }

    /// Decodes `ids` to text; byte sequences that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        var first = true
        for id in ids {
            bytes += decodedBytes(id, isFirst: first, skipSpecial: skipSpecial)
            if !(skipSpecial && isSpecial(id)) { first = false }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Token kinds as GGUF stores them in `tokenizer.ggml.token_type` (llama.cpp's numbering).
public enum TokenType: Int32, Sendable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6
}

/// A token matched verbatim in input text before pre-tokenization (special and added tokens).
public struct AddedToken: Sendable, Equatable {
    public var id: Int
    public var content: String
    /// Special tokens (BOS, EOS, chat markers) are dropped by `decode(skipSpecial: true)`.
    public var special: Bool

    public init(id: Int, content: String, special: Bool = true) {
        self.id = id
        self.content = content
        self.special = special
    }
}

/// Errors from building a tokenizer out of file contents.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case invalidVocabulary(String)
    case unsupported(String)
    case malformedFile(String)

    public var description: String {
        switch self {
        case .invalidVocabulary(let why): return "invalid tokenizer vocabulary: \(why)"
        case .unsupported(let why): return "unsupported tokenizer: \(why)"
        case .malformedFile(let why): return "malformed tokenizer file: \(why)"
        }
    }
}
