/// A model with its tokenizer and chat format: what `load NAME` gives a session.
public final class LanguageModel {
    public let name: String
    public let source: ModelSource
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate?
    /// Kept so quantized weights borrowed from the mapping stay valid.
    private let backingFile: AnyObject?

    public init(name: String, source: ModelSource, model: LlamaModel, tokenizer: Tokenizer,
                chatTemplate: ChatTemplate?, backingFile: AnyObject? = nil) throws {
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw ModelError.invalidConfig("the tokenizer has \(tokenizer.vocabularySize) tokens but the model's vocabulary holds \(model.config.vocabularySize)")
        }
        self.name = name
        self.source = source
        self.model = model
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.backingFile = backingFile
    }

    /// Resolves `name` (see `ModelLocator`) and loads it.
    public static func load(_ name: String, locator: ModelLocator = ModelLocator()) throws -> LanguageModel {
        let source = try locator.resolve(name)
        switch source {
        case .tiny:
            return try LanguageModel(name: "tiny", source: .tiny, model: TinyLlama.make(),
                                     tokenizer: TinyLlama.tokenizer(), chatTemplate: .chatML(defaultSystem: nil))
        case let .gguf(path):
            let file = try GGUFFile(path: path)
            return try LanguageModel(name: name, source: source, model: LlamaGGUFLoader.load(file),
                                     tokenizer: GGUFTokenizerLoader.load(file),
                                     chatTemplate: GGUFTokenizerLoader.chatTemplate(file), backingFile: file)
        case let .huggingFaceDirectory(path):
            let loaded = try LlamaHFLoader.load(directory: path)
            return try LanguageModel(name: name, source: source, model: loaded.model, tokenizer: loaded.tokenizer,
                                     chatTemplate: loaded.chatTemplate, backingFile: loaded.checkpoint)
        }
    }

    /// Token ids of `text`; with `chat`, the text is one user message in the model's chat
    /// template followed by the generation prompt.
    public func encode(_ text: String, chat: Bool = false) throws -> [Int] {
        guard chat else { return tokenizer.encode(text, addSpecial: true) }
        guard let template = chatTemplate else {
            throw ModelError.unsupported("\(name) has no chat template; drop --chat or use a model that ships one")
        }
        let rendered = template.render(messages: [ChatMessage(role: "user", content: text)], addGenerationPrompt: true,
                                       bosToken: tokenizer.bosID.flatMap(tokenizer.tokenText),
                                       eosToken: tokenizer.eosID.flatMap(tokenizer.tokenText))
        return tokenizer.encode(rendered, addSpecial: false, parseSpecial: true)
    }

    /// Ids that end a generated turn: EOS and the template's end-of-turn token.
    public var stopTokenIDs: Set<Int> {
        var ids = Set<Int>()
        if let eos = tokenizer.eosID { ids.insert(eos) }
        for marker in ["<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "</s>"] {
            if let id = tokenizer.tokenID(marker) { ids.insert(id) }
        }
        return ids
    }
}

extension TinyLlama {
    /// Byte-level tokenizer of `tiny`: one token per byte (ids 0–255, no merges) followed by
    /// `specialTokens` (ids 256–259); EOS is `<|endoftext|>`.
    public static func tokenizer() throws -> Tokenizer {
        let bytes = ByteLevelEncoding.byteToScalar.map { String($0) }
        let specials = specialTokens.enumerated().map { AddedToken(id: 256 + $0.offset, content: $0.element, special: true) }
        return try ByteLevelBPETokenizer(tokens: bytes + specialTokens, merges: [String](), preTokenizer: .gpt2,
                                         addedTokens: specials, bosID: nil, eosID: 256)
    }
}
