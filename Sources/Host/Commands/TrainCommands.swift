import Compute
import Foundation
import PluginAPI

/// `train`, `save`, `restore`: optimising the active methods' tensors and keeping them.
enum TrainCommands {
    static var all: [CommandSpec] { [train, save, restore] }

    static let train = CommandSpec(
        name: "train",
        usage: "train [steps=N | epochs=E] [lr=1e-3] [batch=4] [accumulate=1] [warmup=0] [schedule=cosine|linear|constant] [clip=1] [weight_decay=0] [eval_every=K] [patience=P] [checkpoint_every=K] [dir=PATH] [resume=PATH] [format=plain|chat] [max_length=N] [until=correct check_every=K [check_tokens=N]]",
        summary: "Train the active methods' tensors on the session's data (the backbone stays frozen).",
        parameters: ["steps", "epochs", "lr", "batch", "accumulate", "warmup", "schedule", "clip", "weight_decay",
                     "eval_every", "patience", "checkpoint_every", "dir", "resume", "format", "max_length",
                     "until", "check_every", "check_tokens"]) { session, args in
        let model = try session.requireModel(for: "train")
        guard session.trainingData != nil else {
            throw CommandError("train: no training data; choose some with `data gsm8k limit=64` first")
        }
        let parameters = session.methods.trainableParameters
        guard !parameters.isEmpty else {
            throw CommandError("train: no method with trainable tensors is in use; e.g. `use prompt m=16` first")
        }
        var config = TrainingConfig()
        config.steps = try args.int("steps", default: 100, range: 1...10_000_000)
        if args.value("epochs") != nil { config.epochs = try args.int("epochs", default: 1, range: 1...100_000) }
        config.learningRate = Float(try args.double("lr", default: 1e-3, range: 0...10))
        config.batchSize = try args.int("batch", default: 4, range: 1...4096)
        config.gradientAccumulation = try args.int("accumulate", default: 1, range: 1...4096)
        config.warmupSteps = try args.int("warmup", default: 0, range: 0...10_000_000)
        let scheduleName = try args.string("schedule", default: "cosine") ?? "cosine"
        guard let schedule = TrainingConfig.Schedule(rawValue: scheduleName) else {
            throw CommandError("train: schedule=\(scheduleName) is not one of \(TrainingConfig.Schedule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        config.schedule = schedule
        let clip = try args.double("clip", default: 1, range: 0...1e9)
        config.maxGradNorm = clip > 0 ? Float(clip) : nil
        config.weightDecay = Float(try args.double("weight_decay", default: 0, range: 0...10))
        if args.value("eval_every") != nil { config.evalEvery = try args.int("eval_every", default: 10, range: 1...10_000_000) }
        if args.value("patience") != nil { config.patience = try args.int("patience", default: 3, range: 1...10_000) }
        if args.value("checkpoint_every") != nil {
            config.checkpointEvery = try args.int("checkpoint_every", default: 50, range: 1...10_000_000)
        }
        config.checkpointDirectory = try args.string("dir", default: nil)
        config.seed = session.seed
        let formatName = try args.string("format", default: "plain") ?? "plain"
        guard let format = PromptFormat(rawValue: formatName) else {
            throw CommandError("train: format=\(formatName) is not one of \(PromptFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let maxLength = args.value("max_length") == nil ? nil : try args.int("max_length", default: 512, range: 8...1_000_000)

        let encoder = try TrainingExampleEncoder(model: model, format: format, maxLength: maxLength)
        let answerCheck = try makeAnswerCheck(session: session, args: args, config: &config, model: model, encoder: encoder)
        let trainer = try makeTrainer(session: session, config: config, encoder: encoder, padID: model.tokenizer.eosID ?? 0)
        // The loss terms of the last training batch, and the validation terms summed over batches.
        var stepTerms: [(String, Double)] = []
        // Every term of the objective, per training pass (micro-batch), in first-logged order.
        var logged: [(name: String, values: [Double])] = []
        var validationTerms = MetricSums()
        func objective(_ batch: Batch) throws -> (total: Tensor, terms: [(String, Double)]) {
            let everyPosition = session.methods.needsLogitsAtEveryPosition
            let logits = try UnpaddedForward.logits(batch, model: model.model, hooks: session.methods, everyPosition: everyPosition)
            let context = LossContext(model: model, inputIDs: batch.inputIDs, logits: logits, targets: batch.labels,
                                      preferencePairs: batch.preferencePairs, methods: session.methods.methods) { ids, withMethods in
                let hooks: ForwardHooks? = withMethods ? session.methods : nil
                // The batch again (DPO's reference pass) skips its padding too.
                if ids == batch.inputIDs {
                    return try UnpaddedForward.logits(batch, model: model.model, hooks: hooks, everyPosition: everyPosition)
                }
                return try model.model.forward(ids, hooks: hooks)
            }
            return try session.methods.loss(context)
        }
        let loss: (Batch) throws -> Tensor = { batch in
            let (total, terms) = try objective(batch)
            stepTerms = terms
            for (name, value) in terms {
                if let index = logged.firstIndex(where: { $0.name == name }) { logged[index].values.append(value) }
                else { logged.append((name, [value])) }
            }
            return total
        }
        let validationLoss: (Batch) throws -> Tensor = { batch in
            let (total, terms) = try objective(batch)
            validationTerms.add(terms, weight: batch.preferencePairs > 0 ? batch.preferencePairs : batch.size)
            return total
        }
        // Each method's tensors move at the run's learning rate times its own scale.
        let scales = session.methods.methods.flatMap { method in
            method.trainableParameters.map { _ in Float(method.learningRateScale) }
        }
        var lastValidation: [(String, Double)] = []
        // Progress goes to stderr (a bar on a terminal, plain lines otherwise), keeping stdout
        // deterministic for notebooks and --json.
        let progress = ProgressReporter(label: "train", total: trainer.totalSteps, unit: "step")
        var checks: [TrainingAnswerCheck.Outcome] = []
        let until: ((Int) throws -> Bool)? = answerCheck.map { check in
            { step in
                let outcome = try check.run(step: step, hooks: session.activeHooks)
                checks.append(outcome)
                progress.update(completed: step, detail: "check: \(outcome.correct)/\(outcome.total) answers correct")
                return outcome.allCorrect
            }
        }
        let result = try trainer.run(parameters: parameters, learningRateScales: scales, loss: loss, validationLoss: validationLoss,
                                     resumeFrom: try args.string("resume", default: nil), until: until) { event in
            if case .validation = event.event {
                lastValidation = validationTerms.means
                validationTerms = MetricSums()
            }
            progress.startedAt = event.firstStep
            let shown = stepTerms.filter { $0.0.hasSuffix(".margin") || $0.0.hasSuffix(".accuracy") }
            progress.update(completed: event.step, detail: String(format: "loss %.4f lr %.2e", event.loss, event.learningRate)
                            + shown.map { String(format: " %@ %.3f", $0.0, $0.1) }.joined())
        }
        progress.finish()
        session.lastTraining = result
        for method in session.methods.methods where !method.trainableParameters.isEmpty { session.trainedMethods.insert(method.name) }
        let final = result.finalLoss.map { String(format: "%.4f", $0) } ?? "n/a"
        let correctAt = result.stopReason == .conditionMet ? result.stepsTaken : nil
        let stopText = correctAt != nil ? "correct" : result.stopReason.rawValue
        let trainable = parameters.reduce(0) { $0 + $1.count }
        let metricText = (stepTerms + lastValidation.map { ("validation " + $0.0, $0.1) })
            .filter { $0.0 != "loss.ce" }.map { String(format: "%@ %.4f", $0.0, $0.1) }
        session.say("trained \(result.stepsTaken) steps (\(stopText)); final loss \(final)"
                    + (answerCheck == nil ? "" : "; " + correctnessText(checks, correctAt: correctAt))
                    + (result.bestValidation.map { String(format: "; best validation loss %.4f at step %d", $0.loss, $0.step) } ?? "")
                    + (result.message.map { "; \($0)" } ?? "")
                    // Methods' own terms (DPO's margin and accuracy…) on a second line, with the tensor count.
                    + (metricText.isEmpty ? "" : "\n\(trainable) trainable parameters; " + metricText.joined(separator: ", ")), args)
        var record = Record([("steps", .int(result.stepsTaken)), ("stop", .string(stopText)),
                             ("kept_step", .int(result.keptStep)), ("trainable_parameters", .int(trainable))])
        if let last = result.finalLoss { record["loss"] = .double(Double(last)) }
        record["losses"] = .array(result.history.map { .double(Double($0.loss)) })
        // Every logged term per training pass (`dpo.margin`, `tsloss.h0`…), and the last validation's means.
        if !logged.isEmpty { record["metrics"] = .record(Record(logged.map { ($0.name, Value.array($0.values.map(Value.double))) })) }
        if !lastValidation.isEmpty { record["validation_metrics"] = .record(Record(lastValidation.map { ($0.0, Value.double($0.1)) })) }
        if let best = result.bestValidation { record["best_validation_loss"] = .double(Double(best.loss)) }
        if let path = result.checkpoints.last { record["checkpoint"] = .string(path) }
        if answerCheck != nil {
            record["correct_at"] = correctAt.map(Value.int) ?? .void
            // Per check: how many answers were right, and the answer each continuation stated.
            record["checks"] = .array(checks.map { .record(Record([("step", .int($0.step)), ("correct", .int($0.correct)),
                                                                   ("total", .int($0.total)),
                                                                   ("answers", .array($0.extracted.map { $0.map(Value.string) ?? .void }))])) })
        }
        return .record(record)
    }

    /// `until=correct check_every=K [check_tokens=N]`: the answer check asked every K steps, or
    /// nil without `until` (then `check_every` and `check_tokens` are errors).
    static func makeAnswerCheck(session: Session, args: CommandArguments, config: inout TrainingConfig,
                                model: LanguageModel, encoder: TrainingExampleEncoder) throws -> TrainingAnswerCheck? {
        guard let until = try args.string("until", default: nil) else {
            for name in ["check_every", "check_tokens"] where args.value(name) != nil {
                throw CommandError("train: \(name)= goes with until=correct (stop once every training answer is correct)")
            }
            return nil
        }
        guard until == "correct" else {
            throw CommandError("train: until=\(until) is not a stop condition; the one there is: until=correct (every training answer correct)")
        }
        guard args.value("check_every") != nil else {
            throw CommandError("train: until=correct needs check_every=K, the optimiser steps between checks (e.g. check_every=10)")
        }
        config.checkEvery = try args.int("check_every", default: 10, range: 1...10_000_000)
        let tokens = args.value("check_tokens") == nil ? nil : try args.int("check_tokens", default: 256, range: 1...100_000)
        guard let data = session.trainingData else { return nil }
        guard !session.methods.needsPreferencePairs else {
            throw CommandError("train: until=correct checks answers; it does not apply to preference training")
        }
        do {
            return try TrainingAnswerCheck(model: model, dataset: data.name, examples: data.examples,
                                           encoded: try data.examples.map(encoder.encode), maxNewTokens: tokens)
        } catch let error as CommandError {
            throw CommandError("train: \(error.message)")
        }
    }

    /// "every training answer correct at step 40", or how far the checks got.
    static func correctnessText(_ checks: [TrainingAnswerCheck.Outcome], correctAt: Int?) -> String {
        if let correctAt { return "every training answer correct at step \(correctAt)" }
        guard let best = checks.max(by: { $0.correct < $1.correct }) else { return "no answer check ran" }
        return "training answers not all correct within \(checks.last?.step ?? 0) steps (best \(best.correct)/\(best.total) at step \(best.step))"
    }

    /// The trainer over the session's data: single examples, or preference pairs (chosen rows
    /// then rejected rows per batch) when an active method's loss needs them.
    static func makeTrainer(session: Session, config: TrainingConfig, encoder: TrainingExampleEncoder, padID: Int) throws -> Trainer {
        let training = session.trainingData?.examples ?? []
        let validation = session.validationData?.examples ?? []
        let records = session.methods.methods.map { CheckpointMethod(name: $0.name) }
        guard session.methods.needsPreferencePairs else {
            return try Trainer(config: config, training: training.map(encoder.encode), validation: validation.map(encoder.encode),
                               padID: padID, methods: records)
        }
        let needing = session.methods.methods.filter(\.needsPreferencePairs).map(\.name).joined(separator: ", ")
        if let single = (training + validation).first(where: { !$0.isPreferencePair }) {
            throw CommandError("train: \(needing) needs preference pairs: `data hh-rlhf` gives them (prompt, chosen and rejected reply); \(session.trainingData?.name ?? "the data") example \(single.id) has no rejected reply")
        }
        let trainingPairs = try training.map(encoder.encodePair)
        let validationPairs = try validation.map(encoder.encodePair)
        return try Trainer(config: config, training: trainingPairs.map(\.chosen), validation: validationPairs.map(\.chosen),
                           trainingRejected: trainingPairs.map(\.rejected), validationRejected: validationPairs.map(\.rejected),
                           padID: padID, methods: records)
    }

    static let save = CommandSpec(name: "save", usage: "save PATH.safetensors",
                                  summary: "Save the active methods' tensors and settings (atomically).") { session, args in
        let path = try args.string(at: 0, "file path")
        guard !session.methods.methods.isEmpty else { throw CommandError("save: no methods in use; nothing to save") }
        let count = try MethodStateFile.write(session.methods.methods, model: session.model?.name, to: path)
        session.trainedMethods.removeAll()
        session.say("saved \(count) tensors of \(session.methods.names.joined(separator: ", ")) to \(path)", args)
        return .record(Record([("path", .string(path)), ("tensors", .int(count))]))
    }

    static let restore = CommandSpec(name: "restore", usage: "restore PATH.safetensors",
                                     summary: "Load saved tensors into the active methods of the same names.") { session, args in
        let path = try args.string(at: 0, "file path")
        let file = try SafetensorsFile(path: path)
        let configs = file.metadata["config"].flatMap { try? JSONValue.parse($0) }
        var restored: [String] = []
        for method in session.methods.methods {
            let prefix = method.name + "."
            var tensors: [String: Tensor] = [:]
            for info in file.tensors where info.name.hasPrefix(prefix) {
                tensors[info.name] = try file.floatTensor(named: info.name)
            }
            // A method saved without tensors (TSLoss: its pass count and tracked topology) is
            // restored from its settings alone.
            let own = configs?[method.name]
            guard !tensors.isEmpty || own != nil else { continue }
            try method.restore(state: MethodState(tensors: tensors, config: own ?? .object([:])))
            restored.append(method.name)
        }
        guard !restored.isEmpty else {
            throw CommandError("restore: \(path) holds nothing for the active methods (\(session.methods.names.joined(separator: ", "))); `use` the saved methods first (it holds: \(file.metadata["methods"] ?? "unknown"))")
        }
        session.say("restored \(restored.joined(separator: ", ")) from \(path)", args)
        return .record(Record([("restored", .array(restored.map(Value.string)))]))
    }
}
