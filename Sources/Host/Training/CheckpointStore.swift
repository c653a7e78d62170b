import Compute
import Foundation

/// Checkpoints in a folder: `step-000120.safetensors` (Float32 tensors) beside
/// `step-000120.json` (the sidecar). Each file is written to a temporary name and renamed,
/// and the sidecar last, so a checkpoint whose sidecar exists is complete.
///
/// Tensor names in the safetensors file: `trainable/<key>`, `optimizer/<key>`, and for the
/// best validated step `best/trainable/<key>`, `best/optimizer/<key>`.
public struct CheckpointStore {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    private static let trainablePrefix = "trainable/"
    private static let optimizerPrefix = "optimizer/"
    private static let bestPrefix = "best/"

    /// Writes `checkpoint` and returns the sidecar's path.
    @discardableResult
    public func save(_ checkpoint: TrainingCheckpoint) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.checkpoint(path: directory, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let base = String(format: "step-%06d", checkpoint.step)
        var sidecar = checkpoint.sidecar
        sidecar.tensorsFile = base + ".safetensors"
        var tensors: [(name: String, tensor: Tensor)] = []
        func add(_ prefix: String, _ values: [String: Tensor]?) {
            for (key, tensor) in values ?? [:] { tensors.append((prefix + key, tensor)) }
        }
        add(Self.trainablePrefix, checkpoint.parameters)
        add(Self.optimizerPrefix, checkpoint.optimizerState)
        add(Self.bestPrefix + Self.trainablePrefix, checkpoint.bestParameters)
        add(Self.bestPrefix + Self.optimizerPrefix, checkpoint.bestOptimizerState)
        let tensorsPath = directory + "/" + sidecar.tensorsFile
        let sidecarPath = directory + "/" + base + ".json"
        do {
            try SafetensorsWriter.write(tensors, metadata: ["format": CheckpointSidecar.formatName, "step": String(checkpoint.step)],
                                        to: tensorsPath)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try encoder.encode(sidecar).write(to: URL(fileURLWithPath: sidecarPath), options: .atomic)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.checkpoint(path: sidecarPath, reason: "cannot write it: \(error)")
        }
        return sidecarPath
    }

    /// Sidecar paths of the complete checkpoints in the folder, by step.
    public func sidecars() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".json") }
            .compactMap { name -> (Int, String)? in
                guard let step = Int(name.dropFirst(5).dropLast(5)) else { return nil }
                return (step, directory + "/" + name)
            }
            .sorted { $0.0 < $1.0 }
            .map(\.1)
    }

    /// The checkpoint at `path`: a sidecar `.json`, its `.safetensors`, or a folder (its
    /// latest checkpoint). Every tensor the sidecar lists must be present with its shape.
    public static func load(_ path: String) throws -> TrainingCheckpoint {
        let sidecarPath = try resolveSidecar(path)
        let sidecar: CheckpointSidecar
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            sidecar = try decoder.decode(CheckpointSidecar.self, from: Data(contentsOf: URL(fileURLWithPath: sidecarPath)))
        } catch {
            throw TrainingError.checkpoint(path: sidecarPath, reason: "not a readable checkpoint sidecar (\(error))")
        }
        guard sidecar.format == CheckpointSidecar.formatName, sidecar.version <= CheckpointSidecar.currentVersion else {
            throw TrainingError.checkpoint(path: sidecarPath, reason: "format \(sidecar.format) version \(sidecar.version) is not one this build reads (\(CheckpointSidecar.formatName) ≤ \(CheckpointSidecar.currentVersion))")
        }
        let tensorsPath = (sidecarPath as NSString).deletingLastPathComponent + "/" + sidecar.tensorsFile
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(path: tensorsPath)
        } catch {
            throw TrainingError.checkpoint(path: tensorsPath, reason: "cannot read the tensors: \(error)")
        }
        var groups: [String: [String: Tensor]] = [:]
        for info in file.tensors {
            let prefixes = [bestPrefix + trainablePrefix, bestPrefix + optimizerPrefix, trainablePrefix, optimizerPrefix]
            guard let prefix = prefixes.first(where: { info.name.hasPrefix($0) }) else {
                throw TrainingError.checkpoint(path: tensorsPath, reason: "unexpected tensor '\(info.name)'")
            }
            groups[prefix, default: [:]][String(info.name.dropFirst(prefix.count))] = try file.floatTensor(named: info.name)
        }
        let parameters = groups[trainablePrefix] ?? [:]
        for entry in sidecar.parameters {
            guard let tensor = parameters[entry.name] else {
                throw TrainingError.checkpoint(path: tensorsPath, reason: "the sidecar lists parameter '\(entry.name)' but the file has no tensor for it")
            }
            guard tensor.shape == entry.shape else {
                throw TrainingError.checkpoint(path: tensorsPath, reason: "parameter '\(entry.name)' has shape \(tensor.shape) but the sidecar says \(entry.shape)")
            }
        }
        return TrainingCheckpoint(sidecar: sidecar, parameters: parameters,
                                  optimizerState: groups[optimizerPrefix] ?? [:],
                                  bestParameters: groups[bestPrefix + trainablePrefix],
                                  bestOptimizerState: groups[bestPrefix + optimizerPrefix])
    }

    /// Copies `saved` (keyed as `parameterKey`) into `parameters` in place. The names must
    /// match one to one and the shapes exactly; nothing is changed otherwise.
    public static func restore(_ saved: [String: Tensor], into parameters: [Tensor], path: String) throws {
        let keys = parameters.enumerated().map { parameterKey($1, index: $0) }
        var values: [Tensor] = []
        for (key, parameter) in zip(keys, parameters) {
            guard let value = saved[key] else {
                throw TrainingError.checkpoint(path: path, reason: "it has no tensor for parameter '\(key)' (it holds \(saved.keys.sorted().joined(separator: ", "))); use the same methods as when it was saved")
            }
            guard value.shape == parameter.shape else {
                throw TrainingError.checkpoint(path: path, reason: "parameter '\(key)' is \(parameter.shape) here but \(value.shape) in the checkpoint; use the same method settings as when it was saved")
            }
            values.append(value.contiguous())
        }
        let extra = Set(saved.keys).subtracting(keys)
        guard extra.isEmpty else {
            throw TrainingError.checkpoint(path: path, reason: "it holds tensors no parameter here matches: \(extra.sorted().joined(separator: ", ")); use the same methods as when it was saved")
        }
        for (value, parameter) in zip(values, parameters) where parameter.count > 0 {
            parameter.data.update(from: value.data, count: parameter.count)
        }
    }

    private static func resolveSidecar(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TrainingError.checkpoint(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            guard let latest = CheckpointStore(directory: path).sidecars().last else {
                throw TrainingError.checkpoint(path: path, reason: "the folder holds no step-*.json checkpoint")
            }
            return latest
        }
        if path.hasSuffix(".safetensors") { return String(path.dropLast(".safetensors".count)) + ".json" }
        return path
    }
}
