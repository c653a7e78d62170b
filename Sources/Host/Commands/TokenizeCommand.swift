import ArgumentParser

/// `strata tokenize MODEL TEXT [--chat] [--json]` → `{"ids": [...], "tokens": [...]}`.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Show the token ids of a text.")

    @OptionGroup var options: ModelOptions

    func run() throws { try options.run("tokenize", named: []) }
}
