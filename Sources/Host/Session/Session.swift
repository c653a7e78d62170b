import Compute
import Foundation
import PluginAPI

/// The state of one REPL or script run — the loaded model, the seed, the active methods,
/// the data — and the command dispatcher the interpreter calls.
public final class Session: CommandRunner {
    /// Print every command result as one JSON object (`--json`).
    public var jsonOutput: Bool
    /// Where human-readable and JSON output goes, written as given (stdout by default,
    /// flushed; tests capture it).
    public let write: (String) -> Void
    public internal(set) var model: LanguageModel?
    public internal(set) var seed: UInt64 = 0
    /// Training examples and the held-out validation set chosen by `data`.
    public internal(set) var trainingData: Dataset?
    public internal(set) var validationData: Dataset?
    /// Where the data came from, in a sentence, for `show` (set by `data`).
    public internal(set) var dataDescription: String?
    /// The active methods, in `use` order.
    public let methods = MethodSet()
    /// The parameters each active method was `use`d with, by name (to rebuild it with one
    /// changed, as `calibrate` does).
    public internal(set) var methodParameters: [String: [(name: String, value: ParameterValue)]] = [:]
    /// The last `calibrate` result, for `plot calibration`.
    public internal(set) var lastCalibration: TriggerCalibrationReport?
    /// Methods whose tensors `train` changed since they were used or restored; `unuse` and
    /// `load` keep their state on disk rather than dropping it.
    var trainedMethods = Set<String>()
    /// The last `train` result, for `show`.
    public internal(set) var lastTraining: TrainingResult?
    /// The session's evaluations, in the order they ran (`runs`).
    public internal(set) var evaluations: [EvaluationRun] = []
    /// Plugins: the repository's `Plugins/` and folders loaded with `plugin load`.
    public lazy var plugins = PluginRegistry()
    /// Set by `quit`; the REPL and script runner stop reading input.
    public internal(set) var quitRequested = false

    private var catalog: [String: CommandSpec] = [:]
    public private(set) var commandNames: [String] = []

    public init(jsonOutput: Bool = false, write: @escaping (String) -> Void = Session.standardOutput) {
        self.jsonOutput = jsonOutput
        self.write = write
        for spec in CommandCatalog.all { register(spec) }
    }

    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` followed by `terminator`.
    public func output(_ text: String, terminator: String = "\n") { write(text + terminator) }

    public func register(_ spec: CommandSpec) {
        if catalog[spec.name] == nil { commandNames.append(spec.name) }
        catalog[spec.name] = spec
    }

    public func spec(named name: String) -> CommandSpec? { catalog[name] }

    // MARK: CommandRunner

    public func isCommand(_ name: String) -> Bool { catalog[name] != nil }

    public func run(_ invocation: CommandInvocation) throws -> Value {
        guard let spec = catalog[invocation.name] else {
            let hint = Suggestion.nearest(to: invocation.name, in: commandNames).map { "; did you mean '\($0)'?" } ?? ""
            throw CommandError("unknown command '\(invocation.name)'\(hint) (type `help` for the list)")
        }
        Interruption.reset()
        let arguments = CommandArguments(invocation: invocation, spec: spec)
        try arguments.validate()
        // Buffers a command kept for reuse (a training step's activations) go back when it ends.
        defer { StoragePool.shared.trim() }
        let result = try spec.run(self, arguments)
        if wantsJSON(arguments), result != .void { output(ValueJSON.line(result)) }
        return result
    }

    /// Whether this command's result is printed as JSON (the session's `--json`, or the command's own flag).
    public func wantsJSON(_ arguments: CommandArguments) -> Bool { jsonOutput || arguments.json }

    /// Human-readable output, suppressed when the result is printed as JSON.
    func say(_ text: String, _ arguments: CommandArguments) {
        if !wantsJSON(arguments) { output(text) }
    }

    /// The loaded model, or an error telling the user to load one.
    public func requireModel(for command: String) throws -> LanguageModel {
        guard let model else {
            throw CommandError("\(command): no model is loaded; run `load smollm2` (or `load tiny`) first")
        }
        return model
    }

    func setModel(_ model: LanguageModel) { self.model = model }

    /// The hooks of the active methods for a forward pass, or nil when there are none.
    var activeHooks: ForwardHooks? { methods.methods.isEmpty ? nil : methods }
    func setSeed(_ seed: UInt64) { self.seed = seed }
    func requestQuit() { quitRequested = true }
}
