import Foundation

/// Reference ids for SmolLM2's tokenizer written by Tests/Fixtures/tokenizer/make_fixtures.py.
struct TokenizerFixture: Decodable {
    struct Case: Decodable {
        var text: String
        var ids: [Int]
        var ids_no_special: [Int]
        var ids_special_as_text: [Int]
        var decoded: String
    }
    struct Message: Decodable {
        var role: String
        var content: String
    }
    struct Chat: Decodable {
        var messages: [Message]
        var add_generation_prompt: Bool
        var text: String
        var ids: [Int]
    }
    var cases: [Case]
    var chat: [Chat]

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    static func loadSmolLM2() throws -> TokenizerFixture {
        let data = try Data(contentsOf: directory.appendingPathComponent("smollm2_ids.json"))
        return try JSONDecoder().decode(TokenizerFixture.self, from: data)
    }

    /// The GGUF chat template of SmolLM2-135M-Instruct (`tokenizer.chat_template`).
    static let smolLM2Template = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
}
