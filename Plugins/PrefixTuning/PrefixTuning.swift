// Prefix tuning — Li & Liang, "Prefix-Tuning: Optimizing Continuous Prompts for Generation",
// ACL 2021. https://arxiv.org/abs/2101.00190 (METHODS.md, "Prefix tuning").
//
// Method. In every layer ℓ, m trainable key vectors K^ℓ and value vectors V^ℓ
// (`[m, kv_heads, head_dim]` each) are prepended to that layer's attention keys and values
// (hook `prefixKeyValues`); the backbone is frozen. Unlike a soft prompt, the prefix adds no
// positions to the sequence: the hidden states keep their length.
//
// Positions and cache. The model places the prefix slots before every key, visible to every
// query (not masked by padding or causality), and applies no RoPE to them: they are stored
// keys, as PEFT's past_key_values prefixes are. The tokens keep positions 0…n−1. The prefix is
// not written to the KV cache: each forward, prefill or decoding step, prepends it again, so
// cached generation gives what a full forward gives.
//
// Initialisation. `init=random`: N(0, std²) (std=0.02 by default). `init=text:"…"`: the keys
// and values the frozen model computes for the text's tokens in each layer (the paper's
// initialisation with real-word activations), repeated or truncated to m; keys are taken before
// RoPE, i.e. as if at position 0.
//
// Reparameterisation. `reparam=mlp` (the paper's stabilised training): the prefix is
// MLP(P) = W₂·tanh(W₁·P + b₁) + b₂ with P ∈ R^{m×d_model} and hidden width `hidden`, computed
// afresh in each forward; P, W₁, b₁, W₂, b₂ are trained. `reparam=none` trains the per-layer
// keys and values directly (tensors `prefix.blocks.{i}.key` / `.value`).

import Compute
import PluginAPI

// MARK: - Parameters

private let schema = ParameterSchema([
    ParameterSpec("m", .int(.closed(1...1024)), default: .int(10), help: "prefix length: key/value slots per layer (the paper uses 10–200)"),
    ParameterSpec("init", .string, default: .string("random"),
                  help: "random: N(0, std²); text:\"…\": the frozen model's keys and values of the text, repeated or truncated to m"),
    ParameterSpec("std", .double(.greaterThan(0)), default: .double(0.02), help: "standard deviation of init=random"),
    ParameterSpec("reparam", .choice(["none", "mlp"]), default: .string("none"),
                  help: "none: train the keys and values; mlp: produce them from a trained m×d_model matrix through a tanh MLP"),
    ParameterSpec("hidden", .int(.closed(1...65536)), default: .int(512), help: "hidden width of reparam=mlp"),
    ParameterSpec("lr-scale", .double(.greaterThan(0)), default: .double(1), help: "multiplies the training learning rate for the prefix"),
])

// MARK: - Method

final class PrefixTuning: Method {
    let name = "prefix"
    let m: Int
    let initText: String?
    let std: Float
    let usesMLP: Bool
    let hidden: Int
    let learningRateScale: Double
    /// reparam=none: per layer, `[m, kv_heads, head_dim]`.
    private var keys: [Tensor] = [], values: [Tensor] = []
    /// reparam=mlp: P `[m, d]`, W₁ `[hidden, d]`, b₁ `[hidden]`, W₂ `[L·2·kv_width, hidden]`, b₂.
    private var mlp: [Tensor] = []
    /// reparam=mlp: every layer's keys and values of the current forward, `[m, L·2, kv_width]`.
    private var produced: Tensor?
    private var kvHeads = 0, headDim = 0, layerCount = 0

    init(_ parameters: ParsedParameters) throws {
        m = try parameters.int("m")
        let word = try parameters.string("init")
        if word == "random" {
            initText = nil
        } else if word.hasPrefix("text:"), word.count > "text:".count {
            var text = Substring(word.dropFirst("text:".count))
            if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
            initText = String(text)
        } else {
            throw ParameterError.invalid(method: "prefix", parameter: "init", value: .string(word),
                                         expected: "random or text:\"…\" (e.g. init=\"text:Summarise the dialogue.\")")
        }
        std = Float(try parameters.double("std"))
        usesMLP = try parameters.string("reparam") == "mlp"
        hidden = try parameters.int("hidden")
        learningRateScale = try parameters.double("lr-scale")
        if usesMLP && initText != nil {
            throw ParameterError.invalid(method: "prefix", parameter: "init", value: .string(word),
                                         expected: "random with reparam=mlp (the MLP produces the prefix)")
        }
    }

    func attach(to context: MethodContext) throws {
        let config = context.model.model.config
        (kvHeads, headDim, layerCount) = (config.kvHeadCount, config.headDim, config.layerCount)
        var generator = context.generator(for: name)
        if usesMLP {
            let d = config.hiddenSize, out = layerCount * 2 * config.kvWidth
            func uniform(_ shape: [Int], fanIn: Int) -> Tensor {     // torch.nn.Linear's default bound 1/√fan_in
                let bound = 1 / Float(fanIn).squareRoot()
                return Tensor.uniform(shape, low: -bound, high: bound, generator: &generator)
            }
            mlp = [Tensor.randn([m, d], std: 1, generator: &generator), uniform([hidden, d], fanIn: d), Tensor.zeros([hidden]),
                   uniform([out, hidden], fanIn: hidden), Tensor.zeros([out])]
            for (tensor, label) in zip(mlp, ["embedding", "mlp.w1", "mlp.b1", "mlp.w2", "mlp.b2"]) {
                tensor.name = "prefix.\(label)"
                tensor.requiresGrad = true
            }
            return
        }
        if let initText {
            (keys, values) = try textActivations(initText, model: context.model)
        } else {
            keys = (0..<layerCount).map { _ in Tensor.randn([m, kvHeads, headDim], std: std, generator: &generator) }
            values = (0..<layerCount).map { _ in Tensor.randn([m, kvHeads, headDim], std: std, generator: &generator) }
        }
        for layer in 0..<layerCount {
            keys[layer].name = "prefix.blocks.\(layer).key"
            values[layer].name = "prefix.blocks.\(layer).value"
            keys[layer].requiresGrad = true
            values[layer].requiresGrad = true
        }
    }

    /// Per layer, the k and v projections of the text's tokens (repeated or truncated to m).
    private func textActivations(_ text: String, model: LanguageModel) throws -> ([Tensor], [Tensor]) {
        let ids = model.tokenizer.encode(text, addSpecial: false)
        guard !ids.isEmpty else {
            throw ParameterError.invalid(method: name, parameter: "init", value: .string("text:" + text), expected: "a text with at least one token")
        }
        let repeated = (0..<m).map { ids[$0 % ids.count] }
        let capture = ProjectionCapture()
        _ = try Autograd.noGrad { try model.model.forward([repeated], hooks: capture, logits: .last) }
        let shape = [m, kvHeads, headDim]
        let k = capture.outputs[.k, default: []], v = capture.outputs[.v, default: []]
        guard k.count == layerCount, v.count == layerCount else {
            throw ModelError.invalidInput("prefix init=text: the model gave \(k.count) key projections for \(layerCount) layers")
        }
        return (try k.map { try $0.reshape(shape).contiguous().copy() }, try v.map { try $0.reshape(shape).contiguous().copy() })
    }

    var trainableParameters: [Tensor] { usesMLP ? mlp : zip(keys, values).flatMap { [$0, $1] } }

    // Keys and values of `layer`, [batch, m, kv_heads, head_dim] each.
    func prefixKeyValues(_ layer: Int, batch: Int) throws -> (key: Tensor, value: Tensor)? {
        let key: Tensor, value: Tensor
        if usesMLP {
            if layer == 0 || produced == nil {
                let h = try linear(mlp[0], weight: mlp[1], bias: mlp[2]).tanh()                    // [m, hidden]
                produced = try linear(h, weight: mlp[3], bias: mlp[4]).reshape([m, layerCount * 2, kvHeads * headDim])
            }
            guard let produced else { return nil }
            key = try produced.slice(axis: 1, range: (2 * layer)..<(2 * layer + 1)).contiguous().reshape([m, kvHeads, headDim])
            value = try produced.slice(axis: 1, range: (2 * layer + 1)..<(2 * layer + 2)).contiguous().reshape([m, kvHeads, headDim])
        } else {
            guard layer < keys.count else { return nil }
            (key, value) = (keys[layer], values[layer])
        }
        let shape = [batch, m, kvHeads, headDim]
        return (try key.unsqueezed(axis: 0).expanded(to: shape), try value.unsqueezed(axis: 0).expanded(to: shape))
    }

    func report() -> [(String, String)] {
        var lines = [("prefix slots per layer", "\(m)"), ("init", initText == nil ? "random N(0, \(std)²)" : "text activations"),
                     ("reparam", usesMLP ? "mlp (hidden \(hidden))" : "none")]
        if learningRateScale != 1 { lines.append(("lr scale", "\(learningRateScale)")) }
        return lines
    }

    func detach() { produced = nil }
}

/// Keeps the outputs of the k and v projections of every layer during one forward.
private final class ProjectionCapture: ForwardHooks {
    var outputs: [Projection: [Tensor]] = [.k: [], .v: []]

    func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor {
        if kind == .k || kind == .v { outputs[kind, default: []].append(output) }
        return output
    }
}

// MARK: - Registration

@_cdecl("strata_plugin_main")
public func strataPluginMain() -> UnsafeMutableRawPointer {
    PluginRegistration(
        name: "prefix", version: "1.0",
        summary: "prefix tuning: trainable keys and values prepended to the attention of every layer, backbone frozen",
        citation: "Li & Liang, Prefix-Tuning: Optimizing Continuous Prompts for Generation, ACL 2021, arXiv:2101.00190",
        schema: schema,
        factory: { parameters, _ in try PrefixTuning(parameters) }
    ).retainedPointer()
}
