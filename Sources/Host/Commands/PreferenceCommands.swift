import Compute
import Foundation
import PluginAPI

/// `prefeval` (and `eval hh-rlhf`): preference accuracy, reward margin and DPO loss of the active
/// methods against the frozen model on the held-out preference pairs (`data hh-rlhf` holds them out).
enum PreferenceCommands {
    static var all: [CommandSpec] { [prefeval] }

    static let prefeval = CommandSpec(
        name: "prefeval", usage: "prefeval [limit=N] [beta=β of the active DPO, else 0.1] [batch=4] [format=plain|chat|raw] [max_length=N] [--json]",
        summary: "Preference accuracy, reward margin and DPO loss on the held-out pairs (active methods vs the frozen model).",
        parameters: ["limit", "beta", "batch", "format", "max_length"]) { session, args in
        try heldOut(session, args, command: "prefeval").value
    }

    /// Parameters `eval hh-rlhf` takes (those of `prefeval`).
    static let evalParameters: Set<String> = ["limit", "beta", "batch", "format", "max_length"]

    /// `eval hh-rlhf …`: what `prefeval` does, recorded in the session's runs (`runs`) with the
    /// pairs whose chosen reward exceeds the rejected one as the correct items.
    static func evaluate(_ session: Session, _ args: CommandArguments) throws -> Value {
        if let unknown = args.invocation.named.map(\.name).first(where: { !evalParameters.contains($0) }) {
            throw CommandError("eval hh-rlhf: \(unknown)= does not apply: it scores the held-out pairs of `data hh-rlhf validation=N` and takes \(evalParameters.sorted().joined(separator: ", "))")
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let (metrics, format, value) = try heldOut(session, args, command: "eval hh-rlhf")
        let correct = Int((metrics.accuracy * Double(metrics.n)).rounded())
        session.evaluations.append(EvaluationRun(
            dataset: "hh-rlhf", split: "held-out", shots: 0, format: format.rawValue,
            methods: session.methods.methods.map(MethodDescription.init), n: metrics.n, correct: correct,
            recordsPath: "-", seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, tokensPerSecond: 0))
        return value
    }

    /// β of the active preference objective (`use dpo beta=…`), if one is active.
    static func activeBeta(_ session: Session) -> Double? {
        session.methods.methods.lazy.compactMap { ($0 as? PreferenceObjective)?.beta }.first
    }

    /// Scores the held-out pairs and says the result; `command` names the command in messages.
    private static func heldOut(_ session: Session, _ args: CommandArguments,
                                command: String) throws -> (metrics: PreferenceMetrics, format: PromptFormat, value: Value) {
        _ = try session.requireModel(for: command)
        guard let held = session.validationData, !held.examples.isEmpty else {
            throw CommandError("\(command): no held-out preference pairs; choose some with `data hh-rlhf validation=100` first")
        }
        let limit = args.value("limit") == nil ? held.count : try args.int("limit", default: 0, range: 1...10_000_000)
        let beta = try args.double("beta", default: activeBeta(session) ?? 0.1, range: 1e-6...1e6)
        let batchSize = try args.int("batch", default: 4, range: 1...4096)
        let formatName = try args.string("format", default: "plain") ?? "plain"
        guard let format = PromptFormat(rawValue: formatName) else {
            throw CommandError("\(command): format=\(formatName) is not one of \(PromptFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let maxLength = args.value("max_length") == nil ? nil : try args.int("max_length", default: 512, range: 8...1_000_000)
        let metrics = try PreferenceEvaluation.run(session: session, examples: Array(held.examples.prefix(limit)), beta: beta,
                                                   format: format, maxLength: maxLength, batchSize: batchSize)
        let methods = session.methods.names.isEmpty ? "no methods" : session.methods.names.joined(separator: ", ")
        session.say(String(format: "%@ (%@ vs the frozen model, beta %g) on %d held-out pairs: accuracy %.4f, margin %.4f, DPO loss %.4f (chosen reward %.4f, rejected %.4f)",
                           command, methods, beta, metrics.n, metrics.accuracy, metrics.meanMargin, metrics.meanLoss,
                           metrics.meanChosenReward, metrics.meanRejectedReward), args)
        let value = Value.record(Record([("n", .int(metrics.n)), ("accuracy", .double(metrics.accuracy)),
                                         ("margin", .double(metrics.meanMargin)), ("loss", .double(metrics.meanLoss)),
                                         ("chosen_reward", .double(metrics.meanChosenReward)),
                                         ("rejected_reward", .double(metrics.meanRejectedReward)), ("beta", .double(beta)),
                                         ("methods", .array(session.methods.names.map(Value.string)))]))
        return (metrics, format, value)
    }
}
