import Compute
import Foundation
import PluginAPI

/// `train`, `save`, `restore`: optimising the active methods' tensors and keeping them.
enum TrainCommands {
    static var all: [CommandSpec] { [train, save, restore] }

    static let train = CommandSpec(
        name: "train",
        usage: "train [steps=N | epochs=E] [lr=1e-3] [batch=4] [accumulate=1] [warmup=0] [schedule=cosine|linear|constant] [clip=1] [weight_decay=0] [eval_every=K] [patience=P] [checkpoint_every=K] [dir=PATH] [resume=PATH] [format=plain|chat] [max_length=N]",
        summary: "Train the active methods' tensors on the session's data (the backbone stays frozen).",
        parameters: ["steps", "epochs", "lr", "batch", "accumulate", "warmup", "schedule", "clip", "weight_decay",
                     "eval_every", "patience", "checkpoint_every", "dir", "resume", "format", "max_length"]) { session, args in
        let model = try session.requireModel(for: "train")
        guard let data = session.trainingData else {
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
        let training = try data.examples.map(encoder.encode)
        let validation = try (session.validationData?.examples ?? []).map(encoder.encode)
        let methodRecords = session.methods.methods.map { CheckpointMethod(name: $0.name) }
        let trainer = try Trainer(config: config, training: training, validation: validation,
                                  padID: model.tokenizer.eosID ?? 0, methods: methodRecords)
        // Every term of the objective, per training pass (micro-batch), in first-logged order.
        var logged: [(name: String, values: [Double])] = []
        let loss: (Batch) throws -> Tensor = { batch in
            let logits = try model.model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal,
                                                 hooks: session.methods)
            let context = LossContext(model: model, inputIDs: batch.inputIDs, logits: logits, targets: batch.labels,
                                      methods: session.methods.methods) { ids, withMethods in
                try model.model.forward(ids, hooks: withMethods ? session.methods : nil)
            }
            let (total, terms) = try session.methods.loss(context)
            if Autograd.isRecording {                                   // validation runs without a graph
                for (name, value) in terms {
                    if let index = logged.firstIndex(where: { $0.name == name }) { logged[index].values.append(value) }
                    else { logged.append((name, [value])) }
                }
            }
            return total
        }
        // Progress goes to stderr (a bar on a terminal, plain lines otherwise), keeping stdout
        // deterministic for notebooks and --json.
        let progress = ProgressReporter(label: "train", total: trainer.totalSteps, unit: "step")
        let result = try trainer.run(parameters: parameters, loss: loss, resumeFrom: try args.string("resume", default: nil)) { event in
            progress.update(completed: event.step, detail: String(format: "loss %.4f lr %.2e", event.loss, event.learningRate))
        }
        progress.finish()
        session.lastTraining = result
        for method in session.methods.methods where !method.trainableParameters.isEmpty { session.trainedMethods.insert(method.name) }
        let final = result.finalLoss.map { String(format: "%.4f", $0) } ?? "n/a"
        session.say("trained \(result.stepsTaken) steps (\(result.stopReason.rawValue)); final loss \(final)"
                    + (result.bestValidation.map { String(format: "; best validation loss %.4f at step %d", $0.loss, $0.step) } ?? "")
                    + (result.message.map { "; \($0)" } ?? ""), args)
        var record = Record([("steps", .int(result.stepsTaken)), ("stop", .string(result.stopReason.rawValue)),
                             ("kept_step", .int(result.keptStep))])
        if let last = result.finalLoss { record["loss"] = .double(Double(last)) }
        record["losses"] = .array(result.history.map { .double(Double($0.loss)) })
        if !logged.isEmpty { record["metrics"] = .record(Record(logged.map { ($0.name, Value.array($0.values.map(Value.double))) })) }
        if let best = result.bestValidation { record["best_validation_loss"] = .double(Double(best.loss)) }
        if let path = result.checkpoints.last { record["checkpoint"] = .string(path) }
        return .record(record)
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
        var restored: [String] = []
        for method in session.methods.methods {
            let prefix = method.name + "."
            var tensors: [String: Tensor] = [:]
            for info in file.tensors where info.name.hasPrefix(prefix) {
                tensors[info.name] = try file.floatTensor(named: info.name)
            }
            guard !tensors.isEmpty else { continue }
            var config = JSONValue.object([:])
            if let text = file.metadata["config"], let all = try? JSONValue.parse(text), let own = all[method.name] { config = own }
            try method.restore(state: MethodState(tensors: tensors, config: config))
            restored.append(method.name)
        }
        guard !restored.isEmpty else {
            throw CommandError("restore: \(path) holds no tensors for the active methods (\(session.methods.names.joined(separator: ", "))); `use` the saved methods first (it holds: \(file.metadata["methods"] ?? "unknown"))")
        }
        session.say("restored \(restored.joined(separator: ", ")) from \(path)", args)
        return .record(Record([("restored", .array(restored.map(Value.string)))]))
    }
}
