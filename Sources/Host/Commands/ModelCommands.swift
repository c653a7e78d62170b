import Compute
import Foundation

/// `load`, `tokenize`, `logits`, `generate`: the model commands. The command-line
/// subcommands of the same names run these, so their `--json` output is identical.
enum ModelCommands {
    static var all: [CommandSpec] { [load, tokenize, logits, generate] }

    static let load = CommandSpec(
        name: "load", usage: "load MODEL   (tiny, smollm2, an alias, or a path to a .gguf file / Hugging Face directory)",
        summary: "Load a model and its tokenizer.") { session, args in
        let name = try args.string(at: 0, "model name")
        guard session.methods.methods.isEmpty else {
            throw CommandError("load: methods \(session.methods.names.joined(separator: ", ")) are attached to \(session.model?.name ?? "the current model"); `save FILE` what you trained and `unuse` them before loading another model")
        }
        let model = try LanguageModel.load(name)
        session.setModel(model)
        let c = model.model.config
        // No timing in the message: notebooks replay it verbatim.
        session.say("loaded \(model.name) (\(c.layerCount) layers, d_model \(c.hiddenSize), \(c.headCount) heads / \(c.kvHeadCount) kv, vocab \(c.vocabularySize))", args)
        return .record(Record([("model", .string(model.name)), ("source", .string(model.source.description)),
                               ("layers", .int(c.layerCount)), ("d_model", .int(c.hiddenSize)),
                               ("vocab", .int(c.vocabularySize))]))
    }

    static let tokenize = CommandSpec(
        name: "tokenize", usage: "tokenize \"TEXT\" [--chat] [--json]", summary: "Show the token ids of a text.",
        flags: ["chat"]) { session, args in
        let model = try session.requireModel(for: "tokenize")
        let ids = try model.encode(try args.string(at: 0, "text"), chat: args.flag("chat"))
        let tokens = ids.map { model.tokenizer.tokenText($0) ?? "" }
        session.say(zip(ids, tokens).map { "\($0)\t\($1.debugDescription)" }.joined(separator: "\n"), args)
        return .record(Record([("ids", .array(ids.map(Value.int))), ("tokens", .array(tokens.map(Value.string)))]))
    }

    static let logits = CommandSpec(
        name: "logits", usage: "logits \"TEXT\" [top=K] [dump=FILE.npy] [--chat] [--json]",
        summary: "Last-position logits of a text.", parameters: ["top", "dump"], flags: ["chat"]) { session, args in
        let model = try session.requireModel(for: "logits")
        let ids = try model.encode(try args.string(at: 0, "text"), chat: args.flag("chat"))
        guard !ids.isEmpty else { throw CommandError("logits: the text encodes to no tokens") }
        let top = try args.int("top", default: 10, range: 0...1_000_000)
        let logits = try Autograd.noGrad { try model.model.forward([ids], hooks: session.activeHooks, logits: .last) }
        let row = logits.scalars
        if let path = try args.string("dump", default: nil) {
            try NumpyArrayFile.write(try logits.reshape([row.count]), to: path)
        }
        let best = Array(row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(top))
        session.say((["\(ids.count) tokens; top \(best.count) next-token logits:"] + best.map {
            "\($0)\t\(String(format: "%.4f", row[$0]))\t\((model.tokenizer.tokenText($0) ?? "").debugDescription)"
        }).joined(separator: "\n"), args)
        return .record(Record([("n_tokens", .int(ids.count)),
                               ("top", .array(best.map { .array([.int($0), .double(Double(row[$0]))]) }))]))
    }

    static let generate = CommandSpec(
        name: "generate",
        usage: "generate \"TEXT\" [max=N] [temperature=T] [top_k=K] [top_p=P] [seed=S] [stop=\"…\"] [--chat] [--json]",
        summary: "Continue a text (streams on a terminal).",
        parameters: ["max", "temperature", "top_k", "top_p", "seed", "stop"], flags: ["chat"]) { session, args in
        let model = try session.requireModel(for: "generate")
        let ids = try model.encode(try args.string(at: 0, "text"), chat: args.flag("chat"))
        guard !ids.isEmpty else { throw CommandError("generate: the text encodes to no tokens") }
        let sampling = try SamplingOptions(
            temperature: Float(try args.double("temperature", default: 0, range: 0...100)),
            topK: try args.int("top_k", default: 0, range: 0...1_000_000),
            topP: Float(try args.double("top_p", default: 1, range: 0...1)),
            seed: UInt64(try args.int("seed", default: Int(session.seed), range: 0...Int.max)))
        let stops = try args.string("stop", default: nil).map { [$0] } ?? []
        let options = try GenerationOptions(maxNewTokens: try args.int("max", default: 64, range: 0...100_000),
                                            sampling: sampling, stopTokenIDs: model.stopTokenIDs, stopStrings: stops)
        let tokenizer = model.tokenizer
        var stream = StreamingDecoder(tokenizer: tokenizer, skipSpecial: true)
        let streaming = !session.wantsJSON(args)
        // Through MethodGeneration, as `eval` generates: methods hook the forward pass and may
        // revise the output or ask for a re-run in `afterGeneration`.
        let generated = try MethodGeneration(model: model, methods: session.methods, options: options)
            .run([ids], onToken: { _, id in
                guard streaming else { return }
                let piece = stream.push(id)
                if !piece.isEmpty { session.output(piece, terminator: "") }
            }, onRerun: { attempt, reason in
                guard streaming else { return }
                session.output(stream.finish())
                stream = StreamingDecoder(tokenizer: tokenizer, skipSpecial: true)
                session.output("[attempt \(attempt): \(reason)]")
            })
        let result = generated.outputs[0]
        let text = generated.texts[0]
        if streaming {
            session.output(stream.finish())
            // A method changed the output after it streamed: show what it became.
            if generated.revised[0] { session.output("[revised by the methods]: \(text)") }
        }
        var record = Record([("ids", .array(result.ids.map(Value.int))), ("text", .string(text))])
        if generated.attempts > 1 { record["attempts"] = .int(generated.attempts) }
        if !generated.notes[0].isEmpty { record["notes"] = .string(JSONValue.object(generated.notes[0]).serialized()) }
        return .record(record)
    }
}
