import ArgumentParser
import Compute
import Foundation

/// `strata generate MODEL TEXT [--chat] [--max-tokens N] [--temperature T] [--seed S] [--json]`
/// → `{"ids": [...], "text": "..."}`; without `--json` the text streams as it is generated.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Continue a text.")

    @OptionGroup var options: ModelOptions

    @Option(name: .customLong("max-tokens"), help: "Most new tokens to generate.")
    var maxTokens: Int = 64

    @Option(help: "Sampling temperature; 0 is greedy decoding.")
    var temperature: Float = 0

    @Option(name: .customLong("top-k"), help: "Sample among the k most likely tokens (0: all).")
    var topK: Int = 0

    @Option(name: .customLong("top-p"), help: "Sample within the smallest set of tokens whose probability reaches p.")
    var topP: Float = 1

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(name: .customLong("stop"), help: "Stop when the continuation contains this text (repeatable).")
    var stopStrings: [String] = []

    func run() throws {
        let (model, ids) = try options.load()
        let sampling = try SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed)
        let generation = try GenerationOptions(maxNewTokens: maxTokens, sampling: sampling,
                                               stopTokenIDs: model.stopTokenIDs, stopStrings: stopStrings)
        let tokenizer = model.tokenizer
        let generator = Generator(model: model.model, decode: { tokenizer.decode($0) })
        var stream = StreamingDecoder(tokenizer: tokenizer, skipSpecial: true)
        let result = try generator.generate([ids], options: generation) { _, id in
            guard !options.json else { return }
            print(stream.push(id), terminator: "")
            fflush(stdout)
        }[0]
        let text = tokenizer.decode(result.ids, skipSpecial: true)
        if options.json {
            try JSONOutput.print(["ids": result.ids, "text": text])
        } else {
            print(stream.finish())
        }
    }
}
