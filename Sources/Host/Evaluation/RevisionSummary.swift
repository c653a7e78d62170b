import PluginAPI

/// What a method that revises answers after generation did over an evaluation, read from the
/// items' notes alone, so any method that follows the convention gets it:
/// `notes[method]["triggered"]` (a Bool: the method acted on the item) and
/// `notes[method]["first"]` (a String: the answer it replaced). DPC writes both.
///
/// The replaced answer is graded like the final one (`EvaluationItem.firstCorrect`), so the
/// summary says how often a revision turned a wrong answer into a right one and the reverse.
public struct RevisionSummary: Equatable {
    public var method: String
    /// Items carrying a note of the method.
    public var noted: Int
    /// Items whose note says `triggered: true`.
    public var triggered: Int
    /// Items whose answer was replaced (a `first` in the note).
    public var changed: Int
    public var wrongToRight: Int
    public var rightToWrong: Int

    public init(method: String, noted: Int, triggered: Int, changed: Int, wrongToRight: Int, rightToWrong: Int) {
        self.method = method
        self.noted = noted
        self.triggered = triggered
        self.changed = changed
        self.wrongToRight = wrongToRight
        self.rightToWrong = rightToWrong
    }

    /// Triggered items over noted ones (0 with none).
    public var triggerRate: Double { noted > 0 ? Double(triggered) / Double(noted) : 0 }

    /// One summary per method whose notes follow the convention, in the order of `methods`.
    public static func summaries(_ items: [EvaluationItem], methods: [String]) -> [RevisionSummary] {
        methods.compactMap { method in
            let notes = items.compactMap { item in item.notes[method].map { (item, $0) } }
            let follows = notes.contains { $0.1["triggered"]?.boolValue != nil || $0.1["first"] != nil }
            guard follows else { return nil }
            var summary = RevisionSummary(method: method, noted: notes.count, triggered: 0, changed: 0,
                                          wrongToRight: 0, rightToWrong: 0)
            for (item, note) in notes {
                if note["triggered"]?.boolValue == true { summary.triggered += 1 }
                guard let before = item.firstCorrect[method] else { continue }
                summary.changed += 1
                if !before && item.correct { summary.wrongToRight += 1 }
                if before && !item.correct { summary.rightToWrong += 1 }
            }
            return summary
        }
    }

    /// `dpc: triggered 3/4 = 75.0%, changed 2, wrong→right 1, right→wrong 0`.
    public var text: String {
        "\(method): triggered \(triggered)/\(noted) = \(EvaluationRun.percent(triggerRate)), changed \(changed), "
            + "wrong→right \(wrongToRight), right→wrong \(rightToWrong)"
    }

    public var value: Value {
        .record(Record([("method", .string(method)), ("noted", .int(noted)), ("triggered", .int(triggered)),
                        ("trigger_rate", .double(triggerRate)), ("changed", .int(changed)),
                        ("wrong_to_right", .int(wrongToRight)), ("right_to_wrong", .int(rightToWrong))]))
    }
}
