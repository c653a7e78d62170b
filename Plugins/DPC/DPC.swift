// Dynamic Prompt Corruption — at inference, on a prompt-tuned model (METHODS.md, DPC).
//
// Method. After a generation, for each item: saliency I^l = |Σ_h A ⊙ ∂L/∂A| on
// [soft prompt | question | generated rationale], L the rationale's cross-entropy (step 1);
// the key soft token k* = argmax_k C_k over the shallow layers (step 2); the trigger ratio R in
// the final layer (step 3). When triggered (mode=dynamic: R > threshold; mode=always: every
// item) the prompt is corrupted — P[k*] zeroed, the Γ% smallest-magnitude entries of the other
// vectors zeroed — the item is regenerated from scratch, and the prompt is restored (step 4).
//
// Which prompt. DPC analyses and corrupts the layer-0 prompt of the first soft-prompt method in
// use (PromptTuning's P; DHAM's first stage). Stage prompts inserted at deeper layers are left
// as they are, and their slots are outside the analysed sequence (each layer's map keeps the
// trailing n = m + question + rationale positions).
//
// Every item gets `notes[i]["dpc"] = {"R", "key", "triggered", "changed", "accumulation"}`, and
// `"first"` (the first answer's text) when it was replaced: with mode=always, R, the first
// answer and the corrupted answer of each item are what `TriggerCalibration.sweep` needs.

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("threshold", .double(.closed(0...1)), default: .double(0.5),
                  help: "trigger when R > threshold (mode=dynamic); the publication tunes it per model and data: calibrate it"),
    ParameterSpec("shallow", .layers, default: .string("auto"),
                  help: "layers summed for the key token's accumulation C_k: a...b or i,j,k or all; auto = the first quarter"),
    ParameterSpec("factor", .double(.greaterThan(0)), default: .double(3),
                  help: "accumulation is present when C_k* > factor × mean C_k (reported in the notes)"),
    ParameterSpec("ratio", .double(.closed(0...1)), default: .double(0.1),
                  help: "Γ: fraction of the smallest-magnitude entries zeroed in the non-key vectors"),
    ParameterSpec("scope", .choice(["vector", "global"]), default: .string("vector"),
                  help: "vector: Γ% of each vector; global: Γ% of all non-key entries together"),
    ParameterSpec("key", .choice(["auto", "random"]), default: .string("auto"),
                  help: "auto: k* = argmax C_k; random: a key token drawn from the session seed (ablation)"),
    ParameterSpec("mode", .choice(["dynamic", "always"]), default: .string("dynamic"),
                  help: "dynamic: corrupt when R > threshold; always: corrupt every item (ablation)"),
])

// MARK: - Method

final class DynamicPromptCorruption: Inspectable {
    let name = "dpc"
    var requires: [Capability] { [.softPrompts] }

    let threshold: Double
    /// nil: `auto`, the first quarter of the layers.
    let shallow: LayerSelection?
    let corruption: PromptCorruption
    private(set) var accumulation: AccumulationOptions
    let randomKey: Bool
    let always: Bool

    private var generator = SeededGenerator(seed: 0)
    private var layerCount = 0
    /// Set while the saliency forward pass runs: this method's attention hook taps it.
    private var capture: SaliencyCapture?
    private var triggered = 0, analysed = 0
    /// Every item's note since `use`, in order: what `inspect dpc` lists and a calibration reads.
    private(set) var decisions: [JSONValue] = []

    init(_ parameters: ParsedParameters) throws {
        threshold = try parameters.double("threshold")
        let text = try parameters.string("shallow")
        do {
            shallow = text == "auto" ? nil : try LayerSelection(parsing: text)
        } catch {
            throw ParameterError("dpc shallow=\(text): \(error)")
        }
        corruption = try PromptCorruption(fraction: parameters.double("ratio"),
                                          scope: PromptCorruption.Scope(rawValue: parameters.string("scope")) ?? .vector)
        accumulation = AccumulationOptions(layers: nil, reduction: .sum, factor: try parameters.double("factor"))
        randomKey = try parameters.string("key") == "random"
        always = try parameters.string("mode") == "always"
    }

    func attach(to context: MethodContext) throws {
        let layerCount = context.model.model.config.layerCount
        do {
            accumulation.layers = try shallow?.resolve(layerCount: layerCount)
        } catch {
            throw ParameterError("dpc shallow=\(shallow?.description ?? "auto"): \(error)")
        }
        generator = context.generator(for: name)
        self.layerCount = layerCount
    }

    // blocks.{i}.attn.probs: [batch, heads, q, k] — tapped only during DPC's own saliency pass.
    func attentionProbabilities(_ layer: Int, _ probabilities: Tensor) throws -> Tensor {
        guard let capture else { return probabilities }
        return try capture.tap(layer, probabilities)
    }

    func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision {
        guard let prompt = Self.layerZeroPrompt(generation.methods) else {
            throw ParameterError("dpc: no active method has a soft prompt at layer 0 to analyse and corrupt; `use prompt` before `use dpc`")
        }
        let trainable = generation.methods.flatMap(\.trainableParameters)
        for item in generation.prompts.indices {
            let question = generation.prompts[item], rationale = generation.outputs[item].ids
            var note: [String: JSONValue] = [:]
            var ratio = 0.0, key = 0
            // An empty answer has no rationale to explain: it is noted, never corrupted.
            let explained = !rationale.isEmpty && !question.isEmpty
            if explained {
                let segments = try SequenceSegments(prompt: prompt.length, question: question.count, rationale: rationale.count)
                let maps = try saliency(question + rationale, segments: segments, generation: generation, preserving: trainable)
                let trigger = TriggerRatio(map: maps[maps.count - 1], segments: segments)
                let accumulated = try InformationAccumulation(maps: maps, segments: segments, options: accumulation)
                (ratio, key) = (trigger.ratio, accumulated.key)
                note["accumulation"] = .bool(accumulated.isPresent)
            }
            if explained { analysed += 1 }
            let fires = explained && (always || ratio > threshold)
            if randomKey { key = try PromptCorruption.randomKey(count: prompt.length, generator: &generator) }
            var changed = false
            if fires {
                triggered += 1
                let regenerated = try regenerate(item, key: key, prompt: prompt.matrix, generation: generation)
                changed = regenerated.ids != generation.outputs[item].ids
                if changed { note["first"] = .string(generation.texts[item]) }
                generation.outputs[item] = regenerated
                generation.texts[item] = generation.decode(regenerated.ids)
            }
            note["R"] = .number(ratio)
            note["key"] = .int(key)
            note["triggered"] = .bool(fires)
            note["changed"] = .bool(changed)
            generation.notes[item][name] = .object(note)
            decisions.append(.object(note))
        }
        return .accept
    }

    /// I^l for every layer of one item, from a forward pass with the active methods.
    private func saliency(_ tokens: [Int], segments: SequenceSegments, generation: GenerationRecord,
                          preserving: [Tensor]) throws -> [SaliencyMap] {
        let tap = SaliencyCapture(wrapping: nil, keep: segments.count)
        capture = tap
        defer { capture = nil }
        return try SaliencyRunner.run(tokens: tokens, segments: segments, layerCount: layerCount, capture: tap,
                                      preserving: preserving) { ids in try generation.forward([ids]) }
    }

    /// Regenerates one item with the corrupted prompt written into P, then restores P exactly.
    private func regenerate(_ item: Int, key: Int, prompt: Tensor, generation: GenerationRecord) throws -> GeneratedSequence {
        let original = prompt.copy()
        let corrupted = try corruption.corrupt(original, key: key)
        prompt.data.update(from: corrupted.data, count: prompt.count)
        defer { prompt.data.update(from: original.data, count: prompt.count) }
        guard let sequence = try generation.regenerate([generation.prompts[item]]).first else {
            throw ParameterError("dpc: regenerating item \(item) returned no sequence (the host's regenerate is not wired)")
        }
        return sequence
    }

    /// The layer-0 prompt of the first soft-prompt method.
    static func layerZeroPrompt(_ methods: [Method]) -> SoftPrompt? {
        for case let provider as SoftPromptProvider in methods {
            if let prompt = provider.softPrompts.first(where: { $0.layer == 0 }) { return prompt }
        }
        return nil
    }

    var inspectionSubjects: [String] { ["dpc"] }

    /// `inspect dpc`: the decision of every item since `use` (R, key, triggered, changed).
    func inspect(_ subject: String) throws -> Inspection {
        let ratios = decisions.compactMap { $0["R"]?.doubleValue }
        var lines = ["dpc: \(triggered) of \(analysed) analysed items triggered (\(always ? "mode=always" : "R > \(threshold)"))"]
        for (index, decision) in decisions.enumerated() {
            let r = decision["R"]?.doubleValue ?? 0
            lines.append("  item \(index): R \((r * 1000).rounded() / 1000), key \(decision["key"]?.intValue ?? 0), "
                         + "\(decision["triggered"]?.boolValue == true ? "triggered" : "kept")"
                         + (decision["changed"]?.boolValue == true ? ", answer changed" : ""))
        }
        let figure = Figure.lines(LineFigure(title: "DPC trigger ratio by item", xLabel: "item", yLabel: "R",
                                             series: [Series(name: "R", x: ratios.indices.map(Double.init), y: ratios)]))
        return Inspection(lines: lines, json: .object(["items": .array(decisions), "triggered": .int(triggered),
                                                       "analysed": .int(analysed), "threshold": .number(threshold)]),
                          figures: [figure])
    }

    func report() -> [(String, String)] {
        var lines = [("mode", always ? "always" : "dynamic, R > \(threshold)"),
                     ("corruption", "key \(randomKey ? "random" : "argmax C_k"); \(corruption.fraction * 100)% smallest per \(corruption.scope.rawValue)"),
                     ("shallow layers", accumulation.layers.map(LayerSelection.describe) ?? "first quarter")]
        if analysed > 0 { lines.append(("triggered", "\(triggered) of \(analysed) items")) }
        return lines
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "dpc", version: "1.0",
        summary: "dynamic prompt corruption: at inference, zero the soft prompt's key token and regenerate when saliency says the prompt took over",
        citation: "Dynamic Prompt Corruption (DPC): saliency-triggered corruption of soft prompts for reasoning, 2025",
        schema: schema,
        factory: { parameters, _ in try DynamicPromptCorruption(parameters) }
    ).retainedPointer()
}
