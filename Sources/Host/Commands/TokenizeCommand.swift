import ArgumentParser
import Compute

/// `strata tokenize MODEL TEXT [--chat] [--json]` → `{"ids": [...], "tokens": [...]}`.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Show the token ids of a text.")

    @OptionGroup var options: ModelOptions

    func run() throws {
        let (model, ids) = try options.load()
        let tokens = ids.map { model.tokenizer.tokenText($0) ?? "" }
        if options.json {
            try JSONOutput.print(["ids": ids, "tokens": tokens])
        } else {
            for (id, token) in zip(ids, tokens) { print("\(id)\t\(token.debugDescription)") }
        }
    }
}
