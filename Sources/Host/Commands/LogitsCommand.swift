import ArgumentParser

/// `strata logits MODEL TEXT [--chat] [--top K] [--dump FILE.npy] [--json]` → the last
/// position's top-K logits `{"n_tokens": N, "top": [[id, logit], ...]}`.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits", abstract: "Last-position logits of a text.")

    @OptionGroup var options: ModelOptions

    @Option(help: "How many of the largest logits to show.")
    var top: Int = 10

    @Option(help: "Write the full last-position logit vector to this file as float32 .npy.")
    var dump: String?

    func run() throws {
        var named: [(String, Value)] = [("top", .int(top))]
        if let dump { named.append(("dump", .string(dump))) }
        try options.run("logits", named: named)
    }
}
