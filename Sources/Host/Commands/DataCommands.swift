import Compute

/// `data NAME split=… limit=… seed=… validation=…`: chooses the session's training examples.
enum DataCommands {
    static var all: [CommandSpec] { [data] }

    static let data = CommandSpec(
        name: "data", usage: "data NAME [split=train] [limit=N] [seed=S] [validation=V]   (\(DatasetCatalog.names.joined(separator: ", ")))",
        summary: "Choose training data (seeded shuffle, limit, held-out validation).",
        parameters: ["split", "limit", "seed", "validation"]) { session, args in
        let name = try args.string(at: 0, "dataset name")
        let split = try args.string("split", default: "train") ?? "train"
        let limit = args.value("limit") == nil ? nil : try args.int("limit", default: 0, range: 1...10_000_000)
        let seed = UInt64(try args.int("seed", default: Int(session.seed), range: 0...Int.max))
        let held = try args.int("validation", default: 0, range: 0...1_000_000)
        let catalog = try DatasetCatalog.located()
        let dataset = try catalog.load(name, split: split)
        let parts = try dataset.split(validation: held, limit: limit, seed: seed)
        session.trainingData = parts.training
        session.validationData = held > 0 ? parts.validation : nil
        session.say("data: \(parts.training.count) \(dataset.name) \(split) examples"
                    + (held > 0 ? ", \(parts.validation.count) held out for validation" : "")
                    + " (seed \(seed))", args)
        return .record(Record([("dataset", .string(dataset.name)), ("split", .string(split)),
                               ("n", .int(parts.training.count)), ("validation", .int(held > 0 ? parts.validation.count : 0)),
                               ("seed", .int(Int(seed))),
                               // The first examples, so scripts can use their text (`d.examples[0].answer`).
                               ("examples", .array(parts.training.examples.prefix(3).map { example in
                                   .record(Record([("id", .string(example.id)), ("prompt", .string(example.prompt)),
                                                   ("target", .string(example.target)),
                                                   ("answer", .string(example.answer ?? ""))]))
                               }))]))
    }
}
