import Compute
import PluginAPI

/// The result of `calibrate`: each item's trigger ratio R with its first and corrupted
/// answers graded, and the accuracy and trigger rate DPC would have at each threshold
/// (METHODS.md, DPC step 3: the publication tunes the threshold per model and dataset).
public struct TriggerCalibrationReport: Equatable {
    public var method: String
    public var dataset: String
    public var split: String
    public var items: [TriggerCalibration.Item]
    public var points: [TriggerCalibration.Point]
    /// The threshold of highest accuracy (the lowest on ties); nil with no thresholds.
    public var best: TriggerCalibration.Point? { TriggerCalibration.best(points) }

    /// Sweeps `thresholds` over `items`.
    public init(method: String, dataset: String, split: String, items: [TriggerCalibration.Item], thresholds: [Double]) {
        self.method = method
        self.dataset = dataset
        self.split = split
        self.items = items
        self.points = TriggerCalibration.sweep(items, thresholds: thresholds)
    }

    /// The calibration items of an evaluation in which `method` corrupted every item: R from
    /// `notes[method]["R"]`; the corrupted answer is the final one; the first answer is the
    /// replaced one (`first`, graded in `firstCorrect`) or, when the corruption left the answer
    /// as it was, the final one too.
    public static func items(_ evaluated: [EvaluationItem], method: String) throws -> [TriggerCalibration.Item] {
        try evaluated.map { item in
            guard let ratio = item.notes[method]?["R"]?.doubleValue else {
                throw CommandError("calibrate: item \(item.id) has no trigger ratio in its \(method) note; is `use \(method)` the DPC plugin?")
            }
            return TriggerCalibration.Item(ratio: ratio, correctBefore: item.firstCorrect[method] ?? item.correct,
                                           correctAfter: item.correct)
        }
    }

    /// `steps` + 1 thresholds evenly spaced over [0, 1].
    public static func grid(steps: Int) -> [Double] {
        (0...max(1, steps)).map { Double($0) / Double(max(1, steps)) }
    }

    /// 0 (every item with R > 0 triggers) and each distinct R seen, ascending: every
    /// distinct outcome of the sweep.
    public static func seenRatios(_ items: [TriggerCalibration.Item]) -> [Double] {
        Array(Set([0] + items.map(\.ratio))).sorted()
    }

    /// Items whose first answer was wrong and corrupted one right, and the reverse.
    public var wrongToRight: Int { items.filter { !$0.correctBefore && $0.correctAfter }.count }
    public var rightToWrong: Int { items.filter { $0.correctBefore && !$0.correctAfter }.count }

    /// The table `calibrate` prints.
    public var text: String {
        let n = items.count
        let before = items.filter(\.correctBefore).count, after = items.filter(\.correctAfter).count
        var lines = ["\(method) calibration on \(dataset) \(split), n=\(n): first answers \(before)/\(n) correct, "
                     + "corrupted \(after)/\(n); wrong→right \(wrongToRight), right→wrong \(rightToWrong)",
                     "threshold  accuracy  trigger rate"]
        for point in points {
            lines.append(Self.fixed(point.threshold, 3).padding(toLength: 11, withPad: " ", startingAt: 0)
                         + EvaluationRun.percent(point.accuracy).padding(toLength: 10, withPad: " ", startingAt: 0)
                         + EvaluationRun.percent(point.triggerRate))
        }
        if let best {
            lines.append("best: threshold=\(Self.fixed(best.threshold, 3)) (accuracy \(EvaluationRun.percent(best.accuracy)), "
                         + "trigger rate \(EvaluationRun.percent(best.triggerRate)))")
        }
        return lines.joined(separator: "\n")
    }

    public var value: Value {
        var record = Record([("method", .string(method)), ("dataset", .string(dataset)), ("split", .string(split)),
                             ("n", .int(items.count)), ("wrong_to_right", .int(wrongToRight)),
                             ("right_to_wrong", .int(rightToWrong)),
                             ("points", .array(points.map { point in
                                 .record(Record([("threshold", .double(point.threshold)), ("accuracy", .double(point.accuracy)),
                                                 ("trigger_rate", .double(point.triggerRate))]))
                             })),
                             ("ratios", .array(items.map { .double($0.ratio) }))])
        if let best { record["best"] = .double(best.threshold) }
        return .record(record)
    }

    /// Accuracy and trigger rate by threshold, for `plot calibration`.
    public var figure: Figure {
        let x = points.map(\.threshold)
        return .lines(LineFigure(title: "\(method) threshold calibration (\(dataset) \(split), n=\(items.count))",
                                 xLabel: "threshold", yLabel: "fraction of items",
                                 series: [Series(name: "accuracy", x: x, y: points.map(\.accuracy)),
                                          Series(name: "trigger rate", x: x, y: points.map(\.triggerRate))]))
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
