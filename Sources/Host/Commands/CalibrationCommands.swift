import Compute
import Foundation
import PluginAPI

/// `calibrate`: chooses DPC's trigger threshold on held-out items (METHODS.md, DPC step 3).
///
/// A separate command rather than an `eval` option: it evaluates with DPC rebuilt in
/// `mode=always` (so every item has its first answer, its corrupted answer and R), and reports
/// a sweep, not an accuracy. The session's DPC is rebuilt from the parameters it was `use`d with,
/// only `mode` changed, in a temporary method set sharing the other methods (the trained
/// prompt); the session's methods and DPC's own decisions (`inspect dpc`) are left as they were.
enum CalibrationCommands {
    static var all: [CommandSpec] { [calibrate] }

    /// The method calibrated; it must accept `mode=always` and note `R` and `first` per item.
    static let method = "dpc"

    static let calibrate = CommandSpec(
        name: "calibrate",
        usage: "calibrate NAME [split=validation] [limit=N] [seed=S] [thresholds=[…]|thresholds=seen|steps=10] [max_tokens=256] [batch=8] [records=PATH]",
        summary: "Sweep DPC's trigger threshold on held-out items: accuracy and trigger rate per threshold, the best one.",
        parameters: ["split", "limit", "seed", "thresholds", "steps", "max_tokens", "batch", "records"]) { session, args in
        let model = try session.requireModel(for: "calibrate")
        guard session.methods.method(named: method) != nil, let parameters = session.methodParameters[method] else {
            throw CommandError("calibrate: DPC is not in use; `use prompt …` (and train it), then `use dpc`")
        }
        var settings = EvaluationSettings(dataset: try args.string(at: 0, "dataset name"))
        let split = try args.string("split", default: "validation") ?? "validation"
        if split == "validation" {
            guard let held = session.validationData, !held.isEmpty else {
                throw CommandError("calibrate: split=validation needs held-out examples; run `data \(settings.dataset) validation=50` first, or give split=train|test")
            }
            guard held.name == settings.dataset else {
                throw CommandError("calibrate: the held-out examples are from \(held.name), not \(settings.dataset); run `data \(settings.dataset) validation=…` or give split=")
            }
            settings.items = Dataset(name: held.name, split: "\(held.split) (held out)", examples: held.examples)
        }
        settings.split = split
        if args.value("limit") != nil { settings.limit = try args.int("limit", default: 0, range: 1...10_000_000) }
        settings.seed = UInt64(try args.int("seed", default: Int(session.seed), range: 0...Int.max))
        settings.batchSize = try args.int("batch", default: 8, range: 1...1024)
        settings.maxTokens = try args.int("max_tokens", default: 256, range: 1...100_000)
        settings.recordsPath = try args.string("records", default: nil).map { ($0 as NSString).expandingTildeInPath }
        let thresholds = try thresholdChoice(args)

        let methods = try alwaysCorrupting(session: session, model: model, parameters: parameters)
        let evaluation = Evaluation(settings: settings, model: model, methods: methods, catalog: try DatasetCatalog.located())
        var progress: ProgressReporter?
        let outcome = try evaluation.run(started: { total in
            progress = ProgressReporter(label: "calibrate \(settings.dataset)", total: total, unit: "item")
        }, progress: { done, _, _ in progress?.update(completed: done, detail: "") })
        defer { progress?.finish() }
        guard !outcome.run.interrupted else {
            throw CommandError("calibrate: interrupted after \(outcome.run.n) items; nothing calibrated")
        }
        let items = try TriggerCalibrationReport.items(outcome.items, method: method)
        let report = TriggerCalibrationReport(method: method, dataset: outcome.run.dataset, split: outcome.run.split,
                                              items: items, thresholds: thresholds ?? TriggerCalibrationReport.seenRatios(items))
        session.lastCalibration = report
        session.say(report.text + "\nrecords: \(outcome.run.recordsPath)", args)
        return report.value
    }

    /// The thresholds asked for; nil: the distinct R values seen (`thresholds=seen`).
    static func thresholdChoice(_ args: CommandArguments) throws -> [Double]? {
        let given = args.value("thresholds")
        if given != nil, args.value("steps") != nil {
            throw CommandError("calibrate: give thresholds= or steps=, not both")
        }
        switch given {
        case nil:
            return TriggerCalibrationReport.grid(steps: try args.int("steps", default: 10, range: 1...1000))
        case .string("seen"):
            return nil
        case let .array(values):
            let numbers = values.compactMap { value -> Double? in
                switch value {
                case let .int(i): return Double(i)
                case let .double(d): return d
                default: return nil
                }
            }
            guard !numbers.isEmpty, numbers.count == values.count, numbers.allSatisfy({ (0...1).contains($0) }) else {
                throw CommandError("calibrate: thresholds=\(given.map { "\($0)" } ?? "") must be a non-empty array of numbers in [0, 1], e.g. thresholds=[0.2, 0.4, 0.6]")
            }
            return numbers
        case let .some(other):
            throw CommandError("calibrate: thresholds=\(other) must be an array of numbers in [0, 1] or `seen` (the distinct R values)")
        }
    }

    /// The session's methods with DPC rebuilt in `mode=always`; the other methods are the same
    /// instances (the trained prompt), not re-attached.
    static func alwaysCorrupting(session: Session, model: LanguageModel,
                                 parameters: [(name: String, value: ParameterValue)]) throws -> MethodSet {
        let registration = try session.plugins.registration(named: method)
        let context = MethodContext(model: model, seed: session.seed)
        let set = MethodSet()
        for active in session.methods.methods {
            if active.name == method {
                let always = parameters.filter { $0.name != "mode" } + [(name: "mode", value: ParameterValue.string("always"))]
                try set.add(try registration.makeMethod(always, context: context), context: context)
            } else {
                try set.add(active, context: nil)
            }
        }
        return set
    }
}
