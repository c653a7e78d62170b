import Foundation

/// Where a model named by the user comes from.
public enum ModelSource: Equatable, CustomStringConvertible {
    /// The in-memory test model (`TinyLlama`).
    case tiny
    /// A GGUF file.
    case gguf(String)
    /// A Hugging Face model directory (`config.json`, `*.safetensors`, `tokenizer.json`).
    case huggingFaceDirectory(String)

    public var description: String {
        switch self {
        case .tiny: return "tiny (built in)"
        case let .gguf(path): return path
        case let .huggingFaceDirectory(path): return path
        }
    }
}

/// Resolves model names: `tiny`, `smollm2` (the setup cache), aliases from a registry file
/// and the directories of `STRATA_MODELS`, or a plain path. A name that is not found gets an
/// error listing every place that was searched and how to add the model.
public struct ModelLocator {
    public var environment: [String: String]
    public var homeDirectory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                homeDirectory: String = NSHomeDirectory()) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// `${STRATA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/strata}` — where setup puts the default model.
    public var cacheDirectory: String {
        if let dir = environment["STRATA_CACHE"], !dir.isEmpty { return dir }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.cache"
        return base + "/strata"
    }

    /// The default model's file, installed by `scripts/setup.sh`.
    public var defaultModelPath: String { cacheDirectory + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }

    /// `${STRATA_MODELS_FILE:-${XDG_CONFIG_HOME:-~/.config}/strata/models.json}`: a JSON object
    /// mapping aliases to paths, e.g. `{"llama3": "/models/Meta-Llama-3-8B.Q4_0.gguf"}`.
    public var registryFile: String {
        if let file = environment["STRATA_MODELS_FILE"], !file.isEmpty { return file }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.config"
        return base + "/strata/models.json"
    }

    /// Colon-separated directories of `STRATA_MODELS`, searched for `NAME.gguf` or `NAME/config.json`.
    public var searchDirectories: [String] {
        (environment["STRATA_MODELS"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    public func resolve(_ name: String) throws -> ModelSource {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ModelLookupError(name: name, searched: [], hint: "give a model name, e.g. `tiny` or `smollm2`, or a path") }
        if trimmed == "tiny" { return .tiny }
        var searched: [String] = []
        if trimmed == "smollm2" {
            if FileManager.default.fileExists(atPath: defaultModelPath) { return .gguf(defaultModelPath) }
            throw ModelLookupError(name: trimmed, searched: [defaultModelPath],
                                   hint: "run `bash scripts/setup.sh` to fetch the default model into the cache")
        }
        if let source = try pathSource(expand(trimmed)) { return source }
        if trimmed.contains("/") || trimmed.hasSuffix(".gguf") {
            searched.append(expand(trimmed))
        }
        searched.append("\(registryFile) (entry \"\(trimmed)\")")
        if let entry = try registryEntry(trimmed) {
            if let source = try pathSource(expand(entry)) { return source }
            throw ModelLookupError(name: trimmed, searched: [registryFile + " → " + entry],
                                   hint: "the registry entry points to \(entry), which is neither a .gguf file nor a directory with config.json; fix the entry")
        }
        for directory in searchDirectories {
            for candidate in [directory + "/" + trimmed + ".gguf", directory + "/" + trimmed] {
                searched.append(candidate)
                if let source = try pathSource(candidate) { return source }
            }
        }
        if searchDirectories.isEmpty { searched.append("STRATA_MODELS (not set)") }
        throw ModelLookupError(
            name: trimmed, searched: searched,
            hint: "add \"\(trimmed)\": \"/path/to/model.gguf\" to \(registryFile), or set STRATA_MODELS to a directory holding \(trimmed).gguf or \(trimmed)/config.json, or give the path itself")
    }

    private func expand(_ path: String) -> String {
        path.hasPrefix("~/") ? homeDirectory + String(path.dropFirst(1)) : path
    }

    /// A GGUF file or a Hugging Face directory at `path`, or nil when nothing is there.
    private func pathSource(_ path: String) throws -> ModelSource? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue {
            guard FileManager.default.fileExists(atPath: path + "/config.json") else {
                throw ModelLookupError(name: path, searched: [path],
                                       hint: "the directory has no config.json; a Hugging Face model directory needs config.json and *.safetensors")
            }
            return .huggingFaceDirectory(path)
        }
        return .gguf(path)
    }

    private func registryEntry(_ name: String) throws -> String? {
        guard let data = FileManager.default.contents(atPath: registryFile) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelLookupError(name: name, searched: [registryFile],
                                   hint: "the registry file is not a JSON object of alias → path; fix its syntax")
        }
        return object[name] as? String
    }
}

/// A model name that could not be resolved: where Strata looked and what to do.
public struct ModelLookupError: Error, CustomStringConvertible {
    public let name: String
    public let searched: [String]
    public let hint: String

    public var description: String {
        var text = "model '\(name)' not found"
        if !searched.isEmpty { text += "; looked in: " + searched.joined(separator: ", ") }
        return text + ". To fix: " + hint
    }
}
