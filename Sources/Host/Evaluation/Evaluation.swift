import Compute
import Foundation
import PluginAPI

/// What `eval NAME …` asks for.
public struct EvaluationSettings {
    public var dataset: String
    public var split: String = "test"
    /// Items to evaluate, taken from a seeded shuffle of the split; nil: all of them.
    public var limit: Int?
    /// Seeds the choice of items and of worked examples.
    public var seed: UInt64 = 0
    /// Worked examples shown before each item (0: zero-shot chain of thought).
    public var shots: Int = 0
    /// nil: `chat` when the model has a template, else `plain`.
    public var format: PromptFormat?
    public var batchSize: Int = 8
    public var maxTokens: Int = 256
    /// nil: `EvaluationRecordsFile.defaultPath`.
    public var recordsPath: String?
    /// Examples to evaluate instead of loading `split` (the held-out validation of `data`).
    public var items: Dataset?

    public init(dataset: String) { self.dataset = dataset }
}

/// An evaluation's summary and its items.
public struct EvaluationOutcome {
    public var run: EvaluationRun
    public var items: [EvaluationItem]
    /// Notes for the user about where the shots came from.
    public var shotNote: String?
}

/// Greedy, batched evaluation of the model with the active methods on a dataset split.
///
/// Items are generated a batch at a time through `MethodGeneration` (so methods act as hooks
/// and see each batch in `afterGeneration`), graded by `AnswerChecker`, and appended to the
/// records file. Ctrl-C stops between batches (or inside one, whose items are dropped); the
/// items finished so far are kept, written and summarised.
public struct Evaluation {
    public let settings: EvaluationSettings
    public let model: LanguageModel
    public let methods: MethodSet
    public let catalog: DatasetCatalog

    public init(settings: EvaluationSettings, model: LanguageModel, methods: MethodSet, catalog: DatasetCatalog) {
        self.settings = settings
        self.model = model
        self.methods = methods
        self.catalog = catalog
    }

    /// Runs the evaluation. `started(n)` is called once the n items are chosen and their
    /// prompts built; `progress(done, correct, tokens)` after each batch.
    public func run(started: ((Int) -> Void)? = nil,
                    progress: ((_ done: Int, _ correct: Int, _ tokens: Int) -> Void)? = nil) throws -> EvaluationOutcome {
        let task = try EvaluationTask.named(settings.dataset)
        try checkSettings()
        let source = try settings.items ?? catalog.load(task.dataset, split: settings.split)
        let items = try source.sample(limit: settings.limit, seed: settings.seed)
        if let missing = items.examples.first(where: { $0.answer == nil }) {
            throw DatasetError.invalidRequest("eval: item \(missing.id) has no gold answer")
        }
        let evaluated = Set(items.examples.map(\.id))
        let shotPool = settings.shots > 0 ? try catalog.load(task.dataset, split: task.shotSplit) : nil
        let shots = try shotPool.map { try EvaluationPrompts.chooseShots(settings.shots, from: $0, excluding: evaluated, seed: settings.seed) } ?? []
        let format = settings.format ?? EvaluationPrompts.defaultFormat(for: model)
        let prompts = try EvaluationPrompts(task: task, model: model, format: format, shots: shots)
        let promptIDs = try items.examples.map(prompts.ids(for:))
        try checkContext(promptIDs, items.examples)

        let options = try GenerationOptions(maxNewTokens: settings.maxTokens, sampling: .greedy,
                                            stopTokenIDs: model.stopTokenIDs, stopStrings: prompts.stopStrings)
        let generation = MethodGeneration(model: model, methods: methods, options: options)
        let described = methods.methods.map(MethodDescription.init)
        let path = settings.recordsPath ?? EvaluationRecordsFile.defaultPath(dataset: task.dataset, split: items.split)
        let file = try EvaluationRecordsFile(path: path)

        started?(items.count)
        let start = DispatchTime.now().uptimeNanoseconds
        var done: [EvaluationItem] = []
        var interrupted = false
        do {
            for first in stride(from: 0, to: items.count, by: settings.batchSize) {
                try Interruption.check()
                let range = first..<min(first + settings.batchSize, items.count)
                let result = try generation.run(Array(promptIDs[range]))
                var batch: [EvaluationItem] = []
                for (offset, index) in range.enumerated() {
                    batch.append(try grade(items.examples[index], task: task, prompt: prompts.text(of: promptIDs[index]),
                                           result: result, offset: offset))
                }
                try file.append(batch.map { $0.jsonLine(methods: described) })
                done += batch
                progress?(done.count, done.filter(\.correct).count, done.reduce(0) { $0 + $1.tokens })
            }
        } catch is Interrupted {
            // Nothing finished: there is nothing to report, so the interruption stands.
            guard !done.isEmpty else { throw Interrupted() }
            interrupted = true
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let tokens = done.reduce(0) { $0 + $1.tokens }
        let run = EvaluationRun(dataset: task.dataset, split: items.split, shots: settings.shots, format: format.rawValue,
                                methods: described, n: done.count, correct: done.filter(\.correct).count,
                                recordsPath: path, seconds: seconds,
                                tokensPerSecond: seconds > 0 ? Double(tokens) / seconds : 0, interrupted: interrupted,
                                revisions: RevisionSummary.summaries(done, methods: methods.names))
        return EvaluationOutcome(run: run, items: done, shotNote: settings.shots > 0 ? task.shotNote : nil)
    }

    private func grade(_ example: Example, task: EvaluationTask, prompt: String,
                       result: MethodGeneration.Result, offset: Int) throws -> EvaluationItem {
        let text = result.texts[offset], output = result.outputs[offset]
        let gold = example.answer ?? ""
        let check = try AnswerChecker.check(dataset: task.dataset, generation: text, gold: gold, options: task.options(example))
        let notes = offset < result.notes.count ? result.notes[offset] : [:]
        // A method that replaced the answer left the first one in its note: grade it too (RevisionSummary).
        var firstCorrect: [String: Bool] = [:]
        for (method, note) in notes {
            guard let first = note["first"]?.stringValue else { continue }
            firstCorrect[method] = try AnswerChecker.check(dataset: task.dataset, generation: first, gold: gold,
                                                           options: task.options(example)).correct
        }
        return EvaluationItem(id: example.id, prompt: prompt, generation: text, extracted: check.extracted, gold: gold,
                              correct: check.correct, tokens: output.ids.count, finish: output.finishReason.rawValue,
                              attempts: result.attempts, notes: notes, firstCorrect: firstCorrect)
    }

    private func checkSettings() throws {
        if let limit = settings.limit, limit < 1 {
            throw DatasetError.invalidRequest("eval: limit=\(limit) must be at least 1 (leave it out to evaluate the whole split)")
        }
        guard settings.batchSize >= 1 else {
            throw DatasetError.invalidRequest("eval: batch=\(settings.batchSize) must be at least 1")
        }
        guard settings.maxTokens >= 1 else {
            throw DatasetError.invalidRequest("eval: max_tokens=\(settings.maxTokens) must be at least 1")
        }
        guard settings.shots >= 0 else {
            throw DatasetError.invalidRequest("eval: shots=\(settings.shots) must be 0 (zero-shot) or more")
        }
    }

    /// Every prompt, with the slots methods insert and the tokens to generate, fits the context.
    private func checkContext(_ promptIDs: [[Int]], _ examples: [Example]) throws {
        let context = model.model.config.contextLength
        let inserted = methods.insertedPositions
        for (ids, example) in zip(promptIDs, examples) where ids.count + inserted + settings.maxTokens > context {
            let slots = inserted > 0 ? " plus \(inserted) slots the methods insert" : ""
            throw DatasetError.invalidRequest("eval: item \(example.id) has a \(ids.count)-token prompt\(slots); with max_tokens=\(settings.maxTokens) it exceeds the \(context)-token context of \(model.name). Use fewer shots or a smaller max_tokens")
        }
    }
}
