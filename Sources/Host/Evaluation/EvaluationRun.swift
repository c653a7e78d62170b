import Foundation
import PluginAPI

/// One finished evaluation as the session keeps it (`runs`): what was evaluated with which
/// methods, the accuracy with its 95% Wilson interval, and where the per-item records are.
public struct EvaluationRun: Equatable {
    public var dataset: String
    public var split: String
    public var shots: Int
    public var format: String
    public var methods: [MethodDescription]
    /// Items evaluated (fewer than asked for when interrupted).
    public var n: Int
    public var correct: Int
    public var interval: ClosedRange<Double>
    public var recordsPath: String
    public var seconds: Double
    /// Generated tokens per second of wall time.
    public var tokensPerSecond: Double
    public var interrupted: Bool
    /// What each method that revises answers did (trigger rate, wrong→right, right→wrong).
    public var revisions: [RevisionSummary]

    public init(dataset: String, split: String, shots: Int, format: String, methods: [MethodDescription],
                n: Int, correct: Int, recordsPath: String, seconds: Double, tokensPerSecond: Double,
                interrupted: Bool = false, revisions: [RevisionSummary] = []) {
        self.dataset = dataset
        self.split = split
        self.shots = shots
        self.format = format
        self.methods = methods
        self.n = n
        self.correct = correct
        self.interval = WilsonInterval.interval(successes: correct, trials: n)
        self.recordsPath = recordsPath
        self.seconds = seconds
        self.tokensPerSecond = tokensPerSecond
        self.interrupted = interrupted
        self.revisions = revisions
    }

    public var accuracy: Double { n > 0 ? Double(correct) / Double(n) : 0 }

    /// `17/20 = 85.0% (95% CI 64.0–94.8%)`.
    public var accuracyText: String {
        "\(correct)/\(n) = \(Self.percent(accuracy)) (95% CI \(Self.percent(interval.lowerBound, sign: false))–\(Self.percent(interval.upperBound)))"
    }

    /// The methods in `use` order, or `base` for the model alone.
    public var methodsText: String {
        methods.isEmpty ? "base" : methods.map(\.summary).joined(separator: " + ")
    }

    /// The result of `eval` and each row of `runs`.
    public var value: Value {
        var record = Record([("dataset", .string(dataset)), ("split", .string(split)), ("n", .int(n)),
                             ("correct", .int(correct)), ("accuracy", .double(accuracy)),
                             ("interval", .array([.double(interval.lowerBound), .double(interval.upperBound)])),
                             ("records", .string(recordsPath)), ("seconds", .double(seconds)),
                             ("tokens_per_second", .double(tokensPerSecond)), ("shots", .int(shots)),
                             ("format", .string(format)), ("methods", .array(methods.map(\.value)))])
        if interrupted { record["interrupted"] = .bool(true) }
        if !revisions.isEmpty { record["revisions"] = .array(revisions.map(\.value)) }
        return .record(record)
    }

    /// The `runs` table: one line per run, columns aligned.
    public static func table(_ runs: [EvaluationRun]) -> String {
        guard !runs.isEmpty else { return "no evaluations yet; run `eval gsm8k limit=20`" }
        let header = ["#", "methods", "dataset", "split", "shots", "n", "accuracy", "95% CI", "records"]
        let rows = runs.enumerated().map { index, run in
            ["\(index + 1)", run.methodsText, run.dataset, run.split, "\(run.shots)", "\(run.n)" + (run.interrupted ? "*" : ""),
             "\(run.correct)/\(run.n) = \(percent(run.accuracy))",
             "\(percent(run.interval.lowerBound, sign: false))–\(percent(run.interval.upperBound))", run.recordsPath]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        let footnote = runs.contains(where: \.interrupted) ? ["* interrupted: the items done before Ctrl-C"] : []
        return (lines + footnote).joined(separator: "\n")
    }

    /// Accuracy by run with its 95% interval, for `plot runs`.
    public static func runsFigure(_ runs: [EvaluationRun]) -> Figure {
        .bars(BarFigure(title: "Accuracy by run (95% Wilson interval)", yLabel: "accuracy",
                        labels: runs.enumerated().map { "#\($0.offset + 1) \($0.element.methodsText) \($0.element.dataset)" },
                        values: runs.map(\.accuracy),
                        lower: runs.map(\.interval.lowerBound), upper: runs.map(\.interval.upperBound)))
    }

    /// `85.0%`; `sign: false` leaves the percent sign off (the first end of a range).
    static func percent(_ fraction: Double, sign: Bool = true) -> String {
        String(format: "%.1f", fraction * 100) + (sign ? "%" : "")
    }
}
