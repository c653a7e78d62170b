import Compute

/// `prefeval`: preference accuracy, reward margin and DPO loss of the active methods against the
/// frozen model on the held-out preference pairs (`data hh-rlhf` holds them out).
enum PreferenceCommands {
    static var all: [CommandSpec] { [prefeval] }

    static let prefeval = CommandSpec(
        name: "prefeval", usage: "prefeval [limit=N] [beta=0.1] [batch=4] [format=plain|chat|raw] [max_length=N] [--json]",
        summary: "Preference accuracy, reward margin and DPO loss on the held-out pairs (active methods vs the frozen model).",
        parameters: ["limit", "beta", "batch", "format", "max_length"]) { session, args in
        _ = try session.requireModel(for: "prefeval")
        guard let held = session.validationData, !held.examples.isEmpty else {
            throw CommandError("prefeval: no held-out preference pairs; choose some with `data hh-rlhf validation=100` first")
        }
        let limit = args.value("limit") == nil ? held.count : try args.int("limit", default: 0, range: 1...10_000_000)
        let beta = try args.double("beta", default: 0.1, range: 1e-6...1e6)
        let batchSize = try args.int("batch", default: 4, range: 1...4096)
        let formatName = try args.string("format", default: "plain") ?? "plain"
        guard let format = PromptFormat(rawValue: formatName) else {
            throw CommandError("prefeval: format=\(formatName) is not one of \(PromptFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let maxLength = args.value("max_length") == nil ? nil : try args.int("max_length", default: 512, range: 8...1_000_000)
        let metrics = try PreferenceEvaluation.run(session: session, examples: Array(held.examples.prefix(limit)), beta: beta,
                                                   format: format, maxLength: maxLength, batchSize: batchSize)
        let methods = session.methods.names.isEmpty ? "no methods" : session.methods.names.joined(separator: ", ")
        session.say(String(format: "prefeval (%@ vs the frozen model, beta %g) on %d held-out pairs: accuracy %.4f, margin %.4f, DPO loss %.4f (chosen reward %.4f, rejected %.4f)",
                           methods, beta, metrics.n, metrics.accuracy, metrics.meanMargin, metrics.meanLoss,
                           metrics.meanChosenReward, metrics.meanRejectedReward), args)
        return .record(Record([("n", .int(metrics.n)), ("accuracy", .double(metrics.accuracy)),
                               ("margin", .double(metrics.meanMargin)), ("loss", .double(metrics.meanLoss)),
                               ("chosen_reward", .double(metrics.meanChosenReward)),
                               ("rejected_reward", .double(metrics.meanRejectedReward)), ("beta", .double(beta)),
                               ("methods", .array(session.methods.names.map(Value.string)))]))
    }
}
