import Foundation

/// One turn of a conversation.
public struct ChatMessage: Equatable, Sendable {
    public var role: String      // "system", "user", "assistant"
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat formats of the supported model families, rendered in code (not a Jinja engine).
/// Output matches the reference Jinja templates character for character; special tokens
/// appear as text, so encode the result with `parseSpecial: true` and `addSpecial: false`.
public enum ChatTemplate: Equatable, Sendable {
    /// `<|im_start|>role\ncontent<|im_end|>\n` per message (SmolLM2, Qwen2). When the
    /// template inserts a system prompt for conversations without one, `defaultSystem` holds it.
    case chatML(defaultSystem: String?)
    /// `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` (Llama 3).
    case llama3
    /// `<s>[INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] assistant </s>` (Llama 2).
    case llama2

    /// Picks the format of a template string as stored in a GGUF file
    /// (`tokenizer.chat_template`) or `tokenizer_config.json` (`chat_template`); nil when the
    /// string is absent or of no known family.
    public static func detect(from template: String?) -> ChatTemplate? {
        guard let template else { return nil }
        if template.contains("<|im_start|>") {
            return .chatML(defaultSystem: defaultSystemPrompt(in: template))
        }
        if template.contains("<|start_header_id|>") { return .llama3 }
        if template.contains("[INST]") { return .llama2 }
        return nil
    }

    /// A literal system turn in a ChatML template: `'<|im_start|>system\nTEXT<|im_end|>`
    /// with TEXT free of Jinja expressions.
    static func defaultSystemPrompt(in template: String) -> String? {
        let opener = "<|im_start|>system"
        var rest = template[...]
        while let open = rest.range(of: opener) {
            rest = rest[open.upperBound...]
            var body = rest
            if body.hasPrefix("\n") {
                body = body.dropFirst()
            } else if body.hasPrefix("\\n") {
                body = body.dropFirst(2)
            } else {
                continue
            }
            guard let close = body.range(of: "<|im_end|>") else { return nil }
            let text = String(body[..<close.lowerBound])
            if text.contains("{") || text.contains("'") || text.contains("\"") { continue }
            return text.replacingOccurrences(of: "\\n", with: "\n")
        }
        return nil
    }

    /// The prompt text for `messages`; with `addGenerationPrompt` it ends where the assistant's
    /// reply begins (Llama 2 always does).
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool,
                       bosToken: String? = nil, eosToken: String? = nil) -> String {
        switch self {
        case .chatML(let defaultSystem):
            var out = ""
            if let defaultSystem, messages.first?.role != "system" {
                out += "<|im_start|>system\n" + defaultSystem + "<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
            return out

        case .llama3:
            var out = messages.isEmpty ? "" : (bosToken ?? "<|begin_of_text|>")
            for m in messages {
                out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + Self.trim(m.content) + "<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
            return out

        case .llama2:
            let bos = bosToken ?? "<s>", eos = eosToken ?? "</s>"
            var turns = messages[...]
            var system: String?
            if let first = turns.first, first.role == "system" {
                system = first.content
                turns = turns.dropFirst()
            }
            var out = ""
            for (i, m) in turns.enumerated() {
                var content = m.content
                if i == 0, let system { content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content }
                if m.role == "user" {
                    out += bos + "[INST] " + Self.trim(content) + " [/INST]"
                } else if m.role == "assistant" {
                    out += " " + Self.trim(content) + " " + eos
                }
            }
            return out
        }
    }

    /// Jinja's `trim` / Python's `str.strip()`: whitespace off both ends.
    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
