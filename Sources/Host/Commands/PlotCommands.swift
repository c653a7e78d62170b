import Foundation
import PluginAPI

/// A subject `plot` draws itself (besides every `inspect` subject): its usage and the
/// figures it makes from the session.
public struct PlotSubject {
    public let name: String
    public let usage: String
    public let summary: String
    let figures: (Session, CommandArguments) throws -> [Figure]

    public init(name: String, usage: String, summary: String, figures: @escaping (Session, CommandArguments) throws -> [Figure]) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.figures = figures
    }
}

/// `plot SUBJECT [to PATH.svg] [subject arguments]`: draws a subject's figures in the terminal
/// and, with `to`, writes them as SVG — one figure to PATH itself, several to PATH-1.svg,
/// PATH-2.svg, … . Subjects are the plot subjects below (`loss`), then those of `inspect`
/// (`plot cka`, `plot topology file=…`), whose arguments pass through.
enum PlotCommands {
    static var all: [CommandSpec] { [plot] }

    /// Subjects only `plot` knows; add one here to make it plottable.
    static var subjects: [PlotSubject] { [loss, runs, calibration] }

    /// `plot calibration`: accuracy and trigger rate by threshold from the last `calibrate`.
    static let calibration = PlotSubject(
        name: "calibration", usage: "plot calibration [to PATH.svg]",
        summary: "Accuracy and trigger rate by threshold, from the last `calibrate`.") { session, _ in
        guard let report = session.lastCalibration else {
            throw CommandError("plot calibration: no calibration yet; run `calibrate gsm8k` with `use dpc` active")
        }
        return [report.figure]
    }

    static let plot = CommandSpec(
        name: "plot", usage: "plot SUBJECT [to PATH.svg] [arguments]   (subjects: loss, runs, and those of `inspect`)",
        summary: "Draw a subject's figures in the terminal, and as SVG with `to PATH.svg`.",
        acceptsAnyParameters: true) { session, args in
        let subject = try args.string(at: 0, "subject")
        let path = try destination(args)
        let figures = try figures(subject, session: session, arguments: args)
        guard !figures.isEmpty else {
            throw CommandError("plot: '\(subject)' has no figures to draw")
        }
        if !session.wantsJSON(args) {
            let width = min(120, max(40, TerminalSize.columns()))
            session.output(figures.map { FigureTerminal.render($0, width: width) }.joined(separator: "\n\n"))
        }
        var files: [String] = []
        if let path {
            files = numberedPaths(path, count: figures.count)
            for (figure, file) in zip(figures, files) {
                do {
                    try Data(FigureSVG.render(figure).utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
                } catch {
                    throw CommandError("plot: cannot write \(file): \(error.localizedDescription); check that its folder exists and is writable")
                }
            }
            session.say("wrote " + files.joined(separator: ", "), args)
        }
        return .record(Record([("subject", .string(subject)), ("files", .array(files.map(Value.string))),
                               ("figures", .int(figures.count))]))
    }

    /// The figures of `subject`: a plot subject, else what `inspect SUBJECT` carries.
    static func figures(_ subject: String, session: Session, arguments: CommandArguments) throws -> [Figure] {
        if let own = subjects.first(where: { $0.name == subject }) {
            if let (name, _) = arguments.invocation.named.first {
                throw CommandError("plot \(own.name): unknown argument '\(name)'; it takes none (usage: \(own.usage))")
            }
            return try own.figures(session, arguments)
        }
        do {
            return try InspectCommands.inspection(subject, session: session, arguments: arguments).figures
        } catch let error as CommandError where error.message.hasPrefix("inspect: unknown subject") {
            let known = subjects.map(\.name) + InspectCommands.subjectNames(session)
            let hint = Suggestion.nearest(to: subject, in: known).map { "; did you mean '\($0)'?" } ?? ""
            throw CommandError("plot: unknown subject '\(subject)'\(hint) (available now: \(known.joined(separator: ", ")))")
        }
    }

    /// The SVG path after `to`, or nil; positionals other than `SUBJECT to PATH` are errors.
    private static func destination(_ args: CommandArguments) throws -> String? {
        let words = args.positional.count
        if words == 1 { return nil }
        guard words == 3, args.optionalString(at: 1) == "to", let path = args.optionalString(at: 2), !path.isEmpty else {
            throw CommandError("plot: expected `plot SUBJECT` or `plot SUBJECT to PATH.svg` (usage: \(plot.usage))")
        }
        return (path as NSString).expandingTildeInPath
    }

    /// `PATH` for one figure; `PATH-1.svg`, `PATH-2.svg`, … (before the extension) for several.
    static func numberedPaths(_ path: String, count: Int) -> [String] {
        guard count > 1 else { return [path] }
        let ns = path as NSString
        let ext = ns.pathExtension.isEmpty ? "svg" : ns.pathExtension
        let stem = ns.pathExtension.isEmpty ? path : ns.deletingPathExtension
        return (1...count).map { "\(stem)-\($0).\(ext)" }
    }

    /// `plot loss`: the last training's loss per step, and its validation losses when it had any.
    static let loss = PlotSubject(name: "loss", usage: "plot loss [to PATH.svg]",
                                  summary: "The last training's loss by step (and validation loss).") { session, _ in
        guard let result = session.lastTraining, !result.history.isEmpty else {
            throw CommandError("plot loss: no training has run in this session; run `train steps=…` first")
        }
        var series = [Series(name: "train", x: result.history.map { Double($0.step) }, y: result.history.map { Double($0.loss) })]
        if !result.validations.isEmpty {
            series.append(Series(name: "validation", x: result.validations.map { Double($0.step) },
                                 y: result.validations.map { Double($0.loss) }))
        }
        let losses = series.flatMap(\.y).filter { $0.isFinite && $0 > 0 }
        // A log axis once the loss spans two decades, so the tail stays readable.
        let logY = (losses.min().map { (losses.max() ?? 0) / $0 >= 100 }) ?? false
        return [.lines(LineFigure(title: "Training loss", xLabel: "step", yLabel: "loss", series: series, logY: logY))]
    }

    /// `plot runs`: accuracy of each evaluation of the session, with its 95% interval.
    static let runs = PlotSubject(name: "runs", usage: "plot runs [to PATH.svg]",
                                  summary: "Accuracy by evaluation run of this session, with 95% Wilson intervals.") { session, _ in
        guard !session.evaluations.isEmpty else {
            throw CommandError("plot runs: no evaluation has run in this session; run `eval gsm8k limit=…` first")
        }
        return [EvaluationRun.runsFigure(session.evaluations)]
    }
}
