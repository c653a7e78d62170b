import Foundation

/// SentencePiece-style BPE (Llama 2, Mistral, TinyLlama): spaces become "▁", a "▁" is
/// prepended at the start of the text and after each special token, then adjacent pieces are
/// merged best score first (ties leftmost) as long as the merged text is a vocabulary entry.
/// Characters outside the vocabulary fall back to byte tokens `<0xXX>`, or to the unknown token.
///
/// From a GGUF file (`tokenizer.ggml.model == "llama"`) the initialiser takes:
/// - `tokens`     ← `tokenizer.ggml.tokens` (array of string)
/// - `scores`     ← `tokenizer.ggml.scores` (array of float32, higher merges first)
/// - `tokenTypes` ← `tokenizer.ggml.token_type` (array of int32; optional)
/// - `bosID`, `eosID`, `unknownID` ← `tokenizer.ggml.bos_token_id`, `.eos_token_id`, `.unknown_token_id`
/// - `addBOS` ← `tokenizer.ggml.add_bos_token` (default true), `addEOS` ← `.add_eos_token` (default false)
/// - `addSpacePrefix` ← `tokenizer.ggml.add_space_prefix` (default true)
public final class SentencePieceBPETokenizer: Tokenizer {
    public let tokens: [String]
    public let scores: [Float]
    public let tokenTypes: [TokenType]
    public let bosID: Int?
    public let eosID: Int?
    public let unknownID: Int?
    public let addBOS: Bool
    public let addEOS: Bool
    public let addSpacePrefix: Bool
    public let addedTokens: [AddedToken]

    public var vocabularySize: Int { tokens.count }

    private let tokenToID: [String: Int]  // merge targets: normal and user-defined entries
    private let anyTokenToID: [String: Int]
    private let byteTokenID: [Int32]  // id of `<0xXX>` for each byte, -1 if absent
    private let tokenByte: [Int: UInt8]
    private let matcher: AddedTokenMatcher
    private let addedIDs: [Int: AddedToken]

    static let spaceMarker = "\u{2581}"  // ▁

    /// - Parameter tokenTypes: when nil, `<0xXX>` entries are byte tokens, `unknownID` the
    ///   unknown token, BOS/EOS control tokens and the rest normal.
    public init(tokens: [String], scores: [Float], tokenTypes: [Int32]? = nil,
                addedTokens: [AddedToken]? = nil, bosID: Int?, eosID: Int?, unknownID: Int?,
                addBOS: Bool = true, addEOS: Bool = false, addSpacePrefix: Bool = true) throws {
        guard !tokens.isEmpty else { throw TokenizerError.invalidVocabulary("no tokens") }
        guard scores.count == tokens.count else {
            throw TokenizerError.invalidVocabulary("\(scores.count) scores for \(tokens.count) tokens")
        }
        if let tokenTypes, tokenTypes.count != tokens.count {
            throw TokenizerError.invalidVocabulary("\(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        for (name, id) in [("BOS", bosID), ("EOS", eosID), ("unknown", unknownID)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError.invalidVocabulary("\(name) id \(id) outside vocabulary of \(tokens.count)")
            }
        }
        self.tokens = tokens
        self.scores = scores
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix

        var types: [TokenType]
        if let tokenTypes {
            types = tokenTypes.map { TokenType(rawValue: $0) ?? .normal }
        } else {
            types = tokens.map { Self.byteValue(of: $0) != nil ? .byte : .normal }
            for id in [bosID, eosID].compactMap({ $0 }) { types[id] = .control }
            if let unknownID { types[unknownID] = .unknown }
        }
        for token in addedTokens ?? [] where (0..<tokens.count).contains(token.id) {
            types[token.id] = token.special ? .control : .userDefined
        }
        self.tokenTypes = types

        var tokenToID = [String: Int](minimumCapacity: tokens.count)
        var byteIDs = [Int32](repeating: -1, count: 256)
        var tokenByte: [Int: UInt8] = [:]
        for (id, token) in tokens.enumerated() {
            if types[id] == .byte, let b = Self.byteValue(of: token) {
                if byteIDs[Int(b)] < 0 { byteIDs[Int(b)] = Int32(id) }
                tokenByte[id] = b
            } else if tokenToID[token] == nil && (types[id] == .normal || types[id] == .userDefined) {
                tokenToID[token] = id
            }
        }
        self.tokenToID = tokenToID
        var anyTokenToID = [String: Int](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() where anyTokenToID[token] == nil { anyTokenToID[token] = id }
        self.anyTokenToID = anyTokenToID
        self.byteTokenID = byteIDs
        self.tokenByte = tokenByte

        let added = addedTokens ?? types.enumerated().compactMap { id, type -> AddedToken? in
            guard type == .control || type == .userDefined else { return nil }
            return AddedToken(id: id, content: tokens[id], special: type == .control)
        }
        for token in added where !(0..<tokens.count).contains(token.id) {
            throw TokenizerError.invalidVocabulary("added token \(token.content) has id \(token.id) outside the vocabulary")
        }
        self.addedTokens = added
        self.matcher = AddedTokenMatcher(added)
        self.addedIDs = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The byte of a `<0xXX>` entry.
    static func byteValue(of token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        var out: [Int] = []
        if addSpecial && addBOS, let bosID { out.append(bosID) }
        let bytes = Array(text.utf8)
        let fragments: [AddedTokenMatcher.Fragment] = parseSpecial
            ? matcher.fragments(bytes)
            : (bytes.isEmpty ? [] : [.text(0..<bytes.count)])
        var afterSpecial = true
        var merger = SymbolMerger()
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                out.append(id)
                afterSpecial = true
            case .text(let range):
                var piece = String(decoding: bytes[range], as: UTF8.self)
                if addSpacePrefix && afterSpecial { piece = " " + piece }
                encodeFragment(piece.replacingOccurrences(of: " ", with: Self.spaceMarker),
                               merger: &merger, into: &out)
                afterSpecial = false
            }
        }
        if addSpecial && addEOS, let eosID { out.append(eosID) }
        return out
    }

    private func encodeFragment(_ text: String, merger: inout SymbolMerger, into out: inout [Int]) {
        // One symbol per scalar; scalars outside the vocabulary get placeholder ids past the
        // vocabulary (they never merge) and fall back to bytes at the end.
        var initial: [Int32] = []
        var unknownScalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if let id = tokenToID[String(scalar)] {
                initial.append(Int32(id))
            } else {
                initial.append(Int32(tokens.count + unknownScalars.count))
                unknownScalars.append(scalar)
            }
        }
        let vocabularyCount = tokens.count
        let merged = merger.merge(initial) { l, r in
            guard Int(l) < vocabularyCount, Int(r) < vocabularyCount,
                  let m = tokenToID[tokens[Int(l)] + tokens[Int(r)]],
                  tokenTypes[m] == .normal, scores[m].isFinite else { return nil }
            return (-scores[m], Int32(m))
        }
        for id in merged {
            if Int(id) < vocabularyCount {
                out.append(Int(id))
                continue
            }
            let scalar = unknownScalars[Int(id) - vocabularyCount]
            let utf8 = Array(String(scalar).utf8)
            if utf8.allSatisfy({ byteTokenID[Int($0)] >= 0 }) {
                for b in utf8 { out.append(Int(byteTokenID[Int(b)])) }
            } else if let unknownID {
                out.append(unknownID)
            }
        }
    }

    public func decodedBytes(_ id: Int, isFirst: Bool, skipSpecial: Bool) -> [UInt8] {
        guard (0..<tokens.count).contains(id) else { return [] }
        if let b = tokenByte[id] { return [b] }
        if let added = addedIDs[id] {
            return skipSpecial && added.special ? [] : Array(added.content.utf8)
        }
        var bytes = Array(tokens[id].replacingOccurrences(of: Self.spaceMarker, with: " ").utf8)
        if isFirst && addSpacePrefix && bytes.first == 0x20 { bytes.removeFirst() }
        return bytes
    }

    public func tokenText(_ id: Int) -> String? {
        (0..<tokens.count).contains(id) ? tokens[id] : nil
    }

    public func tokenID(_ text: String) -> Int? {
        anyTokenToID[text]
    }

    public func isSpecial(_ id: Int) -> Bool { addedIDs[id]?.special ?? false }
}
