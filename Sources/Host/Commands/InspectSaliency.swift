import Foundation
import Compute
import PluginAPI

/// `inspect saliency`: where information flows between the soft prompt, the question and the
/// rationale, layer by layer (METHODS.md, DPC steps 1–3), from `I^l = |Σ_h A ⊙ ∂L/∂A|` with
/// L the rationale's cross-entropy.
enum InspectSaliency {
    static let subject = InspectSubject(
        name: "saliency",
        usage: "inspect saliency (index=N | question=\"…\") [rationale=\"…\"] [max_tokens=64] [format=plain|chat|raw]",
        summary: "Per-layer saliency flows prompt→question, prompt→rationale, question→rationale, and the soft tokens' shallow-layer accumulation.",
        parameters: ["index", "question", "rationale", "max_tokens", "format"]) { session, args in
        try inspect(session, args)
    }

    static func inspect(_ session: Session, _ args: CommandArguments) throws -> Inspection {
        let model = try session.requireModel(for: "inspect saliency")
        let formatName = try args.string("format", default: "plain") ?? "plain"
        guard let format = PromptFormat(rawValue: formatName) else {
            throw CommandError("inspect saliency: format=\(formatName) is not one of \(PromptFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let encoder = try TrainingExampleEncoder(model: model, format: format)
        let question = try encoder.promptIDs(try questionText(session, args))
        guard !question.isEmpty else { throw CommandError("inspect saliency: the question encodes to no tokens") }
        let prompt = session.methods.methods.compactMap { ($0 as? SoftPromptProvider)?.softPrompts.first { $0.layer == 0 } }.first
        let m = prompt?.length ?? 0
        let rationale = try rationaleIDs(session, args, model: model, question: question)
        guard !rationale.isEmpty else {
            throw CommandError("inspect saliency: the rationale is empty (the model stopped at once); give one with rationale=\"…\"")
        }
        let config = model.model.config
        guard m + question.count + rationale.count <= config.contextLength else {
            throw CommandError("inspect saliency: \(m) prompt slots + \(question.count) question + \(rationale.count) rationale tokens exceed the model's context of \(config.contextLength)")
        }

        let segments = try SequenceSegments(prompt: m, question: question.count, rationale: rationale.count)
        let capture = SaliencyCapture(wrapping: session.activeHooks, keep: segments.count)
        let maps = try SaliencyRunner.run(tokens: question + rationale, segments: segments, layerCount: config.layerCount,
                                          capture: capture, preserving: session.methods.trainableParameters) { ids in
            try model.model.forward([ids], hooks: capture)
        }
        let flows = maps.map { SaliencyFlows($0, segments) }
        let accumulation = m > 0 ? try InformationAccumulation(maps: maps, segments: segments) : nil
        let trigger = m > 0 ? TriggerRatio(map: maps[maps.count - 1], segments: segments) : nil
        return report(flows: flows, accumulation: accumulation, trigger: trigger, segments: segments,
                      rationaleText: model.tokenizer.decode(rationale, skipSpecial: true))
    }

    private static func questionText(_ session: Session, _ args: CommandArguments) throws -> String {
        let text = try args.string("question", default: nil)
        switch (args.value("index"), text) {
        case (nil, let text?):
            return text
        case (_?, nil):
            let examples = session.trainingData?.examples ?? []
            guard !examples.isEmpty else {
                throw CommandError("inspect saliency: index= needs session data; choose some with `data gsm8k limit=8`, or give question=\"…\"")
            }
            let index = try args.int("index", default: 0, range: 0...Int.max)
            guard index < examples.count else {
                throw CommandError("inspect saliency: index=\(index) is out of range; the session data has \(examples.count) examples (0…\(examples.count - 1))")
            }
            return examples[index].prompt
        case (_?, _?):
            throw CommandError("inspect saliency: give index=N or question=\"…\", not both")
        case (nil, nil):
            throw CommandError("inspect saliency: what to analyse? give index=N (a session data example) or question=\"…\"")
        }
    }

    /// The given rationale, or the model's own greedy continuation with the active methods.
    private static func rationaleIDs(_ session: Session, _ args: CommandArguments, model: LanguageModel, question: [Int]) throws -> [Int] {
        if let text = try args.string("rationale", default: nil) {
            return model.tokenizer.encode(text, addSpecial: false)
        }
        let options = try GenerationOptions(maxNewTokens: try args.int("max_tokens", default: 64, range: 1...100_000),
                                            stopTokenIDs: model.stopTokenIDs)
        return try Generator(model: model.model).generate([question], options: options, hooks: session.activeHooks)[0].ids
    }

    static func report(flows: [SaliencyFlows], accumulation: InformationAccumulation?, trigger: TriggerRatio?,
                       segments: SequenceSegments, rationaleText: String) -> Inspection {
        let hasPrompt = !segments.prompt.isEmpty
        func number(_ x: Double) -> String { String(format: "%.3e", x) }
        var lines = ["saliency over \(segments.count) positions: prompt \(segments.prompt.count), question \(segments.question.count), rationale \(segments.rationale.count)"]
        lines.append(hasPrompt ? "layer  prompt→question  prompt→rationale  question→rationale" : "layer  question→rationale")
        for (layer, f) in flows.enumerated() {
            let label = String(layer).padding(toLength: 5, withPad: " ", startingAt: 0)
            lines.append(hasPrompt
                ? "\(label)  \(number(f.promptToQuestion))        \(number(f.promptToRationale))         \(number(f.questionToRationale))"
                : "\(label)  \(number(f.questionToRationale))")
        }
        let x = flows.indices.map(Double.init)
        var series = [Series(name: "question→rationale", x: x, y: flows.map(\.questionToRationale))]
        var json: [String: JSONValue] = [
            "layers": .int(flows.count),
            "tokens": .object(["prompt": .int(segments.prompt.count), "question": .int(segments.question.count),
                               "rationale": .int(segments.rationale.count)]),
            "question_rationale": .array(flows.map { .number($0.questionToRationale) }),
            "rationale": .string(rationaleText),
        ]
        var figures: [Figure] = []
        if hasPrompt {
            series.insert(Series(name: "prompt→rationale", x: x, y: flows.map(\.promptToRationale)), at: 0)
            series.insert(Series(name: "prompt→question", x: x, y: flows.map(\.promptToQuestion)), at: 0)
            json["prompt_question"] = .array(flows.map { .number($0.promptToQuestion) })
            json["prompt_rationale"] = .array(flows.map { .number($0.promptToRationale) })
        }
        figures.append(.lines(LineFigure(title: "saliency flow by layer", xLabel: "layer", yLabel: "mean saliency", series: series)))
        if let accumulation {
            let layers = accumulation.layers.map(String.init).joined(separator: ", ")
            lines.append("accumulation C_k over layers \(layers): " + accumulation.perToken.map(number).joined(separator: " "))
            lines.append("key token k* = \(accumulation.key)" + (accumulation.isPresent ? " (accumulation present)" : " (no accumulation)"))
            json["accumulation"] = .array(accumulation.perToken.map(JSONValue.number))
            json["shallow_layers"] = .array(accumulation.layers.map(JSONValue.int))
            json["key"] = .int(accumulation.key)
            json["accumulation_present"] = .bool(accumulation.isPresent)
            figures.append(.bars(BarFigure(title: "information accumulation per soft token (shallow layers)", yLabel: "C_k",
                                           labels: accumulation.perToken.indices.map(String.init), values: accumulation.perToken)))
        }
        if let trigger {
            lines.append("trigger ratio R = \(String(format: "%.3f", trigger.ratio)) (\(trigger.affected.count) of \(trigger.latterCount) latter-half tokens above β = \(number(trigger.beta)))")
            json["R"] = .number(trigger.ratio)
            json["beta"] = .number(trigger.beta)
        }
        return Inspection(lines: lines, json: .object(json), figures: figures)
    }
}
