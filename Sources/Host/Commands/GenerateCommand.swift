import ArgumentParser

/// `strata generate MODEL TEXT [--chat] [--max-tokens N] [--temperature T] [--seed S] [--json]`
/// → `{"ids": [...], "text": "..."}`; without `--json` the text streams as it is generated.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Continue a text.")

    @OptionGroup var options: ModelOptions

    @Option(name: .customLong("max-tokens"), help: "Most new tokens to generate.")
    var maxTokens: Int = 64

    @Option(help: "Sampling temperature; 0 is greedy decoding.")
    var temperature: Double = 0

    @Option(name: .customLong("top-k"), help: "Sample among the k most likely tokens (0: all).")
    var topK: Int = 0

    @Option(name: .customLong("top-p"), help: "Sample within the smallest set of tokens whose probability reaches p.")
    var topP: Double = 1

    @Option(help: "Seed of the sampler.")
    var seed: Int = 0

    @Option(help: "Stop when the continuation contains this text.")
    var stop: String?

    func run() throws {
        var named: [(String, Value)] = [("max", .int(maxTokens)), ("temperature", .double(temperature)),
                                        ("top_k", .int(topK)), ("top_p", .double(topP)), ("seed", .int(seed))]
        if let stop { named.append(("stop", .string(stop))) }
        try options.run("generate", named: named)
    }
}
