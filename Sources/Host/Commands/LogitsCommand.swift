import ArgumentParser
import Compute

/// `strata logits MODEL TEXT [--chat] [--top K] [--dump FILE.npy] [--json]` → the last
/// position's top-K logits `{"n_tokens": N, "top": [[id, logit], ...]}`.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits", abstract: "Last-position logits of a text.")

    @OptionGroup var options: ModelOptions

    @Option(help: "How many of the largest logits to show.")
    var top: Int = 10

    @Option(help: "Write the full last-position logit vector to this file as float32 .npy.")
    var dump: String?

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top \(top) must be ≥ 0") }
    }

    func run() throws {
        let (model, ids) = try options.load()
        let logits = try Autograd.noGrad { try model.model.forward([ids], logits: .last) }
        let row = logits.scalars
        if let dump { try NumpyArrayFile.write(try logits.reshape([row.count]), to: dump) }
        let best = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(top)
        if options.json {
            try JSONOutput.print(["n_tokens": ids.count, "top": best.map { [$0, Double(row[$0])] }])
        } else {
            print("\(ids.count) tokens; top \(best.count) next-token logits:")
            for id in best {
                print("\(id)\t\(String(format: "%.4f", row[id]))\t\((model.tokenizer.tokenText(id) ?? "").debugDescription)")
            }
        }
    }
}
