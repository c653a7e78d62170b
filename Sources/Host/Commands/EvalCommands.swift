import Compute
import Foundation

/// `eval`, `runs`: accuracy of the model with the active methods, and the session's runs.
enum EvalCommands {
    static var all: [CommandSpec] { [eval, runs] }

    static let eval = CommandSpec(
        name: "eval",
        usage: "eval NAME [split=test] [limit=N] [seed=S] [shots=0] [format=chat|plain] [batch=8] [max_tokens=256] [records=PATH]   (gsm8k, aqua, math500); eval hh-rlhf [limit=N] [beta=β of the active DPO, else 0.1] [batch=4] [format=…] [max_length=N]: preference accuracy on the held-out pairs",
        summary: "Accuracy on a dataset split: greedy generation with the active methods, per-item records (JSONL).",
        parameters: ["split", "limit", "seed", "shots", "format", "batch", "max_tokens", "records", "beta", "max_length"]) { session, args in
        if try args.string(at: 0, "dataset name") == "hh-rlhf" { return try PreferenceCommands.evaluate(session, args) }
        for name in ["beta", "max_length"] where args.value(name) != nil {
            throw CommandError("eval: \(name)= applies to `eval hh-rlhf` (preference pairs) only")
        }
        let model = try session.requireModel(for: "eval")
        var settings = EvaluationSettings(dataset: try args.string(at: 0, "dataset name"))
        settings.split = try args.string("split", default: "test") ?? "test"
        if args.value("limit") != nil { settings.limit = try args.int("limit", default: 0, range: 1...10_000_000) }
        settings.seed = UInt64(try args.int("seed", default: Int(session.seed), range: 0...Int.max))
        settings.shots = try args.int("shots", default: 0, range: 0...64)
        settings.batchSize = try args.int("batch", default: 8, range: 1...1024)
        settings.maxTokens = try args.int("max_tokens", default: 256, range: 1...100_000)
        settings.recordsPath = try args.string("records", default: nil).map { ($0 as NSString).expandingTildeInPath }
        if let name = try args.string("format", default: nil) {
            guard let format = PromptFormat(rawValue: name), format != .raw else {
                throw CommandError("eval: format=\(name) is not one of chat, plain")
            }
            settings.format = format
        }
        let evaluation = Evaluation(settings: settings, model: model, methods: session.methods,
                                    catalog: try DatasetCatalog.located())
        // Progress and timing go to stderr, keeping stdout deterministic for notebooks.
        var progress: ProgressReporter?
        var start = DispatchTime.now().uptimeNanoseconds
        let outcome = try evaluation.run(started: { total in
            progress = ProgressReporter(label: "eval \(settings.dataset)", total: total, unit: "item")
            start = DispatchTime.now().uptimeNanoseconds
        }, progress: { done, correct, tokens in
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            progress?.update(completed: done, detail: "\(correct)/\(done) correct, " + ProgressFormat.rate(Double(tokens) / seconds, unit: "tok"))
        })
        defer { progress?.finish() }
        let run = outcome.run
        progress?.finish(detail: String(format: "%d items in %.1f s, ", run.n, run.seconds)
                         + ProgressFormat.rate(run.tokensPerSecond, unit: "tok"))
        session.evaluations.append(run)
        var lines: [String] = []
        if let note = outcome.shotNote { lines.append("note: \(note)") }
        let shape = run.shots == 0 ? "zero-shot" : "\(run.shots)-shot"
        lines.append("\(run.dataset) \(run.split) (\(shape), \(run.format), \(run.methodsText)): \(run.accuracyText)")
        lines += run.revisions.map(\.text)
        if run.interrupted { lines.append("interrupted: kept the \(run.n) items finished before Ctrl-C") }
        lines.append("records: \(run.recordsPath)")
        session.say(lines.joined(separator: "\n"), args)
        return run.value
    }

    static let runs = CommandSpec(name: "runs", usage: "runs",
                                  summary: "The session's evaluations: methods, dataset, accuracy with its interval, records.") { session, args in
        session.say(EvaluationRun.table(session.evaluations), args)
        return .array(session.evaluations.map(\.value))
    }
}
