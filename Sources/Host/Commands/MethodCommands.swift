import Compute
import Foundation
import PluginAPI

/// `use`, `unuse`, `methods`, `plugin`: attaching method plugins to the session.
enum MethodCommands {
    static var all: [CommandSpec] { [use, unuse, methods, plugin] }

    /// `use` takes the method's own parameters, so it validates them itself (against the schema).
    static let use = CommandSpec(
        name: "use", usage: "use METHOD [param=value …]   (help METHOD lists its parameters)",
        summary: "Attach a method plugin (built from Plugins/ on first use).", acceptsAnyParameters: true) { session, args in
        let name = try args.string(at: 0, "method name")
        let model = try session.requireModel(for: "use")
        let registration = try session.plugins.registration(named: name)
        let parameters = try ParameterValue.parameters(of: args.invocation)
        let examples = (session.trainingData?.examples ?? []).map {
            PluginAPI.Example(prompt: $0.prompt, answer: $0.target, model: model)
        }
        let context = MethodContext(model: model, seed: session.seed, examples: examples)
        let method = try registration.makeMethod(parameters, context: context)
        try session.methods.add(method, context: context)
        session.methodParameters[method.name] = parameters
        session.trainedMethods.remove(method.name)
        let count = method.trainableParameters.reduce(0) { $0 + $1.count }
        session.say("using \(method.name) (\(count) trainable parameters); active: \(session.methods.names.joined(separator: ", "))", args)
        return .record(Record([("method", .string(method.name)), ("trainable", .int(count)),
                               ("active", .array(session.methods.names.map(Value.string)))]))
    }

    static let unuse = CommandSpec(
        name: "unuse", usage: "unuse METHOD", summary: "Detach a method; trained tensors are saved first.") { session, args in
        let name = try args.string(at: 0, "method name")
        var saved: String?
        if session.trainedMethods.contains(name), let method = session.methods.method(named: name) {
            saved = try MethodStateFile.shelve(method, session: session)
        }
        try session.methods.remove(named: name)
        session.methodParameters[name] = nil
        session.trainedMethods.remove(name)
        session.say("unused \(name)" + (saved.map { "; its trained tensors are saved in \($0) (`restore \"\($0)\"` after `use \(name)`)" } ?? ""), args)
        var record = Record([("method", .string(name)), ("active", .array(session.methods.names.map(Value.string)))])
        if let saved { record["saved"] = .string(saved) }
        return .record(record)
    }

    static let methods = CommandSpec(name: "methods", usage: "methods", summary: "List the active methods.") { session, args in
        let rows = session.methods.methods.map { method -> Value in
            .record(Record([("name", .string(method.name)),
                            ("trainable", .int(method.trainableParameters.reduce(0) { $0 + $1.count }))]))
        }
        session.say(session.methods.methods.isEmpty ? "no methods in use" : session.methods.methods.map { m in
            "\(m.name)\t\(m.trainableParameters.reduce(0) { $0 + $1.count }) trainable" + m.report().map { "\n  \($0.0): \($0.1)" }.joined()
        }.joined(separator: "\n"), args)
        return .array(rows)
    }

    static let plugin = CommandSpec(
        name: "plugin", usage: "plugin build PATH|--all | plugin load PATH | plugin list | plugin new NAME [DIR]",
        summary: "Build, load, list or create method plugins.", flags: ["all"]) { session, args in
        let action = try args.string(at: 0, "action (build, load, list or new)")
        switch action {
        case "list":
            let listing = session.plugins.listing()
            session.say(listing.map { "\($0.name)\t\($0.summary ?? "")\t\($0.folder ?? $0.library ?? "")" }.joined(separator: "\n"), args)
            return .array(listing.map { .string($0.name) })
        case "build" where args.flag("all"):
            let failures = session.plugins.buildAll()
            for failure in failures { session.output("plugin \(failure.name): \(failure.error)") }
            guard failures.isEmpty else { throw CommandError("plugin build --all: \(failures.count) plugin(s) failed to build") }
            session.say("built \(session.plugins.names.joined(separator: ", "))", args)
            return .array(session.plugins.names.map(Value.string))
        case "build", "load":
            let path = try args.string(at: 1, "plugin folder")
            let registration = try session.plugins.load(path: (path as NSString).expandingTildeInPath)
            session.say("loaded plugin \(registration.name) \(registration.version) from \(path)", args)
            return .record(Record([("name", .string(registration.name)), ("version", .string(registration.version))]))
        case "new":
            let name = try args.string(at: 1, "plugin name")
            let directory = args.optionalString(at: 2) ?? "."
            let files = try PluginTemplate.write(name: name, into: (directory as NSString).expandingTildeInPath)
            let folder = files.first.map { ($0 as NSString).deletingLastPathComponent } ?? directory
            session.say("wrote a plugin template: \(files.joined(separator: ", "))\nnext: `plugin load \(folder)` then `use \(name.lowercased())`", args)
            return .record(Record([("folder", .string(folder)), ("files", .array(files.map(Value.string)))]))
        default:
            throw CommandError("plugin: unknown action '\(action)'; use build, load, list or new")
        }
    }
}

/// Method states in one safetensors file: each method's tensors under their full names
/// (`prompt.embedding`), its non-tensor config in the `config` metadata. `save` writes it,
/// `restore` reads it, and `unuse` shelves a trained method's state the same way.
public enum MethodStateFile {
    /// Writes the states of `methods` atomically to `path`; returns the number of tensors.
    @discardableResult
    static func write(_ methods: [Method], model: String?, to path: String) throws -> Int {
        var tensors: [(name: String, tensor: Tensor)] = []
        var configs: [String: JSONValue] = [:]
        for method in methods {
            let state = try method.state()
            tensors += state.tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
            configs[method.name] = state.config
        }
        let metadata = ["methods": methods.map(\.name).joined(separator: ","),
                        "config": JSONValue.object(configs).serialized(),
                        "model": model ?? ""]
        try SafetensorsWriter.write(tensors, metadata: metadata, to: path)
        return tensors.count
    }

    /// Saves a method's state when it would otherwise be dropped; returns the file's path.
    static func shelve(_ method: Method, session: Session) throws -> String {
        try shelve(method, model: session.model?.name, folder: ModelLocator().cacheDirectory + "/shelved")
    }

    /// Writes `method`'s state to a new file in `folder`, `NAME-yyyyMMdd-HHmmss.safetensors`
    /// (UTC), with `-2`, `-3`, … when that name is taken: a shelf never overwrites an earlier one.
    public static func shelve(_ method: Method, model: String?, folder: String, date: Date = Date()) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandError("cannot shelve \(method.name)'s trained tensors: the folder \(folder) cannot be made (\(error.localizedDescription)); `save \"FILE\"` them before `unuse`")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stem = "\(folder)/\(method.name)-\(formatter.string(from: date))"
        for attempt in 1...10_000 {
            let path = stem + (attempt == 1 ? "" : "-\(attempt)") + ".safetensors"
            // O_EXCL claims the name even against another process shelving at the same moment;
            // the atomic write then replaces the empty claim.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if descriptor < 0 {
                if errno == EEXIST { continue }
                throw CommandError("cannot shelve \(method.name)'s trained tensors in \(folder): \(String(cString: strerror(errno))); `save \"FILE\"` them before `unuse`")
            }
            close(descriptor)
            do {
                try write([method], model: model, to: path)
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
            return path
        }
        throw CommandError("cannot shelve \(method.name)'s trained tensors: \(stem)*.safetensors are all taken; `save \"FILE\"` them before `unuse`")
    }
}
