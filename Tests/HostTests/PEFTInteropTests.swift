import XCTest
import Compute
import PluginAPI
import Host

/// `export peft` / `import peft`: Hugging Face PEFT's adapter layout, q/k row order included.
final class PEFTInteropTests: XCTestCase {
    private let ids = Array("Round trip".utf8).map(Int.init)

    private func folder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "strata-peft-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    private func config(_ directory: String) throws -> JSONValue {
        try JSONValue.parse(String(contentsOfFile: directory + "/adapter_config.json", encoding: .utf8))
    }

    /// Imports `directory` into `model` as the host's `import peft` does: the method with its state.
    private func imported(_ directory: String, into model: LanguageModel) throws -> (adapter: PEFTImport.Adapter, method: Method, set: MethodSet) {
        let adapter = try PEFTImport.read(directory: directory, model: model)
        let (method, set) = try InTreePlugins.method(adapter.method, adapter.parameters.map { ($0.name, $0.value) }, model: model, seed: 99)
        try method.restore(state: adapter.state)
        return (adapter, method, set)
    }

    /// The tensor names, shapes and config keys Tests/Fixtures/peft/check_peft_lora.py relies on.
    func testLoRAExportHasPEFTsNamesShapesAndConfig() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try InTreePlugins.method("lora", [("r", .int(4)), ("alpha", .double(8)), ("targets", .string("q,v")),
                                                           ("layers", .string("1...2")), ("b-init", .string("random"))], model: model)
        let directory = folder("lora-layout")
        let summary = try PEFTExport.write(method, model: model, to: directory)
        XCTAssertEqual(summary.peftType, "LORA")
        let weights = try SafetensorsFile(path: directory + "/adapter_model.safetensors")
        var shapes: [String: [Int]] = [:]
        for info in weights.tensors { shapes[info.name] = info.shape }
        var expected: [String: [Int]] = [:]
        for layer in [1, 2] {
            let prefix = "base_model.model.model.layers.\(layer).self_attn."
            expected[prefix + "q_proj.lora_A.weight"] = [4, 64]
            expected[prefix + "q_proj.lora_B.weight"] = [64, 4]
            expected[prefix + "v_proj.lora_A.weight"] = [4, 64]
            expected[prefix + "v_proj.lora_B.weight"] = [32, 4]
        }
        XCTAssertEqual(shapes, expected)
        let json = try config(directory)
        XCTAssertEqual(json["peft_type"], .string("LORA"))
        XCTAssertEqual(json["task_type"], .string("CAUSAL_LM"))
        XCTAssertEqual(json["r"], .int(4))
        XCTAssertEqual(json["lora_alpha"], .int(8))
        XCTAssertEqual(json["lora_dropout"], .number(0))
        XCTAssertEqual(json["target_modules"], .array([.string("q_proj"), .string("v_proj")]))
        XCTAssertEqual(json["layers_to_transform"], .array([.int(1), .int(2)]))
        XCTAssertEqual(json["base_model_name_or_path"], .string("strata/tiny"))
        XCTAssertEqual(json["bias"], .string("none"))
        // tiny rotates halves (the Hugging Face layout), so B is written as it is.
        let qB = method.trainableParameters.first { $0.name == "lora.blocks.1.q.B" }?.scalars
        XCTAssertEqual(try weights.floatTensor(named: "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight").scalars, qB)
        // The smollm2 alias is recorded under its Hub name (what the check script loads with transformers).
        XCTAssertEqual(PEFTLayout.baseModelName(try LanguageModel(name: "smollm2", source: .gguf("/x.gguf"), model: model.model,
                                                                  tokenizer: model.tokenizer, chatTemplate: nil)),
                       "HuggingFaceTB/SmolLM2-135M-Instruct")
    }

    func testLoRARoundTripGivesIdenticalTensorsAndLogits() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("lora", [("r", .int(3)), ("alpha", .double(6)), ("targets", .string("q,k,v,o")),
                                                               ("b-init", .string("random"))], model: model)
        let directory = folder("lora-roundtrip")
        try PEFTExport.write(method, model: model, to: directory)
        XCTAssertEqual(try config(directory)["layers_to_transform"], .null, "all layers")
        let (adapter, back, backSet) = try imported(directory, into: model)
        XCTAssertEqual(adapter.parameters.map { "\($0.name)=\($0.value)" }, ["r=3", "alpha=6.0", "dropout=0.0", "targets=q,k,v,o", "layers=all"])
        let original = Dictionary(uniqueKeysWithValues: method.trainableParameters.map { ($0.name!, $0.scalars) })
        let restored = Dictionary(uniqueKeysWithValues: back.trainableParameters.map { ($0.name!, $0.scalars) })
        XCTAssertEqual(original, restored)
        XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: backSet), try InTreePlugins.logits(model, ids, hooks: set))
    }

    func testHierLoRAExportsAsALoRAOnItsBlock() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("hierlora", [("block", .string("local")), ("r", .int(2)),
                                                                   ("b-init", .string("random"))], model: model)
        let directory = folder("hierlora")
        try PEFTExport.write(method, model: model, to: directory)
        XCTAssertEqual(try config(directory)["layers_to_transform"], .array([.int(0), .int(1)]))
        XCTAssertEqual(try config(directory)["lora_alpha"], .int(32))
        let (adapter, _, backSet) = try imported(directory, into: model)
        XCTAssertEqual(adapter.parameters.map { "\($0.name)=\($0.value)" }, ["r=2", "alpha=32.0", "dropout=0.05", "targets=q,k,v,o", "layers=0...1"])
        XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: backSet), try InTreePlugins.logits(model, ids, hooks: set))
    }

    func testPromptRoundTrip() throws {
        let model = try LanguageModel.load("tiny")
        let (method, set) = try InTreePlugins.method("prompt", [("m", .int(5))], model: model)
        let directory = folder("prompt")
        try PEFTExport.write(method, model: model, to: directory)
        let json = try config(directory)
        XCTAssertEqual(json["peft_type"], .string("PROMPT_TUNING"))
        XCTAssertEqual(json["num_virtual_tokens"], .int(5))
        XCTAssertEqual(json["token_dim"], .int(64))
        XCTAssertEqual(json["num_transformer_submodules"], .int(1))
        XCTAssertEqual(json["num_attention_heads"], .int(4))
        XCTAssertEqual(json["num_layers"], .int(4))
        XCTAssertEqual(try SafetensorsFile(path: directory + "/adapter_model.safetensors").tensors.map(\.name), ["prompt_embeddings"])
        let (adapter, back, backSet) = try imported(directory, into: model)
        XCTAssertEqual(adapter.method, "prompt")
        XCTAssertEqual(back.trainableParameters[0].scalars, method.trainableParameters[0].scalars)
        XCTAssertEqual(try InTreePlugins.logits(model, ids, hooks: backSet), try InTreePlugins.logits(model, ids, hooks: set))
    }

    /// tiny in llama.cpp's layout: q/k rows permuted per head and RoPE on interleaved pairs —
    /// the same function as tiny (Hugging Face layout), as a GGUF file of it would be.
    private func ggufLayoutTwin(of model: LanguageModel) throws -> LanguageModel {
        let base = model.model
        var config = base.config
        let rope = config.rope
        config.rope = try RotaryEmbedding(headDim: rope.headDim, base: rope.base, scaling: rope.scaling, pairing: .interleaved)
        let blocks = try base.blocks.map { block -> LlamaBlockWeights in
            var b = block
            b.q = .dense(try PEFTLayout.reorderRows(block.q.dense(), headDim: config.headDim, toHuggingFace: false))
            b.k = .dense(try PEFTLayout.reorderRows(block.k.dense(), headDim: config.headDim, toHuggingFace: false))
            return b
        }
        return try LanguageModel(name: "tiny-gguf", source: .tiny,
                                 model: LlamaModel(config: config, tokenEmbedding: base.tokenEmbedding, blocks: blocks,
                                                   finalNorm: base.finalNorm, lmHead: nil, source: "tiny in GGUF row order"),
                                 tokenizer: model.tokenizer, chatTemplate: nil)
    }

    func testQAndKRowsAreReorderedBetweenGGUFAndHuggingFaceLayouts() throws {
        XCTAssertEqual((0..<8).map { PEFTLayout.huggingFaceRow(ofGGUFRow: $0, headDim: 4) }, [0, 2, 1, 3, 4, 6, 5, 7])
        XCTAssertEqual(PEFTLayout.huggingFaceRow(ofGGUFRow: 64 + 2 * 5 + 1, headDim: 64), 64 + 32 + 5)
        let hf = try LanguageModel.load("tiny")
        let gguf = try ggufLayoutTwin(of: hf)
        XCTAssertLessThan(InTreePlugins.maxDifference(try InTreePlugins.logits(gguf, ids, hooks: nil),
                                                      try InTreePlugins.logits(hf, ids, hooks: nil)), 1e-4, "the twin is the same model")
        // A LoRA trained against GGUF rows, exported, then used on the Hugging Face layout: same function.
        let (method, set) = try InTreePlugins.method("lora", [("r", .int(4)), ("targets", .string("q,k,v")),
                                                               ("b-init", .string("random"))], model: gguf)
        let directory = folder("permuted")
        try PEFTExport.write(method, model: gguf, to: directory)
        let weights = try SafetensorsFile(path: directory + "/adapter_model.safetensors")
        let ours = Dictionary(uniqueKeysWithValues: method.trainableParameters.map { ($0.name!, $0.scalars) })
        let qB = try weights.floatTensor(named: "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").scalars
        let vB = try weights.floatTensor(named: "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight").scalars
        XCTAssertNotEqual(qB, ours["lora.blocks.0.q.B"], "q's B rows are reordered")
        XCTAssertEqual(vB, ours["lora.blocks.0.v.B"], "v's are not")
        let onGGUF = try InTreePlugins.logits(gguf, ids, hooks: set)
        XCTAssertGreaterThan(InTreePlugins.maxDifference(onGGUF, try InTreePlugins.logits(gguf, ids, hooks: nil)), 1e-2)
        let onHF = try imported(directory, into: hf)
        XCTAssertLessThan(InTreePlugins.maxDifference(try InTreePlugins.logits(hf, ids, hooks: onHF.set), onGGUF), 1e-4)
        // And back into the GGUF layout: the original tensors exactly.
        let back = try imported(directory, into: gguf).method
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: back.trainableParameters.map { ($0.name!, $0.scalars) }), ours)
    }

    func testImportErrorsNameWhatIsWrong() throws {
        let model = try LanguageModel.load("tiny")
        let (method, _) = try InTreePlugins.method("lora", [("r", .int(2)), ("targets", .string("q")), ("layers", .string("0,1"))], model: model)
        let directory = folder("errors")
        try PEFTExport.write(method, model: model, to: directory)
        let configPath = directory + "/adapter_config.json"
        let good = try String(contentsOfFile: configPath, encoding: .utf8)
        func message(_ edit: (String) -> String) -> String {
            try? edit(good).write(toFile: configPath, atomically: true, encoding: .utf8)
            do { _ = try PEFTImport.read(directory: directory, model: model); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { $0.replacingOccurrences(of: "\"LORA\"", with: "\"IA3\"") },
                       "import peft: unsupported peft_type \"IA3\" in \(configPath); Strata imports LORA and PROMPT_TUNING")
        XCTAssertEqual(message { $0.replacingOccurrences(of: "[0,1]", with: "[0,1,2]") },
                       "import peft: \(directory)/adapter_model.safetensors has no tensor base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight")
        XCTAssertEqual(message { $0.replacingOccurrences(of: "\"r\":2", with: "\"r\":3") },
                       "import peft: base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape [2, 64]; this model needs [3, 64]")
        XCTAssertEqual(message { $0.replacingOccurrences(of: "[0,1]", with: "[0,7]") },
                       "import peft: layers_to_transform names layer 7; the model has 4 layers")
        XCTAssertEqual(message { $0.replacingOccurrences(of: "[0,1]", with: "[0]") },
                       "import peft: unexpected tensor base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight (the config names layers 0 and targets q_proj)")
        XCTAssertTrue(message { $0.replacingOccurrences(of: "q_proj", with: "qkv_proj") }.hasPrefix("import peft: unknown target module \"qkv_proj\""))
        XCTAssertTrue(message { _ in "{" }.hasPrefix("import peft: \(configPath) is not valid JSON"))
        XCTAssertTrue(message { $0 }.hasPrefix("no error"))
        XCTAssertThrowsError(try PEFTImport.read(directory: directory + "-missing", model: model)) {
            XCTAssertTrue("\($0)".hasPrefix("import peft: cannot read"), "\($0)")
        }
    }

    func testExportAndImportCommandsInASession() throws {
        var printed: [String] = []
        let session = Session(write: { printed.append($0) })
        session.plugins = try InTreePlugins.registry()
        func run(_ name: String, _ positional: [Value], _ named: [(String, Value)] = []) throws -> Value {
            try session.run(CommandInvocation(name: name, positional: positional, named: named))
        }
        _ = try run("load", [.string("tiny")])
        _ = try run("use", [.string("lora")], [("r", .int(2)), ("b-init", .string("random")), ("layers", .array([.int(0), .int(1), .int(2)]))])
        let before = try InTreePlugins.logits(try XCTUnwrap(session.model), ids, hooks: session.methods)
        let directory = folder("session")
        _ = try run("export", [.string("peft"), .string(directory)])
        XCTAssertTrue(printed.last?.hasPrefix("exported lora as PEFT LORA (24 tensors, base model strata/tiny)") == true, "\(printed)")
        _ = try run("unuse", [.string("lora")])
        XCTAssertThrowsError(try run("export", [.string("peft"), .string(directory)])) {
            XCTAssertEqual("\($0)", "export peft: no method is in use; `use lora …` (and `train`) first")
        }
        XCTAssertThrowsError(try run("export", [.string("onnx"), .string(directory)])) {
            XCTAssertTrue("\($0)".hasPrefix("export: unknown format 'onnx'"), "\($0)")
        }
        _ = try run("import", [.string("peft"), .string(directory)])
        XCTAssertEqual(printed.last, "imported PEFT LORA as `use lora r=2 alpha=16.0 dropout=0.0 targets=q,k,v,o layers=0...2`; active: lora\n")
        XCTAssertEqual(try InTreePlugins.logits(try XCTUnwrap(session.model), ids, hooks: session.methods), before)
    }
}

/// The config keys Tests/Fixtures/peft/check_peft_lora.py read with the real `peft` package
/// (the script asserts its own tolerances before it records), which the exporter must keep
/// writing.
final class PEFTCheckFixtureTests: XCTestCase {
    func testTheConfigKeysPeftReadAreStillWritten() throws {
        let path = InTreePlugins.repository + "/Tests/Fixtures/peft/peft_check.json"
        let recorded = try JSONValue.parse(String(contentsOfFile: path, encoding: .utf8))
        let lora = try XCTUnwrap(recorded["lora"]), prompt = try XCTUnwrap(recorded["prompt_tuning"])

        let model = try LanguageModel.load("tiny")
        for (name, parameters, fixture) in [("lora", [("r", ParameterValue.int(2))], lora), ("prompt", [("m", .int(2))], prompt)] {
            let method = try InTreePlugins.method(name, parameters, model: model).method
            let directory = NSTemporaryDirectory() + "strata-peft-keys-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
            try PEFTExport.write(method, model: model, to: directory)
            let written = try JSONValue.parse(String(contentsOfFile: directory + "/adapter_config.json", encoding: .utf8))
            let keys = try XCTUnwrap(fixture["config"]?.objectValue).keys
            for key in keys { XCTAssertNotNil(written[key], "\(name): \(key)") }
            XCTAssertEqual(written["peft_type"], fixture["config"]?["peft_type"])
        }
    }
}
