import Compute

/// What a method gets at `attach`: the session's model, seed, data and metrics.
public final class MethodContext {
    /// The loaded model with its tokenizer.
    public let model: LanguageModel
    /// The session seed (`seed N`); every random choice of a method flows from it.
    public let seed: UInt64
    /// The session's training/calibration examples (may be empty before `data`).
    public let examples: [Example]
    /// Where a method logs numbers during train/eval.
    public let metrics: MetricsLogger

    public init(model: LanguageModel, seed: UInt64, examples: [Example] = [], metrics: MetricsLogger = MetricsRecorder()) {
        self.model = model
        self.seed = seed
        self.examples = examples
        self.metrics = metrics
    }

    /// A generator for `stream` (usually the method's name), derived from the session seed so
    /// that adding another method does not change this one's random draws.
    public func generator(for stream: String) -> SeededGenerator {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325           // FNV-1a over the stream name
        for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SeededGenerator(seed: seed ^ hash)
    }
}

/// One example of the session's data: a prompt and the answer the loss is computed on.
public struct Example: Equatable {
    public var prompt: String
    public var answer: String
    /// Token ids of the prompt (with the tokenizer's special tokens) and of the answer.
    public var promptIDs: [Int]
    public var answerIDs: [Int]
    /// Dataset-specific fields (`rejected` for preference data, `source`…).
    public var fields: [String: String]

    public init(prompt: String, answer: String, promptIDs: [Int], answerIDs: [Int], fields: [String: String] = [:]) {
        self.prompt = prompt
        self.answer = answer
        self.promptIDs = promptIDs
        self.answerIDs = answerIDs
        self.fields = fields
    }

    /// Encodes `prompt` and `answer` with `model`'s tokenizer (special tokens on the prompt only).
    public init(prompt: String, answer: String, model: LanguageModel, fields: [String: String] = [:]) {
        self.init(prompt: prompt, answer: answer,
                  promptIDs: model.tokenizer.encode(prompt, addSpecial: true),
                  answerIDs: model.tokenizer.encode(answer, addSpecial: false), fields: fields)
    }

    /// Prompt then answer: what a training forward runs on.
    public var ids: [Int] { promptIDs + answerIDs }
}

/// Receives metrics during train/eval (`prompt.norm`, `tsloss.reg`).
public protocol MetricsLogger: AnyObject {
    func log(_ name: String, _ value: Double, step: Int?)
}

/// A metrics logger that keeps every value in memory, in order.
public final class MetricsRecorder: MetricsLogger {
    public private(set) var entries: [(name: String, value: Double, step: Int?)] = []

    public init() {}

    public func log(_ name: String, _ value: Double, step: Int?) {
        entries.append((name, value, step))
    }

    /// The values logged under `name`, in order.
    public func values(_ name: String) -> [Double] {
        entries.filter { $0.name == name }.map(\.value)
    }
}
