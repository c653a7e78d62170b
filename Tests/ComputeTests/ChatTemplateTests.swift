import Compute
import XCTest

final class ChatTemplateTests: XCTestCase {
    private let conversation = [
        ChatMessage(role: "system", content: "Be brief."),
        ChatMessage(role: "user", content: " Hi there \n"),
        ChatMessage(role: "assistant", content: "Hello!"),
        ChatMessage(role: "user", content: "Bye"),
    ]

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

    /// Expected strings rendered by jinja2 from Meta's Llama 3 Instruct template.
    func testLlama3() {
        XCTAssertEqual(ChatTemplate.llama3.render(messages: conversation, addGenerationPrompt: true),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual(ChatTemplate.llama3.render(messages: [], addGenerationPrompt: false), "")
    }

    /// Expected strings rendered by jinja2 from Meta's Llama 2 chat template.
    func testLlama2() {
        XCTAssertEqual(ChatTemplate.llama2.render(messages: conversation, addGenerationPrompt: true),
                       "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi there [/INST] Hello! </s><s>[INST] Bye [/INST]")
        XCTAssertEqual(ChatTemplate.llama2.render(messages: Array(conversation[1...2]), addGenerationPrompt: true),
                       "<s>[INST] Hi there [/INST] Hello! </s>")
    }

    func testChatMLWithoutDefaultSystem() {
        let text = ChatTemplate.chatML(defaultSystem: nil)
            .render(messages: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        XCTAssertEqual(text, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }
}
