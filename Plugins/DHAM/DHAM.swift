// DHAM — Dynamic Hierarchy-Aware Mechanism: hierarchical soft prompts, one per stage of layers
// (METHODS.md "DHAM"). The layers are split into G stages; stage i gets its own prompt
// P^(i) ∈ R^{m_i×d}, concatenated in front of the hidden sequence at the input of its
// representative layer r(i), the stage's shallowest layer (the first stage's is layer 0).
//
// Stages (`metric`). `uniform`: G contiguous stages of equal size (the first L mod G one layer
// larger). `single`: one stage — exactly prompt tuning at layer 0. `cka | cosine | euclidean`:
// calibrate on the session's first `calib` examples, cluster the layers agglomeratively on a
// distance between their representations, and choose G by silhouette over bootstrap resamples
// (DHAMCalibration.swift). G=1 is always one stage and needs no calibration. A cluster that is
// not contiguous in depth is reported by `show` and `inspect stages` with its span; its prompt
// still enters at its shallowest layer.
//
// Prompt lengths. `m=k`: k vectors per stage. `budget=B`: B vectors in all, split as evenly as
// possible with the remainder going to the shallowest stages (B=64, G=3 → 22, 21, 21).
//
// Positions. Every stage uses the soft-prompt convention (SequenceState.prependingSlots): at
// layer r(i) the m_i slots go in front of everything the sequence holds there and take
// positions 0…m_i−1; everything behind them shifts by m_i. So from layer r(i) on the sequence
// reads [P^(i) | … | P^(0) | tokens], every prompt is attended by every real token, and a token
// at text position t sits at t + Σ_{r(j) ≤ l} m_j in layer l. With a KV cache the prompts are
// inserted at the prefill (`startsSequence`); a decoding step only shifts its positions by m_i
// at each r(i), which gives every layer the positions the prefill gave it.

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("G", .autoOrInt(.closed(1...1024)), default: .string("auto"),
                  help: "number of stages; auto: the silhouette-best cut in [gmin, gmax]"),
    ParameterSpec("m", .int(.closed(1...4096)), default: .int(16), help: "prompt vectors per stage"),
    ParameterSpec("budget", .int(.closed(0...65536)), default: .int(0),
                  help: "total prompt vectors split across stages, the remainder to the shallowest (0: m per stage; the paper's ablation uses 64)"),
    ParameterSpec("metric", .choice(["cka", "cosine", "euclidean", "uniform", "single"]), default: .string("cka"),
                  help: "how layers are grouped: calibrated similarity (cka, cosine, euclidean), uniform split, or a single stage"),
    ParameterSpec("calib", .int(.closed(1...100_000)), default: .int(32), help: "calibration examples (the session's first ones)"),
    ParameterSpec("skip", .int(.closed(0...64)), default: .int(1),
                  help: "leading positions of each calibration example left out of the representations (the BOS/attention-sink token)"),
    ParameterSpec("bootstrap", .int(.closed(0...10_000)), default: .int(20),
                  help: "bootstrap resamples of the calibration examples for choosing G (0: the full set only)"),
    ParameterSpec("linkage", .choice(["average", "single", "complete", "ward"]), default: .string("average"),
                  help: "agglomerative clustering linkage"),
    ParameterSpec("gmin", .int(.closed(1...1024)), default: .int(3), help: "smallest G considered by G=auto"),
    ParameterSpec("gmax", .int(.closed(1...1024)), default: .int(5), help: "largest G considered by G=auto"),
    ParameterSpec("init", .string, default: .string("random"),
                  help: "random: N(0, 0.02²); text:\"…\": the text's hidden states at each stage's layer (its embeddings at layer 0), the text repeated or cut to m_i tokens"),
    ParameterSpec("lr-scale", .double(.greaterThan(0)), default: .double(1),
                  help: "multiplies the training learning rate for the prompts"),
])

// MARK: - Method

final class DHAM: SoftPromptProvider, Inspectable {
    let name = "dham"
    let metric: String
    let forcedG: Int?
    let perStage: Int
    let budget: Int?
    let calibrationCount: Int
    let skipLeading: Int
    let bootstrap: Int
    let linkage: String
    let gRange: ClosedRange<Int>
    let textInit: String?
    let learningRateScale: Double

    /// The stages; set at `attach` (or by `restore`).
    private(set) var partition: StagePartition?
    /// P^(i): `[m_i, d_model]`, one per stage, named `dham.stage{i}.prompt`.
    private(set) var prompts: [Tensor] = []
    /// What calibration measured (nil for uniform/single stages or a restored partition).
    private(set) var calibration: LayerCalibration?
    /// Stage index by representative layer, for the forward hook.
    private var stageAtLayer: [Int: Int] = [:]

    init(_ parameters: ParsedParameters) throws {
        metric = try parameters.string("metric")
        forcedG = try parameters.autoOrInt("G")
        perStage = try parameters.int("m")
        let total = try parameters.int("budget")
        budget = total > 0 ? total : nil
        calibrationCount = try parameters.int("calib")
        skipLeading = try parameters.int("skip")
        bootstrap = try parameters.int("bootstrap")
        linkage = try parameters.string("linkage")
        let (gmin, gmax) = (try parameters.int("gmin"), try parameters.int("gmax"))
        learningRateScale = try parameters.double("lr-scale")
        guard gmin <= gmax else {
            throw ParameterError("dham gmin=\(gmin) is larger than gmax=\(gmax); give gmin ≤ gmax (e.g. gmin=3 gmax=5)")
        }
        gRange = gmin...gmax
        if budget != nil && parameters.explicit.contains("m") {
            throw ParameterError("dham: give m (vectors per stage) or budget (vectors in all), not both")
        }
        if metric == "single", let g = forcedG, g != 1 {
            throw ParameterError("dham metric=single is one stage, but G=\(g); leave G out or use metric=uniform G=\(g)")
        }
        if metric == "uniform" && forcedG == nil {
            throw ParameterError("dham metric=uniform needs the number of stages: give G=k (e.g. G=3)")
        }
        let word = try parameters.string("init")
        if word == "random" {
            textInit = nil
        } else if word.hasPrefix("text:"), word.count > 5 {
            var text = Substring(word.dropFirst(5))
            if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
            textInit = String(text)
        } else {
            throw ParameterError.invalid(method: "dham", parameter: "init", value: .string(word),
                                         expected: "random or text:\"…\" (e.g. init=\"text:Let's think step by step.\")")
        }
    }

    func attach(to context: MethodContext) throws {
        let layers = context.model.model.config.layerCount
        let stages: StagePartition
        do {
            if metric == "single" || forcedG == 1 {
                stages = try .single(layerCount: layers)
            } else if metric == "uniform", let g = forcedG {
                stages = try .uniform(layerCount: layers, stages: g)
            } else {
                let measured = try calibrate(context)
                calibration = measured
                stages = measured.partition
            }
        } catch let error as StagePartitionError {
            throw ParameterError("dham: \(error.message)")
        }
        try install(stages, lengths: try lengths(for: stages.count), context: context)
    }

    /// m_i per stage: `m` each, or `budget` split evenly with the remainder to the shallowest.
    func lengths(for stages: Int) throws -> [Int] {
        guard let budget else { return Array(repeating: perStage, count: stages) }
        guard budget >= stages else {
            throw ParameterError("dham budget=\(budget) cannot give each of the \(stages) stages a prompt vector; give budget ≥ \(stages)")
        }
        return StagePartition.evenSplit(budget, into: stages)
    }

    /// Sets the stages and draws their prompts.
    private func install(_ stages: StagePartition, lengths: [Int], context: MethodContext) throws {
        let model = context.model.model
        let d = model.config.hiddenSize
        var generator = context.generator(for: name)
        var ids: [Int] = []
        if let textInit {
            ids = context.model.tokenizer.encode(textInit, addSpecial: false)
            guard !ids.isEmpty else {
                throw ParameterError.invalid(method: name, parameter: "init", value: .string("text:" + textInit), expected: "a text with at least one token")
            }
        }
        // Text init: each stage's prompt is the text's own hidden states where the prompt joins
        // the sequence (blocks.r(i).input; the embeddings for the first stage), so every stage
        // starts in distribution, where random vectors at a deep layer disrupt the model.
        var textStates: [Int: Tensor] = [:]
        if !ids.isEmpty, let longest = lengths.max(), longest > 0 {
            let tokens = (0..<longest).map { ids[$0 % ids.count] }
            let layers = Array(Set(stages.representatives)).sorted()
            let states = try LayerRepresentations.collect(model: model, sequences: [tokens], layers: layers)
            textStates = Dictionary(uniqueKeysWithValues: zip(layers, states))
        }
        var made: [Tensor] = []
        for (i, m) in lengths.enumerated() {
            let p = try textStates[stages.representatives[i]].map { try $0.slice(axis: 0, range: 0..<m).contiguous().copy() }
                ?? Tensor.randn([m, d], std: 0.02, generator: &generator)
            p.requiresGrad = true
            p.name = "dham.stage\(i).prompt"
            made.append(p)
        }
        set(stages, prompts: made)
    }

    private func set(_ stages: StagePartition, prompts: [Tensor]) {
        partition = stages
        self.prompts = prompts
        stageAtLayer = Dictionary(uniqueKeysWithValues: stages.representatives.enumerated().map { ($1, $0) })
    }

    var trainableParameters: [Tensor] { prompts }

    var softPrompts: [SoftPrompt] {
        guard let partition else { return [] }
        return zip(prompts, partition.representatives).map { SoftPrompt(name: $0.name ?? name, matrix: $0, layer: $1) }
    }

    /// Every stage's slots are inserted at the prefill; the generator reserves room for all.
    var insertedPositions: Int { prompts.reduce(0) { $0 + $1.shape[0] } }

    // blocks.{r(i)}.input: [batch, seq, d] → [batch, m_i + seq, d] when a sequence starts;
    // a decoding step keeps its length and shifts its positions by m_i.
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        guard let stage = stageAtLayer[layer], stage < prompts.count else { return state }
        let p = prompts[stage]
        return try state.startsSequence() ? state.prependingSlots(p) : state.shiftingPositions(by: p.shape[0])
    }

    // MARK: Reports and state

    func report() -> [(String, String)] {
        guard let partition else { return [("stages", "not attached")] }
        var lines = [("metric", metric + (calibration.map { " (\($0.examples) calibration examples, \($0.linkage) linkage)" } ?? "")),
                     ("G", "\(partition.count)" + (forcedG == nil && calibration != nil ? " (auto in \(gRange.lowerBound)–\(gRange.upperBound))" : ""))]
        for (i, stage) in partition.stages.enumerated() {
            let norm = prompts[i].scalars.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            lines.append(("stage \(i)", "layers \(describe(stage)), prompt at layer \(stage.representative), m=\(prompts[i].shape[0]), ‖P‖=\((norm * 1e4).rounded() / 1e4)"))
        }
        if !partition.nonContiguousStages.isEmpty {
            lines.append(("note", "stages \(partition.nonContiguousStages.map(String.init).joined(separator: ", ")) are not contiguous in depth; each spans its layers"))
        }
        if learningRateScale != 1 { lines.append(("lr scale", "\(learningRateScale)")) }
        return lines
    }

    /// "0–3" for a contiguous stage, "0–1, 4" otherwise.
    func describe(_ stage: StagePartition.Stage) -> String {
        var runs: [String] = [], start = stage.layers.first ?? 0, previous = start
        for layer in stage.layers.dropFirst() + [Int.max] {
            if layer != previous + 1 {
                runs.append(start == previous ? "\(start)" : "\(start)–\(previous)")
                start = layer
            }
            previous = layer
        }
        return runs.joined(separator: ", ")
    }

    /// The partition, as `restore` reads it back: `{"layers": L, "stages": [[layers]…], "metric": …}`.
    func state() throws -> MethodState {
        var tensors: [String: Tensor] = [:]
        for p in prompts { tensors[p.name ?? name] = p.copy() }
        let stages = partition?.stages.map { JSONValue.array($0.layers.map(JSONValue.int)) } ?? []
        return MethodState(tensors: tensors, config: .object([
            "metric": .string(metric), "layers": .int(partition?.layerCount ?? 0), "stages": .array(stages)]))
    }

    /// Takes the saved partition (and the prompt lengths of the saved tensors), then the values.
    /// Everything is checked before anything changes.
    func restore(state: MethodState) throws {
        guard let current = partition else { throw MethodError.restore(method: name, reason: "dham is not attached to a model") }
        var stages = current
        if let saved = state.config["stages"]?.arrayValue {
            let layers = try saved.map { item -> [Int] in
                guard let list = item.arrayValue?.compactMap(\.intValue), list.count == item.arrayValue?.count else {
                    throw MethodError.restore(method: name, reason: "the saved stages are not lists of layer numbers")
                }
                return list
            }
            do {
                stages = try StagePartition(layerCount: current.layerCount, stages: layers.map(StagePartition.Stage.init))
            } catch let error as StagePartitionError {
                throw MethodError.restore(method: name, reason: "the saved stages do not fit this model's \(current.layerCount) layers: \(error.message)")
            }
        }
        let d = prompts.first?.shape[1] ?? 0
        var restored: [Tensor] = []
        for i in 0..<stages.count {
            let key = "dham.stage\(i).prompt"
            guard let saved = state.tensors[key] else {
                throw MethodError.restore(method: name, reason: "the saved state has no tensor \"\(key)\" (it has \(state.tensors.keys.sorted().joined(separator: ", ")))")
            }
            guard saved.rank == 2, saved.shape[1] == d else {
                throw MethodError.restore(method: name, reason: "\"\(key)\" was saved with shape \(Tensor.describe(saved.shape)); this model needs [m, \(d)]")
            }
            let p = saved.contiguous().copy()
            p.requiresGrad = true
            p.name = key
            restored.append(p)
        }
        if stages == current, zip(restored, prompts).allSatisfy({ $0.shape == $1.shape }) {
            try state.copyValues(into: prompts, method: name)   // keep the tensors (an optimiser may hold them)
        } else {
            set(stages, prompts: restored)
            calibration = nil
        }
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "dham", version: "1.0",
        summary: "hierarchical soft prompts: one prompt per stage of layers, inserted at the stage's shallowest layer",
        citation: "DHAM — Dynamic Hierarchy-Aware Mechanism for hierarchical soft prompts (METHODS.md, DHAM)",
        schema: schema,
        factory: { parameters, _ in try DHAM(parameters) }
    ).retainedPointer()
}
