import Compute
import Foundation
import XCTest

final class ChatTemplateTests: XCTestCase {
    func testDetection() {
        XCTAssertEqual(ChatTemplate.detect(from: TokenizerFixture.smolLM2Template),
                       .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let qwen = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        XCTAssertEqual(ChatTemplate.detect(from: qwen), .chatML(defaultSystem: "You are a helpful assistant."))
        XCTAssertEqual(ChatTemplate.detect(from: "{{'<|im_start|>' + message['role'] + '\\n'}}"),
                       .chatML(defaultSystem: nil))
        XCTAssertEqual(ChatTemplate.detect(from: "{{ '<|start_header_id|>' + message['role'] }}"), .llama3)
        XCTAssertEqual(ChatTemplate.detect(from: "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"), .llama2)
        XCTAssertNil(ChatTemplate.detect(from: nil))
        XCTAssertNil(ChatTemplate.detect(from: "{{ messages }}"))
    }

    /// The SmolLM2 renderings produced by transformers' apply_chat_template (fixture file).
    func testSmolLM2MatchesReferenceRendering() throws {
        let fixture = try TokenizerFixture.loadSmolLM2()
        let template = try XCTUnwrap(ChatTemplate.detect(from: TokenizerFixture.smolLM2Template))
        XCTAssertEqual(fixture.chat.count, 3)
        for chat in fixture.chat {
            let rendered = template.render(messages: chat.messages.map { ChatMessage(role: $0.role, content: $0.content) },
                                           addGenerationPrompt: chat.add_generation_prompt)
            XCTAssertEqual(rendered, chat.text)
        }
    }

    /// Expected strings rendered by jinja2 from Meta's Llama 3 Instruct and Llama 2 templates
    /// (Tests/Fixtures/tokenizer/chat_templates.py wrote chat_templates.json).
    func testLlama3AndLlama2AgreeWithJinja() throws {
        struct Case: Decodable {
            struct Message: Decodable { var role: String; var content: String }
            var template: String
            var messages: [Message]
            var add_generation_prompt: Bool
            var text: String
        }
        let url = TokenizerFixture.directory.appendingPathComponent("chat_templates.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertEqual(Set(cases.map(\.template)), ["llama3", "llama2"])
        for c in cases {
            let template: ChatTemplate = c.template == "llama3" ? .llama3 : .llama2
            XCTAssertEqual(template.render(messages: c.messages.map { ChatMessage(role: $0.role, content: $0.content) },
                                           addGenerationPrompt: c.add_generation_prompt), c.text, c.template)
        }
        XCTAssertEqual(ChatTemplate.llama3.render(messages: [], addGenerationPrompt: false), "")
    }

    func testChatMLWithoutDefaultSystem() {
        let text = ChatTemplate.chatML(defaultSystem: nil)
            .render(messages: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        XCTAssertEqual(text, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }
}
