import Foundation

/// A Hugging Face style checkpoint: `config.json` plus weights in one `model.safetensors` or
/// in shards listed by `model.safetensors.index.json`.
public final class SafetensorsCheckpoint {
    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"

    /// The checkpoint directory.
    public let directory: String
    /// `config.json`, when the directory has one; the model code interprets it.
    public let config: JSONValue?
    /// The opened weight files (one, or one per shard).
    public let files: [SafetensorsFile]
    private let fileOfTensor: [String: Int]

    /// Opens a checkpoint from a directory, a `.safetensors` file or an `.index.json` file.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.cannotOpen(path: path, reason: "no such file or directory")
        }
        let directoryURL = isDirectory.boolValue ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: path).deletingLastPathComponent()
        directory = directoryURL.path

        let configPath = directoryURL.appendingPathComponent("config.json").path
        if FileManager.default.fileExists(atPath: configPath) {
            let mapping = try MemoryMappedFile(path: configPath)
            config = try ModelFileError.locating(configPath) { try JSONValue.parse(mapping.bytes) }
        } else {
            config = nil
        }

        let indexPath: String?
        if !isDirectory.boolValue {
            indexPath = path.hasSuffix(".json") ? path : nil
        } else {
            let candidate = directoryURL.appendingPathComponent(SafetensorsCheckpoint.indexFileName).path
            indexPath = FileManager.default.fileExists(atPath: candidate) ? candidate : nil
        }

        if let indexPath {
            let weightMap = try SafetensorsCheckpoint.readWeightMap(indexPath)
            let shardNames = Array(Set(weightMap.values)).sorted()
            var opened: [SafetensorsFile] = []
            for shard in shardNames {
                let shardPath = directoryURL.appendingPathComponent(shard).path
                guard FileManager.default.fileExists(atPath: shardPath) else {
                    let example = weightMap.first { $0.value == shard }!.key
                    throw ModelFileError.inFile(path: indexPath, .notFound(
                        "shard '\(shard)' (holding '\(example)' and others) is missing from \(directoryURL.path)"))
                }
                opened.append(try SafetensorsFile(path: shardPath))
            }
            var owner: [String: Int] = [:]
            for (tensor, shard) in weightMap {
                let position = shardNames.firstIndex(of: shard)!
                guard opened[position].contains(tensor) else {
                    throw ModelFileError.inFile(path: indexPath, .notFound(
                        "tensor '\(tensor)' is mapped to shard '\(shard)', which does not contain it"))
                }
                owner[tensor] = position
            }
            files = opened
            fileOfTensor = owner
        } else {
            let filePath = isDirectory.boolValue
                ? directoryURL.appendingPathComponent(SafetensorsCheckpoint.singleFileName).path : path
            guard FileManager.default.fileExists(atPath: filePath) else {
                throw ModelFileError.cannotOpen(path: path, reason:
                    "found neither \(SafetensorsCheckpoint.singleFileName) nor \(SafetensorsCheckpoint.indexFileName)")
            }
            let file = try SafetensorsFile(path: filePath)
            files = [file]
            fileOfTensor = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, 0) })
        }
    }

    /// Reads `weight_map` (tensor name → shard file name) from an index file.
    private static func readWeightMap(_ indexPath: String) throws -> [String: String] {
        let mapping = try MemoryMappedFile(path: indexPath)
        return try ModelFileError.locating(indexPath) {
            let index = try JSONValue.parse(mapping.bytes)
            guard let map = index["weight_map"]?.objectValue else {
                throw ModelFileError.malformed("missing object 'weight_map'")
            }
            var weightMap: [String: String] = [:]
            for (tensor, value) in map {
                guard let shard = value.stringValue else {
                    throw ModelFileError.malformed("weight_map entry for '\(tensor)' is a \(value.typeName), expected a string")
                }
                // Shards live beside the index; a path elsewhere is refused.
                guard !shard.contains("/"), shard != "..", !shard.isEmpty else {
                    throw ModelFileError.malformed("weight_map entry for '\(tensor)' names '\(shard)', which is not a file in this directory")
                }
                weightMap[tensor] = shard
            }
            return weightMap
        }
    }

    /// All tensor names, sorted.
    public var tensorNames: [String] { fileOfTensor.keys.sorted() }
    public func contains(_ name: String) -> Bool { fileOfTensor[name] != nil }

    /// The file holding the tensor called `name`.
    public func file(holding name: String) throws -> SafetensorsFile {
        guard let position = fileOfTensor[name] else {
            throw ModelFileError.notFound("checkpoint \(directory) has no tensor named '\(name)'")
        }
        return files[position]
    }

    public func tensorInfo(named name: String) throws -> SafetensorsTensorInfo {
        try file(holding: name).tensorInfo(named: name)
    }

    public func tensorData(named name: String) throws -> UnsafeRawBufferPointer {
        try file(holding: name).tensorData(named: name)
    }

    public func floatTensor(named name: String) throws -> Tensor {
        try file(holding: name).floatTensor(named: name)
    }
}
