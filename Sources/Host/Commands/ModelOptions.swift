import ArgumentParser
import Compute

/// Options every model subcommand shares. The subcommands run the REPL command of the same
/// name on a fresh session, so their output (and `--json` layout) is the REPL's.
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

    /// Loads the model into a new session and runs `command` on the text with `named` arguments.
    func run(_ command: String, named: [(String, Value)]) throws {
        try Threads.set(threads)
        let session = Session(jsonOutput: json)
        session.setModel(try LanguageModel.load(model))
        _ = try session.run(CommandInvocation(name: command, positional: [.string(text)], named: named,
                                              flags: chat ? ["chat"] : []))
    }
}
