/// `answer NAME "generation" [gold=…] [options=…]`: the answer a generation states, and
/// whether it matches the gold answer — the extraction evaluation uses, one item at a time.
enum AnswerCommands {
    static var all: [CommandSpec] { [answer] }

    static let answer = CommandSpec(
        name: "answer",
        usage: "answer DATASET \"generation\" [gold=\"…\"] [options=\"A)… B)…\"]   (\(AnswerChecker.datasets.joined(separator: ", ")))",
        summary: "Extract the final answer from a generation and check it against a gold answer.",
        parameters: ["gold", "options"]) { session, args in
        let dataset = try args.string(at: 0, "dataset name")
        let generation = try args.string(at: 1, "generation text")
        guard args.positional.count <= 2 else {
            throw CommandError("answer: too many positional arguments; quote the generation (usage: \(args.spec.usage))")
        }
        let gold = try args.string("gold", default: nil)
        let options = try args.string("options", default: nil).map { [$0] } ?? []
        var fields: [(String, Value)] = []
        var line: String
        if let gold {
            let check = try AnswerChecker.check(dataset: dataset, generation: generation, gold: gold, options: options)
            fields = [("extracted", check.extracted.map(Value.string) ?? .void), ("correct", .bool(check.correct))]
            line = (check.extracted.map { "extracted \($0)" } ?? "no answer found")
                + " — " + (check.correct ? "correct" : "wrong") + " (gold \(gold))"
        } else {
            let extracted = try AnswerChecker.check(dataset: dataset, generation: generation, gold: "", options: options).extracted
            fields = [("extracted", extracted.map(Value.string) ?? .void)]
            line = extracted.map { "extracted \($0)" } ?? "no answer found"
        }
        session.say(line, args)
        return .record(Record(fields))
    }
}
