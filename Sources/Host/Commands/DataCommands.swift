import Compute

/// `data NAME split=… limit=… seed=… validation=…`: chooses the session's training examples.
///
/// HH-RLHF ships only its helpful-base test split: `data hh-rlhf` (no `split=`) divides it by a
/// seeded shuffle into training pairs and 200 held-out pairs (`validation=` changes that), disjoint.
enum DataCommands {
    static var all: [CommandSpec] { [data] }

    static let data = CommandSpec(
        name: "data", usage: "data NAME [split=train] [limit=N] [seed=S] [validation=V]   (\(DatasetCatalog.names.joined(separator: ", ")))",
        summary: "Choose training data (seeded shuffle, limit, held-out validation).",
        parameters: ["split", "limit", "seed", "validation"]) { session, args in
        // Held-out examples when `data NAME` divides a shipped split (HH-RLHF) and `validation=` is not given.
        let dividedHeldOut = 200
        let name = try args.string(at: 0, "dataset name")
        var split = try args.string("split", default: "train") ?? "train"
        let limit = args.value("limit") == nil ? nil : try args.int("limit", default: 0, range: 1...10_000_000)
        let seed = UInt64(try args.int("seed", default: Int(session.seed), range: 0...Int.max))
        let catalog = try DatasetCatalog.located()
        // A dataset whose train split is not shipped (HH-RLHF) divides a shipped split instead.
        let specification = try DatasetCatalog.specification(named: name)
        var divided = false
        if args.value("split") == nil, let fallback = specification.trainingFallback, !catalog.hasSplit(name, split: "train") {
            split = fallback
            divided = true
        }
        let held = try args.int("validation", default: divided ? dividedHeldOut : 0, range: 0...1_000_000)
        let dataset = try catalog.load(name, split: split)
        let parts = try dataset.split(validation: held, limit: limit, seed: seed)
        session.trainingData = parts.training
        session.validationData = held > 0 ? parts.validation : nil
        let unit = parts.training.examples.first?.isPreferencePair == true ? "pairs" : "examples"
        if divided {
            session.dataDescription = "\(specification.summaryName) \(split) split, divided (seed \(seed)) into \(parts.training.count) training and \(held) held-out \(unit) — the train split is not shipped"
        } else {
            session.dataDescription = "\(dataset.name) \(split): \(parts.training.count) training \(unit)"
                + (held > 0 ? " and \(held) held out for validation" : "") + " (seed \(seed))"
        }
        session.say(divided ? "data: " + (session.dataDescription ?? "")
                    : "data: \(parts.training.count) \(dataset.name) \(split) examples"
                      + (held > 0 ? ", \(parts.validation.count) held out for validation" : "")
                      + " (seed \(seed))", args)
        return .record(Record([("dataset", .string(dataset.name)), ("split", .string(split)),
                               ("n", .int(parts.training.count)), ("validation", .int(held > 0 ? parts.validation.count : 0)),
                               ("seed", .int(Int(seed))), ("description", .string(session.dataDescription ?? "")),
                               // The first examples, so scripts can use their text (`d.examples[0].answer`).
                               ("examples", .array(parts.training.examples.prefix(3).map { example in
                                   .record(Record([("id", .string(example.id)), ("prompt", .string(example.prompt)),
                                                   ("target", .string(example.target)),
                                                   ("answer", .string(example.answer ?? ""))]))
                               }))]))
    }
}
