import Foundation

/// Byte-level BPE (GPT-2, Llama 3, SmolLM, Qwen2): text → UTF-8 bytes → byte-level scalars
/// (`ByteLevelEncoding`) → words (`PreTokenizer`) → merges applied by rank.
///
/// From a GGUF file (`tokenizer.ggml.model == "gpt2"`) the initialiser takes:
/// - `tokens`      ← `tokenizer.ggml.tokens` (array of string)
/// - `merges`      ← `tokenizer.ggml.merges` (array of "left right" strings, best first)
/// - `tokenTypes`  ← `tokenizer.ggml.token_type` (array of int32, optional; control and
///                   user-defined tokens are matched verbatim in input)
/// - `preTokenizer`← `PreTokenizer(ggufName: tokenizer.ggml.pre)` (default `.gpt2`)
/// - `bosID`, `eosID`, `unknownID` ← `tokenizer.ggml.bos_token_id`, `.eos_token_id`,
///                   `.unknown_token_id` (uint32)
/// - `addBOS`, `addEOS` ← `tokenizer.ggml.add_bos_token`, `.add_eos_token` (bool, default false)
public final class ByteLevelBPETokenizer: Tokenizer {
    public let tokens: [String]
    public let preTokenizer: PreTokenizer
    public let bosID: Int?
    public let eosID: Int?
    public let unknownID: Int?
    public let addBOS: Bool
    public let addEOS: Bool
    /// Words found whole in the vocabulary skip merging (Llama 3's `ignore_merges`).
    public let ignoreMerges: Bool
    public let addedTokens: [AddedToken]

    public var vocabularySize: Int { tokens.count }

    private let tokenToID: [String: Int]
    private let byteTokenID: [Int32]  // id of each byte's one-scalar token, -1 if absent
    private let mergeTable: [UInt64: (rank: Int32, merged: Int32)]
    private let matcher: AddedTokenMatcher
    private let addedIDs: [Int: AddedToken]

    private let cacheLock = NSLock()
    private var wordCache: [String: [Int32]] = [:]
    private static let cacheLimit = 200_000

    /// - Parameter merges: merge rules best first, each as a (left, right) pair of vocabulary entries.
    public init(tokens: [String], merges: [(String, String)], tokenTypes: [Int32]? = nil,
                preTokenizer: PreTokenizer, addedTokens: [AddedToken]? = nil,
                bosID: Int?, eosID: Int?, unknownID: Int? = nil,
                addBOS: Bool = false, addEOS: Bool = false, ignoreMerges: Bool? = nil) throws {
        guard !tokens.isEmpty else { throw TokenizerError.invalidVocabulary("no tokens") }
        for (name, id) in [("BOS", bosID), ("EOS", eosID), ("unknown", unknownID)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError.invalidVocabulary("\(name) id \(id) outside vocabulary of \(tokens.count)")
            }
        }
        if let tokenTypes, tokenTypes.count != tokens.count {
            throw TokenizerError.invalidVocabulary(
                "\(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        self.tokens = tokens
        self.preTokenizer = preTokenizer
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.ignoreMerges = ignoreMerges ?? (preTokenizer == .llama3)

        var tokenToID = [String: Int](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() where tokenToID[token] == nil { tokenToID[token] = id }
        self.tokenToID = tokenToID

        self.byteTokenID = ByteLevelEncoding.byteToScalar.map { scalar in
            tokenToID[String(scalar)].map(Int32.init) ?? -1
        }

        var table = [UInt64: (rank: Int32, merged: Int32)](minimumCapacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            guard let l = tokenToID[left], let r = tokenToID[right],
                  let m = tokenToID[left + right] else { continue }
            let key = UInt64(l) << 32 | UInt64(r)
            if table[key] == nil { table[key] = (Int32(rank), Int32(m)) }
        }
        self.mergeTable = table

        let added = addedTokens ?? tokenTypes.map { types in
            types.enumerated().compactMap { id, type -> AddedToken? in
                let kind = TokenType(rawValue: type)
                guard kind == .control || kind == .userDefined else { return nil }
                return AddedToken(id: id, content: tokens[id], special: kind == .control)
            }
        } ?? []
        for token in added where !(0..<tokens.count).contains(token.id) {
            throw TokenizerError.invalidVocabulary("added token \(token.content) has id \(token.id) outside the vocabulary")
        }
        self.addedTokens = added
        self.matcher = AddedTokenMatcher(added)
        self.addedIDs = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Same, with merges as GGUF and older `tokenizer.json` files store them: "left right".
    public convenience init(tokens: [String], merges: [String], tokenTypes: [Int32]? = nil,
                            preTokenizer: PreTokenizer, addedTokens: [AddedToken]? = nil,
                            bosID: Int?, eosID: Int?, unknownID: Int? = nil,
                            addBOS: Bool = false, addEOS: Bool = false, ignoreMerges: Bool? = nil) throws {
        let pairs = try merges.map { line -> (String, String) in
            guard let space = line.dropFirst().firstIndex(of: " ") else {
                throw TokenizerError.invalidVocabulary("merge rule \"\(line)\" is not \"left right\"")
            }
            return (String(line[..<space]), String(line[line.index(after: space)...]))
        }
        try self.init(tokens: tokens, merges: pairs, tokenTypes: tokenTypes, preTokenizer: preTokenizer,
                      addedTokens: addedTokens, bosID: bosID, eosID: eosID, unknownID: unknownID,
                      addBOS: addBOS, addEOS: addEOS, ignoreMerges: ignoreMerges)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecial && addBOS, let bosID { out.append(bosID) }
        let bytes = Array(text.utf8)
        let fragments: [AddedTokenMatcher.Fragment] = parseSpecial
            ? matcher.fragments(bytes)
            : (bytes.isEmpty ? [] : [.text(0..<bytes.count)])
        var merger = SymbolMerger()
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                out.append(id)
            case .text(let range):
                let piece = String(decoding: bytes[range], as: UTF8.self)
                for word in preTokenizer.splitOffsets(piece) {
                    let wordBytes = bytes[(range.lowerBound + word.lowerBound)..<(range.lowerBound + word.upperBound)]
                    for id in encodeWord(wordBytes, merger: &merger) { out.append(Int(id)) }
                }
            }
        }
        if addSpecial && addEOS, let eosID { out.append(eosID) }
        return out
    }

    /// BPE of one pre-tokenized word, through the word cache.
    private func encodeWord(_ bytes: ArraySlice<UInt8>, merger: inout SymbolMerger) -> [Int32] {
        let key = String(decoding: bytes, as: UTF8.self)
        cacheLock.lock()
        let cached = wordCache[key]
        cacheLock.unlock()
        if let cached { return cached }

        var result: [Int32]
        if ignoreMerges, let whole = tokenToID[ByteLevelEncoding.encode(bytes)] {
            result = [Int32(whole)]
        } else {
            var initial: [Int32] = []
            initial.reserveCapacity(bytes.count)
            for b in bytes {
                let id = byteTokenID[Int(b)]
                if id >= 0 {
                    initial.append(id)
                } else if let unknownID {
                    initial.append(Int32(unknownID))
                }
            }
            let table = mergeTable
            result = merger.merge(initial) { l, r in
                guard let hit = table[UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))] else { return nil }
                return (Float(hit.rank), hit.merged)
            }
        }
        cacheLock.lock()
        if wordCache.count >= Self.cacheLimit { wordCache.removeAll(keepingCapacity: true) }
        wordCache[key] = result
        cacheLock.unlock()
        return result
    }

    public func decodedBytes(_ id: Int, isFirst: Bool, skipSpecial: Bool) -> [UInt8] {
        guard (0..<tokens.count).contains(id) else { return [] }
        if let added = addedIDs[id] {
            return skipSpecial && added.special ? [] : Array(added.content.utf8)
        }
        return ByteLevelEncoding.decode(tokens[id])
    }

    public func tokenText(_ id: Int) -> String? {
        (0..<tokens.count).contains(id) ? tokens[id] : nil
    }

    public func tokenID(_ text: String) -> Int? { tokenToID[text] }

    public func isSpecial(_ id: Int) -> Bool { addedIDs[id]?.special ?? false }
}
