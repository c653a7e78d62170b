import Compute
import Foundation
import PluginAPI

/// `export peft DIR [method=NAME]` and `import peft DIR`: trained adapters to and from the
/// Hugging Face PEFT layout (`adapter_config.json` + `adapter_model.safetensors`).
enum PEFTCommands {
    static var all: [CommandSpec] { [export, `import`] }

    static let export = CommandSpec(
        name: "export", usage: "export peft DIR [method=NAME]",
        summary: "Write an active method (lora, hierlora, prompt) as a Hugging Face PEFT adapter folder.",
        parameters: ["method"]) { session, args in
        try expectFormat(args, "export")
        let directory = (try args.string(at: 1, "output folder") as NSString).expandingTildeInPath
        let model = try session.requireModel(for: "export")
        let method: Method
        if let name = try args.string("method", default: nil) {
            guard let found = session.methods.method(named: name) else {
                throw CommandError("export peft: \(name) is not in use (active: \(session.methods.names.joined(separator: ", ")))")
            }
            method = found
        } else {
            guard session.methods.methods.count == 1, let only = session.methods.methods.first else {
                throw CommandError(session.methods.methods.isEmpty
                    ? "export peft: no method is in use; `use lora …` (and `train`) first"
                    : "export peft: several methods are in use (\(session.methods.names.joined(separator: ", "))); say which with method=NAME")
            }
            method = only
        }
        let summary = try PEFTExport.write(method, model: model, to: directory)
        session.say("exported \(method.name) as PEFT \(summary.peftType) (\(summary.tensorNames.count) tensors, base model \(summary.baseModel)) to \(directory)", args)
        return .record(Record([("method", .string(method.name)), ("peft_type", .string(summary.peftType)),
                               ("directory", .string(directory)), ("tensors", .int(summary.tensorNames.count))]))
    }

    static let `import` = CommandSpec(
        name: "import", usage: "import peft DIR",
        summary: "Use a Hugging Face PEFT adapter (LORA → lora, PROMPT_TUNING → prompt) with its trained tensors.") { session, args in
        try expectFormat(args, "import")
        let directory = (try args.string(at: 1, "adapter folder") as NSString).expandingTildeInPath
        let model = try session.requireModel(for: "import")
        let adapter = try PEFTImport.read(directory: directory, model: model)
        let registration = try session.plugins.registration(named: adapter.method)
        let context = MethodContext(model: model, seed: session.seed)
        let method = try registration.makeMethod(adapter.parameters, context: context)
        try session.methods.checkCanAdd(method)
        try method.attach(to: context)
        try method.restore(state: adapter.state)
        try session.methods.add(method, context: nil)
        let written = adapter.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        session.say("imported PEFT \(adapter.peftType) as `use \(adapter.method) \(written)`; active: \(session.methods.names.joined(separator: ", "))", args)
        return .record(Record([("method", .string(adapter.method)), ("peft_type", .string(adapter.peftType)),
                               ("parameters", .string(written))]))
    }

    private static func expectFormat(_ args: CommandArguments, _ command: String) throws {
        let format = try args.string(at: 0, "format (peft)")
        guard format == "peft" else { throw CommandError("\(command): unknown format '\(format)'; the format is peft (usage: \(args.spec.usage))") }
    }
}
