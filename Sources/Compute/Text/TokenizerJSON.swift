import Foundation

/// Builds a tokenizer from a Hugging Face `tokenizer.json` (model type "BPE").
///
/// Byte-level files (pre-tokenizer or decoder "ByteLevel") become a `ByteLevelBPETokenizer`;
/// the pre-tokenizer is recognised as GPT-2 (ByteLevel with its regex), SmolLM
/// (Digits(individual) + ByteLevel) or a Split regex of Llama 3 / Qwen2. Files with
/// `byte_fallback` or a Metaspace/"▁" setup become a `SentencePieceBPETokenizer` whose scores
/// are derived from merge ranks. BOS/EOS come from the post-processor template and, when
/// present, from `tokenizer_config.json` (`bos_token`, `eos_token`, `add_bos_token`).
public enum TokenizerJSON {
    /// Loads `url`, reading a `tokenizer_config.json` beside it when there is one.
    public static func load(contentsOf url: URL) throws -> any Tokenizer {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.malformedFile("cannot read \(url.path): \(error.localizedDescription)")
        }
        let configURL = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        let config = try? Data(contentsOf: configURL)
        return try load(data: data, config: config)
    }

    public static func load(data: Data, config: Data? = nil) throws -> any Tokenizer {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerError.malformedFile("tokenizer.json is not a JSON object")
        }
        let configObject = config.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any] ?? [:]
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.malformedFile("tokenizer.json has no \"model\"")
        }
        let modelType = model["type"] as? String ?? "BPE"
        guard modelType == "BPE" else {
            throw TokenizerError.unsupported("model type \(modelType); only BPE is supported")
        }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.malformedFile("model has no \"vocab\" object")
        }

        // Added tokens, then the id-ordered token list (gaps filled with empty entries).
        var added: [AddedToken] = []
        for item in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = intValue(item["id"]), let content = item["content"] as? String else { continue }
            added.append(AddedToken(id: id, content: content, special: item["special"] as? Bool ?? false))
        }
        var maxID = -1
        for (_, value) in vocab { maxID = max(maxID, intValue(value) ?? -1) }
        for token in added { maxID = max(maxID, token.id) }
        guard maxID >= 0, maxID < 10_000_000 else {
            throw TokenizerError.malformedFile("vocabulary ids out of range (largest \(maxID))")
        }
        var tokens = [String](repeating: "", count: maxID + 1)
        for (text, value) in vocab {
            guard let id = intValue(value), id >= 0 else {
                throw TokenizerError.malformedFile("vocab entry \"\(text)\" has no valid id")
            }
            tokens[id] = text
        }
        for token in added where tokens[token.id].isEmpty { tokens[token.id] = token.content }

        let merges = try parseMerges(model["merges"])
        let (bosID, eosID, addBOS, addEOS) = specialIDs(root: root, config: configObject, tokens: tokens)
        let unknownID = (model["unk_token"] as? String).flatMap { unk in tokens.firstIndex(of: unk) }

        if isSentencePiece(root: root, model: model) {
            // Merge rank r makes its result score -r; entries no merge produces never merge.
            var scores = [Float](repeating: -.infinity, count: tokens.count)
            var idOf: [String: Int] = [:]
            for (id, t) in tokens.enumerated() where idOf[t] == nil { idOf[t] = id }
            for (rank, (l, r)) in merges.enumerated() {
                if let m = idOf[l + r], scores[m] == -.infinity { scores[m] = -Float(rank) }
            }
            return try SentencePieceBPETokenizer(
                tokens: tokens, scores: scores, tokenTypes: nil, addedTokens: added,
                bosID: bosID, eosID: eosID, unknownID: unknownID,
                addBOS: addBOS ?? true, addEOS: addEOS ?? false,
                addSpacePrefix: addsSpacePrefix(root))
        }
        return try ByteLevelBPETokenizer(
            tokens: tokens, merges: merges, preTokenizer: try preTokenizer(root["pre_tokenizer"]),
            addedTokens: added, bosID: bosID, eosID: eosID, unknownID: unknownID,
            addBOS: addBOS ?? false, addEOS: addEOS ?? false,
            ignoreMerges: model["ignore_merges"] as? Bool ?? false)
    }

    /// Merges as "a b" strings or as [a, b] arrays.
    static func parseMerges(_ value: Any?) throws -> [(String, String)] {
        guard let list = value as? [Any] else { return [] }
        return try list.map { item in
            if let pair = item as? [String], pair.count == 2 { return (pair[0], pair[1]) }
            if let line = item as? String, let space = line.dropFirst().firstIndex(of: " ") {
                return (String(line[..<space]), String(line[line.index(after: space)...]))
            }
            throw TokenizerError.malformedFile("merge \(item) is neither \"a b\" nor [a, b]")
        }
    }

    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func preTokenizer(_ value: Any?) throws -> PreTokenizer {
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw TokenizerError.unsupported("byte-level tokenizer without a pre_tokenizer")
        }
        let parts = type == "Sequence" ? (object["pretokenizers"] as? [[String: Any]] ?? []) : [object]
        let types = parts.compactMap { $0["type"] as? String }
        if let split = parts.first(where: { $0["type"] as? String == "Split" }) {
            let pattern = (split["pattern"] as? [String: Any])?["Regex"] as? String ?? ""
            if pattern == llama3Regex { return .llama3 }
            if pattern == qwen2Regex { return .qwen2 }
            throw TokenizerError.unsupported("pre-tokenizer regex \(pattern)")
        }
        if types == ["ByteLevel"] { return .gpt2 }
        if types == ["Digits", "ByteLevel"], parts[0]["individual_digits"] as? Bool == true { return .smollm }
        throw TokenizerError.unsupported("pre-tokenizer \(types.joined(separator: " + "))")
    }

    static func isSentencePiece(root: [String: Any], model: [String: Any]) -> Bool {
        if model["byte_fallback"] as? Bool == true { return true }
        let described = [root["normalizer"], root["pre_tokenizer"], root["decoder"]]
            .compactMap { $0 }.map { "\($0)" }.joined()
        return described.contains("Metaspace") || described.contains("\u{2581}")
    }

    /// Llama 2 files prepend "▁" with a normalizer or a Metaspace pre-tokenizer.
    static func addsSpacePrefix(_ root: [String: Any]) -> Bool {
        let described = [root["normalizer"], root["pre_tokenizer"]].compactMap { $0 }.map { "\($0)" }.joined()
        return described.contains("Prepend") || described.contains("prepend_scheme")
            && !described.contains("never")
    }

    /// BOS/EOS ids and whether encoding adds them: the post-processor's single-sequence
    /// template first, then `tokenizer_config.json`.
    static func specialIDs(root: [String: Any], config: [String: Any], tokens: [String])
        -> (bos: Int?, eos: Int?, addBOS: Bool?, addEOS: Bool?) {
        func id(of name: String) -> Int? { tokens.firstIndex(of: name) }
        func configToken(_ key: String) -> String? {
            if let s = config[key] as? String { return s }
            return (config[key] as? [String: Any])?["content"] as? String
        }
        var bos = configToken("bos_token").flatMap(id(of:))
        var eos = configToken("eos_token").flatMap(id(of:))
        var addBOS = config["add_bos_token"] as? Bool
        var addEOS = config["add_eos_token"] as? Bool
        if let post = root["post_processor"] as? [String: Any], post["type"] as? String == "TemplateProcessing",
           let single = post["single"] as? [[String: Any]] {
            let items = single.map { ($0["SpecialToken"] as? [String: Any])?["id"] as? String }
            if let first = items.first, let name = first {
                bos = bos ?? id(of: name)
                addBOS = true
            } else if addBOS == nil {
                addBOS = false
            }
            if items.count > 1, let last = items.last, let name = last {
                eos = eos ?? id(of: name)
                addEOS = true
            }
        }
        return (bos, eos, addBOS, addEOS)
    }

    private static func intValue(_ value: Any?) -> Int? {
        if let i = value as? Int { return i }
        if let n = value as? NSNumber { return n.intValue }
        return nil
    }
}
