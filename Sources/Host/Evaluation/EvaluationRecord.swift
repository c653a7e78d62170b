import Compute
import Foundation
import PluginAPI

/// A method as evaluation records describe it: its name and the lines of its report (what
/// `methods` prints under it: its parameters and state).
public struct MethodDescription: Equatable {
    public let name: String
    public let parameters: [(label: String, value: String)]

    public init(name: String, parameters: [(label: String, value: String)]) {
        self.name = name
        self.parameters = parameters
    }

    public init(_ method: Method) {
        self.init(name: method.name, parameters: method.report().map { (label: $0.0, value: $0.1) })
    }

    /// `prompt(prompt vectors=20, init=random N(0, 0.02²))`.
    public var summary: String {
        parameters.isEmpty ? name : name + "(" + parameters.map { "\($0.label)=\($0.value)" }.joined(separator: ", ") + ")"
    }

    public var json: JSONValue {
        .object(["name": .string(name),
                 "parameters": .object(Dictionary(parameters.map { ($0.label, JSONValue.string($0.value)) }, uniquingKeysWith: { $1 }))])
    }

    public var value: Value {
        .record(Record([("name", .string(name)),
                        ("parameters", .record(Record(parameters.map { ($0.label, Value.string($0.value)) })))]))
    }

    public static func == (lhs: MethodDescription, rhs: MethodDescription) -> Bool {
        lhs.name == rhs.name && lhs.parameters.map(\.label) == rhs.parameters.map(\.label)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }
}

/// One evaluated item: what the model was given, what it produced and how it was graded.
public struct EvaluationItem: Equatable {
    public var id: String
    /// The prompt as the model saw it (special tokens included).
    public var prompt: String
    public var generation: String
    public var extracted: String?
    public var gold: String
    public var correct: Bool
    /// Generated tokens, the stop token included.
    public var tokens: Int
    /// Why generation stopped: `eos`, `stop` or `length`.
    public var finish: String
    /// Generations made for the item's batch (more than 1 after a method asked for a re-run).
    public var attempts: Int
    /// The methods' notes on this item, by method name.
    public var notes: [String: JSONValue]
    /// By method name: whether the answer it replaced (`notes[method]["first"]`) was correct.
    public var firstCorrect: [String: Bool]

    public init(id: String, prompt: String, generation: String, extracted: String?, gold: String, correct: Bool,
                tokens: Int, finish: String, attempts: Int, notes: [String: JSONValue] = [:],
                firstCorrect: [String: Bool] = [:]) {
        self.id = id
        self.prompt = prompt
        self.generation = generation
        self.extracted = extracted
        self.gold = gold
        self.correct = correct
        self.tokens = tokens
        self.finish = finish
        self.attempts = attempts
        self.notes = notes
        self.firstCorrect = firstCorrect
    }

    /// One JSONL line (keys sorted): the item's fields and the active methods.
    public func jsonLine(methods: [MethodDescription]) -> String {
        var object: [String: JSONValue] = [
            "id": .string(id), "prompt": .string(prompt), "generation": .string(generation),
            "extracted": extracted.map(JSONValue.string) ?? .null, "gold": .string(gold),
            "correct": .bool(correct), "tokens": .int(tokens), "finish": .string(finish),
            "attempts": .int(attempts), "methods": .array(methods.map(\.json)), "notes": .object(notes),
        ]
        if !firstCorrect.isEmpty { object["first_correct"] = .object(firstCorrect.mapValues(JSONValue.bool)) }
        return JSONValue.object(object).serialized()
    }
}

/// The JSONL file of an evaluation's items, written a batch at a time so that an
/// interrupted evaluation keeps the items it finished.
public final class EvaluationRecordsFile {
    public let path: String
    private let handle: FileHandle

    /// Creates (or empties) the file at `path`, creating its folder.
    public init(path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        } catch {
            throw DatasetError.unreadable(path: folder, reason: "cannot create the records folder (\(error.localizedDescription)); choose another with records=PATH")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw DatasetError.unreadable(path: path, reason: "cannot write the records file; choose another with records=PATH")
        }
        self.path = path
        self.handle = handle
    }

    deinit { try? handle.close() }

    public func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// `$STRATA_RUNS/<dataset>-<split>-<yyyyMMdd-HHmmss>.jsonl`, or under `runs/` in the
    /// current folder; a numeric suffix keeps two runs in the same second apart.
    public static func defaultPath(dataset: String, split: String, date: Date = Date(),
                                   environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let folder = environment["STRATA_RUNS"].flatMap { $0.isEmpty ? nil : $0 } ?? "runs"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stem = "\(folder)/\(dataset)-\(split)-\(formatter.string(from: date))"
        var path = stem + ".jsonl"
        var suffix = 2
        while FileManager.default.fileExists(atPath: path) {
            path = "\(stem)-\(suffix).jsonl"
            suffix += 1
        }
        return path
    }
}
