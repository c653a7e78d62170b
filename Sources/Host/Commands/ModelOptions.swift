import ArgumentParser
import Compute

/// Options every model subcommand shares.
struct ModelOptions: ParsableArguments {
    @Argument(help: "Model: tiny, smollm2, an alias from the registry, or a path to a .gguf file or Hugging Face directory.")
    var model: String

    @Argument(help: "The text.")
    var text: String

    @Flag(help: "Wrap the text as one user message in the model's chat template, with the generation prompt.")
    var chat = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Threads for OpenBLAS and the core's parallel loops.")
    var threads: Int = 2

    func load() throws -> (LanguageModel, [Int]) {
        try Threads.set(threads)
        let loaded = try LanguageModel.load(model)
        let ids = try loaded.encode(text, chat: chat)
        guard !ids.isEmpty else { throw ValidationError("the text encodes to no tokens; give some text") }
        return (loaded, ids)
    }
}
